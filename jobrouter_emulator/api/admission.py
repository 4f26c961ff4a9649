"""Admitting a request, before any operation sees it, in the order that costs the emulator least:

1. a declared ``Content-Length`` above the limit is refused at once (413), nothing read;
2. the signature is checked on the headers alone (401), still nothing read;
3. the body is read, and reading stops at the limit when no length was declared (413);
4. the body must be the one whose hash was signed (401).

How long the body may take to arrive is the HTTP protocol's business (:mod:`jobrouter_emulator.http_protocol`).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from starlette.requests import ClientDisconnect, Request

from ..auth import verify_content_hash, verify_signature
from ..engine import strict_json
from ..engine.errors import BadRequest, PayloadTooLarge


class ClientGone(Exception):
    """The client disconnected before its request was in (see :func:`.errors.client_gone`)."""


def raw_path(request: Request) -> str:
    """The path as sent (percent-encoded, as it was signed), without the query."""
    # (``scope.get(name, default)`` would build ``request.url`` on every request, for a default never used.)
    raw = request.scope.get("raw_path") or request.url.path.encode()
    return raw.decode("latin-1").split("?", 1)[0]


def lower_headers(request: Request) -> Dict[str, str]:
    """The request's headers by lower-case name."""
    # Straight from the ASGI scope: the names and values Starlette's Headers would give, without building it.
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in request.scope["headers"]}


async def admit(
    request: Request,
    headers: Dict[str, str],
    *,
    access_key: str,
    allow_bearer: bool,
    max_body: int,
    require_auth: bool = True,
) -> bytes:
    """The request's body, once the request is admitted; a :class:`RouterError` (413, 401) or :class:`ClientGone`
    otherwise."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise PayloadTooLarge(f"The request body is larger than {max_body} bytes.")
    signed = False
    if require_auth:
        query = request.scope.get("query_string", b"").decode("latin-1")
        signed = verify_signature(
            method=request.method,
            path_and_query=raw_path(request) + (f"?{query}" if query else ""),
            headers=headers,
            access_key=access_key,
            allow_bearer=allow_bearer,
        )
    body = await read_body(request, max_body) if declared != "0" else b""
    if signed:
        verify_content_hash(headers, body)
    return body


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read as it comes: :class:`PayloadTooLarge` as soon as it passes ``limit`` bytes."""
    chunks = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone() from None
    return b"".join(chunks)


def json_object(body: bytes) -> Optional[Dict[str, Any]]:
    """The body as a JSON object, read strictly (:mod:`..engine.strict_json`); None for an empty body; a 400 naming
    the refused value otherwise."""
    if not body:
        return None
    try:
        value = strict_json.loads(body)
    except strict_json.JsonRejected as exc:
        raise BadRequest(exc.sentence("" if exc.path else "The request body"), target=exc.path or None) from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.")
    return value
