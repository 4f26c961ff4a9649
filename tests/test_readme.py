"""The README's Python examples run, in order, against the embedded emulator."""

from __future__ import annotations

import json
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run(jobrouter_emulator, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 7
    # One Router event, as Event Grid would deliver it, for the events example.
    body = json.dumps(
        [
            {
                "id": "1",
                "eventType": "Microsoft.Communication.RouterJobQueued",
                "subject": "job/j/channel/voice",
                "eventTime": "2024-01-01T00:00:00Z",
                "dataVersion": "1.0",
                "data": {"jobId": "readme-job", "channelId": "voice", "queueId": "q", "priority": 1},
            }
        ]
    )
    namespace = {
        "connection_string": jobrouter_emulator.connection_string,
        "endpoint": jobrouter_emulator.endpoint,
        "access_key": jobrouter_emulator.access_key,
        "request_body": body,
    }
    ran = 0
    for block in blocks:
        if "DefaultAzureCredential" in block:
            block = block.split("# Microsoft Entra ID")[0]  # needs a tenant; the rest of the block runs
        if "EmbeddedEmulator()" in block:
            continue  # starting a second emulator is shown, not needed here
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README is ours
        ran += 1
    assert ran >= 6
    output = capsys.readouterr().out
    assert "readme-job q 1" in output and "queued: readme-job" in output
