"""Classification policies: how a job gets its queue, priority and worker selectors from its labels."""

from __future__ import annotations

from typing import Any, Dict

from ...sdk import kind_key, models
from ..documents import (
    default_expression_language,
    require_kind,
    require_number,
    require_object,
    selectors_of,
    validate_rule,
    validate_selector,
)
from ..errors import BadRequest
from .base import Reference, ResourceKind

ATTACHMENT_KINDS = ("static", "conditional", "passThrough", "ruleEngine", "weightedAllocation")


def _validate_attachment(attachment: Any, path: str, plural: str) -> None:
    attachment = require_object(attachment, path)
    kind = require_kind(attachment, path, ATTACHMENT_KINDS)
    singular = plural[:-1]  # queueSelectors -> queueSelector
    if kind == "static":
        validate_selector(attachment.get(singular), f"{path}.{singular}")
    elif kind == "conditional":
        validate_rule(attachment.get("condition"), f"{path}.condition")
        for i, selector in enumerate(attachment.get(plural) or []):
            validate_selector(selector, f"{path}.{plural}[{i}]")
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
            where = f"{path}.allocations[{i}]"
            require_number(require_object(allocation, where).get("weight"), f"{where}.weight")
            total += allocation["weight"]
        if abs(total - 1.0) > 1e-6:
            raise BadRequest(f"{path}.allocations weights must add up to 1; they add up to {total}.", target=path)


def validate(body: Dict[str, Any]) -> None:
    """Every attachment has what its kind needs; weights add up to 1; rules are valid."""
    for i, attachment in enumerate(body.get("queueSelectorAttachments") or []):
        _validate_attachment(attachment, f"queueSelectorAttachments[{i}]", "queueSelectors")
    for i, attachment in enumerate(body.get("workerSelectorAttachments") or []):
        _validate_attachment(attachment, f"workerSelectorAttachments[{i}]", "workerSelectors")
    if body.get("prioritizationRule") is not None:
        validate_rule(body["prioritizationRule"], "prioritizationRule")


def defaults(key: str, body: Dict[str, Any]) -> None:
    """Empty attachment lists; worker selectors an attachment carries get ``expedite: false`` and ``status:
    active`` (a rule's value is left as it is), as the service answers."""
    default_expression_language(body)
    body.setdefault("queueSelectorAttachments", [])
    body.setdefault("workerSelectorAttachments", [])
    for attachment in body["workerSelectorAttachments"]:
        carried = selectors_of(attachment, "workerSelector", "workerSelectors")
        if kind_key(attachment.get("kind")) == "weightedallocation":
            for allocation in attachment.get("allocations") or []:
                carried += selectors_of(allocation, "workerSelectors")
        for selector in carried:
            selector.setdefault("expedite", False)
            selector.setdefault("status", "active")


CLASSIFICATION_POLICIES = ResourceKind(
    collection="classificationPolicies",
    model=models.ClassificationPolicy,
    validate=validate,
    defaults=defaults,
    references=(Reference("fallbackQueueId", "queues"),),
)
