"""The order of a queue, and what clients read from it: a job's position and the queue's statistics.

One order serves matching, positions and statistics: jobs with an active ``expedite`` worker selector first, then
higher ``priority``, then the order they were enqueued in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Tuple

from ..errors import NotFound
from ..job_status import JobStatus
from ..state import Record, State
from ..times import parse_time_or_none
from .index import MatchingIndex


def is_expedited(job: Dict[str, Any]) -> bool:
    """Whether an active worker selector of the job (requested or attached) asks to expedite it."""
    for field in ("requestedWorkerSelectors", "attachedWorkerSelectors"):
        for selector in job.get(field) or ():
            if selector.get("expedite") and selector.get("status", "active") == "active":
                return True
    return False


def order_key(record: Record) -> Tuple[int, int, int]:
    """Where a queued job stands: expedited first, then by priority (highest first), then by enqueue order."""
    job = record.body
    return (0 if is_expedited(job) else 1, -int(job.get("priority", 1)), int(record.internal.get("enqueueSeq", 0)))


def ordered_jobs(state: State, index: MatchingIndex, queue_id: str) -> List[Record]:
    """The queued jobs of the queue, first to be offered first."""
    records = [state.get("jobs", job_id) for job_id in index.queued_jobs(queue_id)]
    return sorted((r for r in records if r is not None), key=order_key)


def position(state: State, index: MatchingIndex, job_id: str) -> Dict[str, Any]:
    """``GET /routing/jobs/{id}/position``: where the job stands in its queue (404 when it is in none)."""
    target = f"/routing/jobs/{job_id}/position"
    record = state.require("jobs", job_id, target)
    queue_id = record.body.get("queueId")
    if record.body.get("status") != JobStatus.QUEUED or not queue_id:
        raise NotFound(f"Job {job_id} is not in a queue.", target=target)
    ordered = ordered_jobs(state, index, queue_id)
    place = next(i for i, job in enumerate(ordered) if job.body["id"] == job_id) + 1
    return {
        "jobId": job_id,
        "position": place,
        "queueId": queue_id,
        "queueLength": len(ordered),
        "estimatedWaitTimeMinutes": float(place),
    }


def statistics(state: State, index: MatchingIndex, queue_id: str, now: datetime) -> Dict[str, Any]:
    """``GET /routing/queues/{id}/statistics``: length, the estimated wait of each priority (the place of its first
    job in the queue's order, a minute a place) and the longest wait so far."""
    state.require("queues", queue_id, f"/routing/queues/{queue_id}/statistics")
    ordered = ordered_jobs(state, index, queue_id)
    by_priority: Dict[str, float] = {}
    for place, record in enumerate(ordered, start=1):
        by_priority.setdefault(str(record.body.get("priority", 1)), float(place))
    waits = [(now - (parse_time_or_none(r.body.get("enqueuedAt")) or now)).total_seconds() / 60 for r in ordered]
    return {
        "queueId": queue_id,
        "length": len(ordered),
        "estimatedWaitTimeMinutes": by_priority,
        "longestJobWaitTimeMinutes": round(max(waits), 4) if waits else 0.0,
    }
