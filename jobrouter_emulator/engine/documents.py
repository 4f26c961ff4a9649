"""REST documents in general: merge-patch, the type check against the spec's models, and the small checks the
resource declarations (:mod:`.resources`) are written with. Nothing here knows a particular resource.
"""

from __future__ import annotations

import copy
import marshal
import math
from typing import Any, Dict, Iterable, List, Optional, Type

from ..sdk import Model, check_document, field_model, field_type, is_polymorphic, kind_key, model_named, resolved_model
from .errors import BadRequest
from .rules.powerfx import PowerFxSyntaxError, parse_expression
from .times import parse_time

LABEL_OPERATORS = ("equal", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual")
RULE_KINDS = ("static", "directMap", "expression", "function", "webhook")
INT32 = (-(2**31), 2**31 - 1)  # every integer property of the spec is an int32
# Properties holding a number of seconds that the engine adds to the current time: at most a century, so that the
# moment it computes is one it can represent (timedelta and datetime overflow long before a double does).
SECONDS_PROPERTIES = frozenset({"offerExpiresAfterSeconds", "expiresAfterSeconds", "thresholdSeconds"})
MAX_SECONDS = 100 * 365 * 24 * 3600


_SCALARS = (str, int, float, bool, type(None))


def copy_document(value: Any) -> Any:
    """A deep copy of JSON-like data: a marshal round trip, several times cheaper than ``copy.deepcopy``
    (``benchmarks/README.md`` has the figure), which stays for anything marshal cannot write."""
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:
        return copy.deepcopy(value)


def merge_patch(target: Any, patch: Any, model: Optional[Type[Model]] = None) -> Any:
    """RFC 7396 (objects merge key by key, null removes a key, anything else replaces), with one rule of the
    service's: an object told apart by ``kind`` (a rule, a mode, a trigger, ...) whose kind changes is replaced
    whole, so no property of the old kind survives (static -> expression drops ``value``). ``model`` is the
    target's model, which says where those objects are."""
    if not isinstance(patch, dict):
        # Scalars are immutable: copying each one (copy.deepcopy per label) was most of a worker upsert's time.
        return patch if isinstance(patch, _SCALARS) else copy_document(patch)
    if not isinstance(target, dict):
        target = {}
    elif model is not None and is_polymorphic(model) and "kind" in patch:
        if kind_key(patch["kind"]) != kind_key(target.get("kind")):
            target = {}
    if model is not None and is_polymorphic(model):
        model = resolved_model(model, {**target, **patch})
    result = dict(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, _SCALARS):  # most values (labels, tags): no call, no copy
            result[key] = value
        else:
            result[key] = merge_patch(result.get(key), value, field_model(model, key) if model else None)
    return result


def check_types(model: Type[Model], body: Dict[str, Any]) -> None:
    """400 naming the first field whose value has the wrong JSON type (``channels[0].capacityCostPerJob``), or a
    value outside what its type holds: an integer beyond int32, a date-time out of :mod:`.times`' range, a number of
    seconds beyond :data:`MAX_SECONDS`."""
    try:
        check_document(model, body)
    except (TypeError, ValueError) as exc:
        path = str(exc).split(":", 1)[0]
        raise BadRequest(f"Invalid value for {exc}.", target=path) from None
    _check_ranges(model, body, "")


def _check_ranges(model: Type[Model], document: Dict[str, Any], path: str) -> None:
    model = resolved_model(model, document)
    for key, value in document.items():
        code = field_type(model, key)
        if code is not None and value is not None:
            _check_range(code, key, value, f"{path}.{key}" if path else key)


def _check_range(code: str, name: str, value: Any, where: str) -> None:
    """``value`` (of the JSON type ``code`` asks for: :func:`check_document` has seen to it) within the type's range."""
    if code == "int" and not INT32[0] <= value <= INT32[1]:
        raise BadRequest(f"{where} must be a whole number from {INT32[0]} to {INT32[1]}.", target=where)
    if code == "float" and name in SECONDS_PROPERTIES and abs(value) > MAX_SECONDS:
        raise BadRequest(f"{where} must be at most {MAX_SECONDS} seconds (100 years).", target=where)
    if code == "datetime":
        try:
            parse_time(value)
        except ValueError as exc:
            raise BadRequest(f"Invalid value for {where}: {exc}.", target=where) from None
    elif code.startswith("list["):
        for index, item in enumerate(value):
            if item is not None:
                _check_range(code[5:-1], name, item, f"{where}[{index}]")
    elif code.startswith("dict[") and code != "dict[raw]":
        for key, item in value.items():
            if item is not None:
                _check_range(code[5:-1], name, item, f"{where}.{key}")
    else:
        nested = model_named(code)
        if nested is not None:
            _check_ranges(nested, value, where)


def require_object(value: Any, path: str) -> Dict[str, Any]:
    """``value`` if it is a JSON object, else a 400 naming ``path``."""
    if not isinstance(value, dict):
        raise BadRequest(f"{path} must be a JSON object.", target=path)
    return value


def require_number(value: Any, path: str, *, minimum: float = 0, integer: bool = False) -> None:
    """A 400 naming ``path`` unless ``value`` is a number (whole, if asked) of at least ``minimum``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        raise BadRequest(f"{path} must be a number.", target=path)
    if integer and int(value) != value:
        raise BadRequest(f"{path} must be a whole number.", target=path)
    if value < minimum:
        raise BadRequest(f"{path} must be at least {minimum}.", target=path)


def require_kind(value: Dict[str, Any], path: str, allowed: Iterable[str]) -> str:
    """The spelling-independent kind of ``value`` (see :func:`kind_key`), which must be one of ``allowed``."""
    allowed = list(allowed)
    kind = value.get("kind")
    if not isinstance(kind, str) or kind_key(kind) not in {kind_key(k) for k in allowed}:
        raise BadRequest(f"{path}.kind must be one of {', '.join(allowed)}; got {kind!r}.", target=f"{path}.kind")
    return kind_key(kind)


def validate_selector(selector: Any, path: str) -> None:
    """A worker or queue selector: a key, a known label operator, a non-negative ``expiresAfterSeconds``."""
    selector = require_object(selector, path)
    if not isinstance(selector.get("key"), str) or not selector["key"]:
        raise BadRequest(f"{path}.key is required.", target=f"{path}.key")
    operator = selector.get("labelOperator")
    if kind_key(operator) not in {kind_key(o) for o in LABEL_OPERATORS}:
        raise BadRequest(
            f"{path}.labelOperator must be one of {', '.join(LABEL_OPERATORS)}; got {operator!r}.",
            target=f"{path}.labelOperator",
        )
    if "expiresAfterSeconds" in selector:
        require_number(selector["expiresAfterSeconds"], f"{path}.expiresAfterSeconds")


def validate_rule(rule: Any, path: str) -> None:
    """A router rule: a known kind with what that kind needs (an expression that parses, a function's URI, ...)."""
    rule = require_object(rule, path)
    kind = require_kind(rule, path, RULE_KINDS)
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


def default_expression_language(value: Any) -> None:
    """Expression rules anywhere in a document get ``language: powerFx`` when they name none (as the service does)."""
    if isinstance(value, dict):
        if kind_key(value.get("kind")) == "expression" and "expression" in value:
            value.setdefault("language", "powerFx")
        for item in value.values():
            default_expression_language(item)
    elif isinstance(value, list):
        for item in value:
            default_expression_language(item)


def selectors_of(value: Any, *names: str) -> List[Dict[str, Any]]:
    """The selector objects under the properties ``names`` of a document, when they are there."""
    if not isinstance(value, dict):
        return []
    found: List[Dict[str, Any]] = []
    for name in names:
        item = value.get(name)
        if isinstance(item, dict):
            found.append(item)
        elif isinstance(item, list):
            found += [s for s in item if isinstance(s, dict)]
    return found
