"""Webhooks that attack their caller: a huge answer, or an answer trickled a byte at a time. Both agree to the
validation handshake (so the attack hits deliveries) and count what they managed to send."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._webhook import Received, Webhook

CHUNK = b"x" * 65536


class HostileWebhook:
    """``mode``: ``"huge"`` answers 200 with ``size`` bytes (declared or chunked); ``"trickle"`` answers 200, then sends
    one byte of its body every ``every`` seconds."""

    def __init__(self, mode: str, *, size: int = 200 * 1024 * 1024, declared: bool = True, every: float = 0.2) -> None:
        self.bytes_sent = 0
        self.notifications = 0
        self._lock = threading.Lock()
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received = Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if not received.is_notification:
                    status, headers, answer = Webhook.default(received)
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                with hostile._lock:
                    hostile.notifications += 1
                self.send_response(200)
                total = size if mode == "huge" else 100
                if mode == "trickle" or declared:
                    self.send_header("Content-Length", str(total))
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    if mode == "trickle":
                        for _ in range(total):
                            self._send(b"x")
                            time.sleep(every)
                    else:
                        for _ in range(total // len(CHUNK)):
                            self._send(CHUNK if declared else b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                        if not declared:
                            self.wfile.write(b"0\r\n\r\n")
                except OSError:  # the caller hung up: what it wanted
                    self.close_connection = True

            def _send(self, data: bytes) -> None:
                self.wfile.write(data)
                self.wfile.flush()
                with hostile._lock:
                    hostile.bytes_sent += len(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def url(self, path: str = "/events") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
