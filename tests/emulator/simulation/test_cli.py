"""``jobrouter-emulator simulate``: files in, result JSON, CSV and report out; errors say what to fix."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from jobrouter_emulator.cli import main
from jobrouter_emulator.simulation.progress import TerminalProgress

from ._scenarios import basic


def test_simulate_writes_json_csv_and_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "day.yaml").write_text(yaml.safe_dump(basic(duration="1h")))
    code = main(
        ["simulate", str(tmp_path / "day.yaml"), "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "csv"),
         "--report", str(tmp_path / "r.html"), "--seed", "3"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["seed"] == 3 and result["scenario"] == "basic"
    assert {"simulatedSeconds", "jobs", "wallSeconds", "queues", "workers", "groups", "intervals"} <= set(result)
    sales = result["queues"]["sales"]
    assert f"sales: offered {sales['offered']}" in out
    with (tmp_path / "csv" / "queues.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["queue"] == "sales" and int(rows[0]["offered"]) == sales["offered"]
    assert float(rows[0]["serviceLevel"]) == sales["serviceLevel"]
    with (tmp_path / "csv" / "intervals.csv").open() as handle:
        intervals = list(csv.DictReader(handle))
    assert sum(int(r["offered"]) for r in intervals) == sales["offered"]
    assert {p.name for p in (tmp_path / "csv").iterdir()} == {
        "queues.csv",
        "groups.csv",
        "workers.csv",
        "intervals.csv",
    }
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert "\r" not in err  # no progress bar when stderr is not a terminal


def test_replications_on_the_command_line_give_intervals(tmp_path: Path) -> None:
    (tmp_path / "day.json").write_text(json.dumps(basic(duration="30m")))
    assert main(["simulate", str(tmp_path / "day.json"), "--replications", "3", "--json", str(tmp_path / "r.json"),
                 "--csv", str(tmp_path / "csv")]) == 0  # fmt: skip
    result = json.loads((tmp_path / "r.json").read_text())
    low, high = result["queues"]["sales"]["ci95"]["offered"]
    assert low <= result["queues"]["sales"]["offered"] <= high and result["replications"] == 3
    with (tmp_path / "csv" / "queues.csv").open() as handle:
        row = next(csv.DictReader(handle))
    assert float(row["offered.low"]) == low and float(row["offered.high"]) == high


def test_a_bad_scenario_exits_2_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    scenario = basic()
    scenario["workers"][0]["count"] = "many"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(scenario))
    assert main(["simulate", str(tmp_path / "bad.yaml")]) == 2
    assert "error: workers[0].count: expected a whole number" in capsys.readouterr().err
    assert main(["simulate", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read scenario" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_on_a_terminal_only() -> None:
    assert TerminalProgress.for_stream(io.StringIO(), "day.yaml") is None
    terminal = _Terminal()
    bar = TerminalProgress.for_stream(terminal, "day.yaml")
    assert bar is not None
    bar(3600 * 4, 3600 * 8, 1234)
    bar.finish()
    assert terminal.getvalue() == "\rday.yaml [###############...............] 4h/8h 1234 jobs \n"


def test_the_readme_example_is_the_sample_scenario() -> None:
    root = Path(__file__).resolve().parents[3]
    readme = (root / "README.md").read_text()
    section = readme[readme.index("This is `samples/scenarios/sales_day.yaml`") :]
    block = section[section.index("```yaml\n") + 8 : section.index("```", section.index("```yaml\n") + 8)]
    assert block == (root / "samples" / "scenarios" / "sales_day.yaml").read_text()


def test_outputs_that_cannot_be_written_are_refused_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture):
    (tmp_path / "day.yaml").write_text(yaml.safe_dump(basic(duration="1h")))
    (tmp_path / "taken.json").write_text("{}")
    day = str(tmp_path / "day.yaml")
    cases = [
        (["--report", str(tmp_path / "missing" / "r.html")], "--report", "does not exist"),
        (["--json", str(tmp_path)], "--json", "is a directory"),
        (["--csv", str(tmp_path / "taken.json")], "--csv", "is a file"),
    ]
    for options, option, problem in cases:
        assert main(["simulate", day, *options]) == 2
        out, err = capsys.readouterr()
        assert f"error: {option}" in err and problem in err
        assert "offered" not in out  # refused before simulating anything: no summary was printed
