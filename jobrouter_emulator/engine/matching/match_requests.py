"""Asking for a queue to be matched: once the current command has committed, a little later, at most one pending
match per queue (one match looks at the whole queue)."""

from __future__ import annotations

from datetime import timedelta
from typing import Callable, Optional, Set

from ..clock import Clock
from ..state import State
from ..timers import TimerKind, Timers


class MatchRequests:
    def __init__(self, state: State, timers: Timers, clock: Clock, delay: Callable[[], timedelta]) -> None:
        # Routing runs ``delay()`` after the command that caused it, never inside it: a response never shows its own
        # routing results, as with the live service (where offers came 0.3-0.8 s after the job).
        self._state = state
        self._timers = timers
        self._clock = clock
        self._delay = delay
        self._pending: Set[str] = set()

    def request(self, queue_id: Optional[str]) -> None:
        """Match ``queue_id`` soon (nothing for a job in no queue)."""
        if queue_id:
            self._state.after_commit(lambda: self._schedule(queue_id))

    def _schedule(self, queue_id: str) -> None:
        if queue_id not in self._pending:
            self._pending.add(queue_id)
            self._timers.schedule(self._clock.now() + self._delay(), TimerKind.MATCH_QUEUE, queue_id)

    def clear(self) -> None:
        """Forget the pending matches (a reset, which drops their timers too)."""
        self._pending.clear()

    def started(self, queue_id: str) -> None:
        """The queue's match is running: a change from now on needs a new one."""
        self._pending.discard(queue_id)
