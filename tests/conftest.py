"""Fixtures shared across test folders."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from ._isolated import run_isolated

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The wheel of this checkout, built once per run from a copy of the sources (the checkout gets no build/)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("azure", "jobrouter_emulator"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    built = run_isolated(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source, cwd=source)
    assert built.returncode == 0, built.stdout + built.stderr
    return next(out.glob("azure_communication_jobrouter-*.whl"))
