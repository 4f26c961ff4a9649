"""Hostile requests, one table row each: the emulator answers the 4xx that says what is wrong (in the service's error
body), stores nothing (the resource and the event feed are as they were) and keeps serving (GET and LIST of the
collection answer 200). Rows with poisoned values also restart the emulator on the same data directory and read
the collection again, since a stored poison once broke every later read, restarts included.

The emulator runs over real HTTP (uvicorn, SQLite) with short timeouts, so that the rows about slow clients take
half a second. Requests are signed with the emulator's key unless a row is about signatures.
"""

from __future__ import annotations

import base64
import json
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import httpx
import pytest

from jobrouter_emulator import EmbeddedEmulator, HmacAuth
from jobrouter_emulator.auth import DEFAULT_ACCESS_KEY
from jobrouter_emulator.engine.rules.powerfx import MAX_EXPRESSION_CHARS
from jobrouter_emulator.engine.times import format_http_date
from jobrouter_emulator.httpx_auth import hmac_headers
from jobrouter_emulator.limits import Limits
from jobrouter_emulator.sdk import authorization_header, compute_signature, string_to_sign
from jobrouter_emulator.store import SQLiteStore

API = "api-version=2023-11-01"
LIMITS = Limits(idle_timeout=0.5, header_timeout=0.5, body_timeout=0.5, max_header_bytes=16 * 1024)


class Emulator:
    """An emulator on a data directory that survives restarts, and the requests the rows send to it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.running = EmbeddedEmulator(in_memory=False, data_dir=data_dir, limits=LIMITS).start()

    def restart(self) -> None:
        self.running.stop()
        self.running = EmbeddedEmulator(in_memory=False, data_dir=self.data_dir, limits=LIMITS).start()

    @property
    def address(self) -> Tuple[str, int]:
        parts = urlsplit(self.running.endpoint)
        return parts.hostname or "", parts.port or 0

    @property
    def host(self) -> str:
        return "{}:{}".format(*self.address)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Optional[Dict[str, str]] = None,
        sign: bool = True,
    ) -> httpx.Response:
        """``body``: bytes or text sent as they are (poisons are not JSON that Python writes), else JSON."""
        if isinstance(body, (bytes, str)):
            content = body.encode() if isinstance(body, str) else body
        else:
            content = b"" if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/merge-patch+json", **(headers or {})}
        url = self.running.endpoint.rstrip("/") + path
        return httpx.request(method, url, content=content, headers=sent, auth=HmacAuth() if sign else None)

    def raw(self, data: bytes, *, read: bool = True) -> Tuple[int, Any]:
        """``data`` on a connection of its own (sent from another thread, so that the answer is read even if the
        server answers before taking it all), then the answer: (status, JSON body); (0, None) when the server
        closed the connection without one."""
        with socket.create_connection(self.address, timeout=10) as connection:

            def send() -> None:
                try:
                    connection.sendall(data)
                except OSError:  # the server answered and closed before taking everything: what some rows test
                    pass

            sender = threading.Thread(target=send)
            sender.start()
            if not read:
                sender.join()
                return 0, None
            received = b""
            while not _complete(received):
                try:
                    chunk = connection.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                received += chunk
            connection.shutdown(socket.SHUT_RDWR)  # the sender, if still sending, stops
            sender.join()
        if not received:
            return 0, None
        head, _, body = received.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), json.loads(body) if body else None

    def signed_head(self, method: str, path: str, body: bytes, extra: str = "") -> bytes:
        """A request's line and headers, signed for ``body``; ``extra`` adds header lines."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", "Content-Type: application/merge-patch+json"]
        lines += [f"{k}: {v}" for k, v in hmac_headers(method, path, self.host, body).items()]
        return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()

    def events(self) -> int:
        """The sequence number of the newest event."""
        last, page = 0, [None]
        while page:
            page = self.call("GET", f"/_emulator/events?since={last}").json()["value"]
            last = page[-1]["sequence"] if page else last
        return last


def _complete(received: bytes) -> bool:
    """Whether ``received`` holds a whole response (its head and as many bytes as its Content-Length says)."""
    head, separator, body = received.partition(b"\r\n\r\n")
    if not separator:
        return False
    lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    return bool(lengths) and len(body) >= int(lengths[0])


@pytest.fixture(scope="module")
def emulator(tmp_path_factory) -> Iterator[Emulator]:
    running = Emulator(tmp_path_factory.mktemp("hostile"))
    setup = [
        ("distributionPolicies/dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}}),
        ("queues/q", {"distributionPolicyId": "dp"}),
        ("classificationPolicies/cp", {"fallbackQueueId": "q"}),
        ("exceptionPolicies/ep", {"exceptionRules": []}),
        ("workers/w", {"capacity": 1, "queues": ["q"], "labels": {"skill": 5}}),
        ("jobs/j", {"channelId": "voice", "queueId": "q", "matchingMode": {"kind": "suspend"}}),
    ]
    for path, body in setup:
        assert running.call("PATCH", f"/routing/{path}?{API}", body).status_code == 201
    time.sleep(0.2)  # routing of the job (it waits for activation) is done
    yield running
    running.running.stop()


@dataclass(frozen=True)
class Row:
    """A hostile request: ``send`` makes it; ``status`` (and ``code``, ``target`` if given) is the answer; nothing
    of ``collection``/``key`` changes; ``poison`` rows are read again after a restart."""

    name: str
    send: Callable[[Emulator], Tuple[int, Any]]
    status: int
    collection: str = "workers"
    key: str = "w"
    code: Optional[str] = None
    target: Optional[str] = None
    poison: bool = False
    during: Optional[Callable[[pytest.MonkeyPatch], None]] = field(default=None)


def patch(collection: str, key: str, body: Any, **options: Any) -> Callable[[Emulator], Tuple[int, Any]]:
    def send(emulator: Emulator) -> Tuple[int, Any]:
        response = emulator.call("PATCH", f"/routing/{collection}/{key}?{API}", body, **options)
        return response.status_code, response.json() if response.content else None

    return send


def call(method: str, path: str, body: Any = None, **options: Any) -> Callable[[Emulator], Tuple[int, Any]]:
    def send(emulator: Emulator) -> Tuple[int, Any]:
        response = emulator.call(method, path, body, **options)
        return response.status_code, response.json() if response.content else None

    return send


def poison(name: str, collection: str, key: str, body: str, target: str, status: int = 400) -> Row:
    return Row(name, patch(collection, key, body), status, collection, key, "BadRequest", target, poison=True)


def _nested(depth: int) -> str:
    return '{"capacity": 1, "labels": {"deep": ' + "[" * depth + "]" * depth + "}}"


def _token(inner: Dict[str, Any]) -> str:
    page = base64.urlsafe_b64encode(json.dumps(inner).encode()).decode()
    return base64.urlsafe_b64encode(json.dumps({"page": page, "query": {}}).encode()).decode()


def _expression(text: str) -> Dict[str, Any]:
    return {"fallbackQueueId": "q", "prioritizationRule": {"kind": "expression", "expression": text}}


def _raw(request: Callable[[Emulator], bytes], **options: Any) -> Callable[[Emulator], Tuple[int, Any]]:
    return lambda emulator: emulator.raw(request(emulator), **options)


def _patch_w(emulator: Emulator, signed: bytes, sent: bytes) -> bytes:
    """A PATCH of worker w signed for the body ``signed``, with ``sent`` as its body (of ``signed``'s length)."""
    head = emulator.signed_head("PATCH", f"/routing/workers/w?{API}", signed, f"Content-Length: {len(signed)}\r\n")
    return head + sent


def _unsigned_head(emulator: Emulator, method: str, *headers: str) -> bytes:
    """The line and headers of an unsigned request for worker w."""
    lines = [f"{method} /routing/workers/w?{API} HTTP/1.1", f"Host: {emulator.host}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _signed_for_hash(emulator: Emulator, body_hash: str) -> bytes:
    """A PATCH of w with a 2-byte body whose signature is valid for the ``x-ms-content-sha256`` value ``body_hash``
    (which the body then does not match)."""
    path, date = f"/routing/workers/w?{API}", format_http_date(datetime.now(timezone.utc))
    signature = compute_signature(DEFAULT_ACCESS_KEY, string_to_sign("PATCH", path, date, emulator.host, body_hash))
    head = [
        f"PATCH {path} HTTP/1.1",
        f"Host: {emulator.host}",
        f"x-ms-date: {date}",
        f"x-ms-content-sha256: {body_hash}",
        f"Authorization: {authorization_header(signature)}",
        "Content-Length: 2",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")


def _refusing_commit(error: Exception) -> Callable[[pytest.MonkeyPatch], None]:
    def refuse(monkeypatch: pytest.MonkeyPatch) -> None:
        def commit(self: SQLiteStore, batch: Any) -> Any:
            raise error

        monkeypatch.setattr(SQLiteStore, "commit", commit)

    return refuse


LARGE = LIMITS.max_body_bytes
ROWS: List[Row] = [
    # 1. Poisoned values: refused at the door, naming the field; nothing stored, even across a restart.
    poison("NaN in a label", "workers", "w", '{"labels": {"skill": NaN}}', "labels.skill"),
    poison("Infinity in a label", "workers", "new-w", '{"capacity": 1, "labels": {"x": Infinity}}', "labels.x"),
    poison("-Infinity in a tag", "jobs", "j", '{"tags": {"t": -Infinity}}', "tags.t"),
    poison(
        "1e400 in a number field",
        "distributionPolicies",
        "dp",
        '{"offerExpiresAfterSeconds": 1e400}',
        "offerExpiresAfterSeconds",
    ),
    poison("a 400-digit integer in a label", "queues", "q", '{"labels": {"n": 1' + "0" * 400 + "}}", "labels.n"),
    poison("a lone surrogate in a label", "workers", "w", '{"labels": {"name": "\\ud800"}}', "labels.name"),
    poison(
        "a lone surrogate in a key",
        "jobs",
        "new-j",
        '{"channelId": "v", "queueId": "q", "labels": {"\\udfff": 1}}',
        "labels.\\udfff",
    ),
    poison("a lone surrogate in a name", "classificationPolicies", "cp", '{"name": "a\\udc00b"}', "name"),
    poison("an int32 field beyond int32", "workers", "w", '{"capacity": 2147483648}', "capacity"),
    poison("a priority beyond int32", "jobs", "j", '{"priority": -2147483649}', "priority"),
    poison(
        "a threshold beyond int32",
        "exceptionPolicies",
        "ep",
        json.dumps(
            {
                "exceptionRules": [
                    {"id": "r", "trigger": {"kind": "queueLength", "threshold": 2**40}, "actions": [{"kind": "cancel"}]}
                ]
            }
        ),
        "exceptionRules[0].trigger.threshold",
    ),
    poison(
        "seconds beyond a century",
        "distributionPolicies",
        "dp",
        '{"offerExpiresAfterSeconds": 1e300}',
        "offerExpiresAfterSeconds",
    ),
    poison(
        "a date before year 1 in UTC",
        "jobs",
        "new-j",
        json.dumps(
            {
                "channelId": "v",
                "queueId": "q",
                "matchingMode": {"kind": "scheduleAndSuspend", "scheduleAt": "0001-01-01T00:00:00+01:00"},
            }
        ),
        "matchingMode.scheduleAt",
    ),
    poison(
        "a date after 9999 in UTC",
        "jobs",
        "j",
        json.dumps({"matchingMode": {"kind": "scheduleAndSuspend", "scheduleAt": "9999-12-31T23:59:59-01:00"}}),
        "matchingMode.scheduleAt",
    ),
    Row(
        "a lone surrogate in an action's note",
        call("POST", f"/routing/jobs/j:cancel?{API}", '{"note": "\\ud83d"}'),
        400,
        "jobs",
        "j",
        "BadRequest",
        "note",
        poison=True,
    ),
    Row(
        "a date out of range in an action",
        call("POST", f"/routing/workers/w/offers/o:decline?{API}", '{"retryOfferAt": "9999-12-31T23:00:00-05:00"}'),
        400,
        "workers",
        "w",
        "BadRequest",
        "retryOfferAt",
        poison=True,
    ),
    # 2. Deep or huge bodies.
    Row(
        "JSON nested 900 levels",
        patch("workers", "w", _nested(900)),
        400,
        code="BadRequest",
        target="labels.deep" + "[0]" * 30,
        poison=True,
    ),
    Row("JSON nested 1,000 levels", patch("workers", "w", _nested(1000)), 400, code="BadRequest", poison=True),
    Row(
        "JSON nested 100,000 levels",
        patch("workers", "new-w", _nested(100_000)),
        400,
        "workers",
        "new-w",
        "BadRequest",
        poison=True,
    ),
    Row(
        "a declared Content-Length over the limit, unsigned and unsent",
        _raw(lambda e: _unsigned_head(e, "PATCH", f"Content-Length: {100 * LARGE}")),
        413,
        code="RequestEntityTooLarge",
    ),
    Row(
        "a chunked body over the limit: reading stops at the limit",
        _raw(
            lambda e: (
                e.signed_head("PATCH", f"/routing/workers/w?{API}", b"", "Transfer-Encoding: chunked\r\n")
                + (b"10000\r\n" + b" " * 0x10000 + b"\r\n") * (LARGE // 0x10000 + 2)
            )
        ),
        413,
        code="RequestEntityTooLarge",
    ),
    Row(
        "an unsigned body: refused before it is sent",
        _raw(lambda e: _unsigned_head(e, "PATCH", f"Content-Length: {LARGE}")),
        401,
        code="Unauthorized",
    ),
    Row(
        "a body over the limit, from a client that sends it all before reading",
        patch("workers", "w", {"labels": {"big": "x" * (LARGE + 1)}}),
        413,
        code="RequestEntityTooLarge",
    ),
    Row(
        "an unsigned megabyte, from a client that sends it all before reading",
        call("PATCH", f"/routing/workers/w?{API}", {"labels": {"big": "x" * (LARGE // 2)}}, sign=False),
        401,
        code="Unauthorized",
    ),
    Row(
        "a body signed for other bytes",
        _raw(lambda e: _patch_w(e, b'{"capacity": 5}', b'{"capacity": 9}')),
        401,
        code="Unauthorized",
    ),
    Row(
        "headers over the size limit",
        _raw(lambda e: _unsigned_head(e, "GET", f"X-Big: {'a' * LIMITS.max_header_bytes}")),
        431,
        code="RequestHeaderFieldsTooLarge",
    ),
    Row(
        "half-sent headers",
        _raw(lambda e: _unsigned_head(e, "PATCH")[:-2]),  # the blank line that ends the head never comes
        408,
        code="RequestTimeout",
    ),
    Row(
        "a half-sent body",
        _raw(lambda e: _patch_w(e, b'{"capacity": 7}', b'{"capa')),
        408,
        code="RequestTimeout",
    ),
    # 3. Signatures with bytes beyond ASCII.
    Row(
        "a non-ASCII byte in the signature",
        _raw(lambda e: _patch_w(e, b"{}", b"{}").replace(b"&Signature=", b"&Signature=\xe9\xff")),
        401,
        code="Unauthorized",
    ),
    Row(
        "a non-ASCII byte in x-ms-content-sha256, signed",
        _raw(lambda e: _signed_for_hash(e, "\xe9") + b"{}"),
        401,
        code="Unauthorized",
    ),
    # 4. The event feed asks for the signature (the health route does not: see the test below).
    Row("the event feed unsigned", call("GET", "/_emulator/events?since=0", sign=False), 401, code="Unauthorized"),
    Row(
        "the event stream unsigned",
        call("GET", "/_emulator/events", sign=False, headers={"Accept": "text/event-stream"}),
        401,
        code="Unauthorized",
    ),
    # 5. PowerFx beyond its limits, refused at upsert.
    Row(
        "2,000 nested parentheses",
        patch("classificationPolicies", "cp", _expression("(" * 2000 + "1" + ")" * 2000)),
        400,
        "classificationPolicies",
        "cp",
        "BadRequest",
        "prioritizationRule.expression",
    ),
    Row(
        "2,000 unary minus signs",
        patch("classificationPolicies", "cp", _expression("-" * 2000 + "1")),
        400,
        "classificationPolicies",
        "cp",
        "BadRequest",
        "prioritizationRule.expression",
    ),
    Row(
        "a 4,000-digit number",
        patch("classificationPolicies", "cp", _expression("9" * 4000)),
        400,
        "classificationPolicies",
        "cp",
        "BadRequest",
        "prioritizationRule.expression",
    ),
    Row(
        "a chain of 500 additions",
        patch("classificationPolicies", "new-cp", {**_expression("+".join(["1"] * 500)), "name": "x"}),
        400,
        "classificationPolicies",
        "new-cp",
        "BadRequest",
        "prioritizationRule.expression",
    ),
    Row(
        "an expression over the length limit",
        patch("classificationPolicies", "cp", _expression('"' + "a" * MAX_EXPRESSION_CHARS + '"')),
        400,
        "classificationPolicies",
        "cp",
        "BadRequest",
        "prioritizationRule.expression",
    ),
    # 6. A store that fails leaves no trace: 507 when its disk is full, 503 otherwise.
    Row(
        "the store's disk is full",
        patch("workers", "w", {"capacity": 4}),
        507,
        code="InsufficientStorage",
        during=_refusing_commit(sqlite3.OperationalError("database or disk is full")),
    ),
    Row(
        "the store fails",
        patch("workers", "new-w", {"capacity": 4}),
        503,
        "workers",
        "new-w",
        code="ServiceUnavailable",
        during=_refusing_commit(OSError(5, "I/O error")),
    ),
    # 7. Ids that are not percent-encoded UTF-8 (%FE and %FF both became U+FFFD, one resource).
    Row("%FE as an id", patch("workers", "%FE", {"capacity": 1}), 400, "workers", "w", "BadRequest"),
    Row("%FF as an id", call("GET", f"/routing/workers/%FF?{API}"), 400, "workers", "w", "BadRequest"),
    Row(
        "an encoded lone surrogate as an id",
        patch("queues", "%ED%A0%80", {"distributionPolicyId": "dp"}),
        400,
        "queues",
        "q",
        "BadRequest",
    ),
    Row(
        "a query that is not UTF-8",
        call("GET", "/routing/workers?api-version=2023-11-01&channelId=%FF"),
        400,
        "workers",
        "w",
        "BadRequest",
    ),
    # 8. Tampered paging tokens.
    Row(
        "a continuation token of 1e999",
        call("GET", f"/routing/workers?{API}&continuationToken={_token({'after': 1e999})}"),
        400,
        target="continuationToken",
    ),
    Row(
        "a continuation token that is not one",
        call("GET", f"/routing/jobs?{API}&continuationToken=!!{'[' * 5000}"),
        400,
        "jobs",
        "j",
        target="continuationToken",
    ),
    Row(
        "a continuation token nested deep",
        call("GET", f"/routing/queues?{API}&continuationToken={base64.urlsafe_b64encode(b'[' * 5000).decode()}"),
        400,
        "queues",
        "q",
        target="continuationToken",
    ),
    # 11. Every error in the service's body, whatever the path, method or request.
    Row("a path outside /routing", call("GET", "/nothing/here"), 404, code="NotFound"),
    Row("OPTIONS", call("OPTIONS", f"/routing/workers/w?{API}"), 405, code="MethodNotAllowed"),
    Row("TRACE", call("TRACE", f"/routing/workers?{API}"), 405, code="MethodNotAllowed"),
    Row("PUT on a resource", call("PUT", f"/routing/workers/w?{API}", {"capacity": 2}), 405, code="MethodNotAllowed"),
    Row("a request that is not HTTP", _raw(lambda e: b"\x16\x03\x01 hello, not http\r\n\r\n"), 400, code="BadRequest"),
    Row(
        "a non-ASCII byte in the path",
        _raw(lambda e: f"GET /routing/workers/\xe9?{API} HTTP/1.1\r\nHost: {e.host}\r\n\r\n".encode("latin-1")),
        400,
        code="BadRequest",
    ),
]


def _read(emulator: Emulator, collection: str, key: str) -> Tuple[int, Any, int]:
    """(status of GET of the resource, its body, status of LIST of the collection)."""
    got = emulator.call("GET", f"/routing/{collection}/{key}?{API}")
    listed = emulator.call("GET", f"/routing/{collection}?{API}")
    return got.status_code, got.json() if got.status_code == 200 else None, listed.status_code


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_hostile_request(emulator: Emulator, row: Row, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _read(emulator, row.collection, row.key)
    events = emulator.events()
    if row.during is not None:
        row.during(monkeypatch)
    status, body = row.send(emulator)
    monkeypatch.undo()
    assert status == row.status, body
    assert set(body) == {"communicationError"} and body["communicationError"]["message"], body
    if row.code is not None:
        assert body["communicationError"]["code"] == row.code, body
    if row.target is not None:
        assert body["communicationError"]["target"] == row.target, body
    # Nothing stored: the resource (or its absence) and the event feed are as they were; reads work.
    after = _read(emulator, row.collection, row.key)
    assert after == before and after[2] == 200
    assert emulator.events() == events
    if row.poison:
        emulator.restart()
        assert _read(emulator, row.collection, row.key) == before


def test_health_is_open_and_head_answers_like_get(emulator: Emulator) -> None:
    assert emulator.call("GET", "/_emulator/health", sign=False).json() == {"status": "ok"}
    assert emulator.call("HEAD", "/_emulator/health", sign=False).status_code == 200
    got = emulator.call("GET", f"/routing/workers/w?{API}")
    head = emulator.call("HEAD", f"/routing/workers/w?{API}")
    assert head.status_code == 200 and head.content == b""
    assert (
        head.headers["ETag"] == got.headers["ETag"] and head.headers["Content-Length"] == got.headers["Content-Length"]
    )
    assert emulator.call("HEAD", f"/routing/workers?{API}").status_code == 200
    feed = emulator.call("GET", "/_emulator/events?since=0")
    assert feed.status_code == 200 and feed.json()["value"][0]["sequence"] == 1


def test_an_idle_connection_is_closed(emulator: Emulator) -> None:
    started = time.monotonic()
    assert emulator.raw(b"") == (0, None)  # the server closes it without a word
    assert time.monotonic() - started < 5


def test_a_client_leaving_mid_upload_is_one_line_in_the_log(emulator: Emulator, caplog) -> None:
    with caplog.at_level("INFO"):
        emulator.raw(_patch_w(emulator, b'{"capacity": 8}', b'{"cap'), read=False)  # and the socket closes
        time.sleep(0.2)
    lines = [r for r in caplog.records if "disconnected" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None, [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert _read(emulator, "workers", "w")[1]["capacity"] == 1


def test_a_server_fault_is_a_json_500(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(type(emulator.running.router), "get_queue_statistics", broken)
    response = emulator.call("GET", f"/routing/queues/q/statistics?{API}")
    assert response.status_code == 500
    assert response.json()["communicationError"]["code"] == "InternalError"
