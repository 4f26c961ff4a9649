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

- ``recorded_router`` (function scope): recorded playback of the user's own tests with pytest-recording. While
  recording, a connection string to the session's emulator (reset before the test; over HTTPS with
  ``--jobrouter-emulator-tls``) or to Azure when ``AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING`` is set; on replay,
  a placeholder endpoint with no server behind it. Cassettes are scrubbed and matched as the ``recording`` package
  describes; the test gets the ``vcr`` marker if it has none. Replay needs pytest-recording, not the ``[emulator]``
  extra.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Type

import pytest

from ._dependencies import MissingEmulatorDependencies, emulator_dependencies

if TYPE_CHECKING:
    from .embedded import EmbeddedEmulator
    from .recording import RecordedRouter, Scrubber

AZURE_CONNECTION_STRING_VARIABLE = "AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING"
TLS_OPTION = "--jobrouter-emulator-tls"
RECORDING_PLUGIN = "recording"  # pytest-recording's name in the pytest11 entry points
# The scrubber of the test being set up, when it uses recorded_router: pytest-recording builds the test's VCR (and
# calls pytest_recording_configure) before recorded_router itself runs, so the two meet here.
_SCRUBBER = pytest.StashKey[Optional["Scrubber"]]()


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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("jobrouter_emulator").addoption(
        TLS_OPTION,
        action="store_true",
        default=False,
        help="recorded_router records against the embedded emulator over HTTPS (its generated certificate)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    if not config.pluginmanager.has_plugin(RECORDING_PLUGIN):
        return  # no vcr marker to add (and --strict-markers would refuse it); recorded_router says what to install
    for item in items:
        if "recorded_router" in getattr(item, "fixturenames", ()) and item.get_closest_marker("vcr") is None:
            item.add_marker(pytest.mark.vcr)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    scrubber = None
    if "recorded_router" in getattr(item, "fixturenames", ()):
        from .recording import Scrubber

        scrubber = Scrubber()
    item.config.stash[_SCRUBBER] = scrubber


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    scrubber = config.stash.get(_SCRUBBER, None)
    if scrubber is not None:
        from .recording import configure_vcr

        configure_vcr(vcr, scrubber)


@pytest.fixture(scope="session")
def _tls_emulator_for_recording() -> Iterator[EmbeddedEmulator]:
    """The emulator ``recorded_router`` records against with ``--jobrouter-emulator-tls``: HTTPS, one per session."""
    with embedded_emulator_type()(seed=0, tls=True) as emulator:
        yield emulator


@pytest.fixture
def recorded_router(request: pytest.FixtureRequest) -> RecordedRouter:
    """A Job Router to record a test against and replay it from its cassette (pytest-recording).

    Recording: the session's emulator, reset first (HTTPS with ``--jobrouter-emulator-tls``), or Azure when
    ``AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING`` is set. Replay (a cassette vcrpy will not write): a placeholder
    endpoint with no server behind it. Use ``connection_string`` and ``client_options`` for the clients,
    ``value(name, make)`` for ids and times, and ``wait_until(predicate)``, which never sleeps on replay.
    Cassettes hold no key, signature, rule secret or ``host:port``.
    """
    if not request.config.pluginmanager.has_plugin(RECORDING_PLUGIN):
        pytest.fail(
            "recorded_router needs pytest-recording, installed and enabled: pip install pytest-recording", pytrace=False
        )
    from .recording import (
        CONFLICTING_VCR_CONFIG,
        PLAYBACK_ACCESS_KEY,
        PLAYBACK_CONNECTION_STRING,
        PLAYBACK_ENDPOINT,
        RecordedRouter,
    )

    conflicting = sorted(set(CONFLICTING_VCR_CONFIG) & set(request.getfixturevalue("vcr_config")))
    if conflicting:
        pytest.fail(
            f"recorded_router scrubs and matches requests itself: remove {', '.join(conflicting)} from vcr_config "
            "for the tests that use it",
            pytrace=False,
        )
    cassette = request.getfixturevalue("vcr")  # pytest-recording's cassette; None without the vcr marker
    scrubber = request.config.stash.get(_SCRUBBER, None)
    assert scrubber is not None, "pytest_runtest_setup gives every test that uses recorded_router a scrubber"
    if cassette is not None and cassette.write_protected:
        scrubber.access_key, scrubber.endpoint = PLAYBACK_ACCESS_KEY, PLAYBACK_ENDPOINT
        return RecordedRouter(PLAYBACK_CONNECTION_STRING, recording=False, cassette=cassette)
    configured = os.environ.get(AZURE_CONNECTION_STRING_VARIABLE)
    options = {}
    if configured:
        from .sdk import parse_connection_string

        endpoint, key = parse_connection_string(configured)
        connection_string = configured
    else:
        tls = request.config.getoption(TLS_OPTION)
        emulator: EmbeddedEmulator = request.getfixturevalue(
            "_tls_emulator_for_recording" if tls else "jobrouter_emulator"
        )
        emulator.reset()
        endpoint, key, connection_string = emulator.endpoint, emulator.access_key, emulator.connection_string
        if tls:
            options["connection_verify"] = str(emulator.cert_path)
    scrubber.access_key, scrubber.endpoint = key, endpoint.rstrip("/")
    return RecordedRouter(connection_string, recording=True, cassette=cassette, client_options=options)
