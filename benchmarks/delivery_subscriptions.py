"""Many event subscriptions (issue 26, D6): write p50 and the emulator's resident set size with none, with 500, and
after deleting them, for the code before the fix (a thread per subscription) and after (a scheduler and a pool).

    git archive 4149c5d | (mkdir -p /tmp/before && tar -x -C /tmp/before)   # the code before the fix
    .venv/bin/python benchmarks/delivery_subscriptions.py --before /tmp/before   # about 2 minutes

Each row is a fresh ``python -m jobrouter_emulator --in-memory`` process (its RSS read from /proc); rows of the code
before and after alternate. The subscriptions point at one webhook in this process (loopback, answers at once); by
default each is for ``RouterJobQueued`` only while the writes are worker upserts, so every write wakes all of them
and none has anything to send: the cost measured is the delivery machinery's. ``--all-events`` subscribes them to
every event instead (500 deliveries per write). Write p50: ``--writes`` sequential ``upsert_worker`` calls through the
SDK, after ``--settle`` seconds of quiet.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from azure.core.rest import HttpRequest
from emulator_process import EmulatorProcess, rss_bytes

from azure.communication.jobrouter import JobRouterClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.emulator.delivery._webhook import Webhook  # noqa: E402

MIB = 1024 * 1024


def write_p50(client: JobRouterClient, writes: int, prefix: str) -> float:
    latencies = []
    for index in range(writes):
        started = time.perf_counter()
        client.upsert_worker(f"{prefix}{index}", capacity=1, available_for_offers=True)
        latencies.append(time.perf_counter() - started)
    return statistics.median(latencies) * 1000


def run(code: Optional[str], count: int, writes: int, settle: float, all_events: bool) -> Dict[str, float]:
    hook = Webhook()
    emulator = EmulatorProcess(True, code=code)
    try:
        client = JobRouterClient.from_connection_string(emulator.connection_string, retry_total=0)
        time.sleep(settle)
        result = {"p50 none": write_p50(client, writes, "a"), "rss none": rss_bytes(emulator.pid) / MIB}
        started = time.perf_counter()
        for index in range(count):
            body: Dict[str, object] = {"endpointUrl": hook.url(f"/{index}")}
            if not all_events:
                body["includedEventTypes"] = ["RouterJobQueued"]
            response = client.send_request(HttpRequest("PUT", f"/_emulator/eventSubscriptions/sub-{index}", json=body))
            assert response.status_code in (200, 201), response.text()
        result["create s"] = time.perf_counter() - started
        time.sleep(settle)  # handshakes done
        result["p50 with"] = write_p50(client, writes, "b")
        result["rss with"] = rss_bytes(emulator.pid) / MIB
        for index in range(count):
            client.send_request(HttpRequest("DELETE", f"/_emulator/eventSubscriptions/sub-{index}"))
        time.sleep(settle)
        result["p50 after"] = write_p50(client, writes, "c")
        result["rss after"] = rss_bytes(emulator.pid) / MIB
        client.close()
        return result
    finally:
        emulator.stop()
        hook.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a checkout of the code before the fix, to measure alongside")
    parser.add_argument("--subscriptions", type=int, default=500)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--all-events", action="store_true")
    args = parser.parse_args()
    variants: List[tuple] = [("after", None)]
    if args.before:
        variants.insert(0, ("before", args.before))
    what = "every event" if args.all_events else "RouterJobQueued only (nothing to send)"
    print(f"{args.subscriptions} subscriptions for {what}; write p50 over {args.writes} worker upserts")
    print(
        "| code | p50, none (ms) | p50, with them (ms) | p50, deleted (ms) "
        "| RSS, none (MB) | RSS, with them (MB) | RSS, deleted (MB) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for _ in range(args.rounds):
        for label, code in variants:
            r = run(code, args.subscriptions, args.writes, args.settle, args.all_events)
            print(
                f"| {label} | {r['p50 none']:.2f} | {r['p50 with']:.2f} | {r['p50 after']:.2f} "
                f"| {r['rss none']:.0f} | {r['rss with']:.0f} | {r['rss after']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
