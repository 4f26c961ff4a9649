"""What a dashboard reads of the whole router, kept up to date as commits change documents, so that reading it costs
what the page shows and not what the router holds.

Counts (jobs by status, assigned jobs and listening workers per queue) and newest-first orders (queues, workers,
jobs in play, finished jobs) change by one entry per changed document; the rest of the documents is never walked
again. It is fed the documents a command changed once the command committed (a rolled-back command changed
nothing here), everything on start, and nothing after a reset.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from .job_status import TERMINAL, JobStatus
from .sorted_keys import SortedKeys
from .state import Record

Newest = Tuple[int, str]  # (-creation number, id): newest first


class _Counter:
    """Counts by name that forget a name at zero (so a deleted queue leaves nothing behind)."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: Dict[str, int] = {}

    def add(self, name: Optional[str], step: int) -> None:
        if name is None:
            return
        left = self.counts.get(name, 0) + step
        if left:
            self.counts[name] = left
        else:
            self.counts.pop(name, None)


class Overview:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Nothing is stored (start, reset)."""
        self.job_statuses = _Counter()  # status -> jobs
        self.assigned_in = _Counter()  # queue id -> assigned jobs
        self.workers_in = _Counter()  # queue id -> workers listening on it
        self.available_in = _Counter()  # queue id -> of them, available for offers
        self.workers_total = 0
        self.workers_available = 0
        self.workers_active = 0
        self.open_offers = 0
        self._jobs: Dict[str, Tuple[Newest, str, Optional[str]]] = {}  # id -> (order, status, queue id)
        # worker id -> (order, its queues, available for offers?, active?, open offers)
        self._workers: Dict[str, Tuple[Newest, Tuple[str, ...], bool, bool, int]] = {}
        self._queues: Dict[str, Newest] = {}
        self.jobs_in_play: SortedKeys[Newest] = SortedKeys()
        self.jobs_done: SortedKeys[Newest] = SortedKeys()
        self.worker_order: SortedKeys[Newest] = SortedKeys()
        self.queue_order: SortedKeys[Newest] = SortedKeys()

    @property
    def jobs_total(self) -> int:
        return len(self._jobs)

    def changed(self, collection: str, key: str, record: Optional[Record]) -> None:
        """A committed command changed (or deleted: None) the document ``key`` of ``collection``."""
        if collection == "jobs":
            self._job(key, record)
        elif collection == "workers":
            self._worker(key, record)
        elif collection == "queues":
            self._queue(key, record)

    def _job(self, key: str, record: Optional[Record]) -> None:
        if record is not None:  # most changes leave a job's status and queue as they were: nothing to move
            old = self._jobs.get(key)
            if old is not None and old[1] == str(record.body.get("status")) and old[2] == record.body.get("queueId"):
                return
        old = self._jobs.pop(key, None)
        if old is not None:
            order, status, queue_id = old
            (self.jobs_done if status in TERMINAL else self.jobs_in_play).remove(order)
            self.job_statuses.add(status, -1)
            if status == JobStatus.ASSIGNED:
                self.assigned_in.add(queue_id, -1)
        if record is None:
            return
        order, status, queue_id = (-record.created, key), str(record.body.get("status")), record.body.get("queueId")
        self._jobs[key] = (order, status, queue_id)
        (self.jobs_done if status in TERMINAL else self.jobs_in_play).add(order)
        self.job_statuses.add(status, 1)
        if status == JobStatus.ASSIGNED:
            self.assigned_in.add(queue_id, 1)

    def _worker(self, key: str, record: Optional[Record]) -> None:
        old = self._workers.pop(key, None)
        if old is not None:
            self._count_worker(old, -1)
            if record is None:
                self.worker_order.remove(old[0])
        if record is None:
            return
        worker = record.body
        queues = tuple(q for q in worker.get("queues") or () if isinstance(q, str))
        order = (-record.created, key)  # a document's creation number never changes: its place neither
        entry = (order, queues, bool(worker.get("availableForOffers")), worker.get("state") == "active")
        self._workers[key] = (*entry, len(worker.get("offers") or ()))
        if old is None:
            self.worker_order.add(order)
        self._count_worker(self._workers[key], 1)

    def _count_worker(self, entry: Tuple[Newest, Tuple[str, ...], bool, bool, int], step: int) -> None:
        _, queues, available, active, offers = entry
        self.workers_total += step
        self.workers_available += step if available else 0
        self.workers_active += step if active else 0
        self.open_offers += step * offers
        for queue_id in queues:
            self.workers_in.add(queue_id, step)
            if available:
                self.available_in.add(queue_id, step)

    def _queue(self, key: str, record: Optional[Record]) -> None:
        old = self._queues.pop(key, None)
        if old is not None:
            self.queue_order.remove(old)
        if record is not None:
            self._queues[key] = (-record.created, key)
            self.queue_order.add(self._queues[key])


def newest(order: SortedKeys[Newest], limit: int) -> List[str]:
    """The ids of the first ``limit`` entries of a newest-first order."""
    ids: List[str] = []
    for _, key in order:
        if len(ids) >= limit:
            break
        ids.append(key)
    return ids
