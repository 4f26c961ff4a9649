"""Worker selectors: does a worker's label set satisfy a job's label conditions."""

from __future__ import annotations

from typing import Any, Dict, Iterable

from ...sdk import kind_key


def _comparable(a: Any, b: Any) -> bool:
    numeric = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    return (isinstance(a, numeric) and isinstance(b, numeric)) or (isinstance(a, str) and isinstance(b, str))


def label_index_key(value: Any) -> Any:
    """The key under which a label value is indexed, such that ``equal`` matches exactly the values with the same
    key (1 and 1.0 share one; True and 1 do not); None for values ``equal`` never matches by index."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if isinstance(value, str):
        return ("str", value)
    return None


def label_matches(labels: Dict[str, Any], key: str, operator: str, value: Any) -> bool:
    """A missing label matches nothing; values of different types do not compare."""
    if key not in labels:
        return False
    actual = labels[key]
    op = kind_key(operator)
    if op == "equal":
        return _comparable(actual, value) and actual == value
    if op == "notequal":
        return not (_comparable(actual, value) and actual == value)
    if not _comparable(actual, value) or isinstance(actual, bool):
        return False
    if op == "lessthan":
        return actual < value
    if op == "lessthanorequal":
        return actual <= value
    if op == "greaterthan":
        return actual > value
    if op == "greaterthanorequal":
        return actual >= value
    return False


def satisfies(labels: Dict[str, Any], selectors: Iterable[Dict[str, Any]]) -> bool:
    """Every active selector holds for ``labels``."""
    for selector in selectors:
        if selector.get("status", "active") != "active":
            continue
        if not label_matches(labels, selector["key"], selector.get("labelOperator", "equal"), selector.get("value")):
            return False
    return True
