"""REST documents: merge-patch, the defaults the service fills in, and validation of what clients send.

Defaults and shapes follow the live service's responses in ../shared/reference/service-recordings.
"""

from __future__ import annotations

import copy
import math
import uuid
from typing import Any, Dict, List, Optional, Type

from azure.communication.jobrouter import models
from azure.communication.jobrouter._model_core import Model, check_document, parse_datetime
from azure.communication.jobrouter._model_core import kind_key as model_kind_key

from .errors import BadRequest
from .events import iso
from .rules.powerfx import PowerFxSyntaxError, parse_expression

COLLECTIONS = ("distributionPolicies", "queues", "classificationPolicies", "exceptionPolicies", "workers", "jobs")

# Properties the service computes; a client's value for them is ignored, as the service does.
READ_ONLY = {
    "distributionPolicies": {"id", "etag"},
    "queues": {"id", "etag"},
    "classificationPolicies": {"id", "etag"},
    "exceptionPolicies": {"id", "etag"},
    "workers": {"id", "etag", "state", "offers", "assignedJobs", "loadRatio"},
    "jobs": {"id", "etag", "status", "enqueuedAt", "attachedWorkerSelectors", "assignments", "scheduledAt"},
}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def kind_key(kind: Any) -> str:
    """The spelling-independent key of a kind; the SDK's models resolve kinds with the same function."""
    return model_kind_key(kind)


def _require_object(value: Any, path: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{path} must be a JSON object.", target=path)
    return value


def _number(value: Any, path: str, *, minimum: float = 0, integer: bool = False) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and math.isnan(value))
    ):
        raise BadRequest(f"{path} must be a number.", target=path)
    if integer and int(value) != value:
        raise BadRequest(f"{path} must be a whole number.", target=path)
    if value < minimum:
        raise BadRequest(f"{path} must be at least {minimum}.", target=path)


def _kind(value: Dict[str, Any], path: str, allowed: List[str]) -> str:
    kind = value.get("kind")
    if not isinstance(kind, str) or kind_key(kind) not in {kind_key(k) for k in allowed}:
        raise BadRequest(f"{path}.kind must be one of {', '.join(allowed)}; got {kind!r}.", target=f"{path}.kind")
    return kind_key(kind)


LABEL_OPERATORS = ["equal", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual"]


def validate_selector(selector: Any, path: str) -> None:
    selector = _require_object(selector, path)
    if not isinstance(selector.get("key"), str) or not selector["key"]:
        raise BadRequest(f"{path}.key is required.", target=f"{path}.key")
    operator = selector.get("labelOperator")
    if kind_key(operator) not in {kind_key(o) for o in LABEL_OPERATORS}:
        raise BadRequest(
            f"{path}.labelOperator must be one of {', '.join(LABEL_OPERATORS)}; got {operator!r}.",
            target=f"{path}.labelOperator",
        )
    if "expiresAfterSeconds" in selector:
        _number(selector["expiresAfterSeconds"], f"{path}.expiresAfterSeconds")


def validate_rule(rule: Any, path: str) -> None:
    rule = _require_object(rule, path)
    kind = _kind(rule, path, ["static", "directMap", "expression", "function", "webhook"])
    if kind == "expression":
        if not isinstance(rule.get("expression"), str):
            raise BadRequest(f"{path}.expression is required for an expression rule.", target=f"{path}.expression")
        language = rule.get("language", "powerFx")
        if kind_key(language) != "powerfx":
            raise BadRequest(f"{path}.language must be powerFx; got {language!r}.", target=f"{path}.language")
        try:
            parse_expression(rule["expression"])
        except PowerFxSyntaxError as exc:
            raise BadRequest(f"{path}.expression is not valid PowerFx: {exc}", target=f"{path}.expression") from None
    if kind == "function" and not isinstance(rule.get("functionUri"), str):
        raise BadRequest(f"{path}.functionUri is required for a function rule.", target=f"{path}.functionUri")
    if kind == "webhook" and not isinstance(rule.get("webhookUri"), str):
        raise BadRequest(f"{path}.webhookUri is required for a webhook rule.", target=f"{path}.webhookUri")


def _validate_attachment(attachment: Any, path: str, selector_key: str) -> None:
    attachment = _require_object(attachment, path)
    kind = _kind(attachment, path, ["static", "conditional", "passThrough", "ruleEngine", "weightedAllocation"])
    singular = selector_key[:-1]  # queueSelectors -> queueSelector
    if kind == "static":
        validate_selector(attachment.get(singular), f"{path}.{singular}")
    elif kind == "conditional":
        validate_rule(attachment.get("condition"), f"{path}.condition")
        for i, selector in enumerate(attachment.get(selector_key) or []):
            validate_selector(selector, f"{path}.{selector_key}[{i}]")
    elif kind == "passthrough":
        if not isinstance(attachment.get("key"), str):
            raise BadRequest(f"{path}.key is required for a passThrough attachment.", target=f"{path}.key")
    elif kind == "ruleengine":
        validate_rule(attachment.get("rule"), f"{path}.rule")
    else:
        allocations = attachment.get("allocations")
        if not isinstance(allocations, list) or not allocations:
            raise BadRequest(f"{path}.allocations must list at least one allocation.", target=f"{path}.allocations")
        total = 0.0
        for i, allocation in enumerate(allocations):
            _number(
                _require_object(allocation, f"{path}.allocations[{i}]").get("weight"), f"{path}.allocations[{i}].weight"
            )
            total += allocation["weight"]
        if abs(total - 1.0) > 1e-6:
            raise BadRequest(f"{path}.allocations weights must add up to 1; they add up to {total}.", target=path)


def validate_distribution_policy(body: Dict[str, Any]) -> None:
    if "offerExpiresAfterSeconds" in body:
        _number(body["offerExpiresAfterSeconds"], "offerExpiresAfterSeconds", minimum=1)
    mode = body.get("mode")
    if mode is None:
        raise BadRequest("mode is required: one of bestWorker, longestIdle, roundRobin.", target="mode")
    mode = _require_object(mode, "mode")
    kind = _kind(mode, "mode", ["bestWorker", "longestIdle", "roundRobin"])
    low, high = mode.get("minConcurrentOffers", 1), mode.get("maxConcurrentOffers", 1)
    _number(low, "mode.minConcurrentOffers", minimum=1, integer=True)
    _number(high, "mode.maxConcurrentOffers", minimum=1, integer=True)
    if low > high:
        raise BadRequest("mode.minConcurrentOffers cannot exceed mode.maxConcurrentOffers.", target="mode")
    if kind == "bestworker" and mode.get("scoringRule") is not None:
        validate_rule(mode["scoringRule"], "mode.scoringRule")


def validate_classification_policy(body: Dict[str, Any]) -> None:
    for i, attachment in enumerate(body.get("queueSelectorAttachments") or []):
        _validate_attachment(attachment, f"queueSelectorAttachments[{i}]", "queueSelectors")
    for i, attachment in enumerate(body.get("workerSelectorAttachments") or []):
        _validate_attachment(attachment, f"workerSelectorAttachments[{i}]", "workerSelectors")
    if body.get("prioritizationRule") is not None:
        validate_rule(body["prioritizationRule"], "prioritizationRule")


def validate_exception_policy(body: Dict[str, Any]) -> None:
    rules = body.get("exceptionRules") or []
    if not isinstance(rules, list):
        raise BadRequest("exceptionRules must be a list of {id, trigger, actions}.", target="exceptionRules")
    for i, rule in enumerate(rules):
        path = f"exceptionRules[{i}]"
        rule = _require_object(rule, path)
        if not isinstance(rule.get("id"), str) or not rule["id"]:
            raise BadRequest(f"{path}.id is required.", target=f"{path}.id")
        trigger = _require_object(rule.get("trigger"), f"{path}.trigger")
        kind = _kind(trigger, f"{path}.trigger", ["queueLength", "waitTime"])
        if kind == "queuelength":
            _number(trigger.get("threshold"), f"{path}.trigger.threshold", integer=True)
        else:
            _number(trigger.get("thresholdSeconds"), f"{path}.trigger.thresholdSeconds")
        actions = rule.get("actions")
        if not isinstance(actions, list) or not actions:
            raise BadRequest(f"{path}.actions must list at least one action.", target=f"{path}.actions")
        for j, action in enumerate(actions):
            _kind(
                _require_object(action, f"{path}.actions[{j}]"),
                f"{path}.actions[{j}]",
                ["cancel", "manualReclassify", "reclassify"],
            )


def validate_worker(body: Dict[str, Any]) -> None:
    if "capacity" in body:
        _number(body["capacity"], "capacity", integer=True)
    for i, channel in enumerate(body.get("channels") or []):
        path = f"channels[{i}]"
        channel = _require_object(channel, path)
        if not isinstance(channel.get("channelId"), str) or not channel["channelId"]:
            raise BadRequest(f"{path}.channelId is required.", target=f"{path}.channelId")
        _number(channel.get("capacityCostPerJob"), f"{path}.capacityCostPerJob", integer=True)
        if channel.get("maxNumberOfJobs") is not None:
            _number(channel["maxNumberOfJobs"], f"{path}.maxNumberOfJobs", minimum=1, integer=True)
    if not isinstance(body.get("queues", []), list) or not all(isinstance(q, str) for q in body.get("queues", [])):
        raise BadRequest("queues must be a list of queue ids.", target="queues")


def validate_job(body: Dict[str, Any]) -> None:
    if not isinstance(body.get("channelId"), str) or not body["channelId"]:
        raise BadRequest("channelId is required.", target="channelId")
    if "priority" in body:
        _number(body["priority"], "priority", minimum=-100, integer=True)
    for i, selector in enumerate(body.get("requestedWorkerSelectors") or []):
        validate_selector(selector, f"requestedWorkerSelectors[{i}]")
    mode = body.get("matchingMode")
    if mode is not None:
        mode = _require_object(mode, "matchingMode")
        kind = _kind(mode, "matchingMode", ["queueAndMatch", "scheduleAndSuspend", "suspend"])
        if kind == "scheduleandsuspend" and not isinstance(mode.get("scheduleAt"), str):
            raise BadRequest(
                "matchingMode.scheduleAt is required for scheduleAndSuspend.", target="matchingMode.scheduleAt"
            )


def apply_defaults(collection: str, key: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """Fill in what the service adds to a stored document (seen in the recordings' responses)."""
    body["id"] = key
    _default_expression_language(body)
    if collection == "distributionPolicies":
        mode = body.get("mode")
        if isinstance(mode, dict):
            mode.setdefault("minConcurrentOffers", 1)
            mode.setdefault("maxConcurrentOffers", 1)
            mode.setdefault("bypassSelectors", False)
            if kind_key(mode.get("kind")) == "bestworker":
                options = mode.setdefault("scoringRuleOptions", {})
                options.setdefault("batchSize", 20)
                options.setdefault("scoringParameters", ["jobLabels", "workerSelectors"])
                options.setdefault("isBatchScoringEnabled", False)
                options.setdefault("descendingOrder", True)
    elif collection == "queues":
        body["labels"] = {**(body.get("labels") or {}), "Id": key}
    elif collection == "classificationPolicies":
        body.setdefault("queueSelectorAttachments", [])
        body.setdefault("workerSelectorAttachments", [])
        for attachment in body["workerSelectorAttachments"]:
            for selector in _attachment_selectors(attachment):
                selector.setdefault("expedite", False)
                selector.setdefault("status", "active")
    elif collection == "exceptionPolicies":
        for rule in body.get("exceptionRules") or []:
            for action in rule.get("actions") or []:
                action.setdefault("id", str(uuid.uuid4()))
                kind = kind_key(action.get("kind"))
                if kind == "manualreclassify":
                    action.setdefault("workerSelectors", [])
                elif kind == "reclassify":
                    action.setdefault("labelsToUpsert", {})
    elif collection == "workers":
        body.setdefault("queues", [])
        body.setdefault("capacity", 0)
        body["labels"] = {**(body.get("labels") or {}), "Id": key}
        body.setdefault("tags", {})
        body.setdefault("channels", [])
        body.setdefault("offers", [])
        body.setdefault("assignedJobs", [])
        body.setdefault("loadRatio", 0)
        body.setdefault("availableForOffers", False)
        body.setdefault("state", "inactive")
    elif collection == "jobs":
        body.setdefault("priority", 1)
        body.setdefault("requestedWorkerSelectors", [])
        body.setdefault("attachedWorkerSelectors", [])
        body.setdefault("labels", {})
        body.setdefault("assignments", {})
        body.setdefault("tags", {})
        body.setdefault("notes", [])
        body.setdefault("matchingMode", {"kind": "queueAndMatch"})
        schedule_at = body["matchingMode"].get("scheduleAt")
        if isinstance(schedule_at, str):
            try:
                body["matchingMode"]["scheduleAt"] = iso(parse_datetime(schedule_at))
            except ValueError:
                raise BadRequest(
                    "matchingMode.scheduleAt must be an ISO 8601 date-time.", target="matchingMode.scheduleAt"
                ) from None
        for selector in body["requestedWorkerSelectors"]:
            selector.setdefault("expedite", False)
            selector.setdefault("status", "active")
    return body


def _attachment_selectors(attachment: Any) -> List[Dict[str, Any]]:
    """The worker selectors an attachment carries, wherever its kind keeps them."""
    if not isinstance(attachment, dict):
        return []
    found = [attachment["workerSelector"]] if isinstance(attachment.get("workerSelector"), dict) else []
    found += [s for s in attachment.get("workerSelectors") or [] if isinstance(s, dict)]
    for allocation in attachment.get("allocations") or []:
        found += [s for s in (allocation or {}).get("workerSelectors") or [] if isinstance(s, dict)]
    return found


def _default_expression_language(value: Any) -> None:
    """Expression rules anywhere in a document get ``language: powerFx`` when they name none (as the service does)."""
    if isinstance(value, dict):
        if kind_key(value.get("kind")) == "expression" and "expression" in value:
            value.setdefault("language", "powerFx")
        for item in value.values():
            _default_expression_language(item)
    elif isinstance(value, list):
        for item in value:
            _default_expression_language(item)


VALIDATORS = {
    "distributionPolicies": validate_distribution_policy,
    "queues": lambda body: None,
    "classificationPolicies": validate_classification_policy,
    "exceptionPolicies": validate_exception_policy,
    "workers": validate_worker,
    "jobs": validate_job,
}


# The SDK's models know every field's JSON type; the emulator checks documents against them (one source: the spec).
MODELS: Dict[str, Type[Model]] = {
    "distributionPolicies": models.DistributionPolicy,
    "queues": models.RouterQueue,
    "classificationPolicies": models.ClassificationPolicy,
    "exceptionPolicies": models.ExceptionPolicy,
    "workers": models.RouterWorker,
    "jobs": models.RouterJob,
}


def check_types(model: Type[Model], body: Dict[str, Any]) -> None:
    """400 naming the first field whose value has the wrong JSON type (``channels[0].capacityCostPerJob``)."""
    try:
        check_document(model, body)
    except (TypeError, ValueError) as exc:
        path = str(exc).split(":", 1)[0]
        raise BadRequest(f"Invalid value for {exc}.", target=path) from None


def strip_read_only(collection: str, patch: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in patch.items() if k not in READ_ONLY[collection]}


def optional_str(body: Dict[str, Any], key: str) -> Optional[str]:
    value = body.get(key)
    return value if isinstance(value, str) and value else None
