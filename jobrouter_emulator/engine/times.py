"""Date-times as the emulator reads and writes them: one parser and one formatter for the ISO 8601 times of
documents and events, one of each for the RFC 1123 dates of HTTP headers.

The ISO parser is the SDK's (through :mod:`jobrouter_emulator.sdk`), so the emulator reads every form a client may send
exactly as the SDK reads the emulator's answers. It accepts the moments the service can represent (.NET's
``DateTimeOffset`` in UTC, year 1 to 9999: the service itself sends ``0001-01-01T00:00:00Z`` for "none"); a time whose
offset carries it outside that range (``0001-01-01T00:00:00+01:00``) is refused rather than overflowing later.

The formatter writes what the live service writes: UTC with the offset "+00:00" and the fraction without trailing
zeros ("2023-11-03T21:26:56.396967+00:00").
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Optional

from ..sdk import parse_sdk_datetime


def parse_time(value: str) -> datetime:
    """A timezone-aware datetime from an ISO 8601 text (naive means UTC); ValueError if it is not one, or if it is
    not between years 1 and 9999 in UTC."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an ISO 8601 date-time")
    moment = parse_sdk_datetime(value)
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{value!r} is outside the years 1 to 9999 in UTC") from None
    return moment


def parse_time_or_none(value: Any) -> Optional[datetime]:
    """:func:`parse_time`, or None for anything that is not a date-time text (a missing or malformed value)."""
    try:
        return parse_time(value)
    except ValueError:
        return None


def format_time(moment: datetime) -> str:
    """The service's spelling of a moment: "2023-11-03T21:26:56.396967+00:00"."""
    if moment.tzinfo is not timezone.utc:
        moment = moment.astimezone(timezone.utc)
    text = moment.isoformat()  # "...T21:26:56.396967+00:00": about twice as fast as strftime
    return text[:20] + text[20:26].rstrip("0") + "+00:00" if moment.microsecond else text


@functools.lru_cache(maxsize=256)  # every signed request has one; many carry the same second
def parse_http_date(value: str) -> datetime:
    """A timezone-aware datetime from an RFC 1123 header value ("Fri, 03 Nov 2023 21:26:55 GMT"); ValueError if it is
    not one."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not an RFC 1123 date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_http_date(moment: datetime) -> str:
    """The RFC 1123 spelling of a moment, for headers such as Last-Modified."""
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)
