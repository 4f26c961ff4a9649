"""The README's Python examples run, in order, against the embedded emulator: twice (a second run against the same
state must work, not hang), and the wait for an offer gives up with a message naming what it waited for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from azure.communication.jobrouter import JobRouterClient

from .integration._polling import wait_for

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
WAIT = "deadline = time.monotonic() + 30"

# One Router event, as Event Grid would deliver it, for the events example.
EVENT = {
    "id": "1",
    "eventType": "Microsoft.Communication.RouterJobQueued",
    "subject": "job/j/channel/voice",
    "eventTime": "2024-01-01T00:00:00Z",
    "dataVersion": "1.0",
    "data": {"jobId": "readme-job", "channelId": "voice", "queueId": "q", "priority": 1},
}


def _namespace(emulator) -> dict:
    return {
        "connection_string": emulator.connection_string,
        "endpoint": emulator.endpoint,
        "access_key": emulator.access_key,
        "request_body": json.dumps([EVENT]),
    }


def _run_blocks(namespace: dict) -> int:
    ran = 0
    for block in BLOCKS:
        if "DefaultAzureCredential" in block:
            block = block.split("# Microsoft Entra ID")[0]  # needs a tenant; the rest of the block runs
        if "EmbeddedEmulator()" in block:
            continue  # starting a second emulator is shown, not needed here
        _exec(block, namespace)
        ran += 1
    return ran


def test_readme_examples_run_and_run_again(jobrouter_emulator, capsys):
    assert len(BLOCKS) >= 7
    assert _run_blocks(_namespace(jobrouter_emulator)) >= 6
    output = capsys.readouterr().out
    assert "readme-job q 1" in output and "queued: readme-job" in output
    assert _run_blocks(_namespace(jobrouter_emulator)) >= 6  # same state: new job, same worker and queue


def _block(marker: str) -> str:
    return next(block for block in BLOCKS if marker in block)


def _exec(block: str, namespace: dict) -> None:
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README is ours


def test_readme_wait_for_an_offer_gives_up_and_says_why(jobrouter_emulator):
    namespace = _namespace(jobrouter_emulator)
    route = _block(WAIT)
    for block in (_block("from_connection_string").split("# Microsoft Entra ID")[0], _block("upsert_queue("), route):
        _exec(block, namespace)  # a first run: worker-1 takes the README's job and finishes it
    # worker-1 busy with another job: the README's next job cannot be offered to it.
    client = JobRouterClient.from_connection_string(jobrouter_emulator.connection_string)
    client.upsert_job("readme-busy", channel_id="voice", queue_id="queue-1")
    offer = wait_for(lambda: [o for o in client.get_worker("worker-1").offers if o.job_id == "readme-busy"])[0]
    assignment = client.accept_job_offer("worker-1", offer.offer_id).assignment_id
    try:
        with pytest.raises(TimeoutError, match=r"Waited 30 s for an offer of job job-\w+ to worker-1"):
            _exec(route.replace(WAIT, "deadline = time.monotonic() + 0.5"), namespace)
    finally:
        client.cancel_job(namespace["job"].id)  # left queued by the run that gave up
        client.complete_job("readme-busy", assignment)
        client.close_job("readme-busy", assignment)


def test_two_commands_names_what_the_test_command_installs_beside_the_venv():
    """Every system package scripts/test.sh installs (as root) is named in the README's "Two commands" section."""
    script = (README.parent / "scripts" / "test.sh").read_text()
    installs = re.findall(r"apt-get install ([^\n>]+)", script)
    packages = {word for line in installs for word in line.split() if not word.startswith("-")}
    assert packages, "scripts/test.sh installs no system package any more: update this test and the README"
    section = README.read_text().split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert "as root" in section
    assert [name for name in sorted(packages) if f"`{name}`" not in section] == []
