"""Who may see the dashboard: the way notebook servers do it.

At start the emulator makes a one-time login token and prints a URL holding it (``/_emulator/?token=...``). Opening
that URL exchanges the token for a session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and redirects to
the page without the token, so the token neither stays in the address bar nor works a second time; a token not used
within ``TOKEN_LIFETIME`` seconds expires (a URL left in a terminal's scrollback or a shell history opens nothing).
Without a login URL, the 401 page takes the emulator's access key instead. Sessions live in memory: a restart asks
for a new login. The cookie's name carries the port: cookies are scoped by host, not port, so two emulators on
127.0.0.1 would otherwise overwrite each other's session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from typing import Callable, Optional

COOKIE_PREFIX = "jobrouter_emulator_session"
COOKIE_PATH = "/_emulator"
TOKEN_LIFETIME = 600.0  # seconds a login URL works (once)
MAX_SESSIONS = 64  # the oldest session is dropped past this: a browser or two per developer, plus tests
MAX_PENDING_TOKENS = 16


def _digest(secret: str) -> str:
    # Kept as digests: a dict lookup of a digest leaks nothing about the secret's characters through timing.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class DashboardAuth:
    def __init__(
        self,
        access_key: str,
        *,
        secure_cookie: bool,
        port: int,
        monotonic: Callable[[], float] = time.monotonic,  # real time, whatever the emulator's clock says
    ) -> None:
        self._access_key = access_key
        self._secure = secure_cookie
        self.cookie_name = f"{COOKIE_PREFIX}_{port}"
        self._monotonic = monotonic
        self._tokens: OrderedDict[str, float] = OrderedDict()  # digest -> when it was issued
        self._sessions: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def _issue(self, issued: OrderedDict[str, float], limit: int) -> str:
        """A new random secret, remembered in ``issued`` (the oldest forgotten past ``limit``)."""
        secret = secrets.token_urlsafe(32)
        with self._lock:
            issued[_digest(secret)] = self._monotonic()
            while len(issued) > limit:
                issued.popitem(last=False)
        return secret

    def new_login_token(self) -> str:
        """A token that logs one browser in, once."""
        return self._issue(self._tokens, MAX_PENDING_TOKENS)

    def redeem_token(self, token: str) -> Optional[str]:
        """A new session for a login token not used before and issued less than ``TOKEN_LIFETIME`` ago (the token
        is spent either way); None otherwise."""
        digest = _digest(token)
        with self._lock:
            issued = self._tokens.pop(digest, None)
        if issued is None or self._monotonic() - issued > TOKEN_LIFETIME:
            return None
        return self._new_session()

    def log_in_with_key(self, key: str) -> Optional[str]:
        """A new session for the emulator's access key; None for any other text."""
        if not hmac.compare_digest(key.strip().encode(), self._access_key.encode()):
            return None
        return self._new_session()

    def _new_session(self) -> str:
        return self._issue(self._sessions, MAX_SESSIONS)

    def has_session(self, cookie: Optional[str]) -> bool:
        """Whether the cookie's value is a live session."""
        if not cookie:
            return False
        with self._lock:
            return _digest(cookie) in self._sessions

    def end_session(self, cookie: Optional[str]) -> None:
        """Log the session out."""
        if cookie:
            with self._lock:
                self._sessions.pop(_digest(cookie), None)

    def cookie(self, session: str) -> str:
        """The Set-Cookie value of a session: script cannot read it, and no other site's page can send it."""
        secure = "; Secure" if self._secure else ""
        return f"{self.cookie_name}={session}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict{secure}"
