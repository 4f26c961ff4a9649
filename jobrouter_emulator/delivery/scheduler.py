"""The delivery machinery's threads: a timetable of turns and a few threads that run them when they are due.

Every subscription's work is a sequence of short turns (a handshake, one attempt at a batch, a look for new events),
each followed by a time for the next one. A subscription waiting (for events, or for its next retry) holds no
thread, only its place in the timetable, so 500 subscriptions cost a few threads rather than 500. A turn that waits
on a slow endpoint holds one of the :data:`WORKERS` threads for at most one attempt's deadline (30 s), so up to
that many slow endpoints are served at once before others wait.

Threads are daemons: a turn stuck past the emulator's stop never holds the process open.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Callable, List, Optional

logger = logging.getLogger(__name__)

WORKERS = 16


class Ticket:
    """A turn in the timetable; cancelling it drops the reference to the turn at once (a deleted subscription is
    freed even when its next retry was hours away)."""

    __slots__ = ("when", "order", "turn")

    def __init__(self, when: float, order: int, turn: Callable[[], None]) -> None:
        self.when = when
        self.order = order
        self.turn: Optional[Callable[[], None]] = turn

    def __lt__(self, other: Ticket) -> bool:
        return (self.when, self.order) < (other.when, other.order)

    @property
    def cancelled(self) -> bool:
        return self.turn is None


class Scheduler:
    def __init__(self, workers: int = WORKERS) -> None:
        self._workers = workers
        self._timetable: List[Ticket] = []
        self._cancelled = 0
        self._condition = threading.Condition()
        self._order = itertools.count()
        self._threads: List[threading.Thread] = []
        self._stopped = False

    def start(self) -> None:
        with self._condition:
            if self._threads:
                return
            self._stopped = False
            for index in range(self._workers):
                thread = threading.Thread(target=self._work, name=f"jobrouter-delivery-{index}", daemon=True)
                self._threads.append(thread)
                thread.start()

    def stop(self) -> None:
        """No new turns start; turns under way finish on their own (their threads end after them)."""
        with self._condition:
            self._stopped = True
            self._timetable.clear()
            self._cancelled = 0
            self._threads.clear()
            self._condition.notify_all()

    def at(self, when: float, turn: Callable[[], None]) -> Ticket:
        """Run ``turn`` on a pool thread at ``when`` (a ``time.monotonic()`` value) or soon after."""
        ticket = Ticket(when, next(self._order), turn)
        with self._condition:
            heapq.heappush(self._timetable, ticket)
            if self._timetable[0] is ticket:
                self._condition.notify()
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        with self._condition:
            if ticket.turn is None:
                return
            ticket.turn = None
            self._cancelled += 1
            if self._cancelled > 64 and self._cancelled * 2 > len(self._timetable):
                self._timetable = [t for t in self._timetable if not t.cancelled]
                heapq.heapify(self._timetable)
                self._cancelled = 0

    def waiting(self) -> int:
        """Turns in the timetable (for tests and benchmarks)."""
        with self._condition:
            return len(self._timetable) - self._cancelled

    def _next(self) -> Optional[Callable[[], None]]:
        """The next due turn, waiting for it; None once stopped."""
        with self._condition:
            while not self._stopped:
                while self._timetable and self._timetable[0].cancelled:
                    heapq.heappop(self._timetable)
                    self._cancelled -= 1
                if not self._timetable:
                    self._condition.wait()
                    continue
                delay = self._timetable[0].when - time.monotonic()
                if delay > 0:
                    self._condition.wait(delay)
                    continue
                ticket = heapq.heappop(self._timetable)
                turn, ticket.turn = ticket.turn, None
                if self._timetable:
                    self._condition.notify()  # another turn may be due too: wake another thread for it
                return turn
            return None

    def _work(self) -> None:
        while True:
            turn = self._next()
            if turn is None:
                return
            try:
                turn()
            except Exception:  # noqa: BLE001 - a turn's bug must not take a pool thread with it
                logger.exception("A delivery turn failed")
            # Not kept while waiting for the next one: it would hold a deleted subscriber alive.
            del turn
