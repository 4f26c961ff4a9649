"""Recorded playback (pytest-recording / vcrpy).

By default the cassettes in ``cassettes/`` are replayed and nothing touches the network. To record them again:

    pytest tests/recorded --record-mode=rewrite            # against an emulator started in-process
    AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING=... pytest tests/recorded --record-mode=rewrite   # against Azure

Recorded requests and responses are scrubbed: authentication headers are dropped and the host is replaced, so a
cassette holds no secret and the same cassette replays whichever service recorded it.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, Iterator

import pytest

from jobrouter_emulator import EmbeddedEmulator

PLAYBACK_HOST = "sanitized.communication.azure.com"
PLAYBACK_KEY = "cGxheWJhY2sta2V5LW5vdC1hLXNlY3JldA=="  # base64 of "playback-key-not-a-secret"
SECRET_HEADERS = ["Authorization", "x-ms-content-sha256", "x-ms-date", "x-ms-client-request-id", "User-Agent"]
_HOST = re.compile(r"^https?://[^/]+")


def _scrub_request(request: Any) -> Any:
    request.uri = _HOST.sub(f"https://{PLAYBACK_HOST}", request.uri)
    return request


def _scrub_response(response: Dict[str, Any]) -> Dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in ("date", "server", "x-ms-client-request-id", "ms-cv", "x-azure-ref", "x-cache"):
            del headers[name]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> Dict[str, Any]:
    return {
        "filter_headers": SECRET_HEADERS,
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "match_on": ["method", "path", "query", "body"],
        "decode_compressed_response": True,
    }


@pytest.fixture
def recording(record_mode: str) -> bool:
    return record_mode != "none"


@pytest.fixture
def connection_string(recording: bool) -> Iterator[str]:
    if not recording:
        yield f"endpoint=https://{PLAYBACK_HOST}/;accesskey={PLAYBACK_KEY}"
        return
    configured = os.environ.get("AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING")
    if configured:
        yield configured
        return
    with EmbeddedEmulator(seed=0) as emulator:
        yield emulator.connection_string


@pytest.fixture
def poll_interval(recording: bool) -> float:
    return 0.1 if recording else 0.0
