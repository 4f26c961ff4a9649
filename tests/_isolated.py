"""Running a command outside this test run: nothing from it (PYTHONPATH to this checkout, pytest options, the
active virtual environment) leaks into the child."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def run_isolated(*command: object, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
