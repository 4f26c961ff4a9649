"""Time as the engine sees it: injected, so tests move it instantly and the server uses the wall clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        """The wall clock's time, UTC."""
        return datetime.now(timezone.utc)


class FakeClock:
    """A clock that stands still until it is moved: the engine tests' clock, and the emulator's virtual clock
    (``--clock virtual``), which :meth:`~.router.Router.advance` moves."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 1, 1, tzinfo=timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The time the test has set."""
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        """Move time forward (``seconds``, or ``timedelta`` keywords); returns the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds, **delta)
            return self._now

    def set(self, when: datetime) -> None:
        """Set the time."""
        with self._lock:
            self._now = when


CLOCKS = ("system", "virtual")


def make_clock(kind: str) -> Clock:
    """The clock named ``kind``: the system's, or a virtual one that starts at the current time and then stands
    still until it is moved."""
    if kind not in CLOCKS:
        raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, got {kind!r}")
    return FakeClock(datetime.now(timezone.utc)) if kind == "virtual" else SystemClock()
