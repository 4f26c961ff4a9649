"""What keeping the supervisor statistics costs a write: upsert_job and cancel_job p50 against an emulator with
statistics on and one with them off, requests interleaved (one to each in turn), each emulator in its own process.

    .venv/bin/python benchmarks/statistics_write.py                 # 3 rounds of 2,000 jobs (4,000 writes) each
    .venv/bin/python benchmarks/statistics_write.py --writes 500    # quicker

The writes create a job in a queue (RouterJobReceived, then RouterJobQueued a millisecond later, on the routing
timer) and cancel it (RouterJobCancelled), so the statistics fold three events per job and keep one wait; every
50th job also registers or deregisters a worker of another queue. The cancel keeps the queue short, so the figures
measure the statistics rather than the engine's cost of a long queue. Both emulators run on the system clock, in
memory. The figure that matters is the ratio of the p50s (on / off), measured in one run: the issue's bar is at
most 1.05.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Tuple

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode

SERVE = """
import sys
from jobrouter_emulator.service import EmulatorServer, EmulatorSettings
settings = EmulatorSettings(port=0, in_memory=True)
if sys.argv[1] == "off":
    settings.statistics = None
server = EmulatorServer(settings)
print(server.connection_string, flush=True)
server.serve_forever()
"""


def _start(mode: str) -> Tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-c", SERVE, mode], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=2000, help="jobs per round (two writes each)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    servers = {mode: _start(mode) for mode in ("on", "off")}
    try:
        clients = {}
        for mode, (_, connection_string) in servers.items():
            admin = JobRouterAdministrationClient.from_connection_string(connection_string)
            admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
            admin.upsert_queue("q", distribution_policy_id="dp")
            admin.upsert_queue("other", distribution_policy_id="dp")
            clients[mode] = JobRouterClient.from_connection_string(connection_string)
        latencies: Dict[str, List[float]] = {"on": [], "off": []}
        ratios = []
        for round_number in range(args.rounds):
            measured: Dict[str, List[float]] = {"on": [], "off": []}
            for index in range(args.writes):
                order = ("on", "off") if index % 2 else ("off", "on")  # neither always goes first
                for mode in order:
                    client = clients[mode]
                    job_id = f"r{round_number}-j{index}"
                    began = time.perf_counter()
                    client.upsert_job(job_id, channel_id="voice", queue_id="q")
                    measured[mode].append(time.perf_counter() - began)
                    began = time.perf_counter()
                    client.cancel_job(job_id)  # the queue stays short: its length costs the engine (issue 26)
                    measured[mode].append(time.perf_counter() - began)
                    if index % 50 == 0:
                        client.upsert_worker("w", capacity=1, queues=["other"], available_for_offers=bool(index % 100))
            p50 = {mode: statistics.median(values) * 1000 for mode, values in measured.items()}
            ratios.append(p50["on"] / p50["off"])
            print(
                f"round {round_number + 1}: p50 on {p50['on']:.3f} ms, off {p50['off']:.3f} ms, on/off {ratios[-1]:.3f}"
            )
            for mode in measured:
                latencies[mode] += measured[mode]
        p50 = {mode: statistics.median(values) * 1000 for mode, values in latencies.items()}
        print(
            f"all {args.rounds * args.writes * 2} writes each: p50 on {p50['on']:.3f} ms, off {p50['off']:.3f} ms, "
            f"on/off {p50['on'] / p50['off']:.3f} (median of rounds {statistics.median(ratios):.3f})"
        )
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
