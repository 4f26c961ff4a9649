"""Command-line options written as ``key=value`` tokens, read into the JSON object the HTTP API takes, so the
command line and the API share one validator (``--event-subscription``, ``--faults``)."""

from __future__ import annotations

import json
from typing import Any, Dict, Sequence


def options_from_tokens(tokens: Sequence[str], *, list_keys: Sequence[str] = ()) -> Dict[str, Any]:
    """Values that read as JSON (numbers, true, false, arrays) become those, others stay text; keys in ``list_keys``
    split text on commas (``operations=get_job,upsert_job``)."""
    body: Dict[str, Any] = {}
    for token in tokens:
        key, separator, text = token.partition("=")
        if not separator or not key:
            raise ValueError(f"options are key=value, got {token!r}")
        try:
            value: Any = json.loads(text)
        except ValueError:
            value = text
        if key in list_keys and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        body[key] = value
    return body
