"""Signing requests to the emulator from clients other than the SDK: ``httpx`` (the event feed, for one) and raw
HTTP. The SDK's own signing functions make the signature, so it is the one the SDK's HMAC policy would send.

    import httpx
    from jobrouter_emulator import HmacAuth

    page = httpx.get(endpoint + "_emulator/events?since=0", auth=HmacAuth(access_key)).json()
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, Generator

import httpx

from .auth import DEFAULT_ACCESS_KEY
from .engine.times import format_http_date
from .sdk import authorization_header, compute_signature, content_hash, string_to_sign


def hmac_headers(
    method: str, path_and_query: str, host: str, body: bytes = b"", access_key: str = DEFAULT_ACCESS_KEY
) -> Dict[str, str]:
    """The headers that sign a request: ``path_and_query`` as it is sent (percent-encoded), ``host`` as in the Host
    header (with the port)."""
    date = format_http_date(datetime.now(timezone.utc))
    body_hash = content_hash(body)
    signature = compute_signature(access_key, string_to_sign(method, path_and_query, date, host, body_hash))
    return {"x-ms-date": date, "x-ms-content-sha256": body_hash, "Authorization": authorization_header(signature)}


class HmacAuth(httpx.Auth):
    """httpx authentication that signs each request with the emulator's access key (HMAC-SHA256)."""

    requires_request_body = True

    def __init__(self, access_key: str = DEFAULT_ACCESS_KEY) -> None:
        self.access_key = access_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        host = request.headers.get("host") or request.url.netloc.decode("ascii")
        path = request.url.raw_path.decode("ascii")
        request.headers.update(hmac_headers(request.method, path, host, request.content, self.access_key))
        yield request
