"""Fixtures of the delivery tests: a loopback webhook, Azurite, and emulators with a fast retry schedule."""

from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest

from jobrouter_emulator import EmbeddedEmulator
from tests._azurite import Azurite, require_azurite

from ._webhook import Webhook

RETRY_SCALE = 0.001  # Event Grid's 10 s first retry step takes 10 ms


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., EmbeddedEmulator]]:
    """Start emulators (in memory unless ``data_dir`` is given); every one still running is stopped at the end."""
    started: List[EmbeddedEmulator] = []

    def start(**options: Any) -> EmbeddedEmulator:
        options.setdefault("retry_scale", RETRY_SCALE)
        if options.get("data_dir") is not None:
            options.setdefault("in_memory", False)
        emulator = EmbeddedEmulator(**options).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def azurite() -> Iterator[Azurite]:
    """Azurite's queue service on a free loopback port, in memory; skipped (failed under CI) without Azurite."""
    server = Azurite(require_azurite()).start()
    yield server
    server.close()
