"""The package as type checkers see it once installed: user_code.py is checked by mypy --strict and pyright (when it
can be fetched) twice, against a normal install of the wheel built from this checkout and against the README's
editable install of the checkout itself (``pip install -e '.[emulator,events]'``, a .pth path entry).

Every ``reveal_type`` must show the concrete type its ``# reveals:`` comment names (never ``Any``), every line
marked ``# mistake`` must be reported, and no other line may be. Cost: about 60 s (a wheel, two venvs, both checkers
twice).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from .._isolated import run_isolated

USER_CODE = Path(__file__).with_name("user_code.py")


def _expectations() -> Tuple[Dict[int, str], List[int]]:
    """({line: revealed type}, [lines with a mistake]) from the comments of user_code.py."""
    reveals, mistakes = {}, []
    for number, line in enumerate(USER_CODE.read_text().splitlines(), start=1):
        found = re.search(r"reveal_type\(.*# reveals: (.+)$", line)
        if found:
            reveals[number] = found.group(1).strip()
        if line.rstrip().endswith("# mistake"):
            mistakes.append(number)
    return reveals, mistakes


def _normalized(type_text: str) -> str:
    """A revealed type without module paths or typing aliases: both checkers' spellings compare equal."""
    text = re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", type_text)
    text = re.sub(r"\bList\[", "list[", re.sub(r"\bDict\[", "dict[", re.sub(r"\bType\[", "type[", text)))
    return text.replace("Optional[", "").replace(" ", "")


REPO = Path(__file__).resolve().parents[2]
# The README's command for a source checkout (its "Install" section), run in the checkout.
EDITABLE_INSTALL = ("pip", "install", "-e", ".[emulator,events]")


@pytest.fixture(scope="module", params=["wheel", "editable"])
def installed(request, tmp_path_factory) -> Path:
    """A fresh virtual environment holding this checkout, as a wheel or as the README's editable install: its
    python (user_code.py is copied beside the venv, never run)."""
    where = tmp_path_factory.mktemp(f"typing-{request.param}")
    venv.create(where / "venv", with_pip=True)
    python = where / "venv" / "bin" / "python"
    readme_command = f"{' '.join(EDITABLE_INSTALL[:3])} '{EDITABLE_INSTALL[3]}'"
    assert readme_command in (REPO / "README.md").read_text(), f"the README no longer says {readme_command}"
    if request.param == "wheel":
        source, cwd = [str(request.getfixturevalue("wheel"))], where
    else:
        source, cwd = list(EDITABLE_INSTALL[2:]), REPO
    install = run_isolated(python, "-m", *EDITABLE_INSTALL[:2], "-q", "--disable-pip-version-check", *source, cwd=cwd)
    assert install.returncode == 0, install.stdout + install.stderr
    shutil.copy(USER_CODE, where / "user_code.py")
    return python


def test_the_editable_install_exposes_only_the_two_packages(installed, tmp_path):
    """Its path entry makes the SDK and the emulator importable from the checkout, and none of the checkout's other
    folders (tests, samples, benchmarks, ...): they are not packages a user's ``import tests`` should find."""
    others = sorted(
        path.name for path in REPO.iterdir()
        if path.is_dir() and path.name.isidentifier() and path.name not in ("azure", "jobrouter_emulator")
    )  # fmt: skip
    assert {"tests", "samples", "benchmarks", "swagger"} <= set(others)
    probe = (
        "import importlib.util, json, sys; import azure.communication.jobrouter as sdk, jobrouter_emulator as emu; "
        "print(json.dumps([sdk.__file__, emu.__file__, [n for n in sys.argv[1:] if importlib.util.find_spec(n)]]))"
    )
    result = run_isolated(installed, "-c", probe, *others, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sdk_file, emulator_file, importable = json.loads(result.stdout)
    assert importable == []
    if "typing-editable" in str(installed):  # the editable install reads the checkout's files, not copies
        assert Path(sdk_file).resolve() == REPO / "azure" / "communication" / "jobrouter" / "__init__.py"
        assert Path(emulator_file).resolve() == REPO / "jobrouter_emulator" / "__init__.py"


def _check(diagnostics: List[Tuple[int, str, str]]) -> None:
    """Compare (line, kind, text) diagnostics, kind "reveal" or "error", with the expectations."""
    reveals, mistakes = _expectations()
    revealed = {line: text for line, kind, text in diagnostics if kind == "reveal"}
    errors = sorted({line for line, kind, _ in diagnostics if kind == "error"})
    problems = []
    for line, expected in reveals.items():
        shown = revealed.get(line)
        accepted = {_normalized(spelling) for spelling in expected.split("  or  ")}
        if shown is None or _normalized(shown) not in accepted or "Any" in shown:
            problems.append(f"line {line}: revealed {shown!r}, expected {expected!r}")
    for line in sorted(set(mistakes) - set(errors)):
        problems.append(f"line {line}: the mistake was not reported")
    for line in sorted(set(errors) - set(mistakes)):
        texts = [text for number, kind, text in diagnostics if number == line and kind == "error"]
        problems.append(f"line {line}: unexpected error {texts}")
    assert problems == [], "\n".join(problems)


def test_mypy_sees_concrete_types_and_reports_every_mistake(installed):
    where = installed.parents[2]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-executable",
            str(installed),
            "--config-file",
            os.devnull,
            "--no-error-summary",
            "--hide-error-context",
            "--no-pretty",
            "user_code.py",
        ],
        cwd=where,
        capture_output=True,
        text=True,
    )
    diagnostics = []
    for line in result.stdout.splitlines():
        found = re.match(r"user_code\.py:(\d+): (error|note): (.*)$", line)
        if not found:
            continue
        number, level, text = int(found.group(1)), found.group(2), found.group(3)
        reveal = re.match(r'Revealed type is "(.*)"$', text)
        if reveal:
            diagnostics.append((number, "reveal", reveal.group(1)))
        elif level == "error":
            diagnostics.append((number, "error", text))
    assert diagnostics, result.stdout + result.stderr
    _check(diagnostics)


def test_pyright_sees_concrete_types_and_reports_every_mistake(installed):
    pyright = shutil.which("pyright", path=str(Path(sys.executable).parent))
    if pyright is None:
        pytest.skip("pyright is not installed (pip install pyright)")
    where = installed.parents[2]
    result = subprocess.run(
        [pyright, "--outputjson", "--pythonpath", str(installed), "user_code.py"],
        cwd=where,
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        # The PyPI wrapper fetches pyright itself from the npm registry on first use.
        pytest.skip(f"pyright could not run (is the npm registry reachable?): {result.stderr[-300:]}")
    diagnostics = []
    for item in report["generalDiagnostics"]:
        number = item["range"]["start"]["line"] + 1
        reveal = re.match(r'Type of ".*" is "(.*)"$', item["message"], re.S)
        if item["severity"] == "information" and reveal:
            diagnostics.append((number, "reveal", reveal.group(1)))
        elif item["severity"] == "error":
            diagnostics.append((number, "error", item["message"]))
    _check(diagnostics)
