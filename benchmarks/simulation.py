"""Simulator speed: a 24-hour day, 200 workers, about 30,000 jobs (issue 28's target: under 60 s, under 1 GiB).

.venv/bin/python benchmarks/simulation.py [--profile N]

Two queues (sales, support) with a day-shaped forecast per 15 minutes, three worker groups (one multi-skilled) in
two shifts, exponential handle times, patience, wrap-up, 5% declines, and a wait-time exception rule that moves
slow sales calls to support. Prints wall time, simulated jobs per second and the process's peak resident memory;
with --profile, the N functions with the most own time (cProfile) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import resource
import sys
import time
from typing import Any, Dict, List

from jobrouter_emulator.simulation import run

JOBS_PER_DAY = 30000


def day_curve(total: float, share: float) -> List[float]:
    """Arrivals per 15 minutes over 24 hours: quiet at night, peaks late morning and mid-afternoon."""
    weights = []
    for slot in range(96):
        hour = slot / 4
        weights.append(0.15 + math.exp(-((hour - 11) ** 2) / 6) + 0.8 * math.exp(-((hour - 15.5) ** 2) / 5))
    scale = total * share / sum(weights)
    return [round(w * scale, 2) for w in weights]


def scenario() -> Dict[str, Any]:
    common: Dict[str, Any] = {"acceptAfter": {"uniform": [1, 4]}, "declineShare": 0.05, "wrapUp": {"exponential": 20}}
    return {
        "name": "day-200",
        "duration": "24h",
        "seed": 1,
        "policies": {
            "distributionPolicies": {"dp": {"offerExpiresAfterSeconds": 30, "mode": {"kind": "longestIdle"}}},
            "exceptionPolicies": {
                "overflow": {
                    "exceptionRules": [
                        {
                            "id": "slow",
                            "trigger": {"kind": "waitTime", "thresholdSeconds": 60},
                            "actions": [{"kind": "manualReclassify", "queueId": "support"}],
                        }
                    ]
                }
            },
            "queues": {
                "sales": {"distributionPolicyId": "dp", "exceptionPolicyId": "overflow"},
                "support": {"distributionPolicyId": "dp"},
            },
        },
        "workers": [
            {
                "count": 80,
                "idPrefix": "sales-early",
                "channels": {"voice": 1},
                "queues": ["sales"],
                "shift": {"start": "0h", "end": "13h"},
                **common,
            },
            {
                "count": 80,
                "idPrefix": "support-late",
                "channels": {"voice": 1},
                "queues": ["support"],
                "shift": {"start": "9h", "end": "24h"},
                **common,
            },
            {
                "count": 40,
                "idPrefix": "both",
                "capacity": 2,
                "channels": {"voice": 2, "chat": 1},
                "queues": ["sales", "support"],
                **common,
            },
        ],  # fmt: skip
        "demand": [
            {
                "name": "sales-calls",
                "channel": "voice",
                "queue": "sales",
                "arrivals": {"perInterval": day_curve(JOBS_PER_DAY, 0.5)},
                "handleTime": {"exponential": 240},
                "patience": {"exponential": 180},
            },
            {
                "name": "support-chats",
                "channel": "chat",
                "queue": "support",
                "arrivals": {"perInterval": day_curve(JOBS_PER_DAY, 0.5)},
                "handleTime": {"lognormal": {"mean": 300, "sd": 150}},
                "patience": {"exponential": 300},
            },
        ],  # fmt: skip
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", type=int, default=0, help="print the N functions with the most own time")
    parser.add_argument(
        "--store",
        choices=("discarding", "memory"),
        default="discarding",
        help="memory: the emulator's MemoryStore instead of the simulator's own (to measure what it saves)",
    )
    args = parser.parse_args()
    if args.store == "memory":
        from jobrouter_emulator.simulation import driver
        from jobrouter_emulator.store.memory import MemoryStore

        driver.DiscardingStore = MemoryStore  # type: ignore[misc, assignment]
    began = time.perf_counter()
    cpu_began = time.process_time()
    if args.profile:
        profiler = cProfile.Profile()
        result = profiler.runcall(run, scenario())
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    else:
        result = run(scenario())
    wall = time.perf_counter() - began
    cpu = time.process_time() - cpu_began  # on a shared machine the fairer figure: wall time includes waiting
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    total = result["total"]
    hours = result["simulatedSeconds"] / 3600
    print(f"jobs {result['jobs']}, simulated {hours:.2f} h, wall {wall:.1f} s, CPU {cpu:.1f} s")
    print(f"simulated jobs per second: {result['jobs'] / wall:,.0f} (wall), {result['jobs'] / cpu:,.0f} (CPU)")
    print(f"peak resident memory: {peak_mib:,.0f} MiB")
    print(f"service level {total['serviceLevel']:.1%}, abandoned {total['abandoned']}, offered {total['offered']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
