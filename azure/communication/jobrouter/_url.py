"""Request URLs in the one spelling every azure-core transport puts on the wire unchanged.

An HMAC signature covers the path and query, so they must be signed exactly as they are sent. The transports do not
send a URL as given: ``requests`` (with urllib3) percent-encodes characters that may not appear raw and decodes the
encoded unreserved ones; ``aiohttp`` (through yarl) also decodes encoded ``: @ ! $ ' ( ) * ,`` (and, in a path,
``& ; =``), so ``/workers/x%3Ay`` leaves as ``/workers/x:y``. The spelling below is a fixed point of both: a
character is raw when either transport would leave it raw or turn it raw, percent-encoded (upper-case hex, UTF-8)
otherwise; the characters that delimit (``/`` and ``+`` in a path, ``& = ; +`` in a query) keep the form they have,
raw or encoded, because the two forms differ in meaning. ``tests/clients/test_wire_url.py`` sends every ASCII
character and some non-ASCII ones through both transports to a loopback server and compares the request line with
what was signed.
"""

from __future__ import annotations

import re
from typing import Callable, FrozenSet
from urllib.parse import urlsplit, urlunsplit

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
# Raw in the canonical form (decoded when found percent-encoded).
_PATH_RAW = frozenset(_UNRESERVED + "!$&'()*,;=:@")
_QUERY_RAW = frozenset(_UNRESERVED + "!$'()*,:@/?")
# Left as they are, raw or encoded.
_PATH_KEPT = frozenset("/+")
_QUERY_KEPT = frozenset("&=;+")
# What may need rewriting: a percent sign (with or without two hex digits) or a character outside the raw and kept sets.
_PATH_TODO = re.compile(r"%[0-9A-Fa-f]{2}|[^" + re.escape("".join(sorted(_PATH_RAW | _PATH_KEPT))) + "]")
_QUERY_TODO = re.compile(r"%[0-9A-Fa-f]{2}|[^" + re.escape("".join(sorted(_QUERY_RAW | _QUERY_KEPT))) + "]")


# A URL of these characters only (no "%", "+" or "#") is canonical already: each is raw, or a delimiter, in both the
# path and the query. The clients' own URLs are nearly always such, and skip the parsing.
_CANONICAL_ALREADY = re.compile(r"[A-Za-z0-9\-._~!$'()*,:@/?&=;]*")


def _encode(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode("utf-8"))


def _requoter(raw: FrozenSet[str], kept: FrozenSet[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if len(token) == 3:  # %XX
            char = chr(int(token[1:], 16))
            return char if char in raw else token.upper()
        return token if token in kept else _encode(token)

    return replace


_requote_path = _requoter(_PATH_RAW, _PATH_KEPT)
_requote_query = _requoter(_QUERY_RAW, _QUERY_KEPT)


def quote_path_segment(value: str) -> str:
    """One path segment (an id) in the canonical spelling: ``x:y`` stays, ``a/b`` is ``a%2Fb``, ``+`` is ``%2B``."""
    if _CANONICAL_ALREADY.fullmatch(value) and "/" not in value and "?" not in value:
        return value
    return "".join(char if char in _PATH_RAW else _encode(char) for char in value)


def quote_query_value(value: str) -> str:
    """A query name or value in the canonical spelling; ``& = ; +`` and space are encoded, so they stay data."""
    return "".join(char if char in _QUERY_RAW else _encode(char) for char in value)


def canonical_url(url: str) -> str:
    """``url`` with its path and query in the canonical spelling (same meaning; idempotent)."""
    if _CANONICAL_ALREADY.fullmatch(url):
        return url
    parts = urlsplit(url)
    path = _PATH_TODO.sub(_requote_path, parts.path)
    query = _QUERY_TODO.sub(_requote_query, parts.query)
    if path == parts.path and query == parts.query and not parts.fragment:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
