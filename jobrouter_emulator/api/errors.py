"""Every error the HTTP layer answers, in the live service's body: ``{"communicationError": {"code", "message",
"target"}}``, whatever the path (``/routing``, ``/_emulator``, anything else), the method (OPTIONS, TRACE) or the
fault (a refused request, a bug of the emulator). A client that goes away mid-upload is logged in one line.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from ..engine.errors import InternalError, MethodNotAllowed, NotFound, RouterError

logger = logging.getLogger(__name__)

TIMED_OUT = "jobrouter.timed_out"  # in the request's scope when the server closed it for being too slow


def error_response(error: RouterError, request: Request, headers: Optional[Mapping[str, str]] = None) -> JSONResponse:
    """The service's error body for ``error`` (its target defaults to the request's path). A refusal may come before
    the request's body is read; the HTTP protocol then discards the rest of it (:mod:`..http_protocol`)."""
    if error.target is None:
        error.target = request.url.path
    return JSONResponse(error.to_body(), status_code=error.status, headers=dict(headers or {}))


def client_gone(request: Request) -> Response:
    """The client closed the connection before its request was in: one line in the log, nothing to answer."""
    if not request.scope.get(TIMED_OUT):  # the server closed it, and said so in its own line
        logger.warning(
            "%s %s: the client disconnected before sending the whole request", request.method, request.url.path
        )
    return Response(status_code=400)  # never sent: the connection is gone


async def _http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals: no route for the path (404), or a method the route does not take (405)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}."
        return error_response(MethodNotAllowed(message), request, exc.headers)
    if exc.status_code == 404:
        return error_response(NotFound(f"Nothing is served at {request.url.path}."), request)
    error = RouterError(str(exc.detail))
    error.status, error.code = exc.status_code, "BadRequest" if exc.status_code < 500 else "InternalError"
    return error_response(error, request, exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug: the error body rather than a bare text page (Starlette logs the traceback after this answer)."""
    if isinstance(exc, ClientDisconnect):
        return client_gone(request)
    return error_response(InternalError(f"The emulator failed to handle the request ({type(exc).__name__})."), request)


EXCEPTION_HANDLERS: Dict[Any, Any] = {HTTPException: _http_exception, Exception: unexpected_error}
