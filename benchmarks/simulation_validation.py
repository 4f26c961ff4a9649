"""The simulator against Erlang C and Erlang A, with longer runs than the tests: the README's validation table.

.venv/bin/python benchmarks/simulation_validation.py [--jobs 10000] [--replications 8] [--markdown]

Each row: REPLICATIONS independent runs (seeds 1, 2, ...) of JOBS calls, each started in steady state (the number
of calls at the start drawn from the model's stationary distribution); the simulated figure is their mean with its
95% interval (t over the replications), against the formula.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Dict, List

from jobrouter_emulator.simulation.results import combine
from jobrouter_emulator.simulation.validation import (
    erlang_a_comparison,
    erlang_c_comparisons,
    replicate,
)

ERLANG_C = [(c, load) for c in (5, 20, 100) for load in (0.7, 0.85, 0.95)]
ERLANG_A = [(20, 0.95, 120.0), (20, 1.1, 180.0), (100, 1.0, 60.0)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10000, help="calls per replication after the warm-up")
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows: List[Dict[str, Any]] = []
    for agents, load in ERLANG_C:
        began = time.perf_counter()
        result = combine(replicate(args.replications, agents, load, jobs=args.jobs, warm_up_jobs=0))
        for comparison in erlang_c_comparisons(result, agents, load):
            rows.append({"model": "Erlang C", "agents": agents, "load": load, "c": comparison})
        print(f"# c={agents} load={load}: {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    for agents, load, patience in ERLANG_A:
        began = time.perf_counter()
        results = replicate(args.replications, agents, load, jobs=args.jobs, warm_up_jobs=0, patience_seconds=patience)
        comparison = erlang_a_comparison(results, agents, load, patience)
        rows.append({"model": f"Erlang A (patience {patience:g} s)", "agents": agents, "load": load, "c": comparison})
        print(f"# Erlang A c={agents} load={load}: {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    print(f"{args.replications} replications x {args.jobs} calls, each started in steady state")
    print("| model | agents | load | figure | formula | simulated (95% interval) | agrees |")
    print("| --- | ---: | ---: | --- | ---: | ---: | --- |")
    for row in rows:
        c = row["c"]
        share = c.figure != "averageSpeedOfAnswerSeconds"
        fmt = (lambda v: f"{v:.2%}") if share else (lambda v: f"{v:.2f} s")
        interval = f" ({fmt(c.interval[0])} – {fmt(c.interval[1])})" if c.interval else ""
        verdict = "in interval" if c.within_interval else ("within tolerance" if c.agrees else "NO")
        print(
            f"| {row['model']} | {row['agents']} | {row['load']:g} | {c.figure} | {fmt(c.theory)} | "
            f"{fmt(c.simulated)}{interval} | {verdict} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
