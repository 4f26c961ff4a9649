"""The values a test stores with ``recorded_router.value(name, make)``, as JSON text."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any, Callable, Dict, Tuple

# Values a test makes (ids, times, random choices), kept as JSON; the types JSON lacks carry a tag.
_TAGGED: Dict[str, Tuple[type, Callable[[Any], str], Callable[[str], Any]]] = {
    "datetime": (datetime, lambda v: v.isoformat(), datetime.fromisoformat),
    "date": (date, lambda v: v.isoformat(), date.fromisoformat),
    "uuid": (uuid.UUID, str, uuid.UUID),
}


def encode_value(name: str, value: Any) -> str:
    """``value`` as the JSON text a cassette stores; a TypeError names the value and the types that can be stored."""
    return json.dumps(_tag(name, value), separators=(",", ":"), sort_keys=True)


def _tag(name: str, value: Any) -> Any:
    for tag, (kind, dump, _) in _TAGGED.items():
        if isinstance(value, kind):  # datetime before date: a datetime is a date too
            return {"$type": tag, "value": dump(value)}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_tag(name, item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _tag(name, item) for key, item in value.items()}
    raise TypeError(
        f"recorded value {name!r} is a {type(value).__name__}: make() must return JSON types (str, int, float, bool, "
        "None, lists, dicts with str keys), datetime, date or UUID"
    )


def decode_value(text: str) -> Any:
    return _untag(json.loads(text))


def _untag(node: Any) -> Any:
    if isinstance(node, dict):
        if set(node) == {"$type", "value"} and node["$type"] in _TAGGED:
            return _TAGGED[node["$type"]][2](node["value"])
        return {key: _untag(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_untag(item) for item in node]
    return node
