"""The emulator's own control routes (``/_emulator/...``): signed like ``/routing`` requests, with the same verifier,
and answered with the service's error body (``{"communicationError": {"code", "message", "target"}}``)."""

from __future__ import annotations

import functools
import json
from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..auth import verify_request
from ..engine.errors import BadRequest, PayloadTooLarge, RouterError

MAX_CONTROL_BODY_BYTES = 64 * 1024  # a subscription or a fault plan is a few hundred bytes

Handler = Callable[[Request, bytes], Awaitable[Response]]


def error_response(error: RouterError, target: str) -> JSONResponse:
    if error.target is None:
        error.target = target
    return JSONResponse(error.to_body(), status_code=error.status)


def json_object(body: bytes) -> Any:
    """The request body as a JSON object (a 400 that says so otherwise)."""
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.")
    return value


def signed(handler: Handler, *, access_key: str, allow_bearer: bool) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` behind HMAC verification; it gets the verified body, and its RouterErrors become error bodies."""

    @functools.wraps(handler)  # named after the handler, as the request log names the operation
    async def endpoint(request: Request) -> Response:
        # The signature covers the path as sent (percent-encoded).
        raw_path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1").split("?", 1)[0]
        query_string = request.scope.get("query_string", b"").decode("latin-1")
        try:
            body = await request.body()
            if len(body) > MAX_CONTROL_BODY_BYTES:
                raise PayloadTooLarge(f"The request body is larger than {MAX_CONTROL_BODY_BYTES} bytes.")
            verify_request(
                method=request.method,
                path_and_query=raw_path + (f"?{query_string}" if query_string else ""),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
                access_key=access_key,
                allow_bearer=allow_bearer,
            )
            return await handler(request, body)
        except RouterError as error:
            return error_response(error, request.url.path)

    return endpoint
