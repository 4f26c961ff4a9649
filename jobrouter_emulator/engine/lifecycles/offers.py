"""Offers: issued to a worker for a queued job, then accepted (an assignment), declined, expired or revoked.

An offer lives in two places: in the worker's ``offers`` (what clients see, through :mod:`.capacity`) and in the
job's internal ``offers`` map (offer id -> worker and expiry), which the job needs to revoke its offers.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Dict, Optional

from ..context import EngineContext
from ..errors import BadRequest, NotFound
from ..events import offer_event
from ..job_status import JobStatus
from ..state import Record
from ..timers import TimerKind
from ..times import format_time, parse_time, parse_time_or_none
from .capacity import WorkerCapacity

DEFAULT_OFFER_SECONDS = 30.0


class Offers:
    def __init__(self, context: EngineContext, capacity: WorkerCapacity) -> None:
        self._state = context.state
        self._index = context.index
        self._capacity = capacity
        self._timers = context.timers
        self._match_requests = context.match_requests
        self._clock = context.clock

    # -- the engine's side ----------------------------------------------------------------------------------------
    def issue(self, worker_id: str, job_id: str, policy: Dict[str, Any]) -> None:
        """Offer the job to the worker, for the distribution policy's ``offerExpiresAfterSeconds``."""
        worker = self._state.get("workers", worker_id).body  # type: ignore[union-attr]
        job_record = self._state.write("jobs", job_id)
        job = job_record.body
        now = self._clock.now()
        channel = next(c for c in worker.get("channels") or [] if c.get("channelId") == job.get("channelId"))
        expires = now + timedelta(seconds=float(policy.get("offerExpiresAfterSeconds") or DEFAULT_OFFER_SECONDS))
        offer_id = str(uuid.uuid4())
        offer = {
            "offerId": offer_id,
            "jobId": job_id,
            "capacityCost": int(channel.get("capacityCostPerJob", 0)),
            "offeredAt": format_time(now),
            "expiresAt": format_time(expires),
        }
        self._capacity.hold_offer(worker_id, offer)
        job_record.internal.setdefault("offers", {})[offer_id] = {
            "workerId": worker_id,
            "expiresAt": offer["expiresAt"],
        }
        self._timers.schedule(expires, TimerKind.EXPIRE_OFFER, job_id, offer_id)
        self._state.emit(
            offer_event(
                "RouterWorkerOfferIssued",
                worker_id,
                job,
                offer_id,
                now,
                offeredOn=offer["offeredAt"],
                expiresOn=offer["expiresAt"],
                jobPriority=job.get("priority"),
                jobLabels=job.get("labels"),
                jobTags=job.get("tags"),
            )
        )

    def expire(self, job_id: str, offer_id: str) -> None:
        """Timer: an offer nobody answered expires; the job moves on to other workers."""
        job_record = self._state.get("jobs", job_id)
        if job_record is None or offer_id not in job_record.internal.get("offers", {}):
            return
        worker_id = job_record.internal["offers"][offer_id]["workerId"]
        self._remove(worker_id, offer_id, job_id)
        # An unanswered offer counts as a decline: the job is not offered to the same worker again until the
        # worker registers again.
        self._record_decline(job_id, worker_id, None)
        self._state.emit(
            offer_event("RouterWorkerOfferExpired", worker_id, job_record.body, offer_id, self._clock.now())
        )
        self._match_requests.request(job_record.body.get("queueId"))

    def revoke_job_offers(self, job_id: str) -> None:
        """Withdraw every open offer of the job (it left its queue)."""
        job_record = self._state.get("jobs", job_id)
        if job_record is None:
            return
        for offer_id, offer in list(job_record.internal.get("offers", {}).items()):
            self._remove(offer["workerId"], offer_id, job_id)
            self._state.emit(
                offer_event("RouterWorkerOfferRevoked", offer["workerId"], job_record.body, offer_id, self._clock.now())
            )

    def revoke_worker_offers(self, worker_id: str) -> None:
        """Withdraw every open offer of the worker (it deregistered or is deleted); its jobs look for others."""
        worker = self._state.get("workers", worker_id)
        for offer in list(worker.body.get("offers") or []) if worker else []:
            job_record = self._state.get("jobs", offer["jobId"])
            self._remove(worker_id, offer["offerId"], offer["jobId"])
            if job_record is not None:
                self._state.emit(
                    offer_event(
                        "RouterWorkerOfferRevoked", worker_id, job_record.body, offer["offerId"], self._clock.now()
                    )
                )
                self._match_requests.request(job_record.body.get("queueId"))

    def has_declined(self, job_record: Record, worker_record: Record) -> bool:
        """Whether the worker declined (or let expire) an offer of this job, since it last registered, and the
        decline still holds (no ``retryOfferAt``, or one still to come)."""
        declined = job_record.internal.get("declined", {}).get(worker_record.body["id"])
        if declined is None or declined[1] != worker_record.internal.get("epoch", 0):
            return False
        retry_at = parse_time_or_none(declined[0])
        return retry_at is None or retry_at > self._clock.now()

    # -- the worker's side (commands) -----------------------------------------------------------------------------
    def accept(self, worker_id: str, offer_id: str) -> Dict[str, Any]:
        """The worker takes the job: an assignment, the job's other offers revoked."""
        target = f"/routing/workers/{worker_id}/offers/{offer_id}:accept"
        offer = self._find(worker_id, offer_id, "AcceptOfferCommandHandler", target)
        job_id = offer["jobId"]
        job_record = self._state.require("jobs", job_id, target)
        now = self._clock.now()
        self._remove(worker_id, offer_id, job_id)
        self.revoke_job_offers(job_id)
        assignment_id = str(uuid.uuid4())
        job = self._state.write("jobs", job_id).body
        job.setdefault("assignments", {})[assignment_id] = {
            "assignmentId": assignment_id,
            "workerId": worker_id,
            "assignedAt": format_time(now),
        }
        job["status"] = JobStatus.ASSIGNED
        self._index.set_job_queue(job_id, None)
        self._capacity.hold_assignment(
            worker_id,
            {
                "assignmentId": assignment_id,
                "jobId": job_id,
                "capacityCost": offer["capacityCost"],
                "assignedAt": format_time(now),
            },
        )
        self._state.emit(
            offer_event(
                "RouterWorkerOfferAccepted",
                worker_id,
                job_record.body,
                offer_id,
                now,
                assignmentId=assignment_id,
                jobPriority=job.get("priority"),
                jobLabels=job.get("labels"),
                jobTags=job.get("tags"),
            )
        )
        return {"assignmentId": assignment_id, "jobId": job_id, "workerId": worker_id}

    def decline(self, worker_id: str, offer_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """The worker turns the job down, for good or until ``retryOfferAt``."""
        target = f"/routing/workers/{worker_id}/offers/{offer_id}:decline"
        offer = self._find(worker_id, offer_id, "DeclineOfferCommandHandler", target)
        job_record = self._state.require("jobs", offer["jobId"], target)
        retry_at = body.get("retryOfferAt")
        if retry_at is not None:
            try:
                retry_moment = parse_time(retry_at)
            except ValueError:
                raise BadRequest("retryOfferAt must be an ISO 8601 date-time.", target="retryOfferAt") from None
            self._timers.schedule(retry_moment, TimerKind.MATCH_QUEUE, job_record.body.get("queueId", ""))
        self._remove(worker_id, offer_id, offer["jobId"])
        self._record_decline(offer["jobId"], worker_id, retry_at)
        self._state.emit(
            offer_event("RouterWorkerOfferDeclined", worker_id, job_record.body, offer_id, self._clock.now())
        )
        self._match_requests.request(job_record.body.get("queueId"))
        return {}

    # -- helpers --------------------------------------------------------------------------------------------------
    def _find(self, worker_id: str, offer_id: str, handler: str, target: str) -> Dict[str, Any]:
        worker = self._state.get("workers", worker_id)
        offers = worker.body.get("offers") or [] if worker else []
        offer: Optional[Dict[str, Any]] = next((o for o in offers if o["offerId"] == offer_id), None)
        if offer is None:
            raise NotFound(f"{handler}: Offer not found. OfferId: {offer_id}, WorkerId: {worker_id}", target=target)
        return offer

    def _remove(self, worker_id: str, offer_id: str, job_id: str) -> None:
        self._capacity.drop_offer(worker_id, offer_id)
        job_record = self._state.get("jobs", job_id)
        if job_record is not None and offer_id in job_record.internal.get("offers", {}):
            del self._state.write("jobs", job_id).internal["offers"][offer_id]

    def _record_decline(self, job_id: str, worker_id: str, retry_at: Optional[str]) -> None:
        worker = self._state.get("workers", worker_id)
        epoch = worker.internal.get("epoch", 0) if worker else 0
        self._state.write("jobs", job_id).internal.setdefault("declined", {})[worker_id] = [retry_at, epoch]
