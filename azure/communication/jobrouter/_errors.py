"""Which azure-core exception a failed call raises, as azure-communication-jobrouter 1.0.0 raises them.

azure-core's convention (``azure.core.exceptions.map_error`` with a per-call error map): 304, 401, 404 and 409
always map to the same class; a 412 maps by the ``match_condition`` the caller gave (``IfNotModified``: the resource
changed; ``IfPresent``: it is missing; ``IfMissing``: it exists), and to the plain ``HttpResponseError`` without one
(``if_unmodified_since`` alone, ``IfModified``). Every other status (400, 403, 413, 415, 429, 5xx) is a plain
``HttpResponseError``; 429 and 5xx after the retry policy has given up. Each class is a subclass of
``HttpResponseError``, so ``except HttpResponseError`` catches them all. ``tests/clients/test_errors.py`` checks the
table against what 1.0.0 raised for each status and condition (``tests/data/errors_1_0_0.json``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple, Type

from azure.core import MatchConditions
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
)

ANY_CONDITION = None

# (HTTP status, match condition of the call or ANY_CONDITION) -> exception class; HttpResponseError when absent.
ERROR_TYPES: Dict[Tuple[int, Optional[MatchConditions]], Type[HttpResponseError]] = {
    (304, ANY_CONDITION): ResourceNotModifiedError,
    (401, ANY_CONDITION): ClientAuthenticationError,
    (404, ANY_CONDITION): ResourceNotFoundError,
    (409, ANY_CONDITION): ResourceExistsError,
    (412, MatchConditions.IfNotModified): ResourceModifiedError,
    (412, MatchConditions.IfPresent): ResourceNotFoundError,
    (412, MatchConditions.IfMissing): ResourceExistsError,
}


def error_type(status: int, match_condition: Optional[MatchConditions] = None) -> Type[HttpResponseError]:
    return ERROR_TYPES.get((status, match_condition)) or ERROR_TYPES.get((status, ANY_CONDITION)) or HttpResponseError


def raise_for_status(
    operation_name: str, success: Tuple[int, ...], response: Any, match_condition: Optional[MatchConditions] = None
) -> None:
    """Raise the azure-core error for a failed call, with the service's error code and message."""
    if response.status_code in success:
        return
    code, message = _error_details(response)
    text = f"({code}) {message}" if code else message or f"{operation_name} failed"
    error = error_type(response.status_code, match_condition)(message=text, response=response)
    error.error_code = code  # type: ignore[attr-defined]
    raise error


def _error_details(response: Any) -> Tuple[Optional[str], Optional[str]]:
    """The service's code and message: ``error`` (the spec) or ``communicationError`` (what the service sends)."""
    try:
        body = json.loads(response.text() or "null")
    except (ValueError, TypeError):
        return None, None
    if not isinstance(body, dict):
        return None, None
    error = body.get("error") or body.get("communicationError") or {}
    if not isinstance(error, dict):
        return None, None
    return error.get("code"), error.get("message")
