"""What seeing into the emulator costs: the request and routing log per request (off, text, JSON), a reset, and the
dashboard's snapshot, with resources already stored.

    .venv/bin/python benchmarks/emulator_observability.py

The log figures are round trips of the SDK against the embedded emulator (same process, kept-alive loopback
connection, one request at a time), as in emulator_crud.py, with the log written to a file the way the command
writes it to stderr; the three modes run in turn on one emulator, so compare their ratios.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, List

from azure.communication.jobrouter import JobRouterClient
from jobrouter_emulator import EmbeddedEmulator
from jobrouter_emulator.dashboard.snapshot import build_snapshot
from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.logs import configure_logging
from jobrouter_emulator.store import MemoryStore, SQLiteStore

REQUESTS = 1000


def _p50_ms(call: Callable[[int], object], count: int) -> float:
    call(-1)
    latencies: List[float] = []
    for index in range(count):
        began = time.perf_counter()
        call(index)
        latencies.append(time.perf_counter() - began)
    return statistics.median(latencies) * 1000


def _fill(router: Router, count: int) -> None:
    """``count`` resources: half workers available for offers on a queue, half jobs queued there (no channel the
    workers serve, so nothing is offered and every job waits)."""
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    for index in range(count // 2):
        worker = {"capacity": 1, "queues": ["q"], "availableForOffers": True}
        router.upsert("workers", f"w{index}", {**worker, "channels": [{"channelId": "chat", "capacityCostPerJob": 1}]})
        router.upsert("jobs", f"j{index}", {"channelId": "voice", "queueId": "q"})
    if router.clock_is_virtual:
        router.advance(0)


def _round_trips(mode: str, folder: str) -> List[float]:
    """(get_worker, upsert_job) p50 in ms on a fresh emulator with the log ``mode`` (off, text or json)."""
    handler = None
    with EmbeddedEmulator() as emulator, (Path(folder) / f"{mode}.log").open("w") as stream:
        if mode != "off":
            handler = configure_logging("info", mode, secrets=[emulator.access_key], stream=stream)
        try:
            client = JobRouterClient.from_connection_string(emulator.connection_string)
            _fill(emulator.router, 0)  # a queue; each job waits in it, raising received and queued: routing lines
            client.upsert_worker("w", capacity=1)
            get = _p50_ms(lambda i: client.get_worker("w"), REQUESTS)
            upsert = _p50_ms(lambda i: client.upsert_job(f"j{i}", channel_id="voice", queue_id="q"), REQUESTS)
        finally:
            if handler is not None:
                logging.getLogger().removeHandler(handler)
                logging.getLogger("jobrouter_emulator").setLevel(logging.WARNING)
    return [get, upsert]


def log_costs() -> None:
    print("| log | get_worker p50 (ms) | upsert_job p50 (ms) |")
    print("| --- | ---: | ---: |")
    modes = ("off", "text", "json")
    with tempfile.TemporaryDirectory() as folder:
        runs = {mode: [] for mode in modes}  # type: ignore[var-annotated]
        for order in (modes, tuple(reversed(modes))):  # both orders: a drift of the machine hits every mode alike
            for mode in order:
                runs[mode].append(_round_trips(mode, folder))
    for mode in modes:
        get, upsert = (min(values) for values in zip(*runs[mode]))
        print(f"| {mode} | {get:.2f} | {upsert:.2f} |")


def reset_and_snapshot_costs() -> None:
    print()
    print("| store | resources | reset (ms) | dashboard snapshot (ms) |")
    print("| --- | ---: | ---: | ---: |")
    for store_name in ("memory", "sqlite"):
        for count in (0, 1_000, 10_000):
            with tempfile.TemporaryDirectory() as folder:
                store = MemoryStore() if store_name == "memory" else SQLiteStore(Path(folder) / "state.sqlite3")
                router = Router(store, FakeClock(), processing_delay=0)
                _fill(router, count)
                timings = []
                for _ in range(5):
                    began = time.perf_counter()
                    build_snapshot(router)
                    timings.append((time.perf_counter() - began) * 1000)
                snapshot_ms = statistics.median(timings)
                began = time.perf_counter()
                router.reset()
                reset_ms = (time.perf_counter() - began) * 1000
                router.close()
            print(f"| {store_name} | {count:,} | {reset_ms:.2f} | {snapshot_ms:.1f} |")


if __name__ == "__main__":
    log_costs()
    reset_and_snapshot_costs()
