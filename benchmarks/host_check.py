"""What the Host allow-list costs each request: the middleware alone in front of an ASGI app that does nothing, and
SDK round trips (get_worker) against an embedded emulator with the check on (the default) and off (``*``),
alternating.

    .venv/bin/python benchmarks/host_check.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any, Callable, List

from azure.communication.jobrouter import JobRouterClient
from jobrouter_emulator import EmbeddedEmulator
from jobrouter_emulator.api.hosts import HostAllowList, allowed_hosts

CALLS = 100_000
ROUND_TRIPS = 1000


async def _nothing(scope: Any, receive: Any, send: Any) -> None:
    return None


def _per_call_us(app: Callable[..., Any]) -> float:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/routing/workers/w",
        "headers": [
            (b"host", b"127.0.0.1:8089"),
            (b"accept", b"application/json"),
            (b"x-ms-date", b"Sun, 06 Dec 2026 09:00:00 GMT"),
            (b"x-ms-content-sha256", b"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
            (b"authorization", b"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=..."),
        ],
    }

    async def run() -> float:
        began = time.perf_counter()
        for _ in range(CALLS):
            await app(scope, None, None)
        return (time.perf_counter() - began) / CALLS * 1e6

    return min(asyncio.run(run()) for _ in range(5))


def _round_trip_ms(hosts: List[str]) -> float:
    with EmbeddedEmulator(allowed_hosts=hosts) as emulator:
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        client.upsert_worker("w", capacity=1)
        latencies = []
        for _ in range(ROUND_TRIPS):
            began = time.perf_counter()
            client.get_worker("w")
            latencies.append(time.perf_counter() - began)
        client.close()
    return statistics.median(latencies) * 1000


def main() -> None:
    names = allowed_hosts("127.0.0.1", [])
    assert names is not None
    bare = _per_call_us(_nothing)
    checked = _per_call_us(HostAllowList(_nothing, names))
    print("| measure | without the check | with the check | difference |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| ASGI call, µs (best of 5 x {CALLS:,}) | {bare:.2f} | {checked:.2f} | +{checked - bare:.2f} µs |")
    runs: dict = {"off": [], "on": []}
    for order in (("off", "on"), ("on", "off"), ("off", "on")):
        for mode in order:
            runs[mode].append(_round_trip_ms(["*"] if mode == "off" else []))
    off, on = min(runs["off"]), min(runs["on"])
    print(f"| get_worker round trip p50, ms (best of 3 x {ROUND_TRIPS:,}) | {off:.3f} | {on:.3f} | {on / off:.2f}x |")


if __name__ == "__main__":
    main()
