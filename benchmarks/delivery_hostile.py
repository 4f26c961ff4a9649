"""Hostile webhook subscribers against the emulator's memory (issue 26, D1/D2): resident set size before, during and
after subscribers that answer 200 MB, or trickle their answer a byte every 5 s.

    git archive 4149c5d | (mkdir -p /tmp/before && tar -x -C /tmp/before)   # the code before the fix
    .venv/bin/python benchmarks/delivery_hostile.py --before /tmp/before        # about 2 minutes

Each row is a fresh ``python -m jobrouter_emulator --in-memory --retry-scale 0.001`` process (its RSS read from
/proc); rows of the code before and after the fix alternate. The hostile webhooks run in this process on loopback:
``--huge`` of them answer 200 with a 200 MB body (Content-Length declared), ``--trickle`` of them answer 200 with a
1,000-byte body sent one byte every 5 s. Each subscription gets ``--events`` events, the subscribers work for
``--seconds``, then every subscription is deleted and RSS is read again after ``--settle`` seconds.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

from azure.core.rest import HttpRequest
from emulator_process import EmulatorProcess, rss_bytes

from azure.communication.jobrouter import JobRouterClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.emulator.delivery._hostile import HostileWebhook  # noqa: E402

MIB = 1024 * 1024


def run(code: Optional[str], huge: int, trickle: int, events: int, seconds: float, settle: float) -> Dict[str, float]:
    hooks = [HostileWebhook("huge") for _ in range(huge)] + [
        HostileWebhook("trickle", every=5.0) for _ in range(trickle)
    ]
    emulator = EmulatorProcess(True, extra_args=["--retry-scale", "0.001"], code=code)
    try:
        client = JobRouterClient.from_connection_string(emulator.connection_string, retry_total=0)
        time.sleep(1.0)
        start = rss_bytes(emulator.pid)
        names = []
        for index, hook in enumerate(hooks):
            name = f"hostile-{index}"
            body = {"endpointUrl": hook.url(), "maxDeliveryAttempts": 30}
            client.send_request(HttpRequest("PUT", f"/_emulator/eventSubscriptions/{name}", json=body))
            names.append(name)
        for index in range(events):
            client.upsert_worker(f"w{index}", capacity=1, available_for_offers=True)
        peak = start
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, rss_bytes(emulator.pid))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        time.sleep(seconds)
        during = rss_bytes(emulator.pid)
        for name in names:
            client.send_request(HttpRequest("DELETE", f"/_emulator/eventSubscriptions/{name}"))
        time.sleep(settle)
        stop.set()
        sampler.join()
        after = rss_bytes(emulator.pid)
        sent = sum(hook.bytes_sent for hook in hooks)
        client.close()
        return {
            "start": start / MIB,
            "peak": peak / MIB,
            "during": during / MIB,
            "after": after / MIB,
            "sent": sent / MIB,
        }
    finally:
        emulator.stop()
        for hook in hooks:
            hook.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a checkout of the code before the fix, to measure alongside")
    parser.add_argument("--huge", type=int, default=5)
    parser.add_argument("--trickle", type=int, default=5)
    parser.add_argument("--events", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    variants: List[tuple] = [("after", None)]
    if args.before:
        variants.insert(0, ("before", args.before))
    print(f"{args.huge} subscribers answering 200 MB, {args.trickle} trickling; {args.events} events each")
    print(
        f"| code | RSS at start (MB) | peak (MB) | after {args.seconds:g} s (MB) "
        f"| {args.settle:g} s after deleting them (MB) | MB sent by the webhooks |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for _ in range(args.rounds):
        for label, code in variants:
            r = run(code, args.huge, args.trickle, args.events, args.seconds, args.settle)
            print(
                f"| {label} | {r['start']:.0f} | {r['peak']:.0f} | {r['during']:.0f} | {r['after']:.0f} "
                f"| {r['sent']:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
