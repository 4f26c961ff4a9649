"""Distribution policies: how a queue's jobs are offered (mode, concurrent offers, offer lifetime)."""

from __future__ import annotations

from typing import Any, Dict

from ...sdk import kind_key, models
from ..documents import default_expression_language, require_kind, require_number, require_object, validate_rule
from ..errors import BadRequest
from .base import ResourceKind


def validate(body: Dict[str, Any]) -> None:
    """A mode is required; offers last at least a second; min <= max concurrent offers; a scoring rule is valid."""
    if "offerExpiresAfterSeconds" in body:
        require_number(body["offerExpiresAfterSeconds"], "offerExpiresAfterSeconds", minimum=1)
    if body.get("mode") is None:
        raise BadRequest("mode is required: one of bestWorker, longestIdle, roundRobin.", target="mode")
    mode = require_object(body["mode"], "mode")
    kind = require_kind(mode, "mode", ["bestWorker", "longestIdle", "roundRobin"])
    low, high = mode.get("minConcurrentOffers", 1), mode.get("maxConcurrentOffers", 1)
    require_number(low, "mode.minConcurrentOffers", minimum=1, integer=True)
    require_number(high, "mode.maxConcurrentOffers", minimum=1, integer=True)
    if low > high:
        raise BadRequest("mode.minConcurrentOffers cannot exceed mode.maxConcurrentOffers.", target="mode")
    if kind == "bestworker" and mode.get("scoringRule") is not None:
        validate_rule(mode["scoringRule"], "mode.scoringRule")


def defaults(key: str, body: Dict[str, Any]) -> None:
    """One offer at a time, selectors applied; a best-worker mode gets the service's scoring options (recording
    ``test_create_distribution_policy``: no ``batchSize`` unless one is given)."""
    default_expression_language(body)
    mode = body["mode"]
    mode.setdefault("minConcurrentOffers", 1)
    mode.setdefault("maxConcurrentOffers", 1)
    mode.setdefault("bypassSelectors", False)
    if kind_key(mode.get("kind")) == "bestworker":
        options = mode.setdefault("scoringRuleOptions", {})
        options.setdefault("scoringParameters", ["jobLabels", "workerSelectors"])
        options.setdefault("isBatchScoringEnabled", False)
        options.setdefault("descendingOrder", True)


DISTRIBUTION_POLICIES = ResourceKind(
    collection="distributionPolicies",
    model=models.DistributionPolicy,
    validate=validate,
    defaults=defaults,
)
