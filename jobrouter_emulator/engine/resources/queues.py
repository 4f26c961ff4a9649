"""Queues: where jobs wait, offered as their distribution policy says, with an optional exception policy.

What a PATCH of a queue checks: the JSON types of ``RouterQueue``; ``distributionPolicyId`` given and naming an
existing distribution policy; ``exceptionPolicyId``, when given, naming an existing exception policy. The service
adds the label ``Id`` (the queue's id). A queue with active jobs cannot be deleted (409).
"""

from __future__ import annotations

from typing import Any, Dict

from ...sdk import models
from ..errors import Conflict
from ..job_status import ACTIVE
from .base import Lifecycles, Reference, ResourceKind


def defaults(key: str, body: Dict[str, Any]) -> None:
    """The label ``Id`` carries the queue's id, as the service adds it."""
    body["labels"] = {**(body.get("labels") or {}), "Id": key}


def after_upsert(engine: Lifecycles, key: str, before: Dict[str, Any], patch: Dict[str, Any], created: bool) -> None:
    """Its distribution policy may have changed: match its jobs again."""
    if not created:
        engine.match_requests.request(key)


def before_delete(engine: Lifecycles, key: str) -> None:
    """Refuse while a job that has not ended is in the queue."""
    if any(r.body.get("queueId") == key and r.body.get("status") in ACTIVE for r in engine.state.records("jobs")):
        raise Conflict(
            "Validation failed: \r\n -- : There is active job with this queue", target=f"/routing/queues/{key}"
        )


QUEUES = ResourceKind(
    collection="queues",
    model=models.RouterQueue,
    defaults=defaults,
    references=(
        Reference("distributionPolicyId", "distributionPolicies", required=True),
        Reference("exceptionPolicyId", "exceptionPolicies"),
    ),
    after_upsert=after_upsert,
    before_delete=before_delete,
)
