"""JSON from outside the emulator (request bodies, continuation tokens, the answers of function and webhook rules),
read strictly: a value the emulator could not store, send back or compute with is refused before anything uses it.

Python's ``json`` module reads more than JSON: ``NaN``, ``Infinity`` and ``1e400`` (which becomes infinity) are
numbers to it, ``"\\ud800"`` is a string holding a lone surrogate (which no UTF-8 encoder can write), and a document
nested a thousand levels deep exhausts the stack. Each of these, once stored, broke every later read of its
collection. Here they are refused, with the JSON path of the value (``labels.skill``, ``channels[0].capacityCost``).
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, List, Union

MAX_DEPTH = 32  # the spec's deepest documents (exception policies) are 7 levels; labels may nest a little
_LARGEST = int(sys.float_info.max)  # a JSON number must fit a double, as it does in the service


class JsonRejected(ValueError):
    """A value the emulator refuses; ``path`` is where it is in the document ('' for the document itself) and
    ``reason`` completes a sentence about it ("labels.skill" "must be a finite number ...")."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(f"{path or 'the document'} {reason}")
        self.reason = reason
        self.path = path

    def sentence(self, subject: str) -> str:
        """The refusal as a sentence: about ``subject`` (the request body, a rule's answer) when the document itself
        is refused, about the value's path otherwise (with ``subject`` as context, if given)."""
        if not self.path:
            return f"{subject} {self.reason}."
        return f"{subject}: {self.path} {self.reason}." if subject else f"{self.path} {self.reason}."


class _Refused(Exception):
    """Raised where a bad value is found; the path is collected on the way back up (nothing is built when all is
    well, which is nearly always)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.parts: List[Union[str, int]] = []


def loads(text: Union[bytes, str], *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of ``text``; :class:`JsonRejected` when it is not JSON or holds a value refused by
    :func:`check`."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonRejected(f"is nested more than {max_depth} levels deep") from None
    except UnicodeDecodeError:
        raise JsonRejected("is not UTF-8 text") from None
    except ValueError as exc:  # includes numbers of more than 4,300 digits
        raise JsonRejected(f"is not valid JSON ({exc})") from None
    check(value, max_depth=max_depth)
    return value


def check(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse non-finite numbers, numbers no double holds, text that is not Unicode (lone surrogates) and nesting
    deeper than ``max_depth``."""
    try:
        _check(value, 1, max_depth)
    except _Refused as refused:
        raise JsonRejected(refused.reason, _path(reversed(refused.parts))) from None


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:  # a key holding a lone surrogate is named with it escaped, so that the error can be sent
            name = part.encode("utf-8", "backslashreplace").decode("utf-8")
            text += f".{name}" if text else name
    return text


def _check(value: Any, depth: int, max_depth: int) -> None:
    kind = type(value)
    if kind is str:
        if not value.isascii():
            _check_text(value)
    elif kind is float:
        if not math.isfinite(value):
            raise _Refused("must be a finite number (NaN, Infinity and numbers beyond 1.8e308 are not accepted)")
    elif kind is int:
        if value > _LARGEST or value < -_LARGEST:
            raise _Refused("is a number too large for a double (beyond 1.8e308)")
    elif kind is dict:
        if depth > max_depth:
            raise _Refused(f"nests more than {max_depth} levels deep")
        for key, item in value.items():
            try:
                if not key.isascii():
                    _check_text(key)
                _check(item, depth + 1, max_depth)
            except _Refused as refused:
                refused.parts.append(key)
                raise
    elif kind is list:
        if depth > max_depth:
            raise _Refused(f"nests more than {max_depth} levels deep")
        for index, item in enumerate(value):
            try:
                _check(item, depth + 1, max_depth)
            except _Refused as refused:
                refused.parts.append(index)
                raise


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Refused("holds a lone surrogate (\\ud800-\\udfff), which is not Unicode text") from None
