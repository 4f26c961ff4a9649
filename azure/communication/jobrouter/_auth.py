"""Authentication: connection strings and HMAC-SHA256 request signing.

A key-authenticated request carries ``x-ms-date``, ``x-ms-content-sha256`` (base64 SHA-256 of the body) and
``Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<sig>``, where the signature
is the base64 HMAC-SHA256, keyed with the base64-decoded access key, of
``"<VERB>\\n<path?query>\\n<x-ms-date>;<host>;<content hash>"``. The emulator verifies with the same functions.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from email.utils import formatdate
from typing import Any, Optional, Tuple, Union
from urllib.parse import urlsplit

from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.rest import HttpRequest

from ._url import canonical_url

SIGNED_HEADERS = "x-ms-date;host;x-ms-content-sha256"
TOKEN_SCOPE = "https://communication.azure.com//.default"


def parse_connection_string(conn_str: str) -> Tuple[str, str]:
    """(endpoint, access key) of ``"endpoint=https://...;accesskey=..."``; key names ignore case."""
    if not isinstance(conn_str, str) or not conn_str.strip():
        raise ValueError("The connection string is empty; expected 'endpoint=https://<resource>/;accesskey=<key>'")
    parts = {}
    for segment in conn_str.strip().strip(";").split(";"):
        name, sep, value = segment.partition("=")
        if not sep:
            raise ValueError(f"Connection string segment {segment!r} is not 'name=value'")
        parts[name.strip().lower()] = value.strip()
    missing = [name for name in ("endpoint", "accesskey") if not parts.get(name)]
    if missing:
        raise ValueError(
            f"The connection string has no {' or '.join(missing)}; expected 'endpoint=https://<resource>/;accesskey=<key>'"
        )
    endpoint = parts["endpoint"]
    if urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).netloc:
        raise ValueError(f"The connection string's endpoint {endpoint!r} is not an http(s) URL")
    decode_access_key(parts["accesskey"])
    return endpoint, parts["accesskey"]


@functools.lru_cache(maxsize=16)  # every signature (client and emulator) needs the key's bytes; a client has one key
def decode_access_key(access_key: str) -> bytes:
    try:
        return base64.b64decode(access_key, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("The access key is not valid base64; copy it whole from the resource's Keys page") from exc


def content_hash(body: Union[bytes, str, None]) -> str:
    data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def string_to_sign(method: str, path_and_query: str, date: str, host: str, body_hash: str) -> str:
    return f"{method.upper()}\n{path_and_query}\n{date};{host};{body_hash}"


def compute_signature(access_key: str, text: str) -> str:
    digest = hmac.new(decode_access_key(access_key), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def authorization_header(signature: str) -> str:
    return f"HMAC-SHA256 SignedHeaders={SIGNED_HEADERS}&Signature={signature}"


class HMACCredentialsPolicy(SansIOHTTPPolicy[Any, Any]):
    """Signs each request (and each retry, with a fresh date) with the access key."""

    def __init__(self, credential: Union[AzureKeyCredential, str], *, date_source: Optional[Any] = None) -> None:
        super().__init__()
        self._credential = credential if isinstance(credential, AzureKeyCredential) else AzureKeyCredential(credential)
        self._date_source = date_source or (lambda: formatdate(usegmt=True))

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http_request = request.http_request
        # azure.core.rest requests hold the body in ``content``; ``body`` is their (slower) backward-compatible name,
        # and the only one of the older transport requests.
        if isinstance(http_request, HttpRequest):
            body = http_request.content
        else:
            body = getattr(http_request, "body", None)
        if hasattr(body, "read"):
            raise ValueError("HMAC signing needs the request body as bytes; pass the resource as a model or a mapping")
        body_hash = content_hash(body)
        date = self._date_source()
        # Sign the path and query exactly as the transport will send them (see _url.py).
        url = canonical_url(http_request.url)
        if url != http_request.url:
            http_request.url = url
        parts = urlsplit(url)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        text = string_to_sign(http_request.method, signed_path, date, parts.netloc, body_hash)
        http_request.headers["x-ms-date"] = date
        http_request.headers["x-ms-content-sha256"] = body_hash
        http_request.headers["Authorization"] = authorization_header(compute_signature(self._credential.key, text))
