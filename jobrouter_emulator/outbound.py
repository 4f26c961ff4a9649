"""Every HTTP call the emulator makes to a URL that a user named: webhook deliveries, their handshakes, and function
and webhook rule calls. Such a server is not trusted, so each call is bounded whatever the server does:

- **one deadline per call.** A socket timeout bounds each read, so a server sending a byte every few seconds would
  hold a call for ever. A watchdog thread therefore shuts the connection down when the deadline passes, wherever the
  call is (connecting, sending, waiting for headers, reading the body), and the call raises :class:`NoAnswer`;
- **answers read up to a cap** (:data:`MAX_ANSWER_BYTES`, 1 MB): a larger answer ends the call with
  :class:`AnswerTooLarge` once the cap is passed (or at once when ``Content-Length`` says so), and its connection is
  closed, so a 200 MB answer costs at most 1 MB of memory. Bodies are asked for and read as sent
  (``Accept-Encoding: identity``, no decompression), so a compressed answer cannot expand past the cap either;
- **redirects are not followed**: a 3xx is the answer (Event Grid does not follow them either);
- **nothing kept between calls**: one connection per call, closed after it, so subscribers that come and go leave
  nothing behind.

Calls are synchronous and run on the caller's thread (the delivery pool's, the router's rule-call threads): the
standard library's ``http.client`` over a connection the watchdog can shut. It verifies TLS certificates against the
system's trust store.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import json as json_module
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Set
from urllib.parse import urlencode, urlsplit

MAX_ANSWER_BYTES = 1024 * 1024
READ_SIZE = 64 * 1024


class OutboundError(Exception):
    """A call that got no usable answer; ``str(error)`` says why, for logs and dead-letter reasons."""


class NoAnswer(OutboundError):
    """The deadline passed before the whole answer was in."""


class AnswerTooLarge(OutboundError):
    """The answer's body passed the cap. ``status`` is the status the server gave with it."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(OutboundError):
    """No connection, or the connection broke (refused, reset, DNS, TLS, a malformed answer)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Dict[str, str]  # lower-case names
    body: bytes


class _Call:
    """One call under watch: its connection, and whether the watchdog ended it."""

    __slots__ = ("deadline", "order", "sock", "expired", "done")

    def __init__(self, deadline: float, order: int) -> None:
        self.deadline = deadline
        self.order = order
        # Kept here: http.client lets go of its socket once it has the headers of an answer that ends the connection.
        self.sock: Optional[socket.socket] = None
        self.expired = False
        self.done = False

    def __lt__(self, other: _Call) -> bool:
        return (self.deadline, self.order) < (other.deadline, other.order)

    def shut(self) -> None:
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv or send on it
            except OSError:
                pass


class _Watchdog:
    """One thread that shuts the connection of each call still running at its deadline."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._calls: List[_Call] = []
        self._running: Set[_Call] = set()
        self._order = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def watch(self, deadline: float) -> _Call:
        call = _Call(deadline, next(self._order))
        with self._condition:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="jobrouter-outbound-watchdog", daemon=True)
                self._thread.start()
            heapq.heappush(self._calls, call)
            self._running.add(call)
            if self._calls[0] is call:
                self._condition.notify()
        return call

    def done(self, call: _Call) -> None:
        with self._condition:
            call.done = True
            self._running.discard(call)

    def shut_all(self) -> None:
        with self._condition:
            calls = list(self._running)
        for call in calls:
            call.shut()

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._calls and self._calls[0].done:
                    heapq.heappop(self._calls)
                if not self._calls:
                    self._condition.wait()
                    continue
                wait = self._calls[0].deadline - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                call = heapq.heappop(self._calls)
                call.expired = True
            call.shut()


class BoundedHttp:
    """Bounded outbound calls; thread-safe, one watchdog thread (started on the first call) for all of them."""

    def __init__(self, *, max_answer_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.max_answer_bytes = max_answer_bytes
        self._watchdog = _Watchdog()
        self._tls = ssl.create_default_context()
        self._closed = False

    def request(
        self,
        method: str,
        url: str,
        *,
        deadline: float,
        content: Optional[bytes] = None,
        json: Any = None,
        data: Optional[Mapping[str, str]] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[Mapping[str, str]] = None,
    ) -> Answer:
        """One request, its whole answer read by ``deadline`` (a ``time.monotonic()`` value). The body is
        ``content`` as is, ``json`` serialized, or ``data`` form-encoded; ``params`` are added to the query."""
        if self._closed:
            raise OutboundError("the emulator is stopping")
        sent = {"Accept-Encoding": "identity", **(headers or {})}
        if json is not None:
            content = json_module.dumps(json).encode()
            sent.setdefault("Content-Type", "application/json")
        elif data is not None:
            content = urlencode(data).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if params:
            target += ("&" if parts.query else "?") + urlencode(params)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NoAnswer("no time left to call")
        try:
            port = parts.port
        except ValueError:
            raise Unreachable(f"the URL {url!r} has no valid port") from None
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname or "", port, timeout=remaining, context=self._tls)
        elif parts.scheme == "http":
            connection = http.client.HTTPConnection(parts.hostname or "", port, timeout=remaining)
        else:
            raise Unreachable(f"the URL {url!r} is not http or https")
        call = self._watchdog.watch(deadline)
        response: Optional[http.client.HTTPResponse] = None
        try:
            connection.connect()  # bounded by the socket timeout: what is left until the deadline
            call.sock = connection.sock
            if call.expired:
                call.shut()
            connection.request(method, target, body=content, headers=sent)
            response = connection.getresponse()
            body = self._read(response)
            if call.expired:  # shut down mid-answer: what was read is not the answer
                raise NoAnswer(f"no answer within {remaining:.3g} s")
            if response.length:  # the connection ended before the declared length
                raise Unreachable(f"the answer ended {response.length} bytes short")
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        except (AnswerTooLarge, NoAnswer, Unreachable):
            raise
        except (OSError, http.client.HTTPException) as exc:
            if call.expired or time.monotonic() >= deadline:
                raise NoAnswer(f"no answer within {remaining:.3g} s") from None
            if self._closed:
                raise OutboundError("the call was cancelled: the emulator is stopping") from None
            raise Unreachable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
        finally:
            self._watchdog.done(call)
            # The answer may own the socket by now (http.client hands it over when the server ends the connection).
            if response is not None:
                response.close()
            connection.close()
            if call.sock is not None:
                call.sock.close()

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        declared = response.getheader("content-length", "") or ""
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_answer_bytes:
            raise AnswerTooLarge(f"the answer was {declared} bytes, more than {self.max_answer_bytes}", response.status)
        chunks: List[bytes] = []
        size = 0
        while True:
            chunk = response.read(READ_SIZE)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_answer_bytes:
                raise AnswerTooLarge(f"the answer was more than {self.max_answer_bytes} bytes", response.status)
            chunks.append(chunk)

    def close(self) -> None:
        """Refuse new calls and end those under way (their callers get an OutboundError)."""
        self._closed = True
        self._watchdog.shut_all()
