"""How many agents answer 80% of calls within 20 s at 600 calls an hour? Erlang C gives a first answer for an ideal
queue; the routing simulator checks it on the emulator's engine, with the time agents take to accept an offer and
callers who hang up.

It needs no Job Router: the simulator runs the engine in-process on a virtual clock.

    .venv/bin/python samples/simulate_staffing.py [--calls-per-hour 600] [--hours 3] [--replications 3]

The simulated service level is higher than Erlang C's: callers who hang up (patience 5 minutes on average) shorten
the queue for the others, which Erlang C (nobody hangs up) leaves out.
"""

from __future__ import annotations

import argparse
from typing import Any, Dict

from jobrouter_emulator.simulation import run
from jobrouter_emulator.simulation.theory import ErlangC, agents_for_service_level

HANDLE_SECONDS = 180
TARGET, THRESHOLD = 0.8, 20


def scenario(agents: int, calls_per_hour: float, hours: float) -> Dict[str, Any]:
    return {
        "name": f"{agents} agents",
        "duration": hours * 3600,
        "warmUp": "15m",  # the queue starts empty: leave its first quarter hour out
        "serviceLevelSeconds": THRESHOLD,
        "policies": {
            "distributionPolicies": {"dp": {"offerExpiresAfterSeconds": 30, "mode": {"kind": "longestIdle"}}},
            "queues": {"sales": {"distributionPolicyId": "dp"}},
        },
        "workers": [
            {
                "count": agents,
                "idPrefix": "agent",
                "channels": {"voice": 1},
                "queues": ["sales"],
                "acceptAfter": {"uniform": [1, 3]},
            },
        ],  # fmt: skip
        "demand": [
            {
                "channel": "voice",
                "queue": "sales",
                "arrivals": {"perHour": calls_per_hour},
                "handleTime": {"exponential": HANDLE_SECONDS},
                "patience": {"exponential": 300},
            },
        ],  # fmt: skip
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls-per-hour", type=float, default=600)
    parser.add_argument("--hours", type=float, default=3)
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args()

    rate = args.calls_per_hour / 3600
    erlang = agents_for_service_level(rate, HANDLE_SECONDS, TARGET, THRESHOLD)
    print(f"{args.calls_per_hour:g} calls an hour of {HANDLE_SECONDS} s: {rate * HANDLE_SECONDS:g} Erlangs")
    print(f"Erlang C: {erlang} agents reach {TARGET:.0%}/{THRESHOLD} s")
    print("agents  Erlang C   simulated (95% interval)       abandoned")
    answer = None
    for agents in range(erlang - 2, erlang + 2):
        result = run(scenario(agents, args.calls_per_hour, args.hours), replications=args.replications, seed=1)
        queue = result["queues"]["sales"]
        level = queue["serviceLevel"]
        interval = (queue.get("ci95") or {}).get("serviceLevel")
        shown = f"{level:6.1%}" + (f" [{interval[0]:6.1%}, {interval[1]:6.1%}]" if interval else "")
        theory = ErlangC(agents, rate, HANDLE_SECONDS).service_level(THRESHOLD)
        print(f"{agents:6}  {theory:8.1%}   {shown:29}  {queue['abandoned'] / queue['offered']:6.1%}")
        if answer is None and level >= TARGET:
            answer = agents
    if answer is None:
        print(f"Simulated answer: more than {erlang + 1} agents")
    else:
        print(f"Simulated answer: {answer} agents reach {TARGET:.0%}/{THRESHOLD} s")


if __name__ == "__main__":
    main()
