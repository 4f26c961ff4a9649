"""A worker's capacity: the offers and assignments it holds, the ``loadRatio`` and ``state`` they give it, and its
place in the matching index.

Every change to what a worker holds goes through :class:`WorkerCapacity`, which then derives the rest in one step
(:meth:`WorkerCapacity.refresh`), so the document and the index cannot disagree.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Optional

from ..context import EngineContext
from ..times import format_time


def used_capacity(worker: Dict[str, Any]) -> int:
    """Capacity held by the worker's open offers and by its assignments (an offer reserves what a job would use)."""
    used = sum(int(o.get("capacityCost", 0)) for o in worker.get("offers") or [])
    return used + sum(int(a.get("capacityCost", 0)) for a in worker.get("assignedJobs") or [])


def free_capacity(worker: Dict[str, Any]) -> int:
    """Capacity left for one more job."""
    return int(worker.get("capacity", 0)) - used_capacity(worker)


def load_ratio(worker: Dict[str, Any], used: Optional[int] = None) -> float:
    """Held capacity (``used``, counted when not given) over total capacity, offers included: the live service shows
    a worker of capacity 1 with one open offer at ``loadRatio`` 1 (recording ``test_assignment_scenario``)."""
    capacity = worker.get("capacity") or 0
    ratio = (used_capacity(worker) if used is None else used) / capacity if capacity else 0.0
    return int(ratio) if ratio.is_integer() else round(ratio, 4)  # 1, not 1.0, as the service writes it


def worker_state(worker: Dict[str, Any]) -> str:
    """``active`` while available for offers; otherwise ``draining`` until its assignments end, then ``inactive``."""
    if worker.get("availableForOffers"):
        return "active"
    return "draining" if worker.get("assignedJobs") else "inactive"


class WorkerCapacity:
    def __init__(self, context: EngineContext) -> None:
        self._state = context.state
        self._index = context.index
        self._clock = context.clock

    def refresh(self, worker_id: str) -> None:
        """Derive the worker's ``loadRatio`` and ``state`` from what it holds, and its place in the index."""
        record = self._state.get("workers", worker_id)
        if record is None:
            self._index.update_worker(worker_id, None, 0)
            return
        worker = record.body
        used = used_capacity(worker)
        ratio, status = load_ratio(worker, used), worker_state(worker)
        if worker.get("loadRatio") != ratio or worker.get("state") != status:
            worker = self._state.write("workers", worker_id).body
            worker["loadRatio"], worker["state"] = ratio, status
        self._index.update_worker(
            worker_id, worker, int(worker.get("capacity", 0)) - used, self._channels_at_most(worker)
        )

    def reindex(self, worker_id: str) -> None:
        """Re-read the worker into the index as its document is now (after a load or a rollback)."""
        record = self._state.get("workers", worker_id)
        worker = record.body if record is not None else None
        if worker is None:
            self._index.update_worker(worker_id, None, 0)
            return
        self._index.update_worker(worker_id, worker, free_capacity(worker), self._channels_at_most(worker))

    def _channels_at_most(self, worker: Dict[str, Any]) -> FrozenSet[str]:
        """The worker's channels whose ``maxNumberOfJobs`` its offers and assignments already reach: it can take no
        more jobs of those, whatever capacity it has left."""
        limited = {
            c.get("channelId"): int(c["maxNumberOfJobs"])
            for c in worker.get("channels") or []
            if c.get("maxNumberOfJobs") is not None
        }
        if not limited:
            return frozenset()
        held: Dict[Any, int] = {}
        for item in (*(worker.get("offers") or ()), *(worker.get("assignedJobs") or ())):
            record = self._state.get("jobs", item.get("jobId", ""))
            if record is not None:
                channel = record.body.get("channelId")
                held[channel] = held.get(channel, 0) + 1
        return frozenset(str(c) for c, most in limited.items() if held.get(c, 0) >= most)

    def hold_offer(self, worker_id: str, offer: Dict[str, Any]) -> None:
        """The worker holds ``offer`` (its ``capacityCost`` is reserved)."""
        self._state.write("workers", worker_id).body.setdefault("offers", []).append(offer)
        self.refresh(worker_id)

    def drop_offer(self, worker_id: str, offer_id: str) -> Optional[Dict[str, Any]]:
        """The worker no longer holds the offer; returns it (None if it held no such offer)."""
        record = self._state.get("workers", worker_id)
        offer = (
            next((o for o in (record.body.get("offers") or []) if o["offerId"] == offer_id), None) if record else None
        )
        if offer is None:
            return None
        worker = self._state.write("workers", worker_id).body
        worker["offers"] = [o for o in worker["offers"] if o["offerId"] != offer_id]
        self.refresh(worker_id)
        return offer

    def hold_assignment(self, worker_id: str, assignment: Dict[str, Any]) -> None:
        """The worker is assigned a job; it is busy from now on (its idle time starts again when it ends)."""
        record = self._state.write("workers", worker_id)
        record.body.setdefault("assignedJobs", []).append(assignment)
        record.internal["idleSince"] = format_time(self._clock.now())
        self.refresh(worker_id)

    def drop_assignment(self, worker_id: str, assignment_id: str) -> bool:
        """The assignment ended (closed, cancelled, unassigned): its capacity is free again."""
        if self._state.get("workers", worker_id) is None:
            return False
        record = self._state.write("workers", worker_id)
        held = record.body.get("assignedJobs") or []
        record.body["assignedJobs"] = [a for a in held if a["assignmentId"] != assignment_id]
        record.internal["idleSince"] = format_time(self._clock.now())
        self.refresh(worker_id)
        return True
