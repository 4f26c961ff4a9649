"""Timers: the engine's work that is due at a time (routing a new job, expiring an offer, ...).

A heap ordered by due time, and an explicit table from :class:`TimerKind` to the handler that does the work; the
table is filled in one place (:class:`~.router.Router`), so every kind's handler and every place that schedules it
can be found by searching for the kind's name. A timer scheduled during a command joins the heap only when the
command commits (``defer``), so a command that fails leaves no timer behind.
"""

from __future__ import annotations

import heapq
import threading
from datetime import datetime
from enum import Enum
from typing import Callable, Dict, List, Mapping, Optional, Tuple


class TimerKind(str, Enum):
    PROCESS_JOB = "processJob"  # classify or queue a job that was just received, updated or reclassified
    ACTIVATE_SCHEDULED_JOB = "activateScheduledJob"  # a scheduled job's scheduleAt has come
    EXPIRE_WORKER_SELECTORS = "expireWorkerSelectors"  # a job's worker selector reaches its expiresAt
    CLOSE_ASSIGNMENT = "closeAssignment"  # a close requested with a future closeAt
    EXPIRE_OFFER = "expireOffer"  # an offer reaches its expiresAt
    WAIT_TIME_EXCEPTION = "waitTimeException"  # a queued job has waited as long as a waitTime trigger says
    MATCH_QUEUE = "matchQueue"  # offer a queue's jobs to its free workers
    CLASSIFICATION_RESULT = "classificationResult"  # a classification that called a rule service has its answer
    SCORING_RESULT = "scoringResult"  # a scoring rule's service has ranked the workers for a queued job


Entry = Tuple[datetime, int, TimerKind, Tuple[str, ...]]


class Timers:
    """Due work in time order. ``lock`` is the lock commands run under; the timer thread waits on it."""

    def __init__(self, lock: threading.RLock, defer: Callable[[Callable[[], None]], None]) -> None:
        self._heap: List[Entry] = []
        self._sequence = 0  # keeps timers due at the same time in the order they were scheduled
        self._defer = defer
        self._handlers: Dict[TimerKind, Callable[..., None]] = {}
        self.wakeup = threading.Condition(lock)

    def set_handlers(self, handlers: Mapping[TimerKind, Callable[..., None]]) -> None:
        """The table of handlers: one for every kind."""
        missing = set(TimerKind) - set(handlers)
        if missing:
            raise ValueError(f"no handler for timer kinds {sorted(k.value for k in missing)}")
        self._handlers = dict(handlers)

    def schedule(self, at: datetime, kind: TimerKind, *args: str) -> None:
        """Run the ``kind`` handler with ``args`` at ``at`` (once the current command has committed)."""
        self._defer(lambda: self._push(at, kind, args))

    def push(self, at: datetime, kind: TimerKind, *args: str) -> None:
        """:meth:`schedule` at once, tied to no command: for threads that run none (rule calls)."""
        self._push(at, kind, args)

    def _push(self, at: datetime, kind: TimerKind, args: Tuple[str, ...]) -> None:
        with self.wakeup:
            self._sequence += 1
            heapq.heappush(self._heap, (at, self._sequence, kind, args))
            self.wakeup.notify_all()

    def next_due(self) -> Optional[datetime]:
        """When the earliest timer is due; None when there is none."""
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: datetime) -> Optional[Tuple[TimerKind, Tuple[str, ...]]]:
        """Take the earliest timer if it is due by ``now``."""
        if not self._heap or self._heap[0][0] > now:
            return None
        _, _, kind, args = heapq.heappop(self._heap)
        return kind, args

    def fire(self, kind: TimerKind, args: Tuple[str, ...]) -> None:
        """Do the work of one timer."""
        self._handlers[kind](*args)

    def clear(self) -> None:
        """Drop every timer (a reset); the table of handlers stays."""
        with self.wakeup:
            self._heap.clear()

    def close(self) -> None:
        """Drop every timer and the table of handlers."""
        self.clear()
        self._handlers.clear()

    def __len__(self) -> int:
        return len(self._heap)
