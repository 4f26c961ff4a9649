"""What no cassette may hold, checked the same way for the committed cassettes and for those the tests write."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List

from jobrouter_emulator.auth import DEFAULT_ACCESS_KEY
from jobrouter_emulator.recording import PLAYBACK_ACCESS_KEY

_FORBIDDEN = [
    (re.compile(re.escape(DEFAULT_ACCESS_KEY)), "the emulator's access key"),
    (re.compile(r"signature=", re.IGNORECASE), "Signature="),
    (re.compile(r"hmac-sha256", re.IGNORECASE), "an HMAC Authorization value"),
    (re.compile(r"^\s*authorization:", re.IGNORECASE | re.MULTILINE), "an Authorization header"),
    (re.compile(r"x-ms-content-sha256|x-ms-date", re.IGNORECASE), "a signing header"),
    (re.compile(r"\bbearer\s", re.IGNORECASE), "a bearer token"),
    (re.compile(r"accesskey=(?!" + re.escape(PLAYBACK_ACCESS_KEY) + ")", re.IGNORECASE), "a connection string"),
    (re.compile(r"(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):\d+", re.IGNORECASE), "a loopback host:port"),
]


def secrets_in(cassette: Path, also: Iterable[str] = ()) -> List[str]:
    """What ``cassette`` holds that it must not: a description per finding (empty when clean)."""
    text = cassette.read_text(encoding="utf-8")
    matches = [(what, pattern.search(text)) for pattern, what in _FORBIDDEN]
    found = [f"{what} ({match.group(0)!r})" for what, match in matches if match]
    return found + [f"{secret!r}" for secret in also if secret and secret in text]


def assert_clean(cassettes: Iterable[Path], also: Iterable[str] = ()) -> int:
    """Fails naming the cassette and what it holds; returns how many were checked."""
    checked = 0
    for cassette in cassettes:
        found = secrets_in(cassette, also)
        assert not found, f"{cassette} holds {found}"
        checked += 1
    return checked
