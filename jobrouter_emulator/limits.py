"""What the emulator accepts from a client and how long it waits, in one place (``EmulatorSettings.limits``).

The defaults suit a development machine: far above what the SDK sends, far below what would let one client hold
the emulator for everyone else. Tests shorten the timeouts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 2 * 1024 * 1024  # a request body; a declared Content-Length above it is refused unread
    max_header_bytes: int = 64 * 1024  # the request line and headers of one request
    idle_timeout: float = 5.0  # a connection with no request under way is closed after this many seconds
    header_timeout: float = 10.0  # from a request's first byte to the end of its headers
    body_timeout: float = 30.0  # from the end of a request's headers to the end of its body
    rule_call_deadline: float = 10.0  # one function or webhook rule call, token and retries included
    max_rule_response_bytes: int = 1024 * 1024  # the answer of a function or webhook rule, or of a token server
