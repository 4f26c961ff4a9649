"""The emulator's HTTP/1.1 connections: uvicorn's httptools protocol with the timeouts and limits a server shared by
every test of a developer's machine needs, and the service's JSON error body where uvicorn would answer plain text.

- **idle**: a connection with no request under way (just opened, or between requests) is closed after
  ``Limits.idle_timeout`` (uvicorn only times out connections that have already had a response);
- **headers**: a request's line and headers must arrive within ``Limits.header_timeout`` of its first byte and hold
  at most ``Limits.max_header_bytes`` (408 or 431, then the connection is closed);
- **body**: the body must arrive within ``Limits.body_timeout`` of the headers (408, connection closed). A request
  refused before its body was read (too large, unsigned) is answered at once; the rest of its body is then discarded
  as it comes, within the same timeout, so that the client, which may be sending it all before reading, gets the
  answer rather than a reset connection;
- a request that is not HTTP gets a JSON 400 rather than uvicorn's text.

Each of these is logged in one line.
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any, Optional, Type

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .api.errors import TIMED_OUT
from .engine.errors import BadRequest, HeadersTooLarge, RequestTimeout, RouterError
from .limits import Limits

logger = logging.getLogger(__name__)


def raw_error_response(error: RouterError) -> bytes:
    """A complete HTTP response carrying ``error`` in the service's body, closing the connection."""
    body = json.dumps(error.to_body()).encode("utf-8")
    return b"".join(
        [
            f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n".encode("ascii"),
            b"content-type: application/json\r\n",
            f"content-length: {len(body)}\r\n".encode("ascii"),
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class _StopParsing(Exception):
    """Raised from a parser callback to stop parsing a request that has been refused."""


class EmulatorHttpProtocol(HttpToolsProtocol):
    """uvicorn's protocol for one connection, with :class:`~jobrouter_emulator.limits.Limits` (a subclass made by
    :func:`protocol_class` carries them)."""

    limits = Limits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: Optional[asyncio.TimerHandle] = None
        self._body_timer: Optional[asyncio.TimerHandle] = None
        # Bytes received while the request's head was incomplete (None when no head is being read): a header that
        # never ends reaches no parser callback. A head that arrived whole is measured when it is complete.
        self._head_received: Optional[int] = None

    # -- connection -----------------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn arms its keep-alive timer only after a response: a connection that never sends a request would
        # be kept for ever. The same timer (cancelled by the first byte) closes it.
        self._idle()

    def _idle(self) -> None:
        self._unset_keepalive_if_required()
        self.timeout_keep_alive_task = self.loop.call_later(self.limits.idle_timeout, self.timeout_keep_alive_handler)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_received is not None and not self.transport.is_closing():
            self._head_received += len(data)
            if self._head_received > self.limits.max_header_bytes:
                self._head_too_large()

    def _head_too_large(self) -> None:
        self._refuse(HeadersTooLarge(f"The request line and headers are over {self.limits.max_header_bytes} bytes."))

    def send_400_response(self, msg: str) -> None:
        # uvicorn has logged the request as invalid already.
        self._refuse(BadRequest(f"The request is not valid HTTP/1.1 ({msg.rstrip('.')})."), log=False)

    # -- parser callbacks -----------------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_received = 0
        self._header_timer = self.loop.call_later(self.limits.header_timeout, self._headers_too_slow)

    def on_headers_complete(self) -> None:
        self._head_received = None
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        if (
            len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
            > self.limits.max_header_bytes
        ):
            self._head_too_large()
            raise _StopParsing()  # the parser reports it as an error, which send_400_response finds answered
        super().on_headers_complete()
        self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_too_slow)

    def on_message_complete(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().on_message_complete()
        cycle = self.cycle
        if cycle is not None and cycle.response_complete and not self.transport.is_closing():
            self._idle()  # answered before its body was in: the rest is discarded, and the connection idle again

    # -- timeouts -------------------------------------------------------------------------------------------------
    def _headers_too_slow(self) -> None:
        self._refuse(RequestTimeout(f"The request headers did not arrive within {self.limits.header_timeout:g} s."))

    def _body_too_slow(self) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_started:
            # The app answered without waiting for the body (a refusal closes the connection anyway).
            self.transport.close()
            return
        # The app is waiting for the rest of the body: it sees a disconnection, and says nothing more about it.
        cycle.scope[TIMED_OUT] = True  # type: ignore[literal-required]
        cycle.disconnected = True
        cycle.message_event.set()
        self._refuse(RequestTimeout(f"The request body did not arrive within {self.limits.body_timeout:g} s."))

    def _refuse(self, error: RouterError, *, log: bool = True) -> None:
        """Answer ``error`` and close the connection; only close it while the previous request of the connection
        is being answered (the error cannot be written before or in the middle of that answer)."""
        if self.transport.is_closing():
            return
        if log:
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            logger.warning("Closed the connection of %s: %s", client, error.message)
        self._cancel_timers()
        cycle = self.cycle
        if cycle is None or cycle.response_complete or cycle.disconnected:
            self.transport.write(raw_error_response(error))
        self.transport.close()

    def _cancel_timers(self) -> None:
        for timer in (self._header_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = self._body_timer = None


def protocol_class(limits: Limits) -> Type[EmulatorHttpProtocol]:
    """The protocol class for uvicorn's ``http`` option, with ``limits``."""
    return type("EmulatorHttpProtocol", (EmulatorHttpProtocol,), {"limits": limits})
