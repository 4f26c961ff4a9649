"""The scenario file: its checks name the field at fault; durations, distributions and arrivals mean what they say."""

from __future__ import annotations

import random
import statistics
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from jobrouter_emulator.simulation import ScenarioError, load_scenario, parse_scenario
from jobrouter_emulator.simulation.arrivals import parse_arrivals
from jobrouter_emulator.simulation.distributions import parse_distribution
from jobrouter_emulator.simulation.durations import format_duration, parse_duration

from ._scenarios import basic


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("8h", 28800), ("30m", 1800), ("90s", 90), ("1h30m", 5400), ("00:15:00", 900), ("12:30", 45000), (45, 45),
     ("2.5", 2.5), ("1d", 86400)],
)  # fmt: skip
def test_durations(text: Any, seconds: float) -> None:
    assert parse_duration(text, "x") == seconds


@pytest.mark.parametrize("text", ["8 hours", "", "-5", True, None, "1h-5m", [1]])
def test_a_bad_duration_names_its_field(text: Any) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_duration(text, "workers[0].shift.end")
    assert caught.value.field == "workers[0].shift.end"
    assert str(caught.value).startswith("workers[0].shift.end: ")


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 45, 5400, 28800, 3661)] == ["0s", "45s", "1h30m", "8h", "1h1m1s"]


@pytest.mark.parametrize(
    ("spec", "mean"),
    [({"fixed": 7}, 7), ({"exponential": 180}, 180), ({"lognormal": {"mean": 240, "sd": 120}}, 240),
     ({"uniform": [10, 30]}, 20), (12, 12)],
)  # fmt: skip
def test_distributions_draw_around_their_mean(spec: Any, mean: float) -> None:
    distribution = parse_distribution(spec, "handleTime")
    rng = random.Random(3)
    draws = [distribution.sample(rng) for _ in range(20000)]
    assert distribution.mean == mean
    assert statistics.mean(draws) == pytest.approx(mean, rel=0.03)
    assert min(draws) >= 0


def test_the_lognormal_has_the_asked_spread() -> None:
    rng = random.Random(5)
    distribution = parse_distribution({"lognormal": {"mean": 240, "sd": 120}}, "h")
    assert statistics.stdev(distribution.sample(rng) for _ in range(40000)) == pytest.approx(120, rel=0.05)


def test_the_same_seed_draws_the_same_values() -> None:
    distribution = parse_distribution({"exponential": 60}, "h")
    first = [distribution.sample(random.Random(11)) for _ in range(3)]
    again = [distribution.sample(random.Random(11)) for _ in range(3)]
    assert first == again


def test_poisson_arrivals_come_at_their_rate() -> None:
    arrivals = parse_arrivals({"perHour": 600}, "a", None)
    times = list(arrivals.generate(random.Random(1), 36000))
    assert times == sorted(times) and all(0 <= t < 36000 for t in times)
    assert len(times) == pytest.approx(6000, rel=0.04)  # sd of a Poisson count of 6000 is 77: 4% is 3 sd


def test_arrivals_per_interval_follow_the_forecast() -> None:
    arrivals = parse_arrivals({"perInterval": [0, 400, 0, 100]}, "a", None)
    times = list(arrivals.generate(random.Random(2), 3600))
    per_interval = [sum(1 for t in times if k * 900 <= t < (k + 1) * 900) for k in range(4)]
    assert per_interval[0] == 0 and per_interval[2] == 0
    assert per_interval[1] == pytest.approx(400, abs=60) and per_interval[3] == pytest.approx(100, abs=30)
    assert arrivals.expected(3600) == 500 and arrivals.expected(1350) == 200


def test_arrivals_from_a_csv_file(tmp_path: Path) -> None:
    (tmp_path / "calls.csv").write_text("time,caller\n00:00:05,a\n90,b\n1m,c\n08:00:00,d\n")
    arrivals = parse_arrivals({"csv": "calls.csv"}, "demand[0].arrivals", tmp_path)
    assert list(arrivals.generate(random.Random(0), 3600)) == [5, 60, 90]


def test_a_missing_csv_file_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"^demand\[0\]\.arrivals\.csv: cannot read"):
        parse_arrivals({"csv": "nope.csv"}, "demand[0].arrivals", tmp_path)


def _change(path: str, value: Any) -> Callable[[Dict[str, Any]], None]:
    def apply(scenario: Dict[str, Any]) -> None:
        node: Any = scenario
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last = keys[-1]
        if value is _DELETE:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return apply


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("duration", _DELETE, "duration"),
        ("duration", "forever", "duration"),
        ("seed", "seven", "seed"),
        ("colour", "blue", "colour"),
        ("workers.0.count", -1, "workers[0].count"),
        ("workers.0.capacity", 0, "workers[0].capacity"),
        ("workers.0.channels", {"voice": 5}, "workers[0].channels.voice"),
        ("workers.0.queues", ["support"], "workers[0].queues[0]"),
        ("workers.0.declineShare", 1.5, "workers[0].declineShare"),
        ("workers.0.declineShare", 1.0, "workers[0].declineShare"),  # declines everything: the run never ends
        ("workers.0.acceptAfter", {"gamma": 3}, "workers[0].acceptAfter"),
        ("workers.0.shift", {"start": "2h", "end": "1h"}, "workers[0].shift.end"),
        ("workers.0.skills", ["x"], "workers[0].skills"),
        ("demand.0.queue", "support", "demand[0].queue"),
        ("demand.0.arrivals", {"perHour": -3}, "demand[0].arrivals.perHour"),
        ("demand.0.arrivals", {"perDay": 3}, "demand[0].arrivals"),
        ("demand.0.handleTime", {"lognormal": {"mean": 0, "sd": 1}}, "demand[0].handleTime.lognormal.mean"),
        ("demand.0.handleTime", _DELETE, "demand[0].handleTime"),
        ("demand.0.patience", {"uniform": [5]}, "demand[0].patience.uniform"),
        ("demand.0.priority", "high", "demand[0].priority"),
        ("policies.queues", [], "policies.queues"),
        ("policies.jobs", {}, "policies.jobs"),
        ("warmUp", "3h", "warmUp"),
    ],
)
def test_a_bad_scenario_names_the_field_at_fault(path: str, value: Any, field: str) -> None:
    scenario = basic()
    _change(path, value)(scenario)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario)
    assert caught.value.field == field, str(caught.value)
    assert str(caught.value).startswith(f"{field}: ")


def test_a_demand_needs_a_queue_or_a_classification_policy() -> None:
    scenario = basic()
    scenario["demand"][0]["classificationPolicy"] = "cp"
    with pytest.raises(ScenarioError, match=r"^demand\[0\]: give exactly one of queue or classificationPolicy"):
        parse_scenario(scenario)


def test_yaml_and_json_files_load_alike(tmp_path: Path) -> None:
    import json

    import yaml

    (tmp_path / "a.yaml").write_text(yaml.safe_dump(basic()))
    (tmp_path / "b.json").write_text(json.dumps(basic()))
    a, b = load_scenario(tmp_path / "a.yaml"), load_scenario(tmp_path / "b.json")
    assert a == b
    assert a.duration == 7200 and a.workers[0].worker_ids()[:2] == ["agent-1", "agent-2"]


def test_a_file_that_is_not_yaml_says_so(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("duration: [8h\n")
    with pytest.raises(ScenarioError, match="is not valid YAML"):
        load_scenario(tmp_path / "bad.yaml")
