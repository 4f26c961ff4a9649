"""``pytest --fixtures`` documents every fixture of the emulator's plugin (it said "no docstring available")."""

from __future__ import annotations

import sys

from ._isolated import run_isolated

PUBLIC_FIXTURES = ("jobrouter_emulator", "clean_jobrouter_emulator", "virtual_clock_jobrouter_emulator")


def test_pytest_fixtures_documents_every_fixture_of_the_plugin(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    listed = run_isolated(sys.executable, "-m", "pytest", "--fixtures", "-v", "-p", "no:cacheprovider", cwd=tmp_path)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    section = listed.stdout.split("fixtures defined from jobrouter_emulator.pytest_plugin", 1)[1].split(" fixtures ")[0]
    entries = {}
    for block in section.strip("- \n").split("\n\n"):
        name, _, doc = block.strip().partition("\n")
        entries[name.split()[0]] = doc.strip()
    assert set(PUBLIC_FIXTURES) <= set(entries), section
    undocumented = [name for name, doc in entries.items() if not doc or "no docstring available" in doc]
    assert undocumented == [], section
