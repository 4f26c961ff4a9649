"""The emulator's ASGI app alone, no HTTP: microseconds per signed GET of a job and per signed 1 KB PATCH of a worker.

    .venv/bin/python benchmarks/emulator_app.py
    PYTHONPATH=<another checkout> .venv/bin/python benchmarks/emulator_app.py     # the same for that code

The app (with the fault-injection middleware in front, as served) is called in a loop on one event loop with a
prepared ASGI scope, so the figure is the emulator's own work per request (verification, routing, the engine, the
store's commit, building the answer) without uvicorn, sockets or a client: what ``http_ceiling.py`` compares with
the bare app, taken apart. It uses only what older checkouts have too, for before/after comparisons. Best of 5 x
5,000 requests.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from email.utils import formatdate
from typing import Any, Dict, List, Tuple

from jobrouter_emulator.api import create_app
from jobrouter_emulator.api.faults import FaultInjection, Faults
from jobrouter_emulator.auth import DEFAULT_ACCESS_KEY
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.sdk import compute_signature, content_hash, string_to_sign
from jobrouter_emulator.store import MemoryStore, SQLiteStore

HOST = "127.0.0.1:8089"
REQUESTS = 5000


def worker_body() -> bytes:
    labels = {f"skill{index:02d}": index for index in range(40)}
    body: Dict[str, Any] = {"capacity": 1, "queues": ["q"], "labels": labels, "availableForOffers": False}
    body["tags"] = {"pad": "x" * (1024 - len(json.dumps(body, separators=(",", ":"))) - 18)}
    return json.dumps(body, separators=(",", ":")).encode()


def scope_of(method: str, path: str, body: bytes) -> Dict[str, Any]:
    """An ASGI scope of the request, signed as the SDK signs it."""
    query = "api-version=2023-11-01"
    date, body_hash = formatdate(usegmt=True), content_hash(body)
    signature = compute_signature(DEFAULT_ACCESS_KEY, string_to_sign(method, f"{path}?{query}", date, HOST, body_hash))
    headers: List[Tuple[bytes, bytes]] = [
        (b"host", HOST.encode()),
        (b"x-ms-date", date.encode()),
        (b"x-ms-content-sha256", body_hash.encode()),
        (
            b"authorization",
            f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}".encode(),
        ),
        (b"content-type", b"application/merge-patch+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8089),
    }


def microseconds_per_request(store: str, method: str) -> float:
    router = Router(MemoryStore() if store == "memory" else SQLiteStore(f"{tempfile.mkdtemp()}/state.sqlite3"))
    app = FaultInjection(create_app(router), Faults(None))
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    router.upsert("jobs", "j", {"channelId": "voice", "queueId": "q"})
    router.run_pending()
    body = worker_body() if method == "PATCH" else b""
    scope = scope_of(method, "/routing/workers/w" if method == "PATCH" else "/routing/jobs/j", body)
    statuses: List[int] = []

    async def receive() -> Dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def run(count: int) -> None:
        for _ in range(count):
            await app(dict(scope), receive, send)

    asyncio.run(run(100))
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        asyncio.run(run(REQUESTS))
        best = min(best, (time.perf_counter() - start) / REQUESTS)
    router.close()
    if not set(statuses) <= {200, 201}:
        raise RuntimeError(f"the app answered {sorted(set(statuses))}")
    return best * 1e6


def main() -> int:
    print("| request | store | µs per request in the app |")
    print("| --- | --- | ---: |")
    for method, name in (("GET", "signed GET of a job"), ("PATCH", "signed PATCH of a worker (1 KB)")):
        for store in ("memory", "sqlite"):
            print(f"| {name} | {store} | {microseconds_per_request(store, method):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
