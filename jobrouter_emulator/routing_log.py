"""The routing log: one line per routing decision, on the ``jobrouter_emulator.routing`` logger.

    job j1 classified to queue sales, priority 5
    job j1 offered to worker w1 until 2024-01-01T10:00:30Z offerId=6f1c...
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
from .engine.times import parse_time_or_none
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
    "RouterWorkerOfferIssued": "job {jobId} offered to worker {workerId} until {expiresOn}",
    "RouterWorkerOfferAccepted": "job {jobId} assigned to worker {workerId}: offer accepted",
    "RouterWorkerOfferDeclined": "job {jobId} declined by worker {workerId}",
    "RouterWorkerOfferExpired": "offer of job {jobId} to worker {workerId} expired",
    "RouterWorkerOfferRevoked": "offer of job {jobId} to worker {workerId} revoked",
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
TRAILING_IDS = ("offerId", "assignmentId")  # long generated ids: after the sentence in the text line, not in it


class _Blank(dict):  # type: ignore[type-arg]
    """Event data for str.format_map: a field the event lacks reads as "-"."""

    def __missing__(self, key: str) -> str:
        return "-"


_FORMATTER = string.Formatter()


def _data(event: Dict[str, Any]) -> Dict[str, Any]:
    data = event.get("data")
    return data if isinstance(data, dict) else {}


def _shown(value: Any) -> Any:
    """A value as a sentence shows it: "-" for none, a date-time to the second."""
    if value is None:
        return "-"
    moment = parse_time_or_none(value) if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T" else None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else value


def describe(event: Dict[str, Any]) -> str:
    """What a Router event says, as a sentence (the routing log's line, the dashboard's event summary)."""
    name = str(event.get("eventType", "")).rsplit(".", 1)[-1]
    template = MESSAGES.get(name)
    if template is None:
        return f"{name} {event.get('subject', '')}".strip()
    return _FORMATTER.vformat(template, (), _Blank({k: _shown(v) for k, v in _data(event).items()}))


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
        trailing = "".join(f" {name}={data[name]}" for name in TRAILING_IDS if data.get(name) is not None)
        logger.info("%s%s", describe(event), trailing, extra={"fields": fields})


def attach(router: Router) -> None:
    """Log the router's decisions from now on."""
    router.add_event_listener(log_events)
