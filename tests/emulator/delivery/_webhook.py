"""A loopback webhook for delivery tests: answers both handshakes with the events module's helpers, records every
request, and lets a test script its answers (fail N times, stall, refuse the handshake)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple

from azure.communication.jobrouter.events import cloudevents_handshake_headers, subscription_validation_response

Answer = Tuple[int, Dict[str, str], bytes]


@dataclass
class Received:
    method: str
    path: str
    headers: Dict[str, str]  # lower-case names
    body: bytes

    @property
    def events(self) -> List[Dict[str, Any]]:
        payload = json.loads(self.body)
        return payload if isinstance(payload, list) else [payload]

    @property
    def is_notification(self) -> bool:
        return self.method == "POST" and self.headers.get("aeg-event-type") == "Notification"


class Webhook:
    """``answer(received)`` may return (status, headers, body) to override the default: agree to handshakes, 200 to
    notifications."""

    def __init__(self, answer: Optional[Callable[[Received], Optional[Answer]]] = None) -> None:
        self.answer = answer
        self.received: List[Received] = []
        self._lock = threading.Lock()
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                with webhook._lock:
                    webhook.received.append(received)
                status, headers, body = (webhook.answer and webhook.answer(received)) or webhook.default(received)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_OPTIONS = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    @staticmethod
    def default(received: Received) -> Answer:
        if received.method == "OPTIONS":
            return 200, cloudevents_handshake_headers(received.headers), b""
        validation = subscription_validation_response(received.body)
        if validation is not None:
            return 200, {"Content-Type": "application/json"}, json.dumps(validation).encode()
        return 200, {}, b""

    def url(self, path: str = "/events") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def requests(self, path: Optional[str] = None) -> List[Received]:
        with self._lock:
            return [r for r in self.received if path is None or r.path == path]

    def notifications(self, path: Optional[str] = None) -> List[Received]:
        return [r for r in self.requests(path) if r.is_notification]

    def events(self, path: Optional[str] = None) -> List[Dict[str, Any]]:
        return [event for r in self.notifications(path) for event in r.events]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
