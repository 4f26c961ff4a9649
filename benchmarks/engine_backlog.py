"""What routing costs with a backlog: the per-upsert cost of a job joining a queue that already holds 1k, 8k and 64k
jobs with no free worker, and the cost of handing the next job to a worker that frees up while a thousand others
are busy. The engine runs in process on the in-memory store and a virtual clock, so only routing is measured.

    .venv/bin/python benchmarks/engine_backlog.py                          # this checkout
    git worktree add --detach /tmp/base-26s main
    .venv/bin/python benchmarks/engine_backlog.py --baseline /tmp/base-26s   # and main's engine, interleaved

With ``--baseline`` each size runs in a fresh interpreter per code base, alternating between the two, so both see
the same machine; compare the ratios in one table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List

SIZES = (1000, 8000, 64000)
BUSY_WORKERS = 1000


def _measure(size: int, samples: int) -> Dict[str, float]:
    from jobrouter_emulator.engine.clock import FakeClock
    from jobrouter_emulator.engine.router import Router
    from jobrouter_emulator.store import MemoryStore

    router = Router(MemoryStore(), FakeClock(), processing_delay=0)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 3600, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    channel = [{"channelId": "voice", "capacityCostPerJob": 1}]
    # Busy workers: each holds an assigned job, so none is free and matching must not look at them.
    for index in range(BUSY_WORKERS):
        router.upsert("workers", f"busy{index}", {"capacity": 1, "queues": ["q"], "channels": channel})
        router.upsert("jobs", f"held{index}", {"channelId": "voice", "queueId": "q", "priority": 1})
    for index in range(BUSY_WORKERS):
        router.upsert("workers", f"busy{index}", {"availableForOffers": True})
    router.advance(0)
    for index in range(BUSY_WORKERS):
        worker = router.get("workers", f"busy{index}").body
        for offer in worker.get("offers") or []:
            router.accept_job_offer(f"busy{index}", offer["offerId"])
    # The backlog: priorities mixed, so the order is not the arrival order.
    for index in range(size):
        router.upsert("jobs", f"j{index}", {"channelId": "voice", "queueId": "q", "priority": index % 5})
    router.advance(0)
    assert router.get_queue_statistics("q")["length"] == size

    def upsert(index: int) -> None:
        router.upsert("jobs", f"n{index}", {"channelId": "voice", "queueId": "q", "priority": 2})
        router.advance(0)

    upsert_costs = []
    for index in range(samples):
        began = time.perf_counter()
        upsert(index)
        upsert_costs.append(time.perf_counter() - began)

    # A worker that frees up: it takes the next job, completes and closes it, and is free again.
    router.upsert("workers", "free", {"capacity": 1, "queues": ["q"], "channels": channel, "availableForOffers": True})
    router.advance(0)

    def cycle() -> None:
        offer = router.get("workers", "free").body["offers"][0]
        assignment = router.accept_job_offer("free", offer["offerId"])
        router.complete_job(assignment["jobId"], assignment["assignmentId"])
        router.close_job(assignment["jobId"], assignment["assignmentId"])
        router.advance(0)  # the worker is free: the next job is offered to it

    cycle_costs = []
    for _ in range(samples):
        began = time.perf_counter()
        cycle()
        cycle_costs.append(time.perf_counter() - began)
    router.close()
    return {"upsert": statistics.median(upsert_costs) * 1000, "next_job": statistics.median(cycle_costs) * 1000}


def _run(code: str, size: int, samples: int) -> Dict[str, float]:
    """One measurement in a fresh interpreter importing the engine from ``code`` (a checkout's root)."""
    env = {**os.environ, "PYTHONPATH": code}
    args = [sys.executable, __file__, "--one", str(size), "--samples", str(samples)]
    out = subprocess.run(args, env=env, cwd=code, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="root of a checkout to compare with (e.g. main's)")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2, help="fresh interpreters per size and code base")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(_measure(args.one, args.samples)))
        return
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    codes = {"this": here, **({"main": os.path.abspath(args.baseline)} if args.baseline else {})}
    results: Dict[str, Dict[int, List[Dict[str, float]]]] = {name: {s: [] for s in SIZES} for name in codes}
    for size in SIZES:
        for round_ in range(args.rounds):
            order = list(codes.items()) if round_ % 2 == 0 else list(reversed(codes.items()))
            for name, code in order:
                results[name][size].append(_run(code, size, args.samples))
    print(f"| code | measure | {' | '.join(f'{s:,} queued (ms)' for s in SIZES)} | {SIZES[-1] // 1000}k / 1k |")
    print(f"| --- | --- | {' | '.join('---:' for _ in SIZES)} | ---: |")
    for name in codes:
        for measure, label in (("upsert", "upsert a job, no free worker"), ("next_job", "worker frees, next job")):
            best = [min(r[measure] for r in results[name][s]) for s in SIZES]
            cells = " | ".join(f"{v:.3f}" for v in best)
            print(f"| {name} | {label} | {cells} | {best[-1] / best[0]:.2f}x |")


if __name__ == "__main__":
    main()
