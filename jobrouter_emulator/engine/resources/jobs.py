"""Jobs: units of work routed to workers, directly to a queue or through a classification policy.

``status``, ``enqueuedAt``, ``attachedWorkerSelectors``, ``assignments`` and ``scheduledAt`` are the service's
(read-only); what happens to a job after an upsert is :class:`~..lifecycles.jobs.JobLifecycle`'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict

from ...sdk import kind_key, models
from ..documents import require_kind, require_number, require_object, validate_selector
from ..errors import BadRequest
from ..job_status import ACTIVE
from ..times import format_time, parse_time_or_none
from .base import Lifecycles, ListFilter, Reference, ResourceKind, date_time_filter, text_filter


def validate(body: Dict[str, Any]) -> None:
    """A channel; a queue or a classification policy; a priority from -100; valid selectors and matching mode."""
    if not isinstance(body.get("channelId"), str) or not body["channelId"]:
        raise BadRequest("channelId is required.", target="channelId")
    if not body.get("queueId") and not body.get("classificationPolicyId"):
        raise BadRequest("A job needs a queueId or a classificationPolicyId.", target="queueId")
    if "priority" in body:
        require_number(body["priority"], "priority", minimum=-100, integer=True)
    for i, selector in enumerate(body.get("requestedWorkerSelectors") or []):
        validate_selector(selector, f"requestedWorkerSelectors[{i}]")
    if body.get("matchingMode") is not None:
        mode = require_object(body["matchingMode"], "matchingMode")
        kind = require_kind(mode, "matchingMode", ["queueAndMatch", "scheduleAndSuspend", "suspend"])
        if kind == "scheduleandsuspend" and parse_time_or_none(mode.get("scheduleAt")) is None:
            raise BadRequest(
                "matchingMode.scheduleAt is required for scheduleAndSuspend, as an ISO 8601 date-time.",
                target="matchingMode.scheduleAt",
            )


def defaults(key: str, body: Dict[str, Any]) -> None:
    """What the service answers for a job: priority 1, empty collections, queue-and-match; selectors not
    expedited and active; client times written in the service's form."""
    body.setdefault("priority", 1)
    body.setdefault("requestedWorkerSelectors", [])
    body.setdefault("attachedWorkerSelectors", [])
    body.setdefault("labels", {})
    body.setdefault("assignments", {})
    body.setdefault("tags", {})
    body.setdefault("notes", [])
    body.setdefault("matchingMode", {"kind": "queueAndMatch"})
    for holder, name in [(body["matchingMode"], "scheduleAt")] + [(note, "addedAt") for note in body["notes"]]:
        moment = parse_time_or_none(holder.get(name)) if isinstance(holder, dict) else None
        if moment is not None:
            holder[name] = format_time(moment)
    for selector in body["requestedWorkerSelectors"]:
        selector.setdefault("expedite", False)
        selector.setdefault("status", "active")


def _status_filter(body: Dict[str, Any], status: str) -> bool:
    if status == "all":
        return True
    if status == "active":
        return body.get("status") in ACTIVE
    return kind_key(body.get("status")) == kind_key(status)


def _scheduled_before(body: Dict[str, Any], moment: datetime) -> bool:
    scheduled = parse_time_or_none((body.get("matchingMode") or {}).get("scheduleAt"))
    return scheduled is not None and scheduled <= moment


def _scheduled_after(body: Dict[str, Any], moment: datetime) -> bool:
    scheduled = parse_time_or_none((body.get("matchingMode") or {}).get("scheduleAt"))
    return scheduled is not None and scheduled >= moment


def after_upsert(engine: Lifecycles, key: str, before: Dict[str, Any], patch: Dict[str, Any], created: bool) -> None:
    """A new job is received (routed a moment later); a changed one is activated, moved or reclassified."""
    if created:
        engine.jobs.received(key)
    else:
        engine.jobs.updated(key, before, patch)


JOBS = ResourceKind(
    collection="jobs",
    model=models.RouterJob,
    validate=validate,
    defaults=defaults,
    references=(Reference("queueId", "queues"), Reference("classificationPolicyId", "classificationPolicies")),
    list_filters=(
        ListFilter("status", text_filter, _status_filter),
        ListFilter("queueId", text_filter, lambda body, v: body.get("queueId") == v),
        ListFilter("channelId", text_filter, lambda body, v: body.get("channelId") == v),
        ListFilter("classificationPolicyId", text_filter, lambda body, v: body.get("classificationPolicyId") == v),
        ListFilter("scheduledBefore", date_time_filter, _scheduled_before),
        ListFilter("scheduledAfter", date_time_filter, _scheduled_after),
    ),
    after_upsert=after_upsert,
    before_delete=lambda engine, key: engine.jobs.deleting(key),
)
