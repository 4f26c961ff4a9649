"""The event envelope: what every Router event carries around its typed ``data``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Dict, Optional, Type

from .._model_core import Model, deserialize, format_datetime, parse_datetime, serialize


class RouterEvent:
    """A Router event. Subclasses (``RouterJobQueued``, ...) type ``data``; an unknown type stays a ``RouterEvent``
    whose ``data`` is the raw JSON.

    :ivar str id: The event id.
    :ivar str event_type: The full type, e.g. ``Microsoft.Communication.RouterJobQueued``.
    :ivar str subject: What the event is about, e.g. ``job/{id}/channel/{channel}/queue/{queue}``.
    :ivar datetime event_time: When it happened.
    :ivar str topic: The Event Grid topic, or the CloudEvent ``source``.
    :ivar data: The event's data.
    :ivar dict raw: The event as received (Event Grid or CloudEvents schema).
    """

    event_type_name: ClassVar[Optional[str]] = None
    data_type: ClassVar[Optional[Type[Model]]] = None

    __slots__ = ("id", "event_type", "subject", "event_time", "topic", "data_version", "data", "raw")

    def __init__(
        self,
        *,
        id: str,
        event_type: str,
        subject: Optional[str],
        event_time: Optional[datetime],
        topic: Optional[str],
        data_version: Optional[str],
        data: Any,
        raw: Dict[str, Any],
    ) -> None:
        self.id = id
        self.event_type = event_type
        self.subject = subject
        self.event_time = event_time
        self.topic = topic
        self.data_version = data_version
        self.data = deserialize(self.data_type, data) if self.data_type is not None and data is not None else data
        self.raw = raw

    @classmethod
    def _from_fields(cls, fields: Dict[str, Any], raw: Dict[str, Any]) -> RouterEvent:
        when = fields.get("event_time")
        if isinstance(when, str):
            when = parse_datetime(when)
        return cls(
            id=fields["id"],
            event_type=fields["event_type"],
            subject=fields.get("subject"),
            event_time=when,
            topic=fields.get("topic"),
            data_version=fields.get("data_version"),
            data=fields.get("data"),
            raw=raw,
        )

    def as_dict(self, schema: str = "eventgrid") -> Dict[str, Any]:
        """The event as JSON in the Event Grid schema (``schema="eventgrid"``) or the CloudEvents 1.0 schema
        (``"cloudevents"``).

        What the sender put in the event and this class does not model (``metadataVersion``, extension
        attributes, unknown data fields) is kept; a date-time that was not changed keeps its original text, so an
        event parsed from Event Grid JSON serializes back to the same JSON.
        """
        data = self.data.as_dict() if isinstance(self.data, Model) else serialize(self.data)
        from_cloudevent = "specversion" in self.raw
        time_key = "time" if from_cloudevent else "eventTime"
        if schema == "eventgrid":
            keep = {} if from_cloudevent else dict(self.raw)
            keep.update(
                id=self.id,
                topic=self.topic,
                subject=self.subject,
                data=data,
                eventType=self.event_type,
                dataVersion=self.data_version if self.data_version is not None else "1.0",
                eventTime=self._time_text(self.raw.get(time_key)),
            )
            keep.setdefault("metadataVersion", "1")
            return {key: value for key, value in keep.items() if value is not None}
        if schema == "cloudevents":
            keep = dict(self.raw) if from_cloudevent else {}
            keep.update(
                specversion="1.0",
                id=self.id,
                source=self.topic,
                type=self.event_type,
                subject=self.subject,
                time=self._time_text(self.raw.get(time_key)),
                data=data,
            )
            return {key: value for key, value in keep.items() if value is not None}
        raise ValueError(f"schema must be 'eventgrid' or 'cloudevents', not {schema!r}")

    def _time_text(self, original: Any) -> Optional[str]:
        if self.event_time is None:
            return None
        if isinstance(original, str):
            try:
                if parse_datetime(original) == self.event_time:
                    return original
            except ValueError:
                pass
        return format_datetime(self.event_time)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, subject={self.subject!r}, data={self.data!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RouterEvent) and type(other) is type(self) and other.raw == self.raw

    __hash__ = None  # type: ignore[assignment]
