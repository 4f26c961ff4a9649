"""The event envelope: what every Router event carries around its typed ``data``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Dict, Optional, Type

from .._model_core import Model, deserialize, parse_datetime


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

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, subject={self.subject!r}, data={self.data!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RouterEvent) and type(other) is type(self) and other.raw == self.raw

    __hash__ = None  # type: ignore[assignment]
