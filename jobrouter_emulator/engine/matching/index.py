"""The matching index: which workers are free for which queue and channel, and which jobs wait in which queue.

A worker is *free* for (queue, channel) when it is active, available for offers, listens on the queue, and has
capacity left for the channel's cost. Free workers are also indexed by each label value, so a job with an
``equal`` selector looks only at the workers carrying that value. The index is derived from worker and job
documents: whoever changes one tells the index (``update_worker``, ``set_job_queue``), a committed change to a queued
job moves it in its queue's order (``reorder``), and reading a document again after a rollback rebuilds its entries
exactly. Each queue's jobs are kept in the queue's order (:class:`.queue_order.QueuedJobs`).
"""

from __future__ import annotations

from typing import AbstractSet, Any, Dict, Iterable, List, Optional, Set, Tuple

from ...sdk import kind_key
from .queue_order import OrderKey, QueuedJobs
from .selectors import label_index_key

Pair = Tuple[str, str]  # (queue id, channel id)
LabelKey = Tuple[str, str, str, Any]  # (queue id, channel id, label key, label_index_key(value))


class MatchingIndex:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget every worker and job (a reset)."""
        self._free: Dict[Pair, Set[str]] = {}
        self._free_in_queue: Dict[str, Set[str]] = {}
        self._free_by_label: Dict[LabelKey, Set[str]] = {}
        self._memberships: Dict[str, Tuple[List[Pair], List[LabelKey]]] = {}  # worker id -> its keys above
        self._queued: Dict[str, QueuedJobs] = {}  # queue id -> its queued jobs, in order
        self._queue_of_job: Dict[str, Tuple[str, OrderKey]] = {}  # job id -> (its queue, its key there)

    # -- workers --------------------------------------------------------------------------------------------------
    def update_worker(
        self,
        worker_id: str,
        worker: Optional[Dict[str, Any]],
        free_capacity: int,
        channels_at_most: AbstractSet[str] = frozenset(),
    ) -> None:
        """Put the worker in the free sets it belongs in now (none when ``worker`` is None: it was deleted):
        under each of its queues and channels whose cost fits ``free_capacity`` and that are not in
        ``channels_at_most`` (their ``maxNumberOfJobs`` reached)."""
        pairs, label_keys = self._memberships.pop(worker_id, ([], []))
        for pair in pairs:
            self._free.get(pair, set()).discard(worker_id)
            self._free_in_queue.get(pair[0], set()).discard(worker_id)
        for label_key in label_keys:
            self._free_by_label.get(label_key, set()).discard(worker_id)
        if worker is None or worker.get("state") != "active" or not worker.get("availableForOffers"):
            return
        channels = [
            c["channelId"]
            for c in worker.get("channels") or []
            if isinstance(c, dict)
            and isinstance(c.get("channelId"), str)
            and int(c.get("capacityCostPerJob", 0)) <= free_capacity
            and c["channelId"] not in channels_at_most
        ]
        labels = [(k, label_index_key(v)) for k, v in (worker.get("labels") or {}).items()]
        labels = [(k, v) for k, v in labels if v is not None]
        pairs = [(queue_id, channel_id) for queue_id in worker.get("queues") or [] for channel_id in channels]
        label_keys = [(q, c, label, value) for q, c in pairs for label, value in labels]
        for pair in pairs:
            self._free.setdefault(pair, set()).add(worker_id)
            self._free_in_queue.setdefault(pair[0], set()).add(worker_id)
        for label_key in label_keys:
            self._free_by_label.setdefault(label_key, set()).add(worker_id)
        if pairs:
            self._memberships[worker_id] = (pairs, label_keys)

    def has_free_worker(self, queue_id: str) -> bool:
        """Whether any worker of the queue can take one more job of some channel."""
        return bool(self._free_in_queue.get(queue_id))

    def is_free(self, worker_id: str) -> bool:
        """Whether the worker can take one more job of some channel of some queue now."""
        return worker_id in self._memberships

    def free_worker_count(self) -> int:
        """How many workers can take one more job of some channel now."""
        return len(self._memberships)

    def free_workers(self, queue_id: str) -> int:
        """How many workers of the queue can take one more job of some channel now."""
        return len(self._free_in_queue.get(queue_id, ()))

    def candidates(
        self, queue_id: str, channel_id: str, selectors: Iterable[Dict[str, Any]], *, bypass_selectors: bool
    ) -> List[str]:
        """A superset of the free workers that can take a job of ``channel_id`` in ``queue_id``: the free workers of
        the queue and channel, narrowed by the most selective active ``equal`` selector. Matching checks each one
        fully, so it costs what the plausible workers cost, not what the whole queue costs."""
        smallest = self._free.get((queue_id, channel_id), set())
        if not bypass_selectors:
            for selector in selectors:
                if selector.get("status", "active") != "active" or kind_key(selector.get("labelOperator")) != "equal":
                    continue
                value_key = label_index_key(selector.get("value"))
                if value_key is None:
                    continue
                matching = self._free_by_label.get((queue_id, channel_id, str(selector.get("key")), value_key), set())
                if len(matching) < len(smallest):
                    smallest = matching
        return sorted(smallest)

    # -- jobs -----------------------------------------------------------------------------------------------------
    def set_job_queue(self, job_id: str, queue_id: Optional[str], order: Optional[OrderKey] = None) -> None:
        """The job now waits in ``queue_id`` at ``order`` (its :func:`.queue_order.order_key`; None: in no queue)."""
        if queue_id is not None and order is None:
            raise ValueError("a job placed in a queue needs its order key")
        old = self._queue_of_job.get(job_id)
        if old is not None and queue_id is not None and old == (queue_id, order):
            return
        if old is not None:
            del self._queue_of_job[job_id]
            queued = self._queued[old[0]]
            queued.remove(old[1])
            if not len(queued):
                del self._queued[old[0]]
        if queue_id is not None and order is not None:  # (both or neither: checked above)
            self._queued.setdefault(queue_id, QueuedJobs()).add(order)
            self._queue_of_job[job_id] = (queue_id, order)

    def reorder(self, job_id: str, order: OrderKey) -> None:
        """The queued job's key may have changed (its priority or expedite selectors did): move it if so."""
        current = self._queue_of_job.get(job_id)
        if current is not None and current[1] != order:
            self.set_job_queue(job_id, current[0], order)

    def order_of(self, job_id: str) -> Optional[OrderKey]:
        """The key the job is kept at in its queue (None when it waits in none)."""
        current = self._queue_of_job.get(job_id)
        return current[1] if current is not None else None

    def queued(self, queue_id: str) -> QueuedJobs:
        """The jobs waiting in the queue, in its order (read only)."""
        return self._queued.get(queue_id) or _EMPTY

    def queue_length(self, queue_id: str) -> int:
        """How many jobs wait in the queue."""
        queued = self._queued.get(queue_id)
        return len(queued) if queued is not None else 0


_EMPTY = QueuedJobs()
