"""Verifying requests: HMAC-SHA256 signatures (connection strings, AzureKeyCredential) and, optionally, bearer tokens.

The string to sign and the signature are computed by the SDK's own functions, so client and emulator cannot drift.
The signature covers the body's hash as the ``x-ms-content-sha256`` header states it, so a request is verified in
two steps: :func:`verify_signature` on the headers alone, before the body is read (an unsigned upload is refused
without reading it), then :func:`verify_content_hash` once the body is in.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta, timezone
from typing import Mapping, Optional

from .engine.errors import Unauthorized
from .engine.times import parse_http_date
from .sdk import compute_signature, content_hash, string_to_sign

# The well-known development key (like Azurite's): base64 of a fixed, public phrase. Never use it for anything real.
DEFAULT_ACCESS_KEY = "am9icm91dGVyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleS1ub3Qtc2VjcmV0IQ=="
MAX_CLOCK_SKEW = timedelta(minutes=15)
_PREFIX = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="


def _same(sent: str, expected: str) -> bool:
    """Constant-time comparison of a header value with the expected text. Header values may hold any byte (they
    arrive decoded as latin-1), which ``hmac.compare_digest`` refuses in ``str``; as bytes any value compares."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def verify_signature(
    *,
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    access_key: str,
    allow_bearer: bool = False,
    now: Optional[datetime] = None,
) -> bool:
    """Raise :class:`Unauthorized` unless the headers are signed with ``access_key`` (or bear a token, if allowed).
    True when the body must then match the signed hash (:func:`verify_content_hash`); False for a bearer token."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        if allow_bearer and authorization[7:].strip():
            return False
        raise Unauthorized("Bearer tokens are not accepted; start the emulator with --allow-bearer to accept them.")
    if not authorization.startswith(_PREFIX):
        raise Unauthorized("The request is not signed: an HMAC-SHA256 Authorization header is required.")
    date = headers.get("x-ms-date") or headers.get("date", "")  # the service takes either, x-ms-date first
    try:
        signed_at = parse_http_date(date)
    except ValueError:
        raise Unauthorized("The x-ms-date (or Date) header is missing or not an RFC 1123 date.") from None
    current = now or datetime.now(timezone.utc)  # the client signs with real time, whatever the engine's clock
    if abs(current - signed_at) > MAX_CLOCK_SKEW:
        raise Unauthorized("The x-ms-date header is more than 15 minutes away from the emulator's clock.")
    body_hash = headers.get("x-ms-content-sha256", "")
    host = headers.get("host", "")
    expected = compute_signature(access_key, string_to_sign(method, path_and_query, date, host, body_hash))
    if not _same(authorization[len(_PREFIX) :], expected):
        raise Unauthorized("The request signature is not valid for this emulator's access key.")
    return True


def verify_content_hash(headers: Mapping[str, str], body: bytes) -> None:
    """Raise :class:`Unauthorized` unless ``body`` is the one whose hash was signed."""
    if not _same(headers.get("x-ms-content-sha256", ""), content_hash(body)):
        raise Unauthorized("The x-ms-content-sha256 header does not match the request body.")

