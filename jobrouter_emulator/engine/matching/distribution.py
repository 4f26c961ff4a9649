"""Distribution: one matching pass over a queue, offering its jobs (in the queue's order) to eligible free workers
as the queue's distribution policy says (how many offers, longest idle / round robin / best worker).

A best-worker scoring rule that calls a service is called outside the lock (:mod:`..rules.calls`): the pass stops at
the job that needs the ranking, so that no job behind it takes its workers, and the ranking's arrival (the
``SCORING_RESULT`` timer) runs the pass again, which offers the job to the workers still eligible, best first.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Tuple

from ...sdk import kind_key
from ..context import EngineContext
from ..lifecycles.capacity import free_capacity
from ..lifecycles.offers import Offers
from ..rules import calls_out
from ..state import Record
from ..timers import TimerKind
from .scoring import rank_best_workers
from .selectors import satisfies


class Distributor:
    def __init__(self, context: EngineContext, offers: Offers) -> None:
        self._state = context.state
        self._index = context.index
        self._offers = offers
        self._match_requests = context.match_requests
        self._outbound = context.outbound
        self._rule_calls = context.rule_calls
        self._round_robin: Dict[str, int] = {}  # queue id -> where the next rotation starts

    def match(self, queue_id: str) -> None:
        """Timer: offer the queue's jobs to its free workers, first job first, until no worker is free."""
        self._match_requests.started(queue_id)
        queue = self._state.get("queues", queue_id)
        policy_record = (
            self._state.get("distributionPolicies", queue.body.get("distributionPolicyId", "")) if queue else None
        )
        if policy_record is None:
            return
        policy = policy_record.body
        mode = policy.get("mode") or {}
        max_offers = int(mode.get("maxConcurrentOffers", 1))
        min_offers = int(mode.get("minConcurrentOffers", 1))
        bypass = bool(mode.get("bypassSelectors"))
        # The queue is kept in order: with no free worker nothing is read, and the next job is the first one that
        # may take more offers (the ones before it hold theirs: at most one per busy worker, never the backlog).
        # Issuing an offer changes the job and the worker, never a queue's membership or order (that follows the
        # documents at commit), so the queue can be walked while offers are issued.
        for job_id in self._index.queued(queue_id).job_ids():
            if not self._index.has_free_worker(queue_id):
                break
            record = self._state.get("jobs", job_id)
            if record is None:
                continue
            current = len(record.internal.get("offers", ()))
            if current >= max_offers:
                continue
            job = record.body
            selectors = (job.get("requestedWorkerSelectors") or []) + (job.get("attachedWorkerSelectors") or [])
            candidates = self._index.candidates(queue_id, str(job.get("channelId")), selectors, bypass_selectors=bypass)
            eligible = [w for w in candidates if self._eligible(w, record, selectors, bypass)]
            if current + len(eligible) < min_offers:
                continue
            ranked = self._rank(queue_id, mode, job, eligible)
            if ranked is None:  # waiting for a scoring service: the rest of the queue waits behind this job
                return
            for worker_id in ranked[: max_offers - current]:
                self._offers.issue(worker_id, job["id"], policy)

    def scoring_result(self, queue_id: str, job_id: str) -> None:
        """Timer: a scoring service has ranked the workers for the job: match the queue again, which uses the
        ranking if the job is still queued there with free workers; a ranking left unused is dropped."""
        self.match(queue_id)
        self._rule_calls.take(TimerKind.SCORING_RESULT, (queue_id, job_id))

    def _eligible(self, worker_id: str, job_record: Record, selectors: List[Dict[str, Any]], bypass: bool) -> bool:
        """Whether the worker can be offered the job now (the index only said it might)."""
        worker_record = self._state.get("workers", worker_id)
        if worker_record is None:
            return False
        worker, job = worker_record.body, job_record.body
        if worker.get("state") != "active" or not worker.get("availableForOffers"):
            return False
        if any(o["workerId"] == worker_id for o in job_record.internal.get("offers", {}).values()):
            return False
        if self._offers.has_declined(job_record, worker_record):
            return False
        channel = next((c for c in worker.get("channels") or [] if c.get("channelId") == job.get("channelId")), None)
        if channel is None or int(channel.get("capacityCostPerJob", 0)) > free_capacity(worker):
            return False
        if channel.get("maxNumberOfJobs") is not None:
            held = [o["jobId"] for o in worker.get("offers") or []] + [
                a["jobId"] for a in worker.get("assignedJobs") or []
            ]
            in_channel = sum(1 for j in held if self._channel_of(j) == job.get("channelId"))
            if in_channel >= int(channel["maxNumberOfJobs"]):
                return False
        return bypass or satisfies(worker.get("labels") or {}, selectors)

    def _channel_of(self, job_id: str) -> Optional[str]:
        record = self._state.get("jobs", job_id)
        return record.body.get("channelId") if record else None

    def _rank(
        self, queue_id: str, mode: Dict[str, Any], job: Dict[str, Any], eligible: List[str]
    ) -> Optional[List[str]]:
        """The eligible workers, best first, as the distribution mode ranks them; None while a scoring service is
        asked."""
        kind = kind_key(mode.get("kind"))
        if kind == "roundrobin":
            if not eligible:
                return []
            previous = self._round_robin.get(queue_id, 0)
            self._state.on_rollback(lambda: self._round_robin.__setitem__(queue_id, previous))
            start = previous % len(eligible)
            self._round_robin[queue_id] = start + 1
            return eligible[start:] + eligible[:start]

        def idle_since(worker_id: str) -> str:
            return self._state.get("workers", worker_id).internal.get("idleSince", "")  # type: ignore[union-attr]

        by_idle = sorted(eligible, key=lambda w: (idle_since(w), w))
        if kind != "bestworker":
            return by_idle
        workers = [self._state.get("workers", w).body for w in by_idle]  # type: ignore[union-attr]
        if not calls_out(mode.get("scoringRule")):
            return [w["id"] for w in rank_best_workers(mode, job, workers, outbound=self._outbound)]
        args: Tuple[str, str] = (queue_id, job["id"])
        outcome = self._rule_calls.take(TimerKind.SCORING_RESULT, args)
        if outcome is None:
            if not self._rule_calls.in_flight(TimerKind.SCORING_RESULT, args):
                mode_copy, job_copy, workers_copy = copy.deepcopy((mode, job, workers))
                self._rule_calls.start(
                    TimerKind.SCORING_RESULT,
                    args,
                    lambda: [
                        w["id"] for w in rank_best_workers(mode_copy, job_copy, workers_copy, outbound=self._outbound)
                    ],
                )
            return None
        # Ranked when it asked; workers eligible since then come after the ranked ones, in idle order.
        ranked = outcome.value if outcome.error is None else []
        return [w for w in ranked if w in by_idle] + [w for w in by_idle if w not in ranked]
