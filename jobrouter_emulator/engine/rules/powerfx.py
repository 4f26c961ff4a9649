"""PowerFx, the subset Job Router rules use: a tokenizer, a precedence-climbing parser and an evaluator.

Literals (numbers, strings with doubled quotes, true/false, ``Blank()``), ``job.Label`` and ``job["Label"]``
(``worker.Label`` in scoring rules), ``= <> < <= > >=``, ``+ - * /``, ``&`` (text concatenation), ``And Or Not``
and ``&& || !``, parentheses, and the functions If, Switch-free And/Or/Not, IsBlank, Len, Upper, Lower,
Concatenate, Text, Value, Max, Min, Round, Abs. Function names and keywords ignore case; label names are
compared exactly. A blank (missing label) is ``Blank()``: it equals another blank, counts as 0 in arithmetic
and "" in text. Expressions are parsed once and cached by their text.

Rules come from clients, so the language has limits, checked when a policy is stored (a 400 naming the rule):
:data:`MAX_EXPRESSION_CHARS`, :data:`MAX_DEPTH` levels of nesting, number literals of :data:`MAX_NUMBER_CHARS`
characters and text literals of :data:`MAX_TEXT_LITERAL_CHARS`. Evaluating has a budget (:data:`MAX_STEPS` steps,
:data:`MAX_TEXT_CHARS` characters of text made), and numbers stay finite doubles: an expression that goes past
either fails with a :class:`RuleEvaluationError` (the job's classification fails), never holding the router.
"""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import RuleEvaluationError

MAX_EXPRESSION_CHARS = 4096
MAX_DEPTH = 64  # nested parentheses, calls, unary operators and chained binary operators alike
MAX_NUMBER_CHARS = 32
MAX_TEXT_LITERAL_CHARS = 1024
MAX_STEPS = 100_000  # nodes evaluated by one evaluation
MAX_TEXT_CHARS = 1_000_000  # characters of text one evaluation may make (concatenations, Upper, Text, ...)
_LARGEST = sys.float_info.max


class PowerFxSyntaxError(RuleEvaluationError):
    """An expression that does not parse; ``position`` is the 0-based column of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (column {position + 1})")
        self.position = position


Node = Tuple[Any, ...]
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<string>\"(?:[^\"]|\"\")*\")|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><>|<=|>=|&&|\|\||[=<>+\-*/&!(),.\[\]]))"
)


def _tokenize(text: str) -> List[Tuple[str, Any, int]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            offending = len(text) - len(text[position:].lstrip())
            raise PowerFxSyntaxError(f"Unexpected character {text[offending]!r}", offending)
        kind = match.lastgroup or ""
        raw = match.group(kind)
        value: Any = raw
        if kind == "number":
            if len(raw) > MAX_NUMBER_CHARS:
                raise PowerFxSyntaxError(f"A number longer than {MAX_NUMBER_CHARS} characters", match.start(kind))
            value = float(raw) if "." in raw else int(raw)
        elif kind == "string":
            if len(raw) - 2 > MAX_TEXT_LITERAL_CHARS:
                raise PowerFxSyntaxError(f"A text longer than {MAX_TEXT_LITERAL_CHARS} characters", match.start(kind))
            value = raw[1:-1].replace('""', '"')
        tokens.append((kind, value, match.start(kind)))
        position = match.end()
    tokens.append(("end", None, len(text)))
    return tokens


_BINARY = {  # operator -> (precedence, node name)
    "||": (1, "or"),
    "or": (1, "or"),
    "&&": (2, "and"),
    "and": (2, "and"),
    "=": (3, "eq"),
    "<>": (3, "ne"),
    "<": (3, "lt"),
    "<=": (3, "le"),
    ">": (3, "gt"),
    ">=": (3, "ge"),
    "&": (4, "concat"),
    "+": (5, "add"),
    "-": (5, "sub"),
    "*": (6, "mul"),
    "/": (6, "div"),
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0  # of unary(), which every nested construct goes through

    def peek(self) -> Tuple[str, Any, int]:
        return self.tokens[self.index]

    def take(self, value: Optional[str] = None) -> Tuple[str, Any, int]:
        token = self.tokens[self.index]
        if value is not None and token[1] != value:
            found = "the end" if token[0] == "end" else repr(token[1])
            raise PowerFxSyntaxError(f"Expected {value!r}, found {found}", token[2])
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.expression(0)
        kind, value, position = self.peek()
        if kind != "end":
            raise PowerFxSyntaxError(f"Unexpected {'end of expression' if kind == 'end' else repr(value)}", position)
        return node

    def expression(self, min_precedence: int) -> Node:
        left = self.unary()
        while True:
            kind, value, _ = self.peek()
            key = value.lower() if kind == "name" else value
            if kind not in ("op", "name") or key not in _BINARY or _BINARY[key][0] <= min_precedence - 1:
                return left
            precedence, name = _BINARY[key]
            if precedence < min_precedence:
                return left
            self.take()
            right = self.expression(precedence + 1)
            left = (name, left, right)

    def unary(self) -> Node:
        kind, value, position = self.peek()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise PowerFxSyntaxError(f"Nested more than {MAX_DEPTH} levels deep", position)
        try:
            if kind == "op" and value in ("!", "-"):
                self.take()
                return ("not" if value == "!" else "neg", self.unary())
            if kind == "name" and value.lower() == "not" and self.tokens[self.index + 1][1] != "(":
                self.take()
                return ("not", self.unary())
            return self.postfix(self.primary())
        finally:
            self.depth -= 1

    def primary(self) -> Node:
        kind, value, position = self.take()
        if kind in ("number", "string"):
            return ("lit", value)
        if kind == "op" and value == "(":
            node = self.expression(0)
            self.take(")")
            return node
        if kind == "name":
            lowered = value.lower()
            if lowered in ("true", "false"):
                return ("lit", lowered == "true")
            if self.peek()[1] == "(":
                self.take("(")
                args: List[Node] = []
                if self.peek()[1] != ")":
                    args.append(self.expression(0))
                    while self.peek()[1] == ",":
                        self.take(",")
                        args.append(self.expression(0))
                self.take(")")
                return ("call", lowered, args)
            return ("name", value)
        raise PowerFxSyntaxError(f"Unexpected {'end of expression' if kind == 'end' else repr(value)}", position)

    def postfix(self, node: Node) -> Node:
        while True:
            kind, value, position = self.peek()
            if value == ".":
                self.take()
                name_kind, name, name_position = self.take()
                if name_kind != "name":
                    raise PowerFxSyntaxError("Expected a label name after '.'", name_position)
                node = ("member", node, name)
            elif value == "[":
                self.take()
                key = self.expression(0)
                self.take("]")
                node = ("index", node, key)
            else:
                return node


@lru_cache(maxsize=1024)
def parse_expression(text: str) -> Node:
    """The syntax tree of ``text`` (cached by text); PowerFxSyntaxError with the column when it does not parse or
    is beyond the limits."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise PowerFxSyntaxError(f"Longer than {MAX_EXPRESSION_CHARS} characters", MAX_EXPRESSION_CHARS)
    tree = _Parser(text).parse()
    if _depth(tree) > MAX_DEPTH:  # a chain such as 1+1+...+1 nests on the left without parentheses
        raise PowerFxSyntaxError(f"Nested more than {MAX_DEPTH} levels deep", 0)
    return tree


def _depth(tree: Node) -> int:
    """The depth of a syntax tree, without recursion (the tree may be deeper than the limit)."""
    deepest, pending = 0, [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        for part in node[1:]:
            if isinstance(part, tuple):
                pending.append((part, depth + 1))
            elif isinstance(part, list):
                pending.extend((argument, depth + 1) for argument in part)
    return deepest


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return 1 if value else 0
    if value is None:
        return 0
    if isinstance(value, (int, float)):
        return _finite(value)
    try:
        return _finite(float(value))
    except (TypeError, ValueError) as exc:
        raise RuleEvaluationError(f"{value!r:.100} is not a number") from exc


def _finite(value: float) -> float:
    """``value`` if a double holds it (not NaN, not infinite, not an integer beyond 1.8e308)."""
    if not (-_LARGEST <= value <= _LARGEST if isinstance(value, int) else math.isfinite(value)):
        raise RuleEvaluationError(f"The number {repr(value)[:40]} is out of range (overflow)")
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _equal(a: Any, b: Any) -> bool:
    if (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return a == b
    return type(a) is type(b) and a == b or (a is None and b is None)


def _if(args: List[Any]) -> Any:
    for index in range(0, len(args) - 1, 2):
        if args[index]():
            return args[index + 1]()
    return args[-1]() if len(args) % 2 == 1 else None


_FUNCTIONS: Dict[str, Callable[[List[Any]], Any]] = {
    "blank": lambda a: None,
    "isblank": lambda a: a[0]() in (None, ""),
    "len": lambda a: len(_text(a[0]())),
    "upper": lambda a: _text(a[0]()).upper(),
    "lower": lambda a: _text(a[0]()).lower(),
    "concatenate": lambda a: "".join(_text(x()) for x in a),
    "text": lambda a: _text(a[0]()),
    "value": lambda a: _number(a[0]()),
    "max": lambda a: max(_number(x()) for x in a),
    "min": lambda a: min(_number(x()) for x in a),
    "abs": lambda a: abs(_number(a[0]())),
    "round": lambda a: round(_number(a[0]()), int(_number(a[1]())) if len(a) > 1 else 0),
    "and": lambda a: all(bool(x()) for x in a),
    "or": lambda a: any(bool(x()) for x in a),
    "not": lambda a: not a[0](),
    "if": _if,
}


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "lt":
        return bool(a < b)
    if op == "le":
        return bool(a <= b)
    if op == "gt":
        return bool(a > b)
    return bool(a >= b)


def evaluate_expression(text: str, labels: Dict[str, Any], *, worker: Optional[Dict[str, Any]] = None) -> Any:
    """Evaluate ``text`` with ``job`` bound to the job's labels (and ``worker`` to a worker's, when scoring)."""
    scope: Dict[str, Any] = {"job": labels}
    if worker is not None:
        scope["worker"] = worker
    steps = 0
    text_made = 0

    def run(node: Node) -> Any:
        nonlocal steps, text_made
        steps += 1
        if steps > MAX_STEPS:
            raise RuleEvaluationError(f"The expression took more than {MAX_STEPS} steps")
        value = step(node)
        if isinstance(value, str) and node[0] in ("concat", "call"):
            text_made += len(value)
            if text_made > MAX_TEXT_CHARS:
                raise RuleEvaluationError(f"The expression made more than {MAX_TEXT_CHARS} characters of text")
        return value

    def step(node: Node) -> Any:
        op = node[0]
        if op == "lit":
            return node[1]
        if op == "name":
            for name, value in scope.items():
                if name.lower() == node[1].lower():
                    return value
            raise RuleEvaluationError(f"Unknown name {node[1]!r}; labels are read as job.<Label>")
        if op == "member":
            target = run(node[1])
            return target.get(node[2]) if isinstance(target, dict) else None
        if op == "index":
            target = run(node[1])
            return target.get(_text(run(node[2]))) if isinstance(target, dict) else None
        if op == "call":
            function = _FUNCTIONS.get(node[1])
            if function is None:
                raise RuleEvaluationError(f"Unknown function {node[1]!r}")
            return function([lambda n=arg: run(n) for arg in node[2]])
        if op == "not":
            return not run(node[1])
        if op == "neg":
            return -_number(run(node[1]))
        if op == "and":
            return bool(run(node[1])) and bool(run(node[2]))
        if op == "or":
            return bool(run(node[1])) or bool(run(node[2]))
        left, right = run(node[1]), run(node[2])
        if op == "eq":
            return _equal(left, right)
        if op == "ne":
            return not _equal(left, right)
        if op == "concat":
            return _text(left) + _text(right)
        if op in ("lt", "le", "gt", "ge"):
            if isinstance(left, str) and isinstance(right, str):
                return _compare(op, left, right)
            return _compare(op, _number(left), _number(right))
        x, y = _number(left), _number(right)
        if op == "add":
            return _finite(x + y)
        if op == "sub":
            return _finite(x - y)
        if op == "mul":
            return _finite(x * y)
        if y == 0:
            raise RuleEvaluationError("Division by zero")
        return _finite(x / y)

    try:
        result = run(parse_expression(text))
    except RuleEvaluationError:
        raise
    except (ArithmeticError, ValueError, TypeError, IndexError, RecursionError) as exc:
        # A function given the wrong arguments (Len(), Max()), values that do not compare, ...
        raise RuleEvaluationError(f"The expression cannot be evaluated: {exc}") from None
    return _finite(result) if isinstance(result, (int, float)) and not isinstance(result, bool) else result
