"""The worker lifecycle: registering (available for offers), deregistering, and being deleted."""

from __future__ import annotations

from typing import Any, Dict

from ..context import EngineContext
from ..errors import Conflict
from ..events import worker_event
from ..times import format_time
from .capacity import WorkerCapacity
from .offers import Offers


class WorkerLifecycle:
    def __init__(self, context: EngineContext, capacity: WorkerCapacity, offers: Offers) -> None:
        self._state = context.state
        self._capacity = capacity
        self._offers = offers
        self._match_requests = context.match_requests
        self._clock = context.clock

    def restore(self) -> None:
        """After loading the store: every worker back in the matching index."""
        for record in self._state.records("workers"):
            self._capacity.reindex(record.body["id"])

    def _queue_bodies(self, worker: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
        found = (self._state.get("queues", q) for q in worker.get("queues") or [])
        return {r.body["id"]: r.body for r in found if r is not None}

    def upserted(self, worker_id: str, before: Dict[str, Any]) -> None:
        """A client changed the worker: (de)registration, then its queues are matched with what it offers now."""
        record = self._state.write("workers", worker_id)
        worker = record.body
        now = self._clock.now()
        was_available = bool(before.get("availableForOffers"))
        if worker.get("availableForOffers") and not was_available:
            record.internal["idleSince"] = format_time(now)
            # Declines recorded against an earlier registration no longer keep this worker away.
            record.internal["epoch"] = record.internal.get("epoch", 0) + 1
            self._capacity.refresh(worker_id)
            self._state.emit(worker_event("RouterWorkerRegistered", worker, now, self._queue_bodies(worker)))
        elif was_available and not worker.get("availableForOffers"):
            self._offers.revoke_worker_offers(worker_id)
            self._capacity.refresh(worker_id)
            self._state.emit(worker_event("RouterWorkerDeregistered", worker, now, brief=True))
        else:
            self._capacity.refresh(worker_id)  # capacity, channels, labels or queues may have changed
        if not (was_available or worker.get("availableForOffers")):
            return  # a worker that neither was nor is available for offers changes no queue's matches
        for queue_id in set(worker.get("queues") or []) | set(before.get("queues") or []):
            self._match_requests.request(queue_id)

    def deleting(self, worker_id: str) -> None:
        """Before a delete: refuse a worker with assigned jobs (409); otherwise withdraw its offers."""
        record = self._state.require("workers", worker_id, f"/routing/workers/{worker_id}")
        if record.body.get("assignedJobs"):
            raise Conflict(
                "Validation failed: \r\n -- : Worker has assigned jobs", target=f"/routing/workers/{worker_id}"
            )
        self._offers.revoke_worker_offers(worker_id)
        self._state.emit(
            worker_event("RouterWorkerDeleted", record.body, self._clock.now(), self._queue_bodies(record.body))
        )

    def deleted(self, worker_id: str) -> None:
        """After a delete: the worker leaves the matching index."""
        self._capacity.refresh(worker_id)
