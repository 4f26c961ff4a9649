"""Durations as scenarios write them: ``8h``, ``30m``, ``90s``, ``1h30m``, ``00:15:00`` or a number of seconds."""

from __future__ import annotations

import re
from typing import Any

from .errors import ScenarioError

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")


def parse_duration(value: Any, field: str) -> float:
    """Seconds in ``value`` (at least 0); a ScenarioError naming ``field`` when it is not a duration."""
    if isinstance(value, bool):
        raise ScenarioError(field, f"expected a duration such as 8h, 30m, 90s or a number of seconds, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip().lower()
        if ":" in text:
            seconds = _clock_time(text, field)
        elif re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        elif re.fullmatch(rf"(?:{_PART.pattern}\s*)+", text):
            seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(text))
        else:
            raise ScenarioError(field, f"expected a duration such as 8h, 30m, 90s or 1h30m, got {value!r}")
    else:
        raise ScenarioError(field, f"expected a duration such as 8h, 30m, 90s or a number of seconds, got {value!r}")
    if not seconds >= 0 or seconds == float("inf"):
        raise ScenarioError(field, f"must be a finite duration of at least 0, got {value!r}")
    return seconds


def _clock_time(text: str, field: str) -> float:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(re.fullmatch(r"\d+(?:\.\d+)?", p) for p in parts):
        raise ScenarioError(field, f"expected HH:MM or HH:MM:SS, got {text!r}")
    numbers = [float(p) for p in parts] + [0.0] * (3 - len(parts))
    return numbers[0] * 3600 + numbers[1] * 60 + numbers[2]


def format_duration(seconds: float) -> str:
    """``8h``, ``1h30m``, ``45s``: the shortest exact spelling (for progress and reports)."""
    whole = int(round(seconds))
    if whole == 0:
        return "0s"
    text = ""
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            text += f"{count}{unit}"
    return text
