"""Reset: ``POST /_emulator/reset`` (signed), ``EmbeddedEmulator.reset()``, ``jobrouter-emulator --reset``, and the
function-scoped fixture that resets the session's emulator."""

from __future__ import annotations

import httpx
from azure.core.rest import HttpRequest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from tests._cli_process import CliEmulator


def _fill(connection_string: str) -> JobRouterClient:
    admin = JobRouterAdministrationClient.from_connection_string(connection_string, retry_total=0)
    client = JobRouterClient.from_connection_string(connection_string, retry_total=0)
    admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
    admin.upsert_queue("q", distribution_policy_id="dp")
    client.upsert_worker("w", capacity=1, queues=["q"], available_for_offers=True)
    client.upsert_job("j", channel_id="voice", queue_id="q")
    return client


def _is_empty(connection_string: str) -> bool:
    admin = JobRouterAdministrationClient.from_connection_string(connection_string, retry_total=0)
    client = JobRouterClient.from_connection_string(connection_string, retry_total=0)
    lists = (admin.list_distribution_policies(), admin.list_queues(), client.list_workers(), client.list_jobs())
    return not any(list(paged) for paged in lists)


def test_the_signed_reset_route_empties_the_emulator(jobrouter_emulator):
    client = _fill(jobrouter_emulator.connection_string)
    unsigned = httpx.post(jobrouter_emulator.endpoint + "_emulator/reset")
    assert unsigned.status_code == 401 and client.get_job("j").id == "j"  # refused, and nothing happened
    reset = client.send_request(HttpRequest("POST", "/_emulator/reset"))
    assert reset.status_code == 204
    assert _is_empty(jobrouter_emulator.connection_string)
    events = client.send_request(HttpRequest("GET", "/_emulator/events?since=0")).json()["value"]
    assert events == []


def test_the_clean_fixture_starts_each_test_empty(clean_jobrouter_emulator, jobrouter_emulator):
    assert clean_jobrouter_emulator is jobrouter_emulator  # the session's emulator, not a new one
    assert _is_empty(clean_jobrouter_emulator.connection_string)
    _fill(clean_jobrouter_emulator.connection_string)  # left behind on purpose: the next test must not see it


def test_the_clean_fixture_did_not_keep_the_previous_test_s_resources(clean_jobrouter_emulator):
    assert _is_empty(clean_jobrouter_emulator.connection_string)


def test_the_command_line_reset_starts_from_an_empty_data_dir(tmp_path):
    first = CliEmulator("--data-dir", str(tmp_path), directory=tmp_path)
    try:
        _fill(first.connection_string)
    finally:
        first.stop()
    kept = CliEmulator("--data-dir", str(tmp_path), directory=tmp_path)
    try:
        assert not _is_empty(kept.connection_string)  # without --reset the state is kept
    finally:
        kept.stop()
    reset = CliEmulator("--data-dir", str(tmp_path), "--reset", "--tls", directory=tmp_path)
    try:
        assert reset.banner["state"] == str(tmp_path / "state.sqlite3")
        admin = JobRouterAdministrationClient.from_connection_string(
            reset.connection_string, connection_verify=reset.banner["certificate"].split()[0]
        )
        assert list(admin.list_queues()) == []
    finally:
        reset.stop()
    assert (tmp_path / "emulator-cert.pem").exists()  # the certificate clients trust stays
