"""Which operation a request calls, named as the SDK names it (``PATCH /routing/jobs/j1`` -> ``upsert_job``), with
the ids in its path (``{"jobId": "j1"}``): read from the SDK's operation table, for fault injection and the request
log.

An id may hold ``:`` (``POST /routing/jobs/a:b:cancel`` cancels job ``a:b``): a parameter matches anything but ``/``
and the action suffix, where the operation has one, anchors the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Tuple
from urllib.parse import unquote

from ..sdk import OPERATIONS


@dataclass(frozen=True)
class Call:
    operation: str  # the SDK's name: upsert_job, accept_job_offer, ...
    ids: Dict[str, str]  # the path's parameters by their REST names (jobId, workerId, offerId, ...), decoded


def _operation_patterns() -> Dict[str, List[Tuple[Pattern[str], str]]]:
    """By method: (path pattern with a named group per parameter, operation name) for every operation of the API."""
    table: Dict[str, List[Tuple[Pattern[str], str]]] = {}
    for name, operation in OPERATIONS.items():
        pattern = re.sub(r"\\\{([A-Za-z]+)\\\}", r"(?P<\1>[^/]+)", re.escape(operation.path))
        table.setdefault(operation.method, []).append((re.compile(f"^{pattern}$"), name))
    return table


_PATTERNS = _operation_patterns()


def call_of(method: str, path: str) -> Optional[Call]:
    """The operation a request calls (``path`` as sent, percent-encoded), or None when it calls none."""
    for pattern, name in _PATTERNS.get(method, ()):
        match = pattern.match(path)
        if match is not None:
            return Call(name, {key: unquote(value) for key, value in match.groupdict().items()})
    return None


def operation_of(method: str, path: str) -> Optional[str]:
    """The SDK name of the operation a request calls, or None."""
    call = call_of(method, path)
    return call.operation if call is not None else None
