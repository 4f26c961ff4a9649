"""The simulator against queueing theory: the scenarios whose answers have closed forms (:mod:`.theory`), and the
comparison of a result with the formula. The tests run small versions, ``benchmarks/simulation_validation.py``
the README's table.

A comparison passes when the formula lies in the simulation's 95% interval (mean ± t·s/√n over independent
replications), or within the issue's tolerance: 1.5 percentage points of service level, 5% of ASA (at least 0.1 s:
with 100 agents at 70% load the formula's ASA is 10 µs, and the simulation's exactly 0), 1 percentage point of
abandonment share.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .theory import ErlangA, ErlangC, sample_stationary, stationary_distribution

HANDLE_SECONDS = 180.0
THRESHOLD_SECONDS = 20.0
TOLERANCE = {"serviceLevel": 0.015, "averageSpeedOfAnswerSeconds": 0.05, "abandonedShare": 0.01}
RELATIVE = {"averageSpeedOfAnswerSeconds"}
ABSOLUTE_FLOOR = {"averageSpeedOfAnswerSeconds": 0.1}


def queue_scenario(
    agents: int,
    load: float,
    *,
    jobs: int,
    warm_up_jobs: int,
    patience_seconds: Optional[float] = None,
    seed: int = 1,
    queues: int = 1,
    name: str = "mmc",
    steady_start: bool = True,
) -> Dict[str, Any]:
    """M/M/c (or M/M/c+M with ``patience_seconds``): Poisson arrivals at ``load`` × ``agents`` / handle time,
    exponential handle time of 180 s, longest-idle distribution, instant accept. With ``queues`` above 1, that many
    separate copies (``agents`` and the load each), for the pooling comparison.

    With ``steady_start`` each queue starts with a number of calls drawn (from ``seed``) from the model's stationary
    distribution, so the run is in steady state from its first second (handle times and patience are memoryless):
    an empty start would bias the waits low for hours at 95% load (the queue relaxes in about
    2λ / (cμ − λ)² seconds: two hours for 20 agents); the warm-up then only leaves those first calls out."""
    per_second = load * agents / HANDLE_SECONDS
    warm_up = max(warm_up_jobs / per_second, 1.0 if steady_start else 0.0)
    rng = random.Random(f"steady-start/{seed}")
    distribution = (
        stationary_distribution(agents, per_second, HANDLE_SECONDS, patience_seconds or math.inf)
        if steady_start
        else [1.0]
    )
    demand: List[Dict[str, Any]] = []
    workers: List[Dict[str, Any]] = []
    queue_bodies: Dict[str, Any] = {}
    for n in range(queues):
        queue = f"q{n + 1}"
        queue_bodies[queue] = {"distributionPolicyId": "longest-idle"}
        workers.append({"count": agents, "idPrefix": f"agent{n + 1}", "channels": {"voice": 1}, "queues": [queue]})
        entry: Dict[str, Any] = {
            "name": queue,
            "channel": "voice",
            "queue": queue,
            "arrivals": {"perHour": per_second * 3600},
            "handleTime": {"exponential": HANDLE_SECONDS},
            "initialJobs": sample_stationary(distribution, rng),
        }
        if patience_seconds is not None:
            entry["patience"] = {"exponential": patience_seconds}
        demand.append(entry)
    return {
        "name": name,
        "duration": warm_up + jobs / per_second,
        "warmUp": warm_up,
        "seed": seed,
        "serviceLevelSeconds": THRESHOLD_SECONDS,
        "drain": 86400 * 30,
        "policies": {
            # Offers never expire: an instant accept always comes first.
            "distributionPolicies": {
                "longest-idle": {"offerExpiresAfterSeconds": 86400, "mode": {"kind": "longestIdle"}}
            },
            "queues": queue_bodies,
        },
        "workers": workers,
        "demand": demand,
    }


@dataclass(frozen=True)
class Comparison:
    figure: str
    theory: float
    simulated: float
    interval: Optional[Sequence[float]]

    @property
    def tolerance(self) -> float:
        base = TOLERANCE[self.figure]
        tolerance = base * self.theory if self.figure in RELATIVE else base
        return max(tolerance, ABSOLUTE_FLOOR.get(self.figure, 0.0))

    @property
    def within_interval(self) -> bool:
        return self.interval is not None and self.interval[0] <= self.theory <= self.interval[1]

    @property
    def agrees(self) -> bool:
        return self.within_interval or abs(self.simulated - self.theory) <= self.tolerance

    def row(self) -> str:
        interval = f"[{self.interval[0]:.4g}, {self.interval[1]:.4g}]" if self.interval else "-"
        return f"{self.figure}: theory {self.theory:.4g}, simulated {self.simulated:.4g} {interval}"


def replicate(replications: int, agents: int, load: float, **arguments: Any) -> List[Dict[str, Any]]:
    """One result of ``queue_scenario(agents, load, **arguments)`` per seed 1 .. ``replications`` (each run starts
    from its own steady state)."""
    from .runner import run_once
    from .scenario import parse_scenario

    return [
        run_once(parse_scenario(queue_scenario(agents, load, seed=seed, **arguments)))
        for seed in range(1, replications + 1)
    ]


def erlang_c_comparisons(result: Mapping[str, Any], agents: int, load: float) -> List[Comparison]:
    """Service level at 20 s and ASA of queue ``q1`` against Erlang C."""
    formula = ErlangC(agents, load * agents / HANDLE_SECONDS, HANDLE_SECONDS)
    queue = result["queues"]["q1"]
    ci = queue.get("ci95") or {}
    return [
        Comparison(
            "serviceLevel", formula.service_level(THRESHOLD_SECONDS), queue["serviceLevel"], ci.get("serviceLevel")
        ),
        Comparison(
            "averageSpeedOfAnswerSeconds",
            formula.average_speed_of_answer,
            queue["averageSpeedOfAnswerSeconds"],
            ci.get("averageSpeedOfAnswerSeconds"),
        ),
    ]


def abandoned_share(queue: Mapping[str, Any]) -> float:
    return float(queue["abandoned"]) / float(queue["offered"])


def erlang_a_comparison(
    results: Sequence[Mapping[str, Any]], agents: int, load: float, patience_seconds: float
) -> Comparison:
    """The abandonment share of queue ``q1`` (over replications: their mean and 95% interval) against Erlang A."""
    from .results import combine

    formula = ErlangA(agents, load * agents / HANDLE_SECONDS, HANDLE_SECONDS, patience_seconds)
    shares = [{"abandonedShare": abandoned_share(r["queues"]["q1"])} for r in results]
    combined: Dict[str, Any] = combine(shares) if len(shares) > 1 else dict(shares[0])
    return Comparison(
        "abandonedShare",
        formula.abandonment_share,
        combined["abandonedShare"],
        (combined.get("ci95") or {}).get("abandonedShare"),
    )
