"""The routing log: one line per routing decision, on the ``jobrouter_emulator.routing`` logger.

    job j1 classified to queue sales, priority 5
    offer 3: job j1 to worker w1, expires 2024-01-01T10:00:30+00:00
    exception rule long-wait triggered for job j2 in queue sales

Every decision the engine makes raises a Router event, so the log is written from the committed events (a command
that rolled back logged nothing): the router's event listener, called after each commit. The JSON form carries the
event's type, time (the engine's clock: a virtual clock's time when it runs on one), sequence number and ids.
"""

from __future__ import annotations

import logging
import string
from typing import Any, Dict, List

from .engine.router import Router
from .store.base import StoredEvent

logger = logging.getLogger("jobrouter_emulator.routing")

# Event name (without "Microsoft.Communication.") -> what the line says, with the event's data fields.
MESSAGES: Dict[str, str] = {
    "RouterJobReceived": "job {jobId} received ({jobStatus})",
    "RouterJobClassified": "job {jobId} classified to queue {queueId}, priority {priority}",
    "RouterJobClassificationFailed": "job {jobId} classification failed: {errors}",
    "RouterJobQueued": "job {jobId} queued in {queueId}, priority {priority}",
    "RouterJobWaitingForActivation": "job {jobId} waiting for activation",
    "RouterJobSchedulingFailed": "job {jobId} scheduling failed: {failureReason}",
    "RouterJobWorkerSelectorsExpired": "worker selectors of job {jobId} expired",
    "RouterJobExceptionTriggered": "exception rule {exceptionRuleId} triggered for job {jobId} in queue {queueId}",
    "RouterWorkerOfferIssued": "offer {offerId}: job {jobId} to worker {workerId}, expires {expiresOn}",
    "RouterWorkerOfferAccepted": "offer {offerId} accepted: job {jobId} assigned to worker {workerId}",
    "RouterWorkerOfferDeclined": "offer {offerId} of job {jobId} declined by worker {workerId}",
    "RouterWorkerOfferExpired": "offer {offerId} of job {jobId} to worker {workerId} expired",
    "RouterWorkerOfferRevoked": "offer {offerId} of job {jobId} to worker {workerId} revoked",
    "RouterJobUnassigned": "job {jobId} unassigned from worker {workerId}",
    "RouterJobCompleted": "job {jobId} completed by worker {workerId}",
    "RouterJobClosed": "job {jobId} closed by worker {workerId}, disposition {dispositionCode}",
    "RouterJobCancelled": "job {jobId} cancelled, disposition {dispositionCode}",
    "RouterJobDeleted": "job {jobId} deleted",
    "RouterWorkerRegistered": "worker {workerId} registered, capacity {totalCapacity}",
    "RouterWorkerDeregistered": "worker {workerId} deregistered",
    "RouterWorkerDeleted": "worker {workerId} deleted",
}
ID_FIELDS = ("jobId", "workerId", "queueId", "offerId", "assignmentId", "exceptionRuleId")


class _Blank(dict):  # type: ignore[type-arg]
    """Event data for str.format_map: a field the event lacks reads as "-"."""

    def __missing__(self, key: str) -> str:
        return "-"


_FORMATTER = string.Formatter()


def _data(event: Dict[str, Any]) -> Dict[str, Any]:
    data = event.get("data")
    return data if isinstance(data, dict) else {}


def describe(event: Dict[str, Any]) -> str:
    """The log line of a Router event."""
    name = str(event.get("eventType", "")).rsplit(".", 1)[-1]
    template = MESSAGES.get(name)
    if template is None:
        return f"{name} {event.get('subject', '')}".strip()
    data = _data(event)
    return _FORMATTER.vformat(template, (), _Blank({k: "-" if v is None else v for k, v in data.items()}))


def log_events(stored: List[StoredEvent]) -> None:
    """The router's event listener: one line per event."""
    if not logger.isEnabledFor(logging.INFO):
        return
    for item in stored:
        event = item.event
        data = _data(event)
        fields: Dict[str, Any] = {
            "eventType": str(event.get("eventType", "")).rsplit(".", 1)[-1],
            "eventTime": event.get("eventTime"),
            "sequence": item.sequence,
            **{name: data[name] for name in ID_FIELDS if data.get(name) is not None},
        }
        logger.info("%s", describe(event), extra={"fields": fields})


def attach(router: Router) -> None:
    """Log the router's decisions from now on."""
    router.add_event_listener(log_events)
