"""pytest plugin of the emulator, registered through the ``pytest11`` entry point.

pytest loads it in every run of an environment where the SDK is installed, with or without the ``[emulator]`` extra,
so it imports nothing but pytest and the standard library when it loads. A fixture imports the emulator when a test
first asks for it; without the extra, that test errors with the command that installs it.

Fixtures:

- ``jobrouter_emulator`` (session scope): one in-memory emulator for the whole run. State carries over from test to
  test: use it for tests that name their resources apart and do not count what others leave (lists, events).
- ``clean_jobrouter_emulator`` (function scope): the same emulator, reset before the test (well under a
  millisecond for a test's few resources; no restart), so the test starts from nothing: for tests that list, count
  or read the event feed.
- ``virtual_clock_jobrouter_emulator`` (function scope): an emulator on a virtual clock, started once per session and
  reset before each test: for tests of scheduled jobs, offer expiry, ``closeAt`` and exception wait times, which move
  time with ``advance(seconds)`` instead of waiting.

A reset keeps the clock's time, event subscriptions and faults; a test that sets those undoes them itself.
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


@pytest.fixture
def clean_jobrouter_emulator(jobrouter_emulator: EmbeddedEmulator) -> EmbeddedEmulator:
    jobrouter_emulator.reset()
    return jobrouter_emulator


@pytest.fixture(scope="session")
def _virtual_clock_emulator_for_session() -> Iterator[EmbeddedEmulator]:
    with embedded_emulator_type()(seed=0, clock="virtual") as emulator:
        yield emulator


@pytest.fixture
def virtual_clock_jobrouter_emulator(_virtual_clock_emulator_for_session: EmbeddedEmulator) -> EmbeddedEmulator:
    _virtual_clock_emulator_for_session.reset()
    return _virtual_clock_emulator_for_session
