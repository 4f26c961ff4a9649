"""The routing engine and the emulator, in one run: throughput by size, matching cost against idle workers that
cannot take the job, full lifecycles per second, and job -> offer latency over loopback.

    .venv/bin/python benchmarks/emulator.py            # everything (about two minutes on 2 cores)
    .venv/bin/python benchmarks/emulator.py --quick    # smaller sizes

1. Throughput: register the workers (capacity 1 each), create the jobs spread over the queues, route them (one
   offer per job while capacity lasts), accept every offer. Engine alone (fake clock, no HTTP).
2. Matching: one worker that takes the job among N idle workers of the same queue that cannot (half serve another
   channel, half have another value of the label the job asks for with an ``equal`` selector); time per job to
   route 200 jobs. Engine alone.
3. Lifecycles: create, offer, accept, complete, close, one job after another; the engine alone and through the SDK
   over loopback HTTP (the emulator in its own process, started as ``python -m jobrouter_emulator``).
4. Job -> offer latency: the SDK creates a job; a reader of the emulator's server-sent-event feed notes when the
   RouterWorkerOfferIssued event for it arrives. 300 jobs, one at a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from typing import Callable, Dict, List

import httpx
from emulator_process import EmulatorProcess

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from jobrouter_emulator import HmacAuth
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


def _sqlite() -> SQLiteStore:
    return SQLiteStore(f"{tempfile.mkdtemp()}/state.sqlite3")


def throughput_table(quick: bool) -> None:
    print("| workers | jobs | queues | store | register/s | create/s | route (ms) | offers | accept/s |")
    print("| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    sizes = [(100, 1000, 10, MemoryStore), (1000, 1000, 10, MemoryStore), (1000, 1000, 10, _sqlite)]
    if not quick:
        sizes[2:2] = [(1000, 10000, 10, MemoryStore), (1000, 1000, 100, MemoryStore)]
    for workers, jobs, queues, store in sizes:
        result = run(workers, jobs, queues, store)
        print(
            f"| {workers} | {jobs} | {queues} | {'sqlite' if store is _sqlite else 'memory'} | "
            f"{workers / result['register']:,.0f} | {jobs / result['create']:,.0f} | {result['route'] * 1000:,.0f} | "
            f"{result['offers']} | {result['offers'] / result['accept']:,.0f} |",
            flush=True,
        )


def matching_ms_per_job(idle_workers: int, jobs: int = 200) -> float:
    router = Router(MemoryStore(), FakeClock(), seed=1, processing_delay=0)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 600, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    for index in range(idle_workers):
        other_channel = index % 2 == 0
        router.upsert(
            "workers",
            f"idle{index}",
            {
                "capacity": 1,
                "queues": ["q"],
                "availableForOffers": True,
                "labels": {"language": "en" if other_channel else "fr"},
                "channels": [{"channelId": "chat" if other_channel else "voice", "capacityCostPerJob": 1}],
            },
        )
    router.upsert(
        "workers",
        "taker",
        {
            "capacity": jobs,
            "queues": ["q"],
            "availableForOffers": True,
            "labels": {"language": "en"},
            "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
        },
    )
    router.run_pending()
    selector = [{"key": "language", "labelOperator": "equal", "value": "en"}]
    elapsed = 0.0
    for index in range(jobs):
        router.upsert("jobs", f"j{index}", {"channelId": "voice", "queueId": "q", "requestedWorkerSelectors": selector})
        start = time.perf_counter()
        router.run_pending()
        elapsed += time.perf_counter() - start
    assert len(router.get("workers", "taker").body["offers"]) == jobs
    router.close()
    return elapsed / jobs * 1000


def matching_table(quick: bool) -> None:
    sizes = [100, 10_000] if quick else [100, 10_000, 100_000]
    figures = {size: matching_ms_per_job(size) for size in sizes}
    print("| idle workers that cannot take the job | matching per job (ms) | vs 100 |")
    print("| ---: | ---: | ---: |")
    for size, ms in figures.items():
        print(f"| {size:,} | {ms:.3f} | {ms / figures[100]:.2f}x |", flush=True)


def engine_lifecycles_per_second(store_factory: Callable[[], object], jobs: int) -> float:
    router = Router(store_factory(), FakeClock(), seed=1, processing_delay=0)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 600, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    router.upsert(
        "workers",
        "w",
        {
            "capacity": 1,
            "queues": ["q"],
            "availableForOffers": True,
            "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
        },
    )
    start = time.perf_counter()
    for index in range(jobs):
        router.upsert("jobs", f"j{index}", {"channelId": "voice", "queueId": "q"})
        router.run_pending()
        offer = router.get("workers", "w").body["offers"][0]
        assignment = router.accept_job_offer("w", offer["offerId"])["assignmentId"]
        router.complete_job(f"j{index}", assignment)
        router.close_job(f"j{index}", assignment)
    elapsed = time.perf_counter() - start
    router.close()
    return jobs / elapsed


class OfferWatcher:
    """Reads the emulator's SSE feed in a thread and records when each job's first offer event arrives, and the
    emulator's own times of the job's creation and of its first offer (the events' ``eventTime``)."""

    def __init__(self, endpoint: str, since: int) -> None:
        self.arrived: Dict[str, float] = {}
        self.received_at: Dict[str, datetime] = {}
        self.offered_at: Dict[str, datetime] = {}
        self.changed = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._read, args=(endpoint, since), daemon=True)
        self._thread.start()

    def _read(self, endpoint: str, since: int) -> None:
        headers = {"Accept": "text/event-stream"}
        url = f"{endpoint}_emulator/events?since={since}"
        with httpx.stream("GET", url, headers=headers, auth=HmacAuth(), timeout=None) as response:
            for line in response.iter_lines():
                if self._stop:
                    return
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                job_id = event["data"].get("jobId")
                at = datetime.fromisoformat(event["eventTime"])
                if event["eventType"].endswith("RouterJobReceived"):
                    self.received_at.setdefault(job_id, at)
                elif event["eventType"].endswith("RouterWorkerOfferIssued"):
                    with self.changed:
                        self.arrived.setdefault(job_id, time.perf_counter())
                        self.offered_at.setdefault(job_id, at)
                        self.changed.notify_all()

    def wait(self, job_id: str, timeout: float = 10.0) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: job_id in self.arrived, timeout):
                raise TimeoutError(f"no offer for {job_id}")
            return self.arrived[job_id]

    def stop(self) -> None:
        self._stop = True


def http_figures(in_memory: bool, jobs: int) -> Dict[str, float]:
    """Lifecycles/s through the SDK (offers read with get_worker) and job -> offer latency (from the SSE feed)."""
    with EmulatorProcess(in_memory) as emulator:
        admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        admin.upsert_distribution_policy("dp", offer_expires_after_seconds=600, mode=LongestIdleMode())
        admin.upsert_queue("q", distribution_policy_id="dp")
        channels = [{"channelId": "voice", "capacityCostPerJob": 1}]
        client.upsert_worker("w", {"capacity": 1, "queues": ["q"], "availableForOffers": True, "channels": channels})
        start = time.perf_counter()
        for index in range(jobs):
            job_id = f"life{index}"
            client.upsert_job(job_id, channel_id="voice", queue_id="q")
            while True:
                offers = client.get_worker("w").offers
                if offers:
                    break
            assignment = client.accept_job_offer("w", offers[0].offer_id).assignment_id
            client.complete_job(job_id, assignment)
            client.close_job(job_id, assignment)
        lifecycles = jobs / (time.perf_counter() - start)

        client.upsert_worker("w", {"capacity": jobs * 2})
        watcher = OfferWatcher(emulator.endpoint, 0)
        time.sleep(0.2)  # the stream is open
        latencies: List[float] = []
        for index in range(jobs):
            job_id = f"lat{index}"
            sent = time.perf_counter()
            client.upsert_job(job_id, channel_id="voice", queue_id="q")
            latencies.append((watcher.wait(job_id) - sent) * 1000)
        watcher.stop()
        latencies.sort()
        inside = sorted(
            (watcher.offered_at[f"lat{i}"] - watcher.received_at[f"lat{i}"]).total_seconds() * 1000 for i in range(jobs)
        )
        admin.close()
        client.close()
        return {
            "lifecycles": lifecycles,
            "p50": statistics.median(latencies),
            "p99": latencies[int(len(latencies) * 0.99) - 1],
            "inside_p50": statistics.median(inside),
            "inside_p99": inside[int(len(inside) * 0.99) - 1],
        }


def lifecycle_and_latency_table(quick: bool) -> None:
    jobs = 100 if quick else 300
    print(
        "| store | engine lifecycles/s | SDK over HTTP lifecycles/s | job -> offer seen by the client p50 / p99 (ms) "
        "| job created -> offered in the emulator p50 / p99 (ms) |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, factory, in_memory in (("memory", MemoryStore, True), ("sqlite", _sqlite, False)):
        engine = engine_lifecycles_per_second(factory, 1000)
        http = http_figures(in_memory, jobs)
        print(
            f"| {name} | {engine:,.0f} | {http['lifecycles']:,.0f} | {http['p50']:.2f} / {http['p99']:.2f} "
            f"| {http['inside_p50']:.2f} / {http['inside_p99']:.2f} |",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    throughput_table(args.quick)
    print()
    matching_table(args.quick)
    print()
    lifecycle_and_latency_table(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
