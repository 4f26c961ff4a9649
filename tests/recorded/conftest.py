"""Recorded playback (pytest-recording / vcrpy) through the plugin's ``recorded_router`` fixture, as users get it.

By default the cassettes in ``cassettes/`` are replayed and nothing touches the network. To record them again:

    pytest tests/recorded --record-mode=rewrite            # against the session's embedded emulator
    AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING=... pytest tests/recorded --record-mode=rewrite   # against Azure

The fixture scrubs what is recorded (``jobrouter_emulator/recording/``); these two fixtures only adapt it to the
scenarios' signature.
"""

from __future__ import annotations

import pytest

from jobrouter_emulator.recording import RecordedRouter


@pytest.fixture
def connection_string(recorded_router: RecordedRouter) -> str:
    return recorded_router.connection_string


@pytest.fixture
def poll_interval(recorded_router: RecordedRouter) -> float:
    return recorded_router.poll_interval if recorded_router.recording else 0.0
