"""Every sample runs to completion against the embedded emulator, over HTTP and over HTTPS."""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import List

import pytest

from tests._azurite import require_azurite
from tests._workers import voice_worker
from tests.integration._polling import wait_for

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EXPECTED_OUTPUT = {
    "quickstart.py": "Job closed with disposition Resolved: status closed",
    "events_webhook.py": "Self-test passed",
    "events_storage_queue.py": "events from the queue, through RouterJobClosed",
    "classification.py": "priority 10, worker selectors ['skill greaterThanOrEqual 5']",
    "exception_policies.py": "with priority 10 (queued)",
    "scheduled_jobs.py": "Activated: status queued",
    "paging_and_concurrency.py": "Conditional update refused as expected: 412 PreconditionFailed",
    "async_lifecycle.py": "is closed (Done)",
    "authentication.py": "3. TokenCredential (bearer)",
    # seeded fault injection: the same 16 of the attempts are throttled on every run, and all 80 calls succeed
    "retries_and_throttling.py": "80 calls succeeded; the retry policy rode through 16 throttled responses",
    # the simulator runs the engine in-process: no Job Router, so neither HTTP nor HTTPS applies
    "simulate_staffing.py": "Erlang C: 35 agents reach 80%/20 s",
}
NO_JOB_ROUTER = {"simulate_staffing.py"}


def test_every_sample_has_an_expected_output():
    samples = {p.name for p in SAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert samples == set(EXPECTED_OUTPUT)


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.py") if not p.name.startswith("_")))
def test_sample_runs(sample, scheme):
    if sample == "events_webhook.py" and scheme == "https":
        pytest.skip("the webhook sample's self-test does not connect to a Job Router")
    if sample in NO_JOB_ROUTER and scheme == "https":
        pytest.skip("the sample connects to no Job Router: once is enough")
    if sample == "events_storage_queue.py":
        require_azurite()  # it starts Azurite itself, found where scripts/test.sh installs it
    unset = ("AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING", "AZURE_STORAGE_CONNECTION_STRING")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["JOBROUTER_EMULATOR_TLS"] = "1" if scheme == "https" else "0"
    result = subprocess.run(
        [sys.executable, str(SAMPLES / sample), *(["--self-test"] if "webhook" in sample else [])],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=SAMPLES,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert EXPECTED_OUTPUT.get(sample, "") in result.stdout
    if sample != "events_webhook.py" and sample not in NO_JOB_ROUTER:
        assert f"Using a local Job Router emulator at {scheme}://" in result.stdout


def _polling_module():
    spec = importlib.util.spec_from_file_location("samples_polling", SAMPLES / "_polling.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sample_waits_give_up_and_say_what_they_waited_for():
    polling = _polling_module()
    with pytest.raises(TimeoutError, match="after 0.05 s waiting for an offer of job j"):
        polling.wait_for("an offer of job j", lambda: [], timeout=0.05, interval=0.01)

    async def never():
        return None

    with pytest.raises(TimeoutError, match="after 0.05 s waiting for the queue"):
        asyncio.run(polling.wait_for_async("the queue", never, timeout=0.05, interval=0.01))


def test_samples_wait_only_through_the_deadline_helpers():
    for path in SAMPLES.glob("*.py"):
        if path.name == "_polling.py":
            continue
        loops = [node.lineno for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.While)]
        assert not loops, f"{path.name} lines {loops}: wait with _polling.wait_for / wait_for_async (a deadline)"
        assert "sleep(" not in path.read_text(), f"{path.name}: wait with _polling's helpers instead of sleeping"


def test_the_samples_readme_lists_every_sample_with_its_command():
    readme = (SAMPLES / "README.md").read_text()
    for path in SAMPLES.glob("*.py"):
        if not path.name.startswith("_"):
            assert f"| `{path.name}` |" in readme, path.name
            assert f"samples/{path.name}" in readme, path.name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_webhook_sample_prints_each_event_it_handles_when_serving(tmp_path):
    """The sample as a server, fed by the emulator's event delivery (handshake first, then the events)."""
    from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
    from azure.communication.jobrouter.models import LongestIdleMode
    from jobrouter_emulator import EmbeddedEmulator
    from jobrouter_emulator.delivery import EventSubscription

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-u", str(SAMPLES / "events_webhook.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=SAMPLES,
    )
    printed: List[str] = []
    reader = threading.Thread(target=lambda: printed.extend(iter(server.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: _listening(port) or server.poll() is not None, timeout=30)
        assert server.poll() is None, "the sample stopped instead of serving"
        url = f"http://127.0.0.1:{port}/api/events"
        types = "includedEventTypes=RouterJobQueued,RouterWorkerOfferIssued"
        with EmbeddedEmulator(event_subscriptions=[EventSubscription.from_cli(["demo", url, types])]) as emulator:
            admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
            client = JobRouterClient.from_connection_string(emulator.connection_string)
            admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
            admin.upsert_queue("q", distribution_policy_id="dp")
            voice_worker(client, "w", queues=["q"])
            client.upsert_job("j", channel_id="voice", queue_id="q", priority=3)
            wait_for(lambda: any(line.startswith("worker w offered job j until") for line in printed), timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=10)
        reader.join(timeout=10)
    assert "job j queued in q with priority 3\n" in printed


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
