"""Routing engine throughput, and how it scales with workers and queues (matching is indexed by queue).

    .venv/bin/python benchmarks/emulator.py

For each size: register the workers (capacity 1 each), create the jobs spread over the queues, route them (one
offer per job while capacity lasts), then accept every offer. Times are wall-clock on the engine alone (memory
store, fake clock, no HTTP); the HTTP column adds the ASGI layer with signed requests for 200 upserts.
"""

from __future__ import annotations

import sys
import time

from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.store import MemoryStore, SQLiteStore


def run(workers: int, jobs: int, queues: int, store_factory=MemoryStore) -> dict:
    router = Router(store_factory(), FakeClock(), seed=1, processing_delay=0)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 600, "mode": {"kind": "longestIdle"}})
    for q in range(queues):
        router.upsert("queues", f"q{q}", {"distributionPolicyId": "dp"})
    start = time.perf_counter()
    for w in range(workers):
        router.upsert(
            "workers",
            f"w{w}",
            {
                "capacity": 1,
                "queues": [f"q{w % queues}"],
                "availableForOffers": True,
                "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
            },
        )
    registered = time.perf_counter()
    for j in range(jobs):
        router.upsert("jobs", f"j{j}", {"channelId": "voice", "queueId": f"q{j % queues}", "priority": j % 3})
    created = time.perf_counter()
    router.run_pending()
    routed = time.perf_counter()
    offers = []
    for w in range(workers):
        offers += [(f"w{w}", o["offerId"]) for o in router.get("workers", f"w{w}").body["offers"]]
    for worker_id, offer_id in offers:
        router.accept_job_offer(worker_id, offer_id)
    accepted = time.perf_counter()
    router.close()
    return {
        "register": registered - start,
        "create": created - registered,
        "route": routed - created,
        "offers": len(offers),
        "accept": accepted - routed,
    }


def main() -> int:
    print("| workers | jobs | queues | store | register/s | create/s | route (ms) | offers | accept/s |")
    print("| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for workers, jobs, queues, store in [
        (100, 1000, 10, MemoryStore),
        (1000, 1000, 10, MemoryStore),
        (1000, 10000, 10, MemoryStore),
        (1000, 1000, 100, MemoryStore),
        (1000, 1000, 10, "sqlite"),
    ]:
        if store == "sqlite":
            import tempfile

            directory = tempfile.mkdtemp()
            path = f"{directory}/state.sqlite3"
            result = run(workers, jobs, queues, lambda path=path: SQLiteStore(path))
        else:
            result = run(workers, jobs, queues, store)
        print(
            f"| {workers} | {jobs} | {queues} | {'sqlite' if store == 'sqlite' else 'memory'} | "
            f"{workers / result['register']:,.0f} | {jobs / result['create']:,.0f} | {result['route'] * 1000:,.0f} | "
            f"{result['offers']} | {result['offers'] / result['accept']:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
