"""The package as type checkers see it once installed: user_code.py is checked by mypy (and pyright, when it can be
fetched) against a normal, non-editable install of the wheel built from this checkout.

Every ``reveal_type`` must show the concrete type its ``# reveals:`` comment names (never ``Any``), every line
marked ``# mistake`` must be reported, and no other line may be. Cost: about 30 s (wheel, venv, both checkers).
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


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel of this checkout installed (not editable): its python."""
    where = tmp_path_factory.mktemp("typing")
    venv.create(where / "venv", with_pip=True)
    python = where / "venv" / "bin" / "python"
    install = run_isolated(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, cwd=where)
    assert install.returncode == 0, install.stdout + install.stderr
    shutil.copy(USER_CODE, where / "user_code.py")
    return python


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
