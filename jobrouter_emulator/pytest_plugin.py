"""pytest plugin of the emulator, registered through the ``pytest11`` entry point.

pytest loads it in every run of an environment where the SDK is installed, with or without the ``[emulator]`` extra,
so it imports nothing but pytest and the standard library when it loads. A fixture imports the emulator when a test
first asks for it; without the extra, that test errors with the command that installs it.

Fixtures: ``jobrouter_emulator`` (session scope) starts one in-memory emulator and yields it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Type

import pytest

from ._dependencies import MissingEmulatorDependencies, emulator_dependencies

if TYPE_CHECKING:
    from .embedded import EmbeddedEmulator


def embedded_emulator_type() -> Type[EmbeddedEmulator]:
    """``EmbeddedEmulator``, imported now; fails the asking test with the install command when the extra is missing."""
    try:
        with emulator_dependencies():
            from .embedded import EmbeddedEmulator
    except MissingEmulatorDependencies as error:
        pytest.fail(str(error), pytrace=False)
    return EmbeddedEmulator


@pytest.fixture(scope="session")
def jobrouter_emulator() -> Iterator[EmbeddedEmulator]:
    with embedded_emulator_type()(seed=0) as emulator:
        yield emulator
