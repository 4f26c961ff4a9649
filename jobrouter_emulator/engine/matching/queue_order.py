"""The order of a queue, and what clients read from it: a job's position and the queue's statistics.

One order serves matching, positions and statistics: jobs with an active ``expedite`` worker selector first, then
higher ``priority``, then the order they were enqueued in.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional, Tuple

from ..errors import NotFound
from ..job_status import JobStatus
from ..sorted_keys import SortedKeys
from ..state import Record, State
from ..times import parse_time_or_none

if TYPE_CHECKING:
    from .matching import MatchingIndex


def is_expedited(job: Dict[str, Any]) -> bool:
    """Whether an active worker selector of the job (requested or attached) asks to expedite it."""
    for field in ("requestedWorkerSelectors", "attachedWorkerSelectors"):
        for selector in job.get(field) or ():
            if selector.get("expedite") and selector.get("status", "active") == "active":
                return True
    return False


OrderKey = Tuple[int, int, int, str]  # (0 if expedited else 1, -priority, enqueue number, job id)


def order_key(record: Record) -> OrderKey:
    """Where a queued job stands: expedited first, then by priority (highest first), then by enqueue order (the job id
    only makes keys distinct: enqueue numbers already are)."""
    job = record.body
    expedited = 0 if is_expedited(job) else 1
    return (expedited, -int(job.get("priority", 1)), int(record.internal.get("enqueueSeq", 0)), str(job["id"]))


class QueuedJobs:
    """The jobs waiting in one queue, kept in the queue's order as they come and go, so that the next job, a job's
    place and the statistics cost O(log n) (a queue's order used to be sorted again on each match: the whole
    backlog on every upsert)."""

    __slots__ = ("_order", "_by_age", "_groups")

    def __init__(self) -> None:
        self._order: SortedKeys[OrderKey] = SortedKeys()
        self._by_age: SortedKeys[Tuple[int, str]] = SortedKeys()  # (enqueue number, job id): the longest waiting
        self._groups: Dict[Tuple[int, int], int] = {}  # (expedited?, -priority) -> how many jobs

    def __len__(self) -> int:
        return len(self._order)

    def add(self, key: OrderKey) -> None:
        self._order.add(key)
        self._by_age.add((key[2], key[3]))
        group = (key[0], key[1])
        self._groups[group] = self._groups.get(group, 0) + 1

    def remove(self, key: OrderKey) -> None:
        self._order.remove(key)
        self._by_age.remove((key[2], key[3]))
        group = (key[0], key[1])
        left = self._groups[group] - 1
        if left:
            self._groups[group] = left
        else:
            del self._groups[group]

    def job_ids(self) -> Iterator[str]:
        """Ids of the jobs, first to be offered first."""
        return (key[3] for key in self._order)

    def place(self, key: OrderKey) -> int:
        """The 1-based place of the job with ``key``."""
        return self._order.rank(key) + 1

    def first_places(self) -> Dict[int, int]:
        """Each priority present -> the place of its first job (an expedited job may come before the others)."""
        places: Dict[int, int] = {}
        for expedited, negative_priority in self._groups:
            first = self._order.first_at_or_after((expedited, negative_priority, -(2**63), ""))
            place = self._order.rank(first) + 1 if first is not None else 0
            priority = -negative_priority
            places[priority] = min(places.get(priority, place), place)
        return places

    def oldest(self) -> Optional[str]:
        """The id of the job enqueued first (None when the queue is empty)."""
        first = self._by_age.first_at_or_after((-(2**63), ""))
        return first[1] if first is not None else None


def position(state: State, index: MatchingIndex, job_id: str) -> Dict[str, Any]:
    """``GET /routing/jobs/{id}/position``: where the job stands in its queue (404 when it is in none)."""
    target = f"/routing/jobs/{job_id}/position"
    record = state.require("jobs", job_id, target)
    queue_id = record.body.get("queueId")
    if record.body.get("status") != JobStatus.QUEUED or not queue_id:
        raise NotFound(f"Job {job_id} is not in a queue.", target=target)
    queued = index.queued(queue_id)
    place = queued.place(index.order_of(job_id) or order_key(record))
    return {
        "jobId": job_id,
        "position": place,
        "queueId": queue_id,
        "queueLength": len(queued),
        "estimatedWaitTimeMinutes": float(place),
    }


def statistics(state: State, index: MatchingIndex, queue_id: str, now: datetime) -> Dict[str, Any]:
    """``GET /routing/queues/{id}/statistics``: length, the estimated wait of each priority (the place of its first
    job in the queue's order, a minute a place) and the longest wait so far."""
    state.require("queues", queue_id, f"/routing/queues/{queue_id}/statistics")
    queued = index.queued(queue_id)
    places = sorted(queued.first_places().items(), key=lambda item: item[1])  # in the queue's order, as before
    oldest_id = queued.oldest()
    oldest = state.get("jobs", oldest_id) if oldest_id is not None else None
    # Enqueue numbers follow the clock, which never goes back: the job enqueued first has waited longest.
    enqueued = parse_time_or_none(oldest.body.get("enqueuedAt")) if oldest is not None else None
    return {
        "queueId": queue_id,
        "length": len(queued),
        "estimatedWaitTimeMinutes": {str(priority): float(place) for priority, place in places},
        "longestJobWaitTimeMinutes": round((now - enqueued).total_seconds() / 60, 4) if enqueued else 0.0,
    }
