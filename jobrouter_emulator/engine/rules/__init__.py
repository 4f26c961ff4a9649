"""Router rules: ``evaluate_rule(rule, labels)`` for every rule kind, one module per engine.

- ``static``: the rule's value; ``directMap``: the job's labels as given;
- ``expression`` (PowerFx subset): :mod:`.powerfx`;
- ``function`` (Azure Function) and ``webhook`` (OAuth2 client credentials): :mod:`.outbound`.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ...sdk import kind_key
from .errors import RuleEvaluationError
from .outbound import HttpOutbound, Outbound
from .powerfx import PowerFxSyntaxError, evaluate_expression, parse_expression

__all__ = [
    "HttpOutbound",
    "Outbound",
    "PowerFxSyntaxError",
    "RuleEvaluationError",
    "calls_out",
    "evaluate_expression",
    "evaluate_rule",
    "parse_expression",
]


def calls_out(document: Any) -> bool:
    """Whether a rule, or any rule inside a policy or mode, is a function or webhook rule (so evaluating it calls a
    service, which the router does outside its lock)."""
    if isinstance(document, dict):
        if kind_key(document.get("kind")) in ("function", "webhook"):
            return True
        return any(calls_out(value) for value in document.values())
    if isinstance(document, list):
        return any(calls_out(item) for item in document)
    return False


def evaluate_rule(
    rule: Dict[str, Any],
    labels: Dict[str, Any],
    *,
    outbound: Optional[Outbound] = None,
    worker: Optional[Dict[str, Any]] = None,
) -> Any:
    """The value of ``rule`` for a job with ``labels`` (and, for scoring rules, a worker's labels)."""
    kind = kind_key(rule.get("kind"))
    if kind == "static":
        return rule.get("value")
    if kind == "directmap":
        return dict(labels)
    if kind == "expression":
        return evaluate_expression(rule.get("expression", ""), labels, worker=worker)
    if kind in ("function", "webhook"):
        if outbound is None:
            raise RuleEvaluationError(f"{rule.get('kind')} rules need outbound HTTP, which is not configured")
        payload: Dict[str, Any] = dict(labels) if worker is None else {"job": labels, "worker": worker}
        if kind == "function":
            return outbound.call_function(rule, payload)
        return outbound.call_webhook(rule, payload)
    raise RuleEvaluationError(f"Unknown rule kind {rule.get('kind')!r}")
