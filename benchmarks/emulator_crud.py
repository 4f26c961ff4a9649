"""Emulator CRUD through the SDK over loopback: requests/s and latency percentiles for upsert/get of workers and
jobs, memory and SQLite stores, with 1k and 100k resources already stored.

    .venv/bin/python benchmarks/emulator_crud.py                 # 1k and 100k stored
    .venv/bin/python benchmarks/emulator_crud.py --stored 1000   # quicker

The emulator runs in this process (EmbeddedEmulator, plain HTTP, one uvicorn worker); the SDK client calls it
sequentially over a kept-alive connection, so each figure is the full round trip: signing, HTTP, the emulator's
verification, the engine, the store's commit (SQLite: WAL, committed before the response), JSON both ways.
The stored resources are half workers (not available for offers) and half suspended jobs, written through the
engine directly to save time; they make the store and the indexes large without routing work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Callable, Dict, List

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from jobrouter_emulator import EmbeddedEmulator


def _populate(emulator: EmbeddedEmulator, count: int) -> None:
    router = emulator.router
    for index in range(count // 2):
        router.upsert("workers", f"stored-w{index}", {"capacity": 1, "queues": ["q"], "labels": {"n": index}})
        router.upsert(
            "jobs", f"stored-j{index}", {"channelId": "voice", "queueId": "q", "matchingMode": {"kind": "suspend"}}
        )


def _measure(call: Callable[[int], object], count: int) -> Dict[str, float]:
    call(-1)  # warm the connection
    latencies: List[float] = []
    start = time.perf_counter()
    for index in range(count):
        began = time.perf_counter()
        call(index)
        latencies.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "rps": count / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def run(in_memory: bool, stored: int, requests: int) -> Dict[str, Dict[str, float]]:
    with EmbeddedEmulator(in_memory=in_memory) as emulator:
        admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
        admin.upsert_queue("q", distribution_policy_id="dp")
        _populate(emulator, stored)
        suspend = {"kind": "suspend"}
        results = {
            "upsert_worker": _measure(
                lambda i: client.upsert_worker(f"w{i}", capacity=1, queues=["q"], labels={"n": i}), requests
            ),
            "get_worker": _measure(lambda i: client.get_worker(f"w{max(i, 0)}"), requests),
            "upsert_job": _measure(
                lambda i: client.upsert_job(f"j{i}", channel_id="voice", queue_id="q", matching_mode=suspend), requests
            ),
            "get_job": _measure(lambda i: client.get_job(f"j{max(i, 0)}"), requests),
        }
        admin.close()
        client.close()
        return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    print("| store | stored | operation | requests/s | p50 (ms) | p99 (ms) |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for stored in args.stored:
        for in_memory in (True, False):
            for operation, figures in run(in_memory, stored, args.requests).items():
                store = "memory" if in_memory else "sqlite"
                print(
                    f"| {store} | {stored:,} | {operation} | {figures['rps']:,.0f} | {figures['p50']:.2f} "
                    f"| {figures['p99']:.2f} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
