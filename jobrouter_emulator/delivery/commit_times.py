"""When each event was committed, on the machine's clock: what an event's time to live is measured against.

An event's ``eventTime`` is on the emulator's clock, which may be virtual (standing still, or moved by hours at a
time); time to live and the retry schedule are the delivery machinery's and run on real time, so a virtual-clock run
delivers as a system-clock run does. The router's commit listener notes here the ``time.monotonic()`` of each
commit, at most one note per :attr:`CommitTimes.resolution` (an event's age is then overstated by less than that),
and notes older than the longest time to live are dropped, so the record stays small (at most
``horizon / resolution`` notes) however many events go by.

Events committed before this emulator started (kept by a durable store) count as committed at its start: their real
commit time is not kept.
"""

from __future__ import annotations

import threading
import time
from array import array
from bisect import bisect_right

NOTES = 100_000  # notes at most within the horizon: the resolution is horizon / NOTES


class CommitTimes:
    def __init__(self, last_sequence_at_start: int, *, horizon: float) -> None:
        """``horizon``: the longest time to live, in seconds (ages past it need no precision)."""
        self.horizon = horizon
        self.resolution = min(1.0, horizon / NOTES)
        self._start_sequence = last_sequence_at_start
        self._started = time.monotonic()
        self._sequences = array("q")  # the first sequence of a commit ...
        self._times = array("d")  # ... and when it was committed
        self._forgotten_until = self._started  # notes before this time were dropped
        self._lock = threading.Lock()

    def committed(self, first_sequence: int) -> None:
        """Events from ``first_sequence`` on were committed now (the router's commit listener: kept cheap)."""
        now = time.monotonic()
        with self._lock:
            if self._times and now - self._times[-1] < self.resolution:
                return
            self._sequences.append(first_sequence)
            self._times.append(now)
            if len(self._times) > 2 * NOTES:
                self._forget(now)

    def _forget(self, now: float) -> None:
        keep = bisect_right(self._times, now - self.horizon)
        if keep:
            self._forgotten_until = self._times[keep - 1]
            del self._sequences[:keep]
            del self._times[:keep]

    def age(self, sequence: int) -> float:
        """Seconds since event ``sequence`` was committed (never less than the truth, by under ``resolution``)."""
        now = time.monotonic()
        if sequence <= self._start_sequence:
            return now - self._started
        with self._lock:
            index = bisect_right(self._sequences, sequence) - 1
            committed = self._times[index] if index >= 0 else self._forgotten_until
        return now - committed
