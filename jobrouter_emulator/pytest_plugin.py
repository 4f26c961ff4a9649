"""pytest plugin of the emulator (registered through the ``pytest11`` entry point).

The ``jobrouter_emulator`` fixture starts one in-memory emulator for the test session and yields it.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .embedded import EmbeddedEmulator


@pytest.fixture(scope="session")
def jobrouter_emulator() -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(seed=0) as emulator:
        yield emulator
