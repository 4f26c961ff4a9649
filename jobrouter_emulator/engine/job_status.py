"""A job's status as the engine writes it into the job's document, and the sets of statuses the lifecycles ask about.

The names are the spec's (:class:`RouterJobStatus`); the values are its plain strings, because they are stored
in documents and compared with what clients send. Writing ``JobStatus.QUEUED`` rather than ``"queued"`` turns a
misspelt status into an error that mypy, or the first call, reports.
"""

from __future__ import annotations

from typing import FrozenSet

from ..sdk import models

_SPEC = models.RouterJobStatus


class JobStatus:
    """Every status of the spec's ``RouterJobStatus``, as the string stored in a job (``tests`` check they match)."""

    CREATED = _SPEC.CREATED.value
    PENDING_CLASSIFICATION = _SPEC.PENDING_CLASSIFICATION.value
    QUEUED = _SPEC.QUEUED.value
    ASSIGNED = _SPEC.ASSIGNED.value
    COMPLETED = _SPEC.COMPLETED.value
    CLOSED = _SPEC.CLOSED.value
    CANCELLED = _SPEC.CANCELLED.value
    CLASSIFICATION_FAILED = _SPEC.CLASSIFICATION_FAILED.value
    PENDING_SCHEDULE = _SPEC.PENDING_SCHEDULE.value
    SCHEDULED = _SPEC.SCHEDULED.value
    SCHEDULE_FAILED = _SPEC.SCHEDULE_FAILED.value
    WAITING_FOR_ACTIVATION = _SPEC.WAITING_FOR_ACTIVATION.value


# The job's life is over: nothing happens to it any more, and it no longer counts against its queue.
TERMINAL: FrozenSet[str] = frozenset(
    {JobStatus.CLOSED, JobStatus.CANCELLED, JobStatus.CLASSIFICATION_FAILED, JobStatus.SCHEDULE_FAILED}
)
# Every other status: the job still holds its queue (a queue with such jobs cannot be deleted).
ACTIVE: FrozenSet[str] = frozenset(
    {
        JobStatus.CREATED,
        JobStatus.PENDING_CLASSIFICATION,
        JobStatus.QUEUED,
        JobStatus.ASSIGNED,
        JobStatus.COMPLETED,
        JobStatus.PENDING_SCHEDULE,
        JobStatus.SCHEDULED,
        JobStatus.WAITING_FOR_ACTIVATION,
    }
)
# Not yet through classification: routing has not placed the job in a queue.
BEFORE_CLASSIFICATION: FrozenSet[str] = frozenset({JobStatus.CREATED, JobStatus.PENDING_CLASSIFICATION})
# Waiting for its schedule or for activation: a scheduled job's statuses before it is queued.
SUSPENDED: FrozenSet[str] = frozenset(
    {JobStatus.PENDING_SCHEDULE, JobStatus.SCHEDULED, JobStatus.WAITING_FOR_ACTIVATION}
)
# A job in one of these may be classified again when its labels or classification policy change.
RECLASSIFIABLE: FrozenSet[str] = frozenset(
    {JobStatus.CREATED, JobStatus.PENDING_CLASSIFICATION, JobStatus.QUEUED, JobStatus.CLASSIFICATION_FAILED}
)
# A job that no worker has yet: it can be cancelled.
UNASSIGNED_AND_OPEN: FrozenSet[str] = frozenset(
    {
        JobStatus.QUEUED,
        JobStatus.CLASSIFICATION_FAILED,
        JobStatus.PENDING_CLASSIFICATION,
        JobStatus.WAITING_FOR_ACTIVATION,
    }
)
