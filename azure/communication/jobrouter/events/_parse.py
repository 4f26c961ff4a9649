"""Reading Router events from whatever a webhook or an SDK hands over.

Accepted: ``azure.eventgrid.EventGridEvent``, ``azure.core.messaging.CloudEvent``, a dict in the Event Grid or the
CloudEvents schema, JSON text or bytes of either, and a list (a batch) of any of these.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple, Union

from .._model_core import check_document
from ._envelope import RouterEvent
from ._generated.events import EVENT_CLASSES

MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
"""The largest JSON text parse_events reads by default. Event Grid caps one event at 1 MB and a delivered batch at
a few MB; anything far above is not an Event Grid delivery."""


class RouterEventParseError(ValueError):
    """The input is not a Router event (or a batch of them); the message says which part is wrong."""


def _load_json(source: Any) -> Any:
    try:
        return json.loads(source)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RouterEventParseError(f"The input is not valid JSON: {exc}") from exc
    except RecursionError:
        raise RouterEventParseError("The input is not valid JSON: it is nested too deeply") from None


def _fields_of_object(item: Any) -> Optional[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """(normalized fields, raw dict) of an EventGridEvent or CloudEvent object, else None."""
    if hasattr(item, "event_type") and hasattr(item, "data_version"):  # azure.eventgrid.EventGridEvent
        raw = {
            "id": item.id,
            "topic": getattr(item, "topic", None),
            "subject": item.subject,
            "data": item.data,
            "eventType": item.event_type,
            "eventTime": item.event_time,
            "dataVersion": item.data_version,
        }
        return {
            "id": item.id,
            "event_type": item.event_type,
            "subject": item.subject,
            "event_time": item.event_time,
            "topic": raw["topic"],
            "data_version": item.data_version,
            "data": item.data,
        }, raw
    if hasattr(item, "specversion") and hasattr(item, "source"):  # azure.core.messaging.CloudEvent
        raw = {
            "id": item.id,
            "source": item.source,
            "type": item.type,
            "subject": item.subject,
            "time": item.time,
            "data": item.data,
            "specversion": item.specversion,
        }
        return {
            "id": item.id,
            "event_type": item.type,
            "subject": item.subject,
            "event_time": item.time,
            "topic": item.source,
            "data_version": None,
            "data": item.data,
        }, raw
    return None


def _fields_of_dict(item: Dict[str, Any], where: str) -> Dict[str, Any]:
    required: Tuple[str, ...]
    if "specversion" in item:
        required = ("id", "type", "source")
        names = {"event_type": "type", "event_time": "time", "topic": "source", "data_version": "dataversion"}
    else:
        required = ("id", "eventType")
        names = {"event_type": "eventType", "event_time": "eventTime", "topic": "topic", "data_version": "dataVersion"}
    missing = [name for name in required if not item.get(name)]
    if missing:
        schema = "CloudEvents" if "specversion" in item else "Event Grid"
        raise RouterEventParseError(f"{where} is not an {schema} event: it has no {', '.join(missing)}")
    fields = {key: item.get(name) for key, name in names.items()}
    fields.update(id=item["id"], subject=item.get("subject"), data=item.get("data"))
    if fields["data"] is None and "data_base64" in item:
        raise RouterEventParseError(f"{where} carries binary data (data_base64); Router events carry JSON data")
    return fields


def _one(item: Any, where: str) -> RouterEvent:
    converted = _fields_of_object(item)
    if converted is not None:
        fields, raw = converted
    elif isinstance(item, dict):
        fields, raw = _fields_of_dict(item, where), item
    else:
        raise RouterEventParseError(
            f"{where} is a {type(item).__name__}; expected an event object, a dict, or JSON text"
        )
    if not isinstance(fields["id"], str) or not isinstance(fields["event_type"], str):
        raise RouterEventParseError(f"{where} has an id or event type that is not a string")
    event_type = fields["event_type"]
    where = f"{where} (id {fields['id']!r}, {event_type})"
    data = fields.get("data")
    if isinstance(data, (str, bytes)) and data[:1] in ("{", b"{"):
        data = fields["data"] = _load_json(data)
    if data is not None and not isinstance(data, dict):
        raise RouterEventParseError(f"{where} has data of type {type(data).__name__}; expected a JSON object")
    event_class = EVENT_CLASSES.get(event_type, RouterEvent)
    try:
        if event_class.data_type is not None and data is not None:
            check_document(event_class.data_type, data, "data", required=False)  # senders omit some
        return event_class._from_fields(fields, raw)
    except (TypeError, ValueError) as exc:
        raise RouterEventParseError(f"{where} is malformed: {exc}") from exc


def _items(source: Any, max_bytes: int) -> List[Tuple[str, Any]]:
    """(label, item) for each event in ``source``: JSON is loaded, a single event becomes a batch of one."""
    if isinstance(source, (str, bytes, bytearray, memoryview)):
        size = len(source.encode()) if isinstance(source, str) else len(source)
        if size > max_bytes:
            raise RouterEventParseError(
                f"The input is {size:,} bytes, more than max_bytes={max_bytes:,}; Event Grid never delivers "
                "that much at once (pass a larger max_bytes to read it anyway)"
            )
        source = _load_json(source if isinstance(source, str) else bytes(source))
    if isinstance(source, (list, tuple)):
        return [(f"event [{index}]", item) for index, item in enumerate(source)]
    return [("the event", source)]


def parse_events(source: Any, *, max_bytes: int = MAX_PAYLOAD_BYTES) -> List[RouterEvent]:
    """All events in ``source`` (one event or a batch), typed by their event type.

    Every typed event's data is checked against its schema here, so a wrong value is reported now, with the event
    id and the field's path, rather than when an attribute is first read. JSON text or bytes longer than
    ``max_bytes`` is refused unread.
    """
    return [_one(item, label) for label, item in _items(source, max_bytes)]


def parse_each(source: Any, *, max_bytes: int = MAX_PAYLOAD_BYTES) -> List[Union[RouterEvent, RouterEventParseError]]:
    """Like :func:`parse_events`, but a bad event of a batch comes back as its error, in its place, and the
    others are still read. Input that is not events at all (not JSON, too large) gives one error."""
    try:
        items = _items(source, max_bytes)
    except RouterEventParseError as exc:
        return [exc]
    out: List[Union[RouterEvent, RouterEventParseError]] = []
    for label, item in items:
        try:
            out.append(_one(item, label))
        except RouterEventParseError as exc:
            out.append(exc)
    return out


def parse_event(source: Any, *, max_bytes: int = MAX_PAYLOAD_BYTES) -> RouterEvent:
    """Exactly one event; a batch of several is an error."""
    events = parse_events(source, max_bytes=max_bytes)
    if len(events) != 1:
        raise RouterEventParseError(f"Expected one event, got {len(events)}; use parse_events for batches")
    return events[0]

