"""Reading Router events from whatever a webhook or an SDK hands over.

Accepted: ``azure.eventgrid.EventGridEvent``, ``azure.core.messaging.CloudEvent``, a dict in the Event Grid or the
CloudEvents schema, JSON text or bytes of either, and a list (a batch) of any of these.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from ._envelope import RouterEvent
from ._generated.events import EVENT_CLASSES


class RouterEventParseError(ValueError):
    """The input is not a Router event (or a batch of them); the message says which part is wrong."""


def _load_json(source: Any) -> Any:
    try:
        return json.loads(source)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RouterEventParseError(f"The input is not valid JSON: {exc}") from exc


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
    data = fields.get("data")
    if isinstance(data, (str, bytes)) and data[:1] in ("{", b"{"):
        fields["data"] = _load_json(data)
    if fields.get("data") is not None and not isinstance(fields["data"], dict):
        raise RouterEventParseError(f"{where} has data of type {type(fields['data']).__name__}; expected a JSON object")
    event_class = EVENT_CLASSES.get(fields["event_type"], RouterEvent)
    try:
        return event_class._from_fields(fields, raw)
    except (TypeError, ValueError) as exc:
        raise RouterEventParseError(f"{where} ({fields['event_type']}) is malformed: {exc}") from exc


def parse_events(source: Any) -> List[RouterEvent]:
    """All events in ``source`` (one event or a batch), typed by their event type."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = _load_json(bytes(source))
    elif isinstance(source, str):
        source = _load_json(source)
    if isinstance(source, (list, tuple)):
        return [_one(item, f"event [{index}]") for index, item in enumerate(source)]
    return [_one(source, "the event")]


def parse_event(source: Any) -> RouterEvent:
    """Exactly one event; a batch of several is an error."""
    events = parse_events(source)
    if len(events) != 1:
        raise RouterEventParseError(f"Expected one event, got {len(events)}; use parse_events for batches")
    return events[0]


parse = parse_events
