"""A user's test file, recorded with ``recorded_router`` against the emulator, then replayed with no emulator and the
network blocked; over HTTP and over HTTPS on another port, sync and async clients; and a recording that would write
a secret stops, naming it. Each step is a separate pytest process, as a user runs it (about 3 s each)."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path
from typing import List, Tuple

import yaml

from ._cassettes import assert_clean

pytest_plugins = ["pytester"]

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "recorded_test_example" / "test_recorded_example.py"
FUNCTION_KEY = "fk-must-not-reach-the-cassette"
ASYNC_TEST = f'''

from datetime import datetime, timezone

from azure.communication.jobrouter import aio
from azure.communication.jobrouter.models import FunctionRouterRule, FunctionRouterRuleCredential


async def test_async_clients(recorded_router):
    options = {{"retry_total": 0, **recorded_router.client_options}}
    connection_string = recorded_router.connection_string
    async with aio.JobRouterAdministrationClient.from_connection_string(connection_string, **options) as admin, \\
            aio.JobRouterClient.from_connection_string(connection_string, **options) as client:
        await admin.upsert_distribution_policy("a-policy", offer_expires_after_seconds=60, mode=LongestIdleMode())
        await admin.upsert_queue("a-queue", distribution_policy_id="a-policy")
        rule = FunctionRouterRule(
            function_uri="https://rules.example.invalid/api/priority",
            credential=FunctionRouterRuleCredential(function_key="{FUNCTION_KEY}"),
        )
        await admin.upsert_classification_policy("a-classification", prioritization_rule=rule)
        voice = [RouterChannel(channel_id="voice", capacity_cost_per_job=1)]
        await client.upsert_worker(
            "a-worker", capacity=1, queues=["a-queue"], channels=voice, available_for_offers=True
        )
        job_id = recorded_router.value("job id", lambda: f"async-{{uuid.uuid4()}}")
        created = recorded_router.value("created", lambda: datetime.now(timezone.utc))
        assert isinstance(created, datetime) and created.tzinfo is not None
        labels = {{"created": created.isoformat()}}
        await client.upsert_job(job_id, channel_id="voice", queue_id="a-queue", labels=labels)

        async def offers():
            return (await client.get_worker("a-worker")).offers

        offer = (await recorded_router.wait_until(offers))[0]
        accepted = await client.accept_job_offer("a-worker", offer.offer_id)
        await client.complete_job(job_id, accepted.assignment_id)
        await client.close_job(job_id, accepted.assignment_id)
        assert (await client.get_job(job_id)).labels["created"] == created.isoformat()
        await admin.delete_classification_policy("a-classification")
'''
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
# Replay must not reach the emulator (importing it, or the server it runs on, fails in the replaying process) and
# must not sleep (wait_until reads the recorded polls back to back).
NO_EMULATOR = """
import asyncio
import sys
import time

for name in ("jobrouter_emulator.embedded", "jobrouter_emulator.service", "uvicorn", "starlette"):
    sys.modules[name] = None


def no_sleep(seconds, *args):
    raise AssertionError(f"slept {seconds} s on replay")


real_async_sleep = asyncio.sleep


async def no_async_sleep(seconds, *args):
    if seconds > 0:
        no_sleep(seconds)
    return await real_async_sleep(seconds, *args)


time.sleep, asyncio.sleep = no_sleep, no_async_sleep
"""


def user_project(pytester) -> Path:
    pytester.makeini(INI)
    return pytester.makepyfile(test_user=SAMPLE.read_text() + ASYNC_TEST)


def cassettes(pytester) -> List[Path]:
    return sorted((pytester.path / "cassettes").rglob("*.yaml"))


def run(pytester, *args: str):
    started = time.perf_counter()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=180)
    result.seconds = time.perf_counter() - started
    return result


def replay_without_emulator(pytester):
    pytester.makeconftest(NO_EMULATOR)
    replayed = run(pytester, "--record-mode=none", "--block-network")
    replayed.assert_outcomes(passed=2)
    return replayed


def requests_of(cassette: Path) -> List[Tuple[str, str, str]]:
    """A cassette's requests, the values it recorded replaced by their names and the service's ids (offers,
    assignments) by a mark, since they differ from run to run; repeated polls count once (their number depends on
    how soon routing ran)."""
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    values = {
        i["response"]["body"]["string"].strip('"'): i["request"]["uri"].rsplit("/", 1)[1]
        for i in interactions
        if i["request"]["method"] == "VALUE"
    }
    pattern = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def named(text: str) -> str:
        return pattern.sub(lambda m: values[m.group(0)], text) if pattern else text

    requests: List[Tuple[str, str, str]] = []
    for i in interactions:
        made = tuple(UUID.sub("<id>", named(str(i["request"][part]))) for part in ("method", "uri", "body"))
        if not requests or requests[-1] != made:
            requests.append(made)  # type: ignore[arg-type]
    return requests


def test_record_against_the_emulator_then_replay_with_no_emulator_and_no_network(pytester):
    user_project(pytester)
    recorded = run(pytester, "--record-mode=once")
    recorded.assert_outcomes(passed=2)
    written = cassettes(pytester)
    assert [p.name for p in written] == ["test_async_clients.yaml", "test_route_a_job_to_a_worker.yaml"]
    assert_clean(written, also=[FUNCTION_KEY])
    assert all("method: VALUE" in p.read_text() for p in written), "the values live in the cassettes"
    replay_without_emulator(pytester)


def test_a_recording_over_https_on_another_port_replays_the_same(pytester):
    user_project(pytester)
    recorded = run(pytester, "--record-mode=once", "--jobrouter-emulator-tls")
    recorded.assert_outcomes(passed=2)
    written = {p.name: p for p in cassettes(pytester)}
    assert_clean(written.values(), also=[FUNCTION_KEY])
    # The committed sample cassette was recorded over HTTP, on another port, by another process.
    committed = SAMPLE.parent / "cassettes" / "test_recorded_example" / "test_route_a_job_to_a_worker.yaml"
    assert requests_of(written["test_route_a_job_to_a_worker.yaml"]) == requests_of(committed)
    replay_without_emulator(pytester)


def test_a_recording_that_would_write_a_secret_fails_naming_the_header(pytester):
    pytester.makepyfile(
        test_leaky="""
from azure.communication.jobrouter import JobRouterClient


def test_sends_a_token_in_its_own_header(recorded_router):
    client = JobRouterClient.from_connection_string(recorded_router.connection_string, retry_total=0)
    client.upsert_worker("w", capacity=1, headers={"x-trace-token": "Bearer abc.def.ghi"})
"""
    )
    result = run(pytester, "--record-mode=once")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*request header 'x-trace-token' holds a bearer token*"])
    assert not any("abc.def.ghi" in p.read_text() for p in cassettes(pytester))


def test_without_pytest_recording_the_fixture_says_what_to_install(pytester):
    user_project(pytester)
    result = run(pytester, "-p", "no:recording", "--strict-markers", "-rE")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*recorded_router needs pytest-recording*pip install pytest-recording*"])


def test_a_recording_against_a_configured_service_replays_the_same(pytester, monkeypatch):
    """The path Azure takes: the connection string comes from the environment (here an emulator of this process,
    with a key of its own, standing in for a resource), and neither its key nor its host:port reaches a cassette."""
    from jobrouter_emulator import EmbeddedEmulator

    key = base64.b64encode(b"a key that only this resource has").decode()
    user_project(pytester)
    with EmbeddedEmulator(access_key=key, seed=1) as service:
        monkeypatch.setenv("AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING", service.connection_string)
        run(pytester, "--record-mode=once").assert_outcomes(passed=2)
        port = str(service.endpoint).rstrip("/").rsplit(":", 1)[1]
    monkeypatch.delenv("AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING")
    written = cassettes(pytester)
    assert_clean(written, also=[key, f":{port}/", FUNCTION_KEY])
    replay_without_emulator(pytester)
