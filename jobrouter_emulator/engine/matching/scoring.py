"""Best-worker scoring: rank eligible workers by a scoring rule and its ``scoringRuleOptions``.

Expression rules see ``job.<label>`` and ``worker.<label>``. Function and webhook rules receive, per worker,
``{"job": ..., "worker": ...}``; with ``isBatchScoringEnabled`` they receive ``{"job": ..., "workers": [...]}`` for
up to ``batchSize`` workers at a time and answer a list of scores in the same order. ``scoringParameters``
chooses what "job" carries: its labels (``jobLabels``) and/or its worker selectors (``workerSelectors``).
"""

from __future__ import annotations

import logging
import math
from typing import Any, Dict, List, Optional

from ...sdk import kind_key
from ..rules import Outbound, RuleEvaluationError, evaluate_rule

logger = logging.getLogger(__name__)


def _job_context(job: Dict[str, Any], parameters: List[str]) -> Dict[str, Any]:
    context: Dict[str, Any] = {}
    if "jobLabels" in parameters:
        context.update(job.get("labels") or {})
    if "workerSelectors" in parameters:
        context["workerSelectors"] = (job.get("requestedWorkerSelectors") or []) + (
            job.get("attachedWorkerSelectors") or []
        )
    return context


def _as_score(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RuleEvaluationError(f"A scoring rule must return a finite number, not {value!r:.100}")
    return float(value)


def rank_best_workers(
    mode: Dict[str, Any],
    job: Dict[str, Any],
    workers: List[Dict[str, Any]],
    *,
    outbound: Optional[Outbound] = None,
) -> List[Dict[str, Any]]:
    """``workers`` (already in longest-idle order, which breaks ties) from best to worst score.

    A worker whose score cannot be computed ranks last; the failure is logged, routing goes on.
    """
    rule = mode.get("scoringRule")
    if not rule or not workers:
        return list(workers)
    options = mode.get("scoringRuleOptions") or {}
    parameters = options.get("scoringParameters") or ["jobLabels", "workerSelectors"]
    descending = options.get("descendingOrder", True)
    context = _job_context(job, parameters)
    scores: List[float] = []
    batched = bool(options.get("isBatchScoringEnabled")) and kind_key(rule.get("kind")) in ("function", "webhook")
    try:
        if batched:
            size = max(1, int(options.get("batchSize") or 20))
            for start in range(0, len(workers), size):
                chunk = [w.get("labels") or {} for w in workers[start : start + size]]
                payload = {"job": context, "workers": chunk}
                call = outbound.call_function if kind_key(rule.get("kind")) == "function" else outbound.call_webhook  # type: ignore[union-attr]
                result = call(rule, payload)
                if not isinstance(result, list) or len(result) != len(chunk):
                    raise RuleEvaluationError("A batch scoring rule must return one score per worker")
                scores.extend(_as_score(v) for v in result)
        else:
            for worker in workers:
                value = evaluate_rule(rule, context, outbound=outbound, worker=worker.get("labels") or {})
                scores.append(_as_score(value))
    except RuleEvaluationError as exc:
        logger.warning("Scoring job %s failed (%s); falling back to longest idle", job.get("id"), exc)
        return list(workers)
    order = sorted(range(len(workers)), key=lambda i: -scores[i] if descending else scores[i])
    return [workers[i] for i in order]
