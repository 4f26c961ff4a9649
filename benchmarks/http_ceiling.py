"""What the emulator's HTTP stack allows: a bare ASGI app on the same uvicorn and protocol implementation, answering a
fixed JSON body, against the emulator answering a signed GET of a job and a signed PATCH of a worker (1 KB body).

    .venv/bin/python benchmarks/http_ceiling.py                 # both stores, about a minute
    .venv/bin/python benchmarks/http_ceiling.py --seconds 1 --stores memory

The load comes from ``wrk`` (Debian package ``wrk``: ``apt-get install wrk``), a native client that replays the
same request on every connection, so it costs the server's core little: requests are signed once, before the run
(an HMAC signature stays valid for 15 minutes). Each server runs in its own process; wrk runs one thread with
``--connections`` connections. The servers run side by side and the measurements alternate (bare, then each
emulator), three rounds of ``--seconds`` each, best of each kept. Every measurement must answer 2xx only (a
refused signature would measure the error path): a non-2xx answer stops the run.

``emulator_load.py`` runs this table too, in the same run as the load test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from emulator_process import EmulatorProcess

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from jobrouter_emulator.sdk import compute_signature, content_hash, string_to_sign
from jobrouter_emulator.service import _listening_socket, server_config

API_VERSION = "2023-11-01"
# What the bare app answers: a job document of the size the emulator answers a GET of a job with.
BARE_DOCUMENT = {
    "id": "ceiling-job",
    "channelId": "voice",
    "queueId": "ceiling-queue",
    "priority": 1,
    "status": "queued",
    "enqueuedAt": "2024-01-01T00:00:00.000000+00:00",
    "requestedWorkerSelectors": [],
    "attachedWorkerSelectors": [],
    "assignments": {},
    "labels": {},
    "tags": {},
    "notes": [],
    "matchingMode": {"kind": "queueAndMatch"},
    "etag": '"00000000000000000000000000000000"',
}
BARE_BODY = json.dumps(BARE_DOCUMENT, separators=(",", ":")).encode()


async def _answer(receive, send, body: bytes, headers: list) -> None:  # type: ignore[no-untyped-def]
    """Read the request's body to its end, then answer 200 with ``body`` and ``headers``."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def bare_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """The ceiling: read the request body, answer 200 with a fixed JSON body."""
    if scope["type"] == "http":
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BARE_BODY)).encode())]
        await _answer(receive, send, BARE_BODY, headers)


async def answer_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """A stage between the bare app and the emulator: the emulator's answer (the body encoded with json.dumps on every
    request, ETag and Last-Modified), still without Starlette."""
    if scope["type"] == "http":
        body = json.dumps(BARE_DOCUMENT, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        headers = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
            (b"etag", b'"00000000000000000000000000000000"'),
            (b"last-modified", b"Mon, 01 Jan 2024 00:00:00 GMT"),
        ]
        await _answer(receive, send, body, headers)


async def starlette_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """The next stage: the same answer through Starlette's Request (body) and JSONResponse, as the emulator has it."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    await Request(scope, receive).body()
    headers = {"ETag": '"00000000000000000000000000000000"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}
    await JSONResponse(BARE_DOCUMENT, headers=headers)(scope, receive, send)


APPS = {"bare": bare_app, "answer": answer_app, "starlette": starlette_app}


def serve_bare(name: str) -> None:
    """Serve one of :data:`APPS` as the emulator serves its app: the same uvicorn configuration and listening socket
    (``jobrouter_emulator/service.py``), printing the port first."""
    import uvicorn

    # The emulator's own listening socket: its protocol number (IPPROTO_TCP) is what makes asyncio set TCP_NODELAY
    # on accepted connections; a plain socket.socket() has 0 there, and each answer then waits 40 ms for the
    # client's delayed ACK (Nagle), a ceiling of 20 requests/s per connection.
    sock = _listening_socket("127.0.0.1", 0)
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(server_config(APPS[name], "127.0.0.1", 0)).run(sockets=[sock])


class BareServer:
    def __init__(self, name: str = "bare") -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-bare", name],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.endpoint = f"http://127.0.0.1:{int(self.process.stdout.readline())}/"  # type: ignore[union-attr]
        time.sleep(0.5)  # uvicorn's loop is running

    def __enter__(self) -> BareServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass(frozen=True)
class SignedRequest:
    method: str
    url: str
    headers: Dict[str, str]
    body: bytes


def sign(
    access_key: str, method: str, url: str, body: bytes = b"", content_type: Optional[str] = None
) -> SignedRequest:
    """A request signed as the SDK signs it (same functions), to be replayed unchanged for up to 15 minutes."""
    parts = urlsplit(url)
    date = formatdate(usegmt=True)
    body_hash = content_hash(body)
    path_and_query = parts.path + (f"?{parts.query}" if parts.query else "")
    signature = compute_signature(access_key, string_to_sign(method, path_and_query, date, parts.netloc, body_hash))
    headers = {
        "x-ms-date": date,
        "x-ms-content-sha256": body_hash,
        "Authorization": f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}",
        "Accept": "application/json",
    }
    if content_type:
        headers["Content-Type"] = content_type
    return SignedRequest(method, url, headers, body)


def worker_patch_body() -> bytes:
    """A 1 KB merge-patch of a worker that is not available for offers (so no routing follows the write)."""
    labels = {f"skill{index:02d}": index for index in range(40)}
    body = {"capacity": 1, "queues": ["ceiling-queue"], "labels": labels, "availableForOffers": False}
    text = json.dumps(body, separators=(",", ":"))
    body["tags"] = {"pad": "x" * max(0, 1024 - len(text) - 18)}
    encoded = json.dumps(body, separators=(",", ":")).encode()
    assert 1000 <= len(encoded) <= 1100, len(encoded)
    return encoded


def _lua(request: SignedRequest, folder: Path) -> Path:
    """A wrk script that sends ``request`` on every connection (the body read from a file: no escaping)."""
    body_file = folder / "body.bin"
    body_file.write_bytes(request.body)
    lines = [f'wrk.method = "{request.method}"']
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in request.headers.items()]
    lines.append(f'local f = io.open("{body_file}", "rb"); wrk.body = f:read("*a"); f:close()')
    script = folder / "request.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def wrk(request: SignedRequest, seconds: float, connections: int) -> Tuple[float, float, float]:
    """Replay ``request`` for ``seconds``: (requests/s, p50 ms, p99 ms). Raises if any answer is not 2xx."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder:
        script = _lua(request, Path(folder))
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            str(script),
            request.url,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"{request.method} {request.url} did not answer 2xx only:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def percentile(name: str) -> float:
        value, unit = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rate, percentile("50"), percentile("99")


def prepare_emulator(connection_string: str) -> Tuple[SignedRequest, SignedRequest]:
    """A queued job and a worker in the emulator; the signed GET of the job and the signed 1 KB PATCH of the worker."""
    admin = JobRouterAdministrationClient.from_connection_string(connection_string)
    client = JobRouterClient.from_connection_string(connection_string)
    admin.upsert_distribution_policy("ceiling-policy", offer_expires_after_seconds=60, mode=LongestIdleMode())
    admin.upsert_queue("ceiling-queue", distribution_policy_id="ceiling-policy")
    client.upsert_job("ceiling-job", channel_id="voice", queue_id="ceiling-queue")
    body = worker_patch_body()
    client.upsert_worker("ceiling-worker", json.loads(body))
    admin.close()
    client.close()
    endpoint = connection_string.split(";")[0].split("=", 1)[1].rstrip("/")
    key = connection_string.split("accesskey=", 1)[1]
    get = sign(key, "GET", f"{endpoint}/routing/jobs/ceiling-job?api-version={API_VERSION}")
    patch = sign(
        key,
        "PATCH",
        f"{endpoint}/routing/workers/ceiling-worker?api-version={API_VERSION}",
        body,
        "application/merge-patch+json",
    )
    return get, patch


STAGES = {
    "bare": "bare app: fixed body, two headers",
    "answer": "+ the emulator's answer: body encoded per request, ETag, Last-Modified",
    "starlette": "+ Starlette's Request (body) and JSONResponse",
}


def ceiling_rows(
    seconds: float,
    connections: int,
    stores: List[str],
    rounds: int = 3,
    stages: bool = False,
    compare_with: Optional[str] = None,
) -> Tuple[List[Dict[str, object]], Dict[Tuple[str, str], Tuple[float, float, float]]]:
    """The bare app's GET and 1 KB PATCH against the emulator's signed GET of a job and PATCH of a worker per store.

    Every server runs for the whole measurement (an idle one costs nothing) and the measurements alternate, bare
    then emulators, ``rounds`` times; the best of each is kept, so a noisy neighbour on the machine hits both sides
    alike rather than one of them. With ``stages``, the GETs of :data:`STAGES` between the bare app and the emulator
    run in the same rounds, and with ``compare_with`` (another checkout) an emulator of that code per store too.
    Returns the rows and every best figure, by (server, method)."""
    names = {"GET": "signed GET of a job", "PATCH": "signed PATCH of a worker (1 KB)"}
    with contextlib.ExitStack() as running:
        bare = running.enter_context(BareServer())
        targets: List[Tuple[str, str, SignedRequest]] = [
            ("bare", "GET", sign("AAAA", "GET", f"{bare.endpoint}routing/jobs/ceiling-job?api-version={API_VERSION}")),
            (
                "bare",
                "PATCH",
                sign(
                    "AAAA", "PATCH", f"{bare.endpoint}routing/workers/w?api-version={API_VERSION}", worker_patch_body()
                ),
            ),
        ]
        for stage in [name for name in STAGES if name != "bare"] if stages else []:
            server = running.enter_context(BareServer(stage))
            url = f"{server.endpoint}routing/jobs/ceiling-job?api-version={API_VERSION}"
            targets.append((stage, "GET", sign("AAAA", "GET", url)))
        emulators = [(store, store, None) for store in stores]
        if compare_with:
            emulators += [(f"{store}, {compare_with}", store, compare_with) for store in stores]
        for name, store, code in emulators:
            emulator = running.enter_context(EmulatorProcess(in_memory=store == "memory", code=code))
            get, patch = prepare_emulator(emulator.connection_string)
            targets += [(name, "GET", get), (name, "PATCH", patch)]
        best: Dict[Tuple[str, str], Tuple[float, float, float]] = {}
        for _ in range(rounds):
            for method in ("GET", "PATCH"):
                for server, kind, request in targets:
                    if kind == method:
                        figures = wrk(request, seconds, connections)
                        if figures[0] > best.get((server, kind), (0.0, 0.0, 0.0))[0]:
                            best[(server, kind)] = figures
    rows: List[Dict[str, object]] = []
    for store in [name for name, _, _ in emulators]:
        for method in ("GET", "PATCH"):
            measured, ceiling = best[(store, method)], best[("bare", method)]
            rows.append(
                {
                    "request": names[method],
                    "store": store,
                    "bare": ceiling,
                    "emulator": measured,
                    "percent": 100 * measured[0] / ceiling[0],
                }
            )
    return rows, best


def print_stage_table(best: Dict[Tuple[str, str], Tuple[float, float, float]], store: str) -> None:
    """GET requests/s and µs per request from the bare app to the emulator, stage by stage."""
    bare = best[("bare", "GET")][0]
    print("| GET, stage | requests/s | µs per request | added (µs) | vs bare |")
    print("| --- | ---: | ---: | ---: | ---: |")
    previous = None
    stages = [(STAGES[name], best[(name, "GET")][0]) for name in STAGES]
    for label, rate in [*stages, (f"the emulator ({store}): signed GET of a job", best[(store, "GET")][0])]:
        added = "" if previous is None else f"{1e6 / rate - 1e6 / previous:+.1f}"
        print(f"| {label} | {rate:,.0f} | {1e6 / rate:.1f} | {added} | {100 * rate / bare:.0f}% |")
        previous = rate


def print_ceiling_table(rows: List[Dict[str, object]]) -> None:
    print(
        "| request | store | bare app requests/s | emulator requests/s | emulator / bare | "
        "bare p50 / p99 (ms) | emulator p50 / p99 (ms) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        bare, emulator = row["bare"], row["emulator"]
        print(
            f"| {row['request']} | {row['store']} | {bare[0]:,.0f} | {emulator[0]:,.0f} | {row['percent']:.0f}% | "  # type: ignore[index]
            f"{bare[1]:.2f} / {bare[2]:.2f} | {emulator[1]:.2f} / {emulator[2]:.2f} |",  # type: ignore[index]
            flush=True,
        )


def stack_description() -> str:
    """Which uvicorn, HTTP parser and event loop both servers run on."""
    import importlib.util

    import uvicorn

    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"uvicorn {uvicorn.__version__}, {parser}, {loop} loop, one process each"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement")
    parser.add_argument("--connections", type=int, default=32, help="wrk's connections")
    parser.add_argument("--stores", default="memory,sqlite")
    parser.add_argument("--stages", action="store_true", help="also the stages between the bare app and the emulator")
    parser.add_argument("--compare-with", metavar="CHECKOUT", help="also the emulator of another checkout (before)")
    parser.add_argument("--serve-bare", choices=sorted(APPS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0
    print(f"Server stack: {stack_description()}; load: wrk, 1 thread, {args.connections} connections\n")
    stores = args.stores.split(",")
    rows, best = ceiling_rows(
        args.seconds, args.connections, stores, stages=args.stages, compare_with=args.compare_with
    )
    print_ceiling_table(rows)
    if args.stages:
        print()
        print_stage_table(best, stores[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
