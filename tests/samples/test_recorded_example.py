"""The README's recorded test (``samples/recorded_test_example``) in both modes, as a user runs it: replayed from
its committed cassette with the network blocked, and recorded afresh against the emulator into a temporary folder.
The replay's time is printed (``-s``), not asserted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.recording._cassettes import assert_clean

EXAMPLE = Path(__file__).resolve().parents[2] / "samples" / "recorded_test_example"
TEST_FILE = "test_recorded_example.py"


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the samples folder as committed
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST_FILE, *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=180)


def test_replays_from_the_committed_cassette_with_the_network_blocked():
    started = time.perf_counter()
    replayed = pytest_in(EXAMPLE, "--record-mode=none", "--block-network")
    print(f"replay of the sample, a whole pytest process: {time.perf_counter() - started:.2f} s")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "1 passed" in replayed.stdout


def test_records_against_the_emulator_then_replays(tmp_path):
    shutil.copy(EXAMPLE / TEST_FILE, tmp_path / TEST_FILE)
    live = pytest_in(tmp_path, "--disable-recording")  # runs against the emulator, and writes nothing
    assert live.returncode == 0 and not (tmp_path / "cassettes").exists(), live.stdout + live.stderr
    recorded = pytest_in(tmp_path, "--record-mode=once")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert assert_clean((tmp_path / "cassettes").rglob("*.yaml")) == 1
    replayed = pytest_in(tmp_path, "--record-mode=none", "--block-network")
    assert replayed.returncode == 0 and "1 passed" in replayed.stdout, replayed.stdout + replayed.stderr


def test_the_readme_shows_the_sample_as_it_is():
    readme = (EXAMPLE.parents[1] / "README.md").read_text()
    code = (EXAMPLE / TEST_FILE).read_text().split('"""', 2)[2].lstrip("\n")
    assert f"```python\n{code}```" in readme
