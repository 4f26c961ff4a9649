"""What open dashboard tabs cost the API: write p50 with 0 and 2 tabs streaming, with 20k jobs over 200 queues stored.

    .venv/bin/python benchmarks/dashboard_load.py                          # this checkout
    git worktree add --detach /tmp/base-26s main
    .venv/bin/python benchmarks/dashboard_load.py --baseline /tmp/base-26s   # and main's emulator, interleaved

The emulator runs in its own process (an ``EmbeddedEmulator`` in a child interpreter importing the code base under
test, filled through its router); this process is the client: it logs in to the dashboard, keeps 0 or 2 streams of
``/_emulator/dashboard/stream`` open (each read on its own thread, as a browser tab would), and times job upserts
through the SDK. Phases alternate (0 tabs, 2 tabs, 0, 2, ... and the code bases in turn), so a drift of the machine
hits each alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Dict, List, Tuple

JOBS = 20_000
QUEUES = 200


def serve() -> None:
    """The child: an emulator holding ``JOBS`` queued jobs over ``QUEUES`` queues, until stdin closes."""
    from jobrouter_emulator import EmbeddedEmulator

    with EmbeddedEmulator() as emulator:
        router = emulator.router
        router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
        for index in range(QUEUES):
            router.upsert("queues", f"q{index}", {"distributionPolicyId": "dp"})
        for index in range(JOBS):
            router.upsert("jobs", f"j{index}", {"channelId": "voice", "queueId": f"q{index % QUEUES}"})
        while router.get_queue_statistics(f"q{QUEUES - 1}")["length"] < JOBS // QUEUES:
            time.sleep(0.1)
        print(emulator.connection_string, flush=True)
        sys.stdin.read()


def _tabs(endpoint: str, key: str, count: int, stop: threading.Event) -> List[threading.Thread]:
    """``count`` dashboard streams, read on threads until ``stop``; returns once each has had its first snapshot."""
    import httpx

    ready = threading.Barrier(count + 1)

    def tab() -> None:
        with httpx.Client(base_url=endpoint, timeout=60) as client:
            client.post("/_emulator/login", data={"key": key}, headers={"Origin": endpoint})
            with client.stream("GET", "/_emulator/dashboard/stream") as stream:
                waiting = True
                for line in stream.iter_lines():
                    if waiting and line == "event: state":
                        ready.wait()
                        waiting = False
                    if stop.is_set():
                        break

    threads = [threading.Thread(target=tab, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    if count:
        ready.wait()
    return threads


def _phase(connection: str, tabs: int, writes: int, offset: int) -> float:
    """Write p50 (ms) of ``writes`` job upserts with ``tabs`` streams open."""
    from azure.communication.jobrouter import JobRouterClient

    endpoint = connection.split("endpoint=", 1)[1].split(";", 1)[0].rstrip("/")
    key = connection.split("accesskey=", 1)[1].split(";", 1)[0]
    stop = threading.Event()
    threads = _tabs(endpoint, key, tabs, stop)
    client = JobRouterClient.from_connection_string(connection)
    latencies = []
    for index in range(writes):
        began = time.perf_counter()
        client.upsert_job(f"b{offset + index}", channel_id="voice", queue_id=f"q{index % QUEUES}")
        latencies.append(time.perf_counter() - began)
        time.sleep(0.01)  # a steady trickle of writes, each waking the tabs
    stop.set()
    client.close()
    for thread in threads:
        thread.join(timeout=5)
    return statistics.median(latencies) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="root of a checkout to compare with (e.g. main's)")
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    codes = {"this": here, **({"main": os.path.abspath(args.baseline)} if args.baseline else {})}
    servers: Dict[str, Tuple[subprocess.Popen, str]] = {}
    for name, code in codes.items():
        child = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve"],
            env={**os.environ, "PYTHONPATH": code},
            cwd=code,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a closed tab's stream logs a line per write it would have got
            text=True,
        )
        servers[name] = (child, child.stdout.readline().strip())  # type: ignore[union-attr]
    results: Dict[str, Dict[int, List[float]]] = {name: {0: [], 2: []} for name in codes}
    offset = 0
    try:
        for round_ in range(args.rounds):
            for name in codes if round_ % 2 == 0 else reversed(list(codes)):
                for tabs in (0, 2) if round_ % 2 == 0 else (2, 0):
                    results[name][tabs].append(_phase(servers[name][1], tabs, args.writes, offset))
                    offset += args.writes
    finally:
        for child, _ in servers.values():
            child.stdin.close()  # type: ignore[union-attr]
            child.wait(timeout=30)
    print(f"{JOBS:,} jobs over {QUEUES} queues; median of {args.rounds} phases of {args.writes} writes each")
    print("| code | write p50, 0 tabs (ms) | write p50, 2 tabs (ms) | 2 tabs / 0 tabs |")
    print("| --- | ---: | ---: | ---: |")
    for name in codes:
        none, two = (statistics.median(results[name][tabs]) for tabs in (0, 2))
        print(f"| {name} | {none:.2f} | {two:.2f} | {two / none:.2f}x |")


if __name__ == "__main__":
    main()
