"""Classification: a job's queue, priority and attached worker selectors from a classification policy.

Whatever the rules answer (an expression's value, a rule service's JSON), classification either gives a result the
job can hold or fails with :class:`ClassificationFailed`: a priority must be a whole int32, a selector must be one a
client could have sent. It never raises anything else, so a job never stays ``pendingClassification`` for ever.
"""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from ...sdk import kind_key, models
from ..documents import INT32, check_types, validate_selector
from ..errors import RouterError
from ..matching.selectors import satisfies
from . import Outbound, RuleEvaluationError, evaluate_rule

logger = logging.getLogger(__name__)


class ClassificationFailed(Exception):
    """No queue could be chosen, or a rule failed; ``code`` and the message go into the failure event."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ClassificationResult:
    queue_id: str
    priority: int
    attached_worker_selectors: List[Dict[str, Any]] = field(default_factory=list)


def _selectors_of(
    attachment: Dict[str, Any], labels: Dict[str, Any], plural: str, rng: random.Random, outbound: Optional[Outbound]
) -> List[Dict[str, Any]]:
    kind = kind_key(attachment.get("kind"))
    if kind == "static":
        return [dict(attachment[plural[:-1]])]
    if kind == "conditional":
        if evaluate_rule(attachment["condition"], labels, outbound=outbound):
            return [dict(s) for s in attachment.get(plural) or []]
        return []
    if kind == "passthrough":
        key = attachment["key"]
        if key not in labels:
            return []
        selector = {"key": key, "labelOperator": attachment.get("labelOperator", "equal"), "value": labels[key]}
        if attachment.get("expiresAfterSeconds") is not None:
            selector["expiresAfterSeconds"] = attachment["expiresAfterSeconds"]
        return [selector]
    if kind == "ruleengine":
        result = evaluate_rule(attachment["rule"], labels, outbound=outbound)
        if isinstance(result, dict):
            result = [result]
        if not isinstance(result, list):
            raise RuleEvaluationError("A ruleEngine attachment's rule must return a list of selectors")
        return [_rule_selector(selector, index, plural) for index, selector in enumerate(result)]
    if kind == "weightedallocation":
        allocations = attachment["allocations"]
        chosen = rng.choices(allocations, weights=[a["weight"] for a in allocations], k=1)[0]
        return [dict(s) for s in chosen.get(plural) or []]
    raise RuleEvaluationError(f"Unknown attachment kind {attachment.get('kind')!r}")


def _rule_selector(selector: Any, index: int, plural: str) -> Dict[str, Any]:
    """A selector a rule returned, checked as a client's would be (it becomes part of the job)."""
    path = f"{plural}[{index}]"
    try:
        validate_selector(selector, path)
        check_types(models.RouterQueueSelector if plural == "queueSelectors" else models.RouterWorkerSelector, selector)
    except RouterError as exc:
        raise RuleEvaluationError(
            f"A ruleEngine attachment's rule returned an invalid selector: {exc.message}"
        ) from None
    return dict(selector)


def _priority(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ClassificationFailed("InvalidPriority", f"The prioritization rule returned {value!r:.100}, not a number.")
    if not INT32[0] <= value <= INT32[1]:
        raise ClassificationFailed("InvalidPriority", f"The prioritization rule returned {value!r}, beyond int32.")
    return int(value)


def classify(
    policy: Dict[str, Any],
    job: Dict[str, Any],
    *,
    queues: Mapping[str, Dict[str, Any]],
    rng: Optional[random.Random] = None,
    outbound: Optional[Outbound] = None,
) -> ClassificationResult:
    """Choose the queue (the job's own, else the first whose labels satisfy the queue selectors, else the
    fallback), the priority (prioritization rule, else the job's) and the worker selectors to attach."""
    rng = rng or random.Random()
    labels = job.get("labels") or {}
    try:
        queue_id = job.get("queueId")
        if not queue_id:
            selectors: List[Dict[str, Any]] = []
            for attachment in policy.get("queueSelectorAttachments") or []:
                selectors.extend(_selectors_of(attachment, labels, "queueSelectors", rng, outbound))
            if selectors:
                queue_id = next((qid for qid, q in queues.items() if satisfies(q.get("labels") or {}, selectors)), None)
            queue_id = queue_id or policy.get("fallbackQueueId")
        if not queue_id or queue_id not in queues:
            raise ClassificationFailed(
                "QueueNotFound" if queue_id else "NoQueueSelected",
                f"Queue {queue_id} does not exist."
                if queue_id
                else "No queue matched the queue selectors and the classification policy has no fallbackQueueId.",
            )
        priority = job.get("priority", 1)
        if policy.get("prioritizationRule"):
            priority = _priority(evaluate_rule(policy["prioritizationRule"], labels, outbound=outbound))
        attached: List[Dict[str, Any]] = []
        for attachment in policy.get("workerSelectorAttachments") or []:
            attached.extend(_selectors_of(attachment, labels, "workerSelectors", rng, outbound))
    except RuleEvaluationError as exc:
        raise ClassificationFailed("RuleEvaluationFailed", str(exc)) from exc
    except (KeyError, TypeError) as exc:
        raise ClassificationFailed("InvalidPolicy", f"The classification policy is incomplete: {exc}") from exc
    except ClassificationFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - a fault of the emulator: the job fails, visibly, rather than hang
        logger.exception("Classifying job %s failed unexpectedly", job.get("id"))
        raise ClassificationFailed("InternalError", f"Classification failed: {exc}") from exc
    return ClassificationResult(queue_id, priority, attached)
