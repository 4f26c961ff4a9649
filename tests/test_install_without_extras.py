"""Installing the SDK alone never breaks a user's pytest.

The project is built as a wheel and installed without extras into a fresh virtual environment, with pytest and
nothing else: the ``pytest11`` plugin loads, a trivial test passes, a test asking for the emulator fixture errors
with the command that installs the extra, and so does the ``jobrouter-emulator`` command (one line, exit code 2).
The wheel carries ``py.typed``. About 20-30 s (a wheel build, a venv, an install from the package index or cache).
"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from ._isolated import run_isolated

REPO = Path(__file__).resolve().parents[1]
# Quoted for zsh, and with the form for a source checkout (where the emulator comes from), on one line.
INSTALL_COMMAND = (
    "pip install 'azure-communication-jobrouter[emulator]' (in a source checkout: pip install -e '.[emulator]')"
)


@pytest.fixture(scope="module")
def bare_environment(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding the wheel (without extras) and pytest; returns its bin directory."""
    venv = tmp_path_factory.mktemp("venv")
    created = run_isolated(sys.executable, "-m", "venv", venv, cwd=venv)
    assert created.returncode == 0, created.stderr
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    installed = run_isolated(
        bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel,
        f"pytest=={pytest.__version__}", f"pytest-recording=={version('pytest-recording')}",
        f"vcrpy=={version('vcrpy')}", cwd=venv,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return bin_dir


def test_the_wheel_carries_the_type_markers_and_the_dashboard(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "azure/communication/jobrouter/py.typed" in names
    assert "jobrouter_emulator/py.typed" in names
    static = REPO / "jobrouter_emulator" / "dashboard" / "static"
    assert {f"jobrouter_emulator/dashboard/static/{p.name}" for p in static.iterdir()} <= set(names)


def test_pytest_runs_and_the_fixture_names_the_extra(bare_environment, tmp_path):
    absent = run_isolated(bare_environment / "python", "-c", "import starlette", cwd=tmp_path)
    assert absent.returncode != 0, "the bare environment must not hold the emulator's dependencies"
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    (tmp_path / "test_wants_emulator.py").write_text("def test_wants_emulator(jobrouter_emulator):\n    pass\n")
    plain = run_isolated(
        bare_environment / "python", "-m", "pytest", "-p", "no:cacheprovider", "test_plain.py", cwd=tmp_path
    )
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "1 passed" in plain.stdout
    both = run_isolated(bare_environment / "python", "-m", "pytest", "-p", "no:cacheprovider", "-rE", cwd=tmp_path)
    assert "1 passed, 1 error" in both.stdout, both.stdout + both.stderr
    assert INSTALL_COMMAND in both.stdout
    assert "Traceback" not in both.stdout + both.stderr
    # Once in the test's error section (and once, cut short, in the summary line): no chained second copy.
    error_section = both.stdout.split("short test summary info")[0]
    assert error_section.count("The Job Router emulator needs") == 1, both.stdout
    assert "During handling of the above exception" not in both.stdout


def test_the_command_says_what_to_install(bare_environment, tmp_path):
    for command in (
        [bare_environment / "jobrouter-emulator"],
        [bare_environment / "python", "-m", "jobrouter_emulator"],
    ):
        result = run_isolated(*command, "--in-memory", "--port", "0", cwd=tmp_path, timeout=60)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert INSTALL_COMMAND in result.stderr and "Traceback" not in result.stderr
    helped = run_isolated(bare_environment / "jobrouter-emulator", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "--in-memory" in helped.stdout
    versioned = run_isolated(bare_environment / "jobrouter-emulator", "--version", cwd=tmp_path)
    assert versioned.returncode == 0 and versioned.stdout.startswith("jobrouter-emulator 1."), versioned.stderr


def test_the_sdk_imports_and_the_emulator_import_says_what_to_install(bare_environment, tmp_path):
    sdk = run_isolated(
        bare_environment / "python",
        "-c",
        "import azure.communication.jobrouter.aio, azure.communication.jobrouter.events, jobrouter_emulator",
        cwd=tmp_path,
    )
    assert sdk.returncode == 0, sdk.stderr
    emulator = run_isolated(
        bare_environment / "python", "-c", "from jobrouter_emulator import EmbeddedEmulator", cwd=tmp_path
    )
    assert "ImportError" in emulator.stderr or "MissingEmulatorDependencies" in emulator.stderr
    assert INSTALL_COMMAND in emulator.stderr


def test_a_recorded_test_replays_without_the_emulator_extra(bare_environment, tmp_path):
    example = REPO / "samples" / "recorded_test_example"
    shutil.copy(example / "test_recorded_example.py", tmp_path)
    shutil.copytree(example / "cassettes", tmp_path / "cassettes")
    replayed = run_isolated(
        bare_environment / "python", "-m", "pytest", "-p", "no:cacheprovider", "--record-mode=none", "--block-network",
        "test_recorded_example.py", cwd=tmp_path,
    )  # fmt: skip
    assert replayed.returncode == 0 and "1 passed" in replayed.stdout, replayed.stdout + replayed.stderr


def test_the_plugin_loads_without_importing_the_emulator():
    """Here the extra is installed: loading the plugin still imports neither the server nor its dependencies."""
    heavy = ("starlette", "uvicorn", "httpx", "httptools", "cryptography", "jobrouter_emulator.embedded")
    probe = f"import sys, jobrouter_emulator.pytest_plugin; print([m for m in sys.modules if m.startswith({heavy!r})])"
    loaded = run_isolated(sys.executable, "-c", probe, cwd=REPO)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr
