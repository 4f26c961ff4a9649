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


@pytest.fixture
def make_router():
    """Builds engine routers (``jobrouter_emulator.engine.router.Router``) the way engine tests want them, and closes
    each one after the test.

    Defaults: an in-memory store, a ``FakeClock`` (time moves only when the test moves it), seed 1 and no processing
    delay (routing runs at the next ``run_pending``). Keywords differ from them: ``store=``, ``clock=`` (``None`` for
    the system clock), ``seed=``, ``processing_delay=``, ``outbound=``.
    """
    from jobrouter_emulator.engine.clock import FakeClock
    from jobrouter_emulator.engine.router import Router
    from jobrouter_emulator.store.memory import MemoryStore

    routers = []
    default_clock = object()

    def make(*, store=None, clock=default_clock, seed=1, processing_delay=0.0, **options):
        router = Router(
            store if store is not None else MemoryStore(),
            FakeClock() if clock is default_clock else clock,
            seed=seed,
            processing_delay=processing_delay,
            **options,
        )
        routers.append(router)
        return router

    yield make
    for router in routers:
        router.close()
