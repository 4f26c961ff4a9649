"""The running emulator's statistics: fed the events the router commits, in commit order, off the write path.

The router calls :meth:`LiveStatistics._committed` under its lock after each commit; all it does there is append
the batch to a deque (an atomic append, no lock, no parsing), so a write costs the same with statistics on or off
(``benchmarks/statistics_write.py``). A background thread folds what has piled up every ``FOLD_SECONDS``, and a
report folds the rest first, so it is exact to the last committed event.

A reset empties the statistics: each batch carries the router's reset count read under the router's lock, so
events committed after a reset never mix with the ones before, whatever order the threads run in.
"""

from __future__ import annotations

import collections
import threading
import time
from datetime import datetime
from typing import Any, Deque, Dict, List, Mapping, Optional, Tuple

from ..engine.router import Router
from ..store.base import StoredEvent
from .ledger import Statistics

FOLD_SECONDS = 0.5
REPLAY_PAGE = 1000


class LiveStatistics:
    """:class:`Statistics` kept up to date from a router: the events already stored first, then each commit."""

    def __init__(self, router: Router, statistics: Statistics, *, fold_seconds: float = FOLD_SECONDS) -> None:
        self.router = router
        self.statistics = statistics
        self._pending: Deque[Tuple[int, List[StoredEvent]]] = collections.deque()
        self._fold_lock = threading.Lock()
        self._generation = router.resets
        self._stop = threading.Event()
        router.add_event_listener(self._committed)
        router.add_notice_listener(self._notice)
        self._replay_stored()
        self._thread = threading.Thread(
            target=self._run, args=(fold_seconds,), name="jobrouter-statistics", daemon=True
        )
        self._thread.start()

    def _replay_stored(self) -> None:
        """A durable emulator starts with the events it stored before (since its last reset)."""
        since = 0
        while True:
            page = self.router.events_since(since, REPLAY_PAGE)
            if not page:
                return
            self._pending.append((self._generation, page))
            since = page[-1].sequence

    def _committed(self, stored: List[StoredEvent]) -> None:
        self._pending.append((self.router.resets, stored))

    def _notice(self, notice: str) -> None:
        if notice == "reset":
            self._pending.append((self.router.resets, []))

    def _run(self, fold_seconds: float) -> None:
        while not self._stop.wait(fold_seconds):
            self.fold(yielding=True)

    def fold(self, *, yielding: bool = False) -> None:
        """Fold every batch committed so far, in commit order. ``yielding``: let other threads run between batches
        (the server's, whose requests would otherwise wait up to Python's switch interval, 5 ms, for the GIL)."""
        with self._fold_lock:
            while self._pending:
                generation, batch = self._pending.popleft()
                if generation != self._generation:
                    self.statistics.reset()
                    self._generation = generation
                for stored in batch:
                    self.statistics.feed(stored.event)
                if yielding:
                    time.sleep(0)

    def report(
        self,
        *,
        since: Optional[datetime] = None,
        until: Optional[datetime] = None,
        interval_seconds: Optional[float] = None,
        service_level_seconds: Optional[float] = None,
        queue_service_level_seconds: Optional[Mapping[str, float]] = None,
    ) -> Dict[str, Any]:
        """The report at the emulator's time now (see :meth:`Statistics.report`)."""
        self.fold()
        return self.statistics.report(
            since=since,
            until=until,
            interval_seconds=interval_seconds,
            now=self.router.now(),
            service_level_seconds=service_level_seconds,
            queue_service_level_seconds=queue_service_level_seconds,
        )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
