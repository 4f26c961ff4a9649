"""Emulator memory with many resources stored: resident set size with 100k jobs and 10k workers.

    .venv/bin/python benchmarks/emulator_memory.py                          # 100k jobs, 10k workers (~1 min)
    .venv/bin/python benchmarks/emulator_memory.py --jobs 10000 --workers 1000

Each row is a fresh process. "memory" and "sqlite": an embedded emulator (``EmbeddedEmulator``, the whole server)
filled through its router (the HTTP layer adds nothing per stored resource and would take minutes), then one
``get_job`` through the SDK over HTTP to show it serves. "sqlite, restarted": ``python -m jobrouter_emulator`` started
on the database the "sqlite" row left, which loads every document at start, as after a restart. The jobs are
suspended (stored and indexed, never matched); the workers are available for offers in one of 10 queues, with
labels, so the matching index holds them.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

from emulator_process import EmulatorProcess, rss_bytes

MIB = 1024 * 1024


def fill_and_measure(in_memory: bool, jobs: int, workers: int, data_dir: Optional[str]) -> dict:
    """In this process: an embedded emulator holding ``jobs`` and ``workers``; RSS before and after."""
    import os

    from azure.communication.jobrouter import JobRouterClient
    from jobrouter_emulator import EmbeddedEmulator

    emulator = EmbeddedEmulator(in_memory=in_memory, data_dir=Path(data_dir) if data_dir else None).start()
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    router = emulator.router
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
    for queue in range(10):
        router.upsert("queues", f"q{queue}", {"distributionPolicyId": "dp"})
    empty = rss_bytes(os.getpid())
    start = time.perf_counter()
    for index in range(workers):
        router.upsert(
            "workers",
            f"w{index}",
            {
                "capacity": 1,
                "queues": [f"q{index % 10}"],
                "labels": {"language": "en" if index % 2 else "fr", "skill": index % 10},
                "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
                "availableForOffers": True,
            },
        )
    for index in range(jobs):
        router.upsert(
            "jobs",
            f"j{index}",
            {
                "channelId": "voice",
                "queueId": f"q{index % 10}",
                "priority": index % 5,
                "labels": {"customer": f"c{index}"},
                "matchingMode": {"kind": "suspend"},
            },
        )
    filled = time.perf_counter() - start
    router.run_pending()
    gc.collect()
    assert client.get_job(f"j{jobs - 1}").id == f"j{jobs - 1}"
    result = {"empty": empty, "full": rss_bytes(os.getpid()), "fill_seconds": filled}
    client.close()
    emulator.stop()
    return result


def restarted(data_dir: str) -> int:
    """RSS of ``python -m jobrouter_emulator`` started on ``data_dir``, once it answers."""
    from azure.communication.jobrouter import JobRouterClient

    with EmulatorProcess(in_memory=False, data_dir=Path(data_dir)) as emulator:
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        client.get_job("j0")
        client.close()
        return rss_bytes(emulator.pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument("--fill", choices=("memory", "sqlite"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        print(json.dumps(fill_and_measure(args.fill == "memory", args.jobs, args.workers, args.data_dir)))
        return 0
    print(f"{args.jobs:,} jobs and {args.workers:,} workers stored\n")
    print("| store | RSS empty (MiB) | RSS with them stored (MiB) | per stored resource (bytes) | limit 1 GiB |")
    print("| --- | ---: | ---: | ---: | --- |")
    stored = args.jobs + args.workers
    with tempfile.TemporaryDirectory() as data_dir:
        for store in ("memory", "sqlite"):
            command = [
                sys.executable,
                __file__,
                "--fill",
                store,
                "--jobs",
                str(args.jobs),
                "--workers",
                str(args.workers),
            ]
            if store == "sqlite":
                command += ["--data-dir", data_dir]
            figures = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
            full = figures["full"]
            print(
                f"| {store} | {figures['empty'] / MIB:,.0f} | {full / MIB:,.0f} | "
                f"{(full - figures['empty']) / stored:,.0f} | {'under' if full < 1024 * MIB else 'OVER'} |",
                flush=True,
            )
        full = restarted(data_dir)
        print(f"| sqlite, restarted | | {full / MIB:,.0f} | | {'under' if full < 1024 * MIB else 'OVER'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
