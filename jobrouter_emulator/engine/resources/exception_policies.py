"""Exception policies: rules of a trigger (queue length, wait time) and actions (cancel, reclassify)."""

from __future__ import annotations

import uuid
from typing import Any, Dict

from ...sdk import kind_key, models
from ..documents import default_expression_language, require_kind, require_number, require_object
from ..errors import BadRequest
from .base import ResourceKind


def validate(body: Dict[str, Any]) -> None:
    """Each rule has an id, a trigger with its threshold, and at least one action of a known kind."""
    rules = body.get("exceptionRules") or []
    if not isinstance(rules, list):
        raise BadRequest("exceptionRules must be a list of {id, trigger, actions}.", target="exceptionRules")
    for i, rule in enumerate(rules):
        path = f"exceptionRules[{i}]"
        rule = require_object(rule, path)
        if not isinstance(rule.get("id"), str) or not rule["id"]:
            raise BadRequest(f"{path}.id is required.", target=f"{path}.id")
        trigger = require_object(rule.get("trigger"), f"{path}.trigger")
        if require_kind(trigger, f"{path}.trigger", ["queueLength", "waitTime"]) == "queuelength":
            require_number(trigger.get("threshold"), f"{path}.trigger.threshold", integer=True)
        else:
            require_number(trigger.get("thresholdSeconds"), f"{path}.trigger.thresholdSeconds")
        actions = rule.get("actions")
        if not isinstance(actions, list) or not actions:
            raise BadRequest(f"{path}.actions must list at least one action.", target=f"{path}.actions")
        for j, action in enumerate(actions):
            where = f"{path}.actions[{j}]"
            require_kind(require_object(action, where), where, ["cancel", "manualReclassify", "reclassify"])


def defaults(key: str, body: Dict[str, Any]) -> None:
    """An action without an id gets a new one; the service also fills in empty selector and label sets."""
    default_expression_language(body)
    for rule in body.get("exceptionRules") or []:
        for action in rule.get("actions") or []:
            action.setdefault("id", str(uuid.uuid4()))
            kind = kind_key(action.get("kind"))
            if kind == "manualreclassify":
                action.setdefault("workerSelectors", [])
            elif kind == "reclassify":
                action.setdefault("labelsToUpsert", {})


EXCEPTION_POLICIES = ResourceKind(
    collection="exceptionPolicies",
    model=models.ExceptionPolicy,
    validate=validate,
    defaults=defaults,
)
