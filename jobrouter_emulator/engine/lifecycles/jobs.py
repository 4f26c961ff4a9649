"""The job lifecycle: from received to queued (classified, scheduled or suspended on the way), then assigned,
completed and closed, or cancelled; with exception actions, selector expiry and reclassification.

Statuses follow the service: ``created``/``pendingClassification``/``pendingSchedule`` until routing has run (on a
timer, never inside the request), then ``queued``, ``scheduled`` or ``waitingForActivation``;
``classificationFailed``, ``scheduleFailed``, ``closed`` and ``cancelled`` end a job.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any, Callable, Dict, Optional

from ...sdk import kind_key
from ..context import EngineContext
from ..errors import BadRequest, Conflict
from ..events import job_event
from ..job_status import (
    ACTIVE,
    BEFORE_CLASSIFICATION,
    RECLASSIFIABLE,
    SUSPENDED,
    TERMINAL,
    UNASSIGNED_AND_OPEN,
    JobStatus,
)
from ..matching.queue_order import order_key
from ..rules import calls_out
from ..rules.classification import ClassificationFailed, ClassificationResult, classify
from ..timers import TimerKind
from ..times import format_time, parse_time_or_none
from .capacity import WorkerCapacity
from .exception_rules import ExceptionRules
from .offers import Offers


def matching_mode(job: Dict[str, Any]) -> str:
    """The spelling-independent kind of the job's matching mode (``queueandmatch`` when it has none)."""
    return kind_key((job.get("matchingMode") or {}).get("kind", "queueAndMatch"))


class JobLifecycle:
    def __init__(
        self, context: EngineContext, offers: Offers, capacity: WorkerCapacity, exceptions: ExceptionRules
    ) -> None:
        self._state = context.state
        self._index = context.index
        self._timers = context.timers
        self._offers = offers
        self._capacity = capacity
        self._exceptions = exceptions
        self._match_requests = context.match_requests
        self._clock = context.clock
        self._processing_delay = context.processing_delay  # how long from now routing a job runs
        self._rng = context.rng
        self._outbound = context.outbound
        self._rule_calls = context.rule_calls

    def restore(self) -> None:
        """After loading the store: queued jobs back in the index, and the timers that were pending set again."""
        now = self._clock.now()
        for record in self._state.records("jobs"):
            job, job_id = record.body, record.body["id"]
            self._state.raise_counter("enqueue", int(record.internal.get("enqueueSeq", 0)))
            status = job.get("status")
            if status == JobStatus.QUEUED and job.get("queueId"):
                self._index.set_job_queue(job_id, job["queueId"], order_key(record))
                self._match_requests.request(job["queueId"])
                self._exceptions.restore_wait_times(job_id)
            if status in BEFORE_CLASSIFICATION or status == JobStatus.PENDING_SCHEDULE:
                self._timers.schedule(now, TimerKind.PROCESS_JOB, job_id)
            if status == JobStatus.SCHEDULED:
                at = parse_time_or_none((job.get("matchingMode") or {}).get("scheduleAt")) or now
                self._timers.schedule(at, TimerKind.ACTIVATE_SCHEDULED_JOB, job_id)
            for offer_id, offer in record.internal.get("offers", {}).items():
                at = parse_time_or_none(offer["expiresAt"]) or now
                self._timers.schedule(at, TimerKind.EXPIRE_OFFER, job_id, offer_id)
            for selector in (job.get("requestedWorkerSelectors") or []) + (job.get("attachedWorkerSelectors") or []):
                expires = parse_time_or_none(selector.get("expiresAt"))
                if expires is not None and selector.get("status") == "active":
                    self._timers.schedule(expires, TimerKind.EXPIRE_WORKER_SELECTORS, job_id)

    # -- upserts (from the job resource declaration) --------------------------------------------------------------
    def received(self, job_id: str) -> None:
        """A new job: its first status, ``RouterJobReceived``, and routing a moment later."""
        job = self._state.write("jobs", job_id).body
        mode = matching_mode(job)
        if mode == "scheduleandsuspend":
            job["status"] = JobStatus.PENDING_SCHEDULE
        elif job.get("classificationPolicyId") and mode == "queueandmatch":
            job["status"] = JobStatus.PENDING_CLASSIFICATION  # as the live service answers (service recordings)
        else:
            job["status"] = JobStatus.CREATED
        self._state.emit(
            job_event(
                "RouterJobReceived",
                job,
                self._clock.now(),
                jobStatus=job["status"],
                classificationPolicyId=job.get("classificationPolicyId"),
                priority=job.get("priority"),
                requestedWorkerSelectors=job.get("requestedWorkerSelectors"),
                scheduledOn=(job.get("matchingMode") or {}).get("scheduleAt"),
                unavailableForMatching=mode != "queueandmatch",
            )
        )
        self._process_later(job_id)

    def updated(self, job_id: str, before: Dict[str, Any], patch: Dict[str, Any]) -> None:
        """A client changed the job: activate, suspend, move, reclassify or just match again, as the change asks."""
        job = self._state.write("jobs", job_id).body
        status = job.get("status")
        if status in TERMINAL and status != JobStatus.CLASSIFICATION_FAILED:
            return
        mode, before_mode = matching_mode(job), matching_mode(before)
        classification_changed = bool(job.get("classificationPolicyId")) and (
            job.get("labels") != before.get("labels")
            or job.get("classificationPolicyId") != before.get("classificationPolicyId")
        )
        if status in SUSPENDED and mode == "queueandmatch":
            self._classify_or_queue(job_id)  # activation
        elif status in RECLASSIFIABLE and classification_changed:
            moved = patch.get("queueId") not in (None, before.get("queueId"))  # the client chose a new queue
            self._reclassify_later(job_id, keep_queue=moved)
        elif status == JobStatus.QUEUED:
            if mode == "suspend" and before_mode != "suspend":
                self._dequeue(job_id)
                job["status"] = JobStatus.WAITING_FOR_ACTIVATION
                self._state.emit(self.waiting_event(job))
            elif before.get("queueId") != job.get("queueId"):
                self._dequeue(job_id)
                self.queue(job_id)
            else:
                self._match_requests.request(job.get("queueId"))  # priority or selectors may have changed

    def deleting(self, job_id: str) -> None:
        """Before a delete: refuse an active job (409); otherwise take it out of its queue."""
        record = self._state.require("jobs", job_id, f"/routing/jobs/{job_id}")
        if record.body.get("status") in ACTIVE - {JobStatus.COMPLETED}:
            raise Conflict(
                "Validation failed: \r\n -- : Job is active; cancel or close it first", target=f"/routing/jobs/{job_id}"
            )
        self._dequeue(job_id)
        self._state.emit(job_event("RouterJobDeleted", record.body, self._clock.now()))

    # -- routing --------------------------------------------------------------------------------------------------
    def _process_later(self, job_id: str) -> None:
        self._timers.schedule(self._clock.now() + self._processing_delay(), TimerKind.PROCESS_JOB, job_id)

    def process(self, job_id: str) -> None:
        """Timer: route a received (or reclassified) job: schedule it, suspend it, or classify and queue it."""
        record = self._state.get("jobs", job_id)
        if record is None:
            return
        job = record.body
        if job.get("status") == JobStatus.PENDING_SCHEDULE:
            # scheduleAt was checked at the door (a 400 otherwise), so scheduling cannot fail here.
            job = self._state.write("jobs", job_id).body
            at = parse_time_or_none((job.get("matchingMode") or {}).get("scheduleAt")) or self._clock.now()
            job["status"] = JobStatus.SCHEDULED
            self._timers.schedule(at, TimerKind.ACTIVATE_SCHEDULED_JOB, job_id)
            return
        if job.get("status") not in BEFORE_CLASSIFICATION:
            return
        if matching_mode(job) == "suspend":
            job = self._state.write("jobs", job_id).body
            job["status"] = JobStatus.WAITING_FOR_ACTIVATION
            self._state.emit(self.waiting_event(job))
            return
        self._classify_or_queue(job_id)

    def activate_scheduled(self, job_id: str) -> None:
        """Timer: a scheduled job's time has come; it waits for a client to activate it."""
        record = self._state.get("jobs", job_id)
        if record is None or record.body.get("status") != JobStatus.SCHEDULED:
            return
        job = self._state.write("jobs", job_id).body
        job["scheduledAt"] = format_time(self._clock.now())
        job["status"] = JobStatus.WAITING_FOR_ACTIVATION
        self._state.emit(self.waiting_event(job))

    def _reclassify_later(self, job_id: str, *, keep_queue: bool) -> None:
        """Classify the job again (its labels or policy changed): out of its queue now, classified by a timer."""
        self._dequeue(job_id)
        record = self._state.write("jobs", job_id)
        job = record.body
        if not keep_queue and record.internal.pop("queueFromClassification", False):
            job.pop("queueId", None)  # the previous classification chose it: let the new one choose again
        job["status"] = JobStatus.PENDING_CLASSIFICATION
        self._process_later(job_id)

    def _classify_or_queue(self, job_id: str) -> None:
        record = self._state.write("jobs", job_id)
        job = record.body
        policy_id = job.get("classificationPolicyId")
        if not policy_id:
            self.queue(job_id)
            return
        job["status"] = JobStatus.PENDING_CLASSIFICATION
        policy = self._state.get("classificationPolicies", policy_id)
        if policy is None:
            failure = ClassificationFailed(
                "ClassificationPolicyNotFound", f"Classification policy {policy_id} does not exist."
            )
            self._classification_failed(job_id, failure)
            return
        queues = {r.body["id"]: r.body for r in self._state.records("queues")}
        if calls_out(policy.body):
            # A rule service is called outside the lock, on copies; the job waits in pendingClassification and
            # the answer is applied by the CLASSIFICATION_RESULT timer if the job still waits for this one.
            ticket = str(self._state.next_number("classification"))
            record.internal["classification"] = ticket
            policy_copy = copy.deepcopy(policy.body)
            job_copy = {
                "id": job_id,
                "labels": copy.deepcopy(job.get("labels") or {}),
                "queueId": job.get("queueId"),
                "priority": job.get("priority", 1),
            }
            queue_labels = {key: {"labels": copy.deepcopy(q.get("labels") or {})} for key, q in queues.items()}
            self._rule_calls.start(
                TimerKind.CLASSIFICATION_RESULT,
                (job_id, ticket),
                lambda: classify(policy_copy, job_copy, queues=queue_labels, rng=self._rng, outbound=self._outbound),
            )
            return
        try:
            result = classify(policy.body, job, queues=queues, rng=self._rng, outbound=self._outbound)
        except ClassificationFailed as failure:
            self._classification_failed(job_id, failure)
            return
        self._classified(job_id, result)

    def classification_result(self, job_id: str, ticket: str) -> None:
        """Timer: a rule service answered for the classification ``ticket`` of the job; applied if the job still
        waits for that classification (not updated, reclassified or cancelled since)."""
        outcome = self._rule_calls.take(TimerKind.CLASSIFICATION_RESULT, (job_id, ticket))
        record = self._state.get("jobs", job_id)
        if outcome is None or record is None or record.internal.get("classification") != ticket:
            return
        if record.body.get("status") != JobStatus.PENDING_CLASSIFICATION:
            return
        self._state.write("jobs", job_id).internal.pop("classification")
        if isinstance(outcome.error, ClassificationFailed):
            self._classification_failed(job_id, outcome.error)
        elif outcome.error is not None:  # classify turns every failure into ClassificationFailed; this is a bug
            self._classification_failed(job_id, ClassificationFailed("InternalError", str(outcome.error)))
        elif self._state.get("queues", outcome.value.queue_id) is None:
            queue_id = outcome.value.queue_id
            self._classification_failed(
                job_id, ClassificationFailed("QueueNotFound", f"Queue {queue_id} was deleted during classification.")
            )
        else:
            self._classified(job_id, outcome.value)

    def _classification_failed(self, job_id: str, failure: ClassificationFailed) -> None:
        job = self._state.write("jobs", job_id).body
        job["status"] = JobStatus.CLASSIFICATION_FAILED
        policy_id = job.get("classificationPolicyId")
        self._state.emit(
            job_event(
                "RouterJobClassificationFailed",
                job,
                self._clock.now(),
                f"/classificationpolicy/{policy_id}",
                classificationPolicyId=policy_id,
                errors=[{"code": failure.code, "message": failure.message}],
            )
        )

    def _classified(self, job_id: str, result: ClassificationResult) -> None:
        record = self._state.write("jobs", job_id)
        job = record.body
        if not job.get("queueId"):
            record.internal["queueFromClassification"] = True
        job["queueId"] = result.queue_id
        job["priority"] = result.priority
        job["attachedWorkerSelectors"] = [self._activate_selector(job_id, s) for s in result.attached_worker_selectors]
        queue = self._state.require("queues", result.queue_id, f"/routing/queues/{result.queue_id}").body
        self._state.emit(
            job_event(
                "RouterJobClassified",
                job,
                self._clock.now(),
                f"/queue/{result.queue_id}",
                queueDetails={"id": queue["id"], "name": queue.get("name"), "labels": queue.get("labels")},
                classificationPolicyId=job.get("classificationPolicyId"),
                priority=result.priority,
                attachedWorkerSelectors=job["attachedWorkerSelectors"],
            )
        )
        self.queue(job_id)

    def _activate_selector(self, job_id: str, selector: Dict[str, Any]) -> Dict[str, Any]:
        selector = {**selector, "status": "active"}
        selector.setdefault("expedite", False)
        if selector.get("expiresAfterSeconds") is not None:
            expires = self._clock.now() + timedelta(seconds=float(selector["expiresAfterSeconds"]))
            selector["expiresAt"] = format_time(expires)
            self._timers.schedule(expires, TimerKind.EXPIRE_WORKER_SELECTORS, job_id)
        return selector

    def queue(self, job_id: str) -> None:
        """Put the job in its queue (``queueId``): ``queued``, ``RouterJobQueued``, exception rules, a match."""
        record = self._state.write("jobs", job_id)
        job = record.body
        for selector in job.get("requestedWorkerSelectors") or []:
            if selector.get("expiresAfterSeconds") is not None and "expiresAt" not in selector:
                selector.update(self._activate_selector(job_id, selector))
        job["enqueuedAt"] = format_time(self._clock.now())
        record.internal["enqueueSeq"] = self._state.next_number("enqueue")  # orders jobs enqueued at the same time
        job["status"] = JobStatus.QUEUED
        queue_id = job["queueId"]
        self._index.set_job_queue(job_id, queue_id, order_key(record))
        self._state.emit(
            job_event(
                "RouterJobQueued",
                job,
                self._clock.now(),
                f"/queue/{queue_id}",
                priority=job.get("priority"),
                attachedWorkerSelectors=job.get("attachedWorkerSelectors"),
                requestedWorkerSelectors=job.get("requestedWorkerSelectors"),
            )
        )
        for rule in self._exceptions.on_enqueued(job_id):
            if job.get("status") == JobStatus.QUEUED:
                self._fire_exception(job_id, rule)
        self._match_requests.request(queue_id)

    def _dequeue(self, job_id: str) -> None:
        self._index.set_job_queue(job_id, None)
        self._offers.revoke_job_offers(job_id)

    def expire_selectors(self, job_id: str) -> None:
        """Timer: worker selectors of the job whose ``expiresAt`` has passed no longer apply."""
        record = self._state.get("jobs", job_id)
        if record is None:
            return
        now = self._clock.now()

        def due(selector: Dict[str, Any]) -> bool:
            at = parse_time_or_none(selector.get("expiresAt"))
            return selector.get("status") == "active" and at is not None and at <= now

        fields = ("requestedWorkerSelectors", "attachedWorkerSelectors")
        if not any(due(s) for field in fields for s in record.body.get(field) or []):
            return
        job = self._state.write("jobs", job_id).body
        expired = {field: [s for s in job.get(field) or [] if due(s)] for field in fields}
        for selectors in expired.values():
            for selector in selectors:
                selector["status"] = "expired"
        self._state.emit(
            job_event(
                "RouterJobWorkerSelectorsExpired",
                job,
                now,
                f"/queue/{job.get('queueId')}",
                requestedWorkerSelectorsExpired=expired["requestedWorkerSelectors"],
                attachedWorkerSelectorsExpired=expired["attachedWorkerSelectors"],
            )
        )
        self._match_requests.request(job.get("queueId"))

    def waiting_event(self, job: Dict[str, Any]) -> Dict[str, Any]:
        """``RouterJobWaitingForActivation`` for the job as it is now."""
        return job_event(
            "RouterJobWaitingForActivation",
            job,
            self._clock.now(),
            priority=job.get("priority"),
            requestedWorkerSelectorsExpired=[
                s for s in job.get("requestedWorkerSelectors") or [] if s.get("status") == "expired"
            ],
            attachedWorkerSelectorsExpired=[
                s for s in job.get("attachedWorkerSelectors") or [] if s.get("status") == "expired"
            ],
            scheduledOn=(job.get("matchingMode") or {}).get("scheduleAt"),
            unavailableForMatching=True,
        )

    # -- exception policies ---------------------------------------------------------------------------------------
    def wait_time_elapsed(self, job_id: str, rule_id: str, enqueued_at: str) -> None:
        """Timer: the job may have waited as long as a ``waitTime`` rule allows."""
        rule = self._exceptions.waited_too_long(job_id, rule_id, enqueued_at)
        if rule is not None:
            self._fire_exception(job_id, rule)

    def _fire_exception(self, job_id: str, rule: Dict[str, Any]) -> None:
        self._exceptions.trigger(job_id, rule)
        job = self._state.require("jobs", job_id, f"/routing/jobs/{job_id}").body
        for action in rule.get("actions") or []:
            if job.get("status") in TERMINAL:
                return
            EXCEPTION_ACTIONS[kind_key(action.get("kind"))](self, job_id, action)

    def _cancel_action(self, job_id: str, action: Dict[str, Any]) -> None:
        self._cancel(job_id, action.get("note"), action.get("dispositionCode"))

    def _manual_reclassify_action(self, job_id: str, action: Dict[str, Any]) -> None:
        self._dequeue(job_id)
        job = self._state.write("jobs", job_id).body
        if action.get("queueId"):
            job["queueId"] = action["queueId"]
        if action.get("priority") is not None:
            job["priority"] = action["priority"]
        if action.get("workerSelectors") is not None:
            job["attachedWorkerSelectors"] = [self._activate_selector(job_id, s) for s in action["workerSelectors"]]
        self.queue(job_id)

    def _reclassify_action(self, job_id: str, action: Dict[str, Any]) -> None:
        self._dequeue(job_id)
        job = self._state.write("jobs", job_id).body
        if action.get("classificationPolicyId"):
            job["classificationPolicyId"] = action["classificationPolicyId"]
        job["labels"] = {**(job.get("labels") or {}), **(action.get("labelsToUpsert") or {})}
        job.pop("queueId", None)
        self._classify_or_queue(job_id)

    # -- commands -------------------------------------------------------------------------------------------------
    def cancel(self, job_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """Cancel a job that has not ended (or completed)."""
        target = f"/routing/jobs/{job_id}:cancel"
        record = self._state.require("jobs", job_id, target)
        if record.body.get("status") in TERMINAL | {JobStatus.COMPLETED}:
            raise BadRequest(f"Job {job_id} is {record.body.get('status')} and cannot be cancelled.", target=target)
        self._cancel(job_id, body.get("note"), body.get("dispositionCode"))
        return {}

    def _cancel(self, job_id: str, note: Optional[str], disposition_code: Optional[str]) -> None:
        self._dequeue(job_id)
        job = self._state.write("jobs", job_id).body
        for assignment in (job.get("assignments") or {}).values():
            if not assignment.get("closedAt"):
                self.release(assignment["workerId"], assignment["assignmentId"])
        self.add_note(job, note)
        if disposition_code is not None:
            job["dispositionCode"] = disposition_code
        job["status"] = JobStatus.CANCELLED
        self._state.emit(
            job_event(
                "RouterJobCancelled",
                job,
                self._clock.now(),
                f"/disposition/{disposition_code}",
                note=note,
                dispositionCode=disposition_code,
            )
        )

    def reclassify(self, job_id: str) -> Dict[str, Any]:
        """Run the job's classification policy again (a client's request)."""
        target = f"/routing/jobs/{job_id}:reclassify"
        record = self._state.require("jobs", job_id, target)
        job = record.body
        if job.get("status") not in UNASSIGNED_AND_OPEN:
            raise BadRequest(f"Job {job_id} is {job.get('status')} and cannot be reclassified.", target=target)
        if not job.get("classificationPolicyId"):
            raise BadRequest(f"Job {job_id} has no classificationPolicyId to reclassify with.", target=target)
        self._dequeue(job_id)
        self._state.write("jobs", job_id).body.pop("queueId", None)
        self._classify_or_queue(job_id)
        return {}

    def release(self, worker_id: str, assignment_id: str) -> None:
        """The assignment ended: the worker's capacity is free, its queues are matched again."""
        if self._capacity.drop_assignment(worker_id, assignment_id):
            for queue_id in self._state.get("workers", worker_id).body.get("queues") or []:  # type: ignore[union-attr]
                self._match_requests.request(queue_id)

    def add_note(self, job: Dict[str, Any], note: Optional[str]) -> None:
        """Add a client's note to the job, stamped now."""
        if note:
            job.setdefault("notes", []).append({"message": note, "addedAt": format_time(self._clock.now())})


# What each kind of exception action does to a job (a table of the class's functions, not of bound methods, so a
# lifecycle holds no reference to itself).
EXCEPTION_ACTIONS: Dict[str, Callable[[JobLifecycle, str, Dict[str, Any]], None]] = {
    "cancel": JobLifecycle._cancel_action,
    "manualreclassify": JobLifecycle._manual_reclassify_action,
    "reclassify": JobLifecycle._reclassify_action,
}
