"""A loopback HTTP/1.1 server that records each request as its bytes arrived, and answers with ``status`` (200 with
a small JSON body by default, an error body in the service's shape otherwise).

No HTTP framework sits in between, so the request line is exactly what the client's transport put on the wire. It
uses the standard library only: ``error_table_probe.py`` runs it under other interpreters too.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Dict, List

BODY = b'{"id": "recorded", "value": []}'


@dataclass
class RawRequest:
    request_line: bytes
    headers: Dict[str, str]
    body: bytes

    @property
    def method(self) -> str:
        return self.request_line.split(b" ")[0].decode("ascii")

    @property
    def target(self) -> str:
        """The path and query of the request line, as sent (ASCII by HTTP/1.1)."""
        return self.request_line.split(b" ")[1].decode("ascii")


@dataclass
class LoopbackServer:
    requests: List[RawRequest] = field(default_factory=list)
    status: int = 200

    def __post_init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._socket.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as stream:
            while True:
                request_line = stream.readline().rstrip(b"\r\n")
                if not request_line:
                    return
                headers: Dict[str, str] = {}
                for line in iter(stream.readline, b"\r\n"):
                    if not line:
                        return
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = stream.read(int(headers.get("content-length", "0")))
                self.requests.append(RawRequest(request_line, headers, body))
                status = self.status
                answer = BODY if status < 300 else b"" if status == 304 else _error_body(status)
                connection.sendall(
                    b"HTTP/1.1 %d Status\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (status, len(answer), answer)
                )


def _error_body(status: int) -> bytes:
    return json.dumps(
        {"communicationError": {"code": f"Status{status}", "message": "from the loopback server"}}
    ).encode()
