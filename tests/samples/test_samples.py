"""Every sample runs to completion against the embedded emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EXPECTED_OUTPUT = {
    "quickstart.py": "Job closed with disposition Resolved: status closed",
}


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.py") if not p.name.startswith("_")))
def test_sample_runs(sample):
    env = {k: v for k, v in os.environ.items() if k != "AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING"}
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
