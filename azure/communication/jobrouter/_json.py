"""The one parser of response bodies: orjson where it is installed (the ``[speedups]`` extra), else the stdlib.

orjson gives the same Python values as ``json.loads`` for every document both accept (dicts, lists, str, int, float,
bool, None). Where orjson refuses a text (NaN, integers beyond 64 bits, lone surrogates, nesting past its depth, a
byte order mark), the stdlib parses it again, so a body that ``json.loads`` reads is read the same with or without
the extra, and a bad one raises the stdlib's ``json.JSONDecodeError`` either way.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, Optional, Union

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
    if fast is not None:
        try:
            return fast.loads(text)
        except fast.JSONDecodeError:
            pass  # the stdlib decides: it reads what orjson refuses, or raises its own error
    return json.loads(text)
