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
        missing = str(error)
    else:
        return EmbeddedEmulator
    # Failed outside the except block: inside it, pytest would print the message twice (the ImportError, then
    # "During handling of the above exception, another exception occurred" and the failure).
    pytest.fail(missing, pytrace=False)


@pytest.fixture(scope="session")
def jobrouter_emulator() -> Iterator[EmbeddedEmulator]:
    """A started in-memory Job Router emulator (an ``EmbeddedEmulator``), one for the whole session; state carries over
    from test to test. Connect with ``JobRouterClient.from_connection_string(jobrouter_emulator.connection_string)``.
    Use it for tests that name their resources apart and do not count what others leave; the cheapest."""
    with embedded_emulator_type()(seed=0) as emulator:
        yield emulator


@pytest.fixture
def clean_jobrouter_emulator(jobrouter_emulator: EmbeddedEmulator) -> EmbeddedEmulator:
    """The session's ``jobrouter_emulator``, reset before the test (every resource, job, offer, timer and stored event
    gone; well under a millisecond, no restart): for tests that list, count or read the event feed. A reset keeps
    event subscriptions and faults: a test that sets them undoes them."""
    jobrouter_emulator.reset()
    return jobrouter_emulator


@pytest.fixture(scope="session")
def _virtual_clock_emulator_for_session() -> Iterator[EmbeddedEmulator]:
    """The one emulator on a virtual clock behind ``virtual_clock_jobrouter_emulator`` (started once per session)."""
    with embedded_emulator_type()(seed=0, clock="virtual") as emulator:
        yield emulator


@pytest.fixture
def virtual_clock_jobrouter_emulator(_virtual_clock_emulator_for_session: EmbeddedEmulator) -> EmbeddedEmulator:
    """An emulator on a virtual clock, reset before the test: time stands still until ``advance(seconds)`` moves it,
    doing the work that falls due on the way (scheduled jobs, offer expiry, ``closeAt``, exception wait times), so
    timed behaviour is tested without waiting. The clock's time carries over from test to test."""
    _virtual_clock_emulator_for_session.reset()
    return _virtual_clock_emulator_for_session
