"""The bounded outbound helper on its own, against raw sockets that misbehave where httpx's per-read timeouts could
not stop them: headers a byte at a time, and a call cut short when the emulator stops."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from jobrouter_emulator.outbound import BoundedHttp, NoAnswer, OutboundError


class RawServer:
    """Accepts connections and hands each to ``serve(connection)`` on a thread of its own."""

    def __init__(self, serve) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self._serve = serve
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._run, args=(connection,), daemon=True).start()

    def _run(self, connection: socket.socket) -> None:
        try:
            connection.recv(65536)
            self._serve(connection)
        except OSError:
            pass
        finally:
            connection.close()

    def close(self) -> None:
        self.listener.close()


def _trickled_headers(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(100):  # a header line a byte every 0.1 s: 10 s for the headers alone
        connection.sendall(b"X")
        time.sleep(0.1)


def test_headers_sent_a_byte_at_a_time_end_at_the_deadline():
    server = RawServer(_trickled_headers)
    http = BoundedHttp()
    try:
        started = time.monotonic()
        with pytest.raises(NoAnswer):
            http.request("POST", server.url, deadline=started + 0.5, content=b"[]")
        assert time.monotonic() - started < 2.0
    finally:
        http.close()
        server.close()


def test_closing_ends_the_calls_under_way():
    server = RawServer(lambda connection: time.sleep(20))  # never answers
    http = BoundedHttp()
    failures = []

    def call() -> None:
        try:
            http.request("POST", server.url, deadline=time.monotonic() + 30, content=b"[]")
        except OutboundError as exc:
            failures.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.3)
    started = time.monotonic()
    http.close()
    caller.join(5)
    assert not caller.is_alive() and len(failures) == 1 and time.monotonic() - started < 2.0
    with pytest.raises(OutboundError, match="stopping"):
        http.request("GET", server.url, deadline=time.monotonic() + 1)
    server.close()
