"""The one parser of response bodies: orjson where it is installed (the ``[speedups]`` extra), else the stdlib.

orjson gives the same Python values as ``json.loads`` for every document both accept (dicts, lists, str, int, float,
bool, None). Where orjson refuses a text (NaN and Infinity, lone surrogates, nesting past its depth, a byte order
mark), the stdlib parses it again, so a body that ``json.loads`` reads is read the same with or without the extra,
and a bad one raises the stdlib's ``json.JSONDecodeError`` either way. orjson reads an integer beyond 64 bits as a
float where the stdlib keeps it exact, so a text with a run of 19 digits or more (such an integer, or a string that
merely holds one) is left to the stdlib.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, Optional, Union

# Every digit made "0", then one search for 19 of them: 40 µs on a page of 100 jobs, where a regular expression took
# longer than parsing the page.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19

_orjson: Optional[ModuleType]
try:
    import orjson

    _orjson = orjson
except ImportError:  # the extra is not installed: the stdlib alone
    _orjson = None


def parser_name() -> str:
    """``"orjson"`` or ``"json"``: the parser :func:`loads` uses now."""
    return "orjson" if _orjson is not None else "json"


def loads(text: Union[str, bytes]) -> Any:
    """``json.loads(text)``, done by orjson when it can."""
    fast = _orjson
    if fast is not None and not _has_long_digit_run(text):
        try:
            return fast.loads(text)
        except fast.JSONDecodeError:
            pass  # the stdlib decides: it reads what orjson refuses, or raises its own error
    return json.loads(text)


def _has_long_digit_run(text: Union[str, bytes]) -> bool:
    if isinstance(text, str):
        data = text.encode("utf-8", "surrogatepass")
    else:
        data = text if isinstance(text, bytes) else bytes(text)
    return _LONG_RUN in data.translate(_DIGITS_AS_ZERO)
