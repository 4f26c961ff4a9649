"""The route table of ``/routing``: which operation a request calls, read from the SDK's operation table, so the
emulator serves exactly the paths the clients build (``PATCH /routing/jobs/j1`` -> ``upsert_job`` with
``{"jobId": "j1"}``). HTTP dispatch (:mod:`.app`), fault injection and the request log all look requests up here.

An id may hold ``:`` (``POST /routing/jobs/a:b:cancel`` cancels job ``a:b``; ``GET /routing/jobs/a:cancel`` reads
job ``a:cancel``): a parameter matches anything but ``/``, and the action suffix, where the operation has one,
anchors the end.

Besides the spec's operations the table has the pre-release forms the service recordings use, where the assignment
id of ``complete_job`` and ``close_job`` travels in the body (``POST /routing/jobs/{jobId}:complete``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Tuple, Type
from urllib.parse import unquote

from ..engine.errors import BadRequest
from ..sdk import OPERATIONS, Model


@dataclass(frozen=True)
class Route:
    """One way to call an operation over HTTP."""

    operation: str  # the SDK's name: upsert_job, accept_job_offer, ...
    method: str
    pattern: Pattern[str]  # the raw (percent-encoded) path, with a named group per path parameter
    body_model: Optional[Type[Model]]  # what an action's body is checked against (None: any JSON object)
    ids_in_body: Tuple[str, ...] = ()  # pre-release forms: ids read from the body, not the path


@dataclass(frozen=True)
class Call:
    operation: str  # the SDK's name
    ids: Dict[str, str]  # the path's parameters by their REST names (jobId, workerId, offerId, ...), decoded


def _pattern(path: str) -> Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{([A-Za-z]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")


# The pre-release forms: (operation, path, ids the body carries).
PRE_RELEASE_FORMS = (
    ("complete_job", "/routing/jobs/{jobId}:complete", ("assignmentId",)),
    ("close_job", "/routing/jobs/{jobId}:close", ("assignmentId",)),
)


def _routes() -> Dict[str, List[Route]]:
    """By method, every route: the spec's operations, then the pre-release forms."""
    routes: List[Route] = [
        Route(name, operation.method, _pattern(operation.path), operation.body_model)
        for name, operation in OPERATIONS.items()
    ]
    routes += [
        Route(name, "POST", _pattern(path), OPERATIONS[name].body_model, ids) for name, path, ids in PRE_RELEASE_FORMS
    ]
    table: Dict[str, List[Route]] = {}
    for route in routes:
        table.setdefault(route.method, []).append(route)
    return table


ROUTES = _routes()


def segment(raw: str) -> str:
    """A path segment (an id) from its percent-encoded form. It must be UTF-8 once decoded: a lenient decoding
    turned every invalid byte into U+FFFD, so ``%FE`` and ``%FF`` named the same resource."""
    try:
        if not raw.isascii():
            raise UnicodeError("not percent-encoded")
        return unquote(raw, errors="strict")
    except UnicodeError:
        raise BadRequest(f"The path segment {raw!r} is not valid percent-encoded UTF-8.", target=raw) from None


def match(method: str, path: str) -> Optional[Tuple[Route, Dict[str, str]]]:
    """The route ``method`` and ``path`` (as sent, percent-encoded) call and their raw path ids, or None."""
    for route in ROUTES.get(method, ()):
        found = route.pattern.match(path)
        if found is not None:
            return route, found.groupdict()
    return None


def path_exists(path: str) -> bool:
    """Whether some method calls an operation at ``path`` (a 405 rather than a 404 for the others)."""
    return any(route.pattern.match(path) for routes in ROUTES.values() for route in routes)


def call_of(method: str, path: str) -> Optional[Call]:
    """The operation a request calls, with its decoded path ids (leniently: for logs and faults, which must not
    fail on a bad id), or None when it calls none."""
    found = match(method, path)
    if found is None:
        return None
    route, ids = found
    return Call(route.operation, {key: unquote(value) for key, value in ids.items()})


def operation_of(method: str, path: str) -> Optional[str]:
    """The SDK name of the operation a request calls, or None."""
    call = call_of(method, path)
    return call.operation if call is not None else None
