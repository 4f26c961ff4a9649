"""The Host allow-list: the emulator answers only requests addressed to a name it is known by, as local servers that
browsers reach do (Jupyter, Azurite, webpack's dev server).

Why: a page on any site can make the browser send requests to 127.0.0.1 under the page's own name, by pointing its
DNS name at 127.0.0.1 once the page has loaded (DNS rebinding). The browser then treats the emulator as that site, so
the page could read what it answers, and with the well-known default key sign requests: read job labels, reset the
state, add webhooks. Such a request still carries the page's name in ``Host``; refusing names the emulator was not
reached by ends the attack. Allowed: ``localhost``, ``127.0.0.1``, ``[::1]``, the listening address, the machine's
name, and what ``--allowed-host`` adds (``*`` turns the check off).

The check runs first on every request, ``/routing`` and the control routes included, and costs one scan of the
header list (already parsed by the HTTP server) and a set look-up. A request without ``Host`` (HTTP/1.0) is let
through: browsers always send one.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
from typing import FrozenSet, Iterable, Optional, Set

from starlette.types import ASGIApp, Receive, Scope, Send

from ..engine.errors import BadRequest

logger = logging.getLogger(__name__)

ANY_HOST = "*"
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$")  # a DNS name or an IPv4 address, lower case
MAX_REMEMBERED = 64  # allowed Host values kept as sent
MAX_LOGGED = 32  # refused names logged (each once), so a scan cannot fill the log


def normalize(host: str) -> Optional[str]:
    """The name part of a ``Host`` value or of an ``--allowed-host`` (lower case, no port, no trailing dot, an IPv6
    address in brackets); None when it is not a host name or address."""
    host = host.strip().lower()
    if host.startswith("["):
        address, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
        try:
            return f"[{ipaddress.IPv6Address(address).compressed}]"
        except ValueError:
            return None
    if host.count(":") > 1:  # a bare IPv6 address (an --allowed-host; a Host header brackets it)
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    name, colon, port = host.partition(":")
    if colon and not (port.isascii() and port.isdigit()):
        return None
    name = name.rstrip(".") if name != "." else name
    return name if name.isascii() and _NAME.match(name) else None


def allowed_hosts(listening: str, extra: Iterable[str]) -> Optional[FrozenSet[str]]:
    """The names a request may be addressed to, for a server listening on ``listening``, with ``extra`` (the
    ``--allowed-host`` values); None when one of them is ``*`` (no check). ValueError names an unusable value."""
    names: Set[str] = set(LOCAL_NAMES)
    for value in extra:
        if value.strip() == ANY_HOST:
            return None
        name = normalize(value)
        if name is None:
            raise ValueError(
                f"--allowed-host takes a host name or IP address (no scheme, path or port), or * for any; got {value!r}"
            )
        names.add(name)
    for value in (listening, socket.gethostname(), socket.getfqdn()):
        name = normalize(value)
        if name is not None:
            names.add(name)
    if listening in ("0.0.0.0", "::", ""):  # every interface: the machine's own addresses reach it too
        names.update(_own_addresses())
    return frozenset(names)


def _own_addresses() -> Set[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        return set()
    return {name for info in infos if (name := normalize(str(info[4][0]))) is not None}


class HostAllowList:
    """ASGI middleware: 400 with the service's error body for a request whose ``Host`` is not allowed."""

    def __init__(self, app: ASGIApp, allowed: FrozenSet[str]) -> None:
        self._app = app
        self._allowed = allowed
        self._passed: Set[str] = set()  # Host values as sent that were allowed (a client sends the same each time)
        self._logged: Set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            for name, value in scope["headers"]:
                if name == b"host":
                    host = value.decode("latin-1")
                    if host in self._passed:  # the common case: a set look-up
                        break
                    if normalize(host) not in self._allowed:
                        await self._refuse(host, scope, send)
                        return
                    if len(self._passed) < MAX_REMEMBERED:
                        self._passed.add(host)
                    break
        await self._app(scope, receive, send)

    async def _refuse(self, host: str, scope: Scope, send: Send) -> None:
        if len(self._logged) < MAX_LOGGED and host not in self._logged:
            self._logged.add(host)
            logger.warning(
                "Refused a request for Host %r (%s %s): not a name this emulator is known by; if you reach it by "
                "that name, start it with --allowed-host %s",
                host,
                scope.get("method"),
                scope.get("path"),
                normalize(host) or "NAME",
            )
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        error = BadRequest(
            f"The Host header {host!r} is not a name this emulator answers to (localhost, 127.0.0.1, [::1], its "
            "listening address and the machine's name); start it with --allowed-host NAME to add one.",
            target="Host",
        )
        body = json.dumps(error.to_body()).encode("utf-8")
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode("ascii"))]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})
