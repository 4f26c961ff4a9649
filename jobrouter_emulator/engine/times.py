"""Date-times as the emulator reads and writes them: one parser, one formatter.

The parser is the SDK's (through :mod:`jobrouter_emulator.sdk`), so the emulator reads every form a client may send
exactly as the SDK reads the emulator's answers. The formatter writes what the live service writes: UTC with the
offset "+00:00" and the fraction without trailing zeros ("2023-11-03T21:26:56.396967+00:00").
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from ..sdk import parse_sdk_datetime


def parse_time(value: str) -> datetime:
    """A timezone-aware datetime from an ISO 8601 text (naive means UTC); ValueError if it is not one."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an ISO 8601 date-time")
    return parse_sdk_datetime(value)


def parse_time_or_none(value: Any) -> Optional[datetime]:
    """:func:`parse_time`, or None for anything that is not a date-time text (a missing or malformed value)."""
    try:
        return parse_time(value)
    except ValueError:
        return None


def format_time(moment: datetime) -> str:
    """The service's spelling of a moment: "2023-11-03T21:26:56.396967+00:00"."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "+00:00"
