"""The committed sample report (samples/reports/) is what the sample scenarios produce today: the test regenerates it
and compares its figures (not its bytes: wall time differs on every run). Regenerate it after a change that moves
the figures:

    .venv/bin/python -m jobrouter_emulator simulate samples/scenarios/sales_day.yaml \\
        samples/scenarios/sales_day_36_agents.yaml --report samples/reports/sales_day_compare.html \\
        --json samples/reports/sales_day_compare.json
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

from jobrouter_emulator.cli import main

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
VARIES = {"wallSeconds"}  # the only figure that is not the same on every run


def _figures(node: Any, path: str = "") -> Dict[str, Any]:
    if isinstance(node, dict):
        flat: Dict[str, Any] = {}
        for key, value in node.items():
            if key not in VARIES:
                flat.update(_figures(value, f"{path}/{key}"))
        return flat
    if isinstance(node, list):
        flat = {}
        for index, value in enumerate(node):
            flat.update(_figures(value, f"{path}[{index}]"))
        return flat
    return {path: node}


def _page_values(page: str) -> List[tuple]:
    cells = re.findall(r'data-figure="([^"]+)" data-scenario="([^"]+)" data-value="([^"]*)"', page)
    points = re.findall(r'data-series="([^"]+)" data-scenario="([^"]+)" data-index="(\d+)" data-value="([^"]*)"', page)
    return [c for c in cells if not c[0].endswith("wallSeconds")] + points


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("regenerated")
    scenarios = SAMPLES / "scenarios"
    code = main(
        ["simulate", str(scenarios / "sales_day.yaml"), str(scenarios / "sales_day_36_agents.yaml"),
         "--report", str(folder / "report.html"), "--json", str(folder / "result.json")]
    )  # fmt: skip
    assert code == 0
    return folder


def test_the_committed_result_has_todays_figures(regenerated: Path) -> None:
    committed = _figures(json.loads((SAMPLES / "reports" / "sales_day_compare.json").read_text()))
    fresh = _figures(json.loads((regenerated / "result.json").read_text()))
    assert committed == fresh, "regenerate samples/reports (see this test's docstring)"
    assert fresh["/compare[0]/queues/sales/offered"] > 4000  # 8 hours at 600 an hour


def test_the_committed_report_shows_todays_figures(regenerated: Path) -> None:
    committed = _page_values((SAMPLES / "reports" / "sales_day_compare.html").read_text())
    fresh = _page_values((regenerated / "report.html").read_text())
    assert len(committed) > 100
    assert committed == fresh, "regenerate samples/reports (see this test's docstring)"
    result = json.loads((SAMPLES / "reports" / "sales_day_compare.json").read_text())["compare"]
    shown = {(c[0], c[1]): float(c[2]) for c in committed if len(c) == 3 and c[2]}
    assert shown[("queues/sales/serviceLevel", "a")] == result[0]["queues"]["sales"]["serviceLevel"]
    assert shown[("queues/sales/serviceLevel", "b")] == result[1]["queues"]["sales"]["serviceLevel"]
