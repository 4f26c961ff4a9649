"""The emulator's own control routes (``/_emulator/...``): admitted like ``/routing`` requests (size limit, HMAC
signature before the body is read, :mod:`.admission`), and answered with the service's error body."""

from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable, Dict

from starlette.requests import Request
from starlette.responses import Response

from ..engine.errors import RouterError
from .admission import ClientGone, admit, lower_headers
from .admission import json_object as _json_object
from .errors import client_gone, error_response

MAX_CONTROL_BODY_BYTES = 64 * 1024  # a subscription or a fault plan is a few hundred bytes

Handler = Callable[[Request, bytes], Awaitable[Response]]


def json_object(body: bytes) -> Dict[str, Any]:
    """The request body as a JSON object, read strictly ({} when empty; a 400 that says what is wrong otherwise)."""
    return _json_object(body) or {}


def signed(
    handler: Handler, *, access_key: str, allow_bearer: bool, require_auth: bool = True
) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` behind admission; it gets the verified body, and its RouterErrors become error bodies."""

    @functools.wraps(handler)  # named after the handler, as the request log names the operation
    async def endpoint(request: Request) -> Response:
        try:
            body = await admit(
                request,
                lower_headers(request),
                access_key=access_key,
                allow_bearer=allow_bearer,
                max_body=MAX_CONTROL_BODY_BYTES,
                require_auth=require_auth,
            )
            return await handler(request, body)
        except RouterError as error:
            return error_response(error, request)
        except ClientGone:
            return client_gone(request)

    return endpoint


def signer(*, access_key: str, allow_bearer: bool) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """:func:`signed` with the emulator's key settings, for a module's control routes."""
    return functools.partial(signed, access_key=access_key, allow_bearer=allow_bearer)
