"""What the operation's tracing span costs per call when tracing is off (the usual case).

``get_job`` through the full pipeline against an in-memory transport, three ways, interleaved in one process:
without an operation span (the method undecorated), with azure-core's ``distributed_trace`` put on as it is, and as
shipped (``_tracing.traced``: the settings are read once and the HTTP span policy is told).

    .venv/bin/python benchmarks/tracing.py
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, List

from azure.core.tracing.decorator import distributed_trace
from sdk_vs_1_0_0 import JOB, KEY, in_memory_transport

from azure.communication.jobrouter import JobRouterClient
from azure.communication.jobrouter._generated.client_operations import JobRouterClientOperations

BODY = json.dumps(JOB).encode()


def main() -> None:
    client = JobRouterClient.from_connection_string(
        f"endpoint=https://x.communication.azure.com/;accesskey={KEY}",
        transport=in_memory_transport(lambda request: BODY),
        retry_total=0,
    )
    undecorated = JobRouterClientOperations.get_job.__wrapped__  # type: ignore[attr-defined]
    ways: Dict[str, Callable[..., Any]] = {
        "no operation span": undecorated,
        "azure-core distributed_trace as it is": distributed_trace(name_of_span="JobRouterClient.get_job")(undecorated),
        "as shipped (settings read once)": JobRouterClientOperations.get_job,
    }
    calls = 2000
    best: Dict[str, List[float]] = {name: [] for name in ways}
    for _ in range(15):
        for name, method in ways.items():
            start = time.perf_counter()
            for _ in range(calls):
                method(client, "job-1")
            best[name].append((time.perf_counter() - start) / calls * 1e6)
    base = min(best["no operation span"])
    print("| get_job, tracing off | µs per call (best of 15 x 2,000) | vs no span |")
    print("| --- | ---: | ---: |")
    for name, times in best.items():
        print(f"| {name} | {min(times):.1f} | {min(times) - base:+.1f} µs |")


if __name__ == "__main__":
    main()
