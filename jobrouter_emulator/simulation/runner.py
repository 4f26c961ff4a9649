"""``run(scenario)``: one scenario, once or over replications, fed through the statistics module."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

from ..statistics import Statistics
from .driver import Progress, Simulation
from .errors import ScenarioError
from .results import build_result, combine, write_csv, write_json
from .scenario import Scenario, load_scenario


class Result(Dict[str, Any]):
    """A run's result JSON (a dict: ``queues``, ``total``, ``workers``, ``groups``, ``intervals``, ``waits``,
    ``simulatedSeconds``, ``jobs``, ``wallSeconds``; after replications a ``ci95`` beside each object's figures)."""

    def write_json(self, path: Union[str, Path]) -> None:
        write_json(self, path)

    def write_csv(self, folder: Union[str, Path]) -> None:
        write_csv(self, folder)


def run_once(scenario: Scenario, *, progress: Optional[Progress] = None) -> Dict[str, Any]:
    """One run of ``scenario`` with its own seed."""
    statistics = Statistics(
        interval_seconds=scenario.interval_seconds, service_level_seconds=scenario.service_level_seconds
    )
    outcome = Simulation(scenario, statistics.feed, progress=progress).run()
    return build_result(scenario, statistics, outcome)


def run(
    scenario: Union[Scenario, str, Path, Mapping[str, Any]],
    *,
    seed: Optional[int] = None,
    replications: int = 1,
    progress: Optional[Progress] = None,
) -> Result:
    """Run ``scenario`` (a :class:`Scenario`, a file, or a mapping shaped like one). With ``replications`` above 1
    the runs use seeds ``seed``, ``seed + 1``, ... and the result holds each figure's mean and 95% interval."""
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ScenarioError("replications", f"expected a whole number of at least 1, got {replications!r}")
    first = loaded.seed if seed is None else seed
    if replications == 1:
        return Result(run_once(loaded.with_seed(first), progress=progress))
    results = [run_once(loaded.with_seed(first + n), progress=progress) for n in range(replications)]
    return Result(combine(results))
