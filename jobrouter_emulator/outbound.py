"""Every HTTP call the emulator makes to a URL that a user named: webhook deliveries, their handshakes, and function
and webhook rule calls. Such a server is not trusted, so each call is bounded whatever the server does:

- **one deadline per call.** httpx's timeouts bound each read, so a server sending a byte every few seconds would
  hold a call for ever. Calls therefore run as coroutines on one event loop (one thread, started on the first call),
  where the deadline cancels them wherever they are (connecting, waiting for headers, reading the body);
- **answers read up to a cap** (:data:`MAX_ANSWER_BYTES`, 1 MB): a larger answer ends the call with
  :class:`AnswerTooLarge` once the cap is passed (or at once when ``Content-Length`` says so), and its connection is
  dropped, so a 200 MB answer costs at most 1 MB of memory. Bodies are asked for and read as sent
  (``Accept-Encoding: identity``, raw bytes), so a compressed answer cannot expand past the cap either;
- **redirects are not followed**: a 3xx is the answer (Event Grid does not follow them either);
- connections are pooled with a bound, so subscribers that come and go leave nothing behind.

Sync callers (the delivery pool's threads, the router's rule-call threads) use :meth:`BoundedHttp.request` or
:meth:`BoundedHttp.run`; coroutines that make several requests within one deadline (a token, then the call, then
retries) use :meth:`BoundedHttp.fetch` inside :meth:`BoundedHttp.run`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from dataclasses import dataclass
from typing import Any, Coroutine, Dict, Optional, TypeVar

MAX_ANSWER_BYTES = 1024 * 1024
MAX_CONNECTIONS = 100  # open at once, all callers together
MAX_IDLE_CONNECTIONS = 20  # kept open between calls

T = TypeVar("T")


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
    """No connection, or the connection broke (refused, reset, DNS, TLS)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Dict[str, str]  # lower-case names
    body: bytes


class BoundedHttp:
    """One event loop and one connection pool for all outbound calls; thread-safe."""

    def __init__(self, *, max_answer_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.max_answer_bytes = max_answer_bytes
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._client: Any = None
        self._closed = False

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise OutboundError("the emulator is stopping")
            if self._loop is None:
                import httpx

                loop = asyncio.new_event_loop()

                def run() -> None:
                    loop.run_forever()
                    loop.close()

                threading.Thread(target=run, name="jobrouter-outbound", daemon=True).start()
                limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_IDLE_CONNECTIONS)
                # No timeout of httpx's own: the caller's deadline bounds the whole call (see run()).
                self._client = httpx.AsyncClient(
                    timeout=None, limits=limits, follow_redirects=False, headers={"Accept-Encoding": "identity"}
                )
                self._loop = loop
            return self._loop

    def run(self, call: Coroutine[Any, Any, T], deadline: float) -> T:
        """Run ``call`` on the loop and wait for it; cancelled at ``deadline`` (a ``time.monotonic()`` value), when it
        raises :class:`NoAnswer`."""
        try:
            loop = self._running_loop()
        except OutboundError:
            call.close()
            raise
        seconds = max(0.0, deadline - time.monotonic())
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(call, seconds), loop)
        try:
            return future.result()
        except (asyncio.TimeoutError, concurrent.futures.TimeoutError):
            raise NoAnswer(f"no answer within {seconds:.3g} s") from None
        except concurrent.futures.CancelledError:
            raise OutboundError("the call was cancelled: the emulator is stopping") from None

    def request(self, method: str, url: str, *, deadline: float, **options: Any) -> Answer:
        """One request, its whole answer read by ``deadline``; see :meth:`fetch` for ``options``."""
        return self.run(self.fetch(method, url, **options), deadline)

    async def fetch(self, method: str, url: str, **options: Any) -> Answer:
        """One request on the loop (``options`` as httpx takes them: ``content``, ``json``, ``data``, ``headers``,
        ``params``); the answer read up to the cap. Not bounded in time by itself: run it inside :meth:`run`."""
        import httpx

        try:
            async with self._client.stream(method, url, **options) as response:
                declared = response.headers.get("content-length", "")
                if declared.isascii() and declared.isdigit() and int(declared) > self.max_answer_bytes:
                    raise AnswerTooLarge(
                        f"the answer was {declared} bytes, more than {self.max_answer_bytes}", response.status_code
                    )
                chunks, size = [], 0
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > self.max_answer_bytes:
                        raise AnswerTooLarge(
                            f"the answer was more than {self.max_answer_bytes} bytes", response.status_code
                        )
                    chunks.append(chunk)
                headers = {name.lower(): value for name, value in response.headers.items()}
                return Answer(response.status_code, headers, b"".join(chunks))
        except httpx.TimeoutException as exc:  # not raised with timeout=None, but a transport may still time out
            raise NoAnswer(f"no answer ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None

    def close(self) -> None:
        """Cancel the calls under way (their callers get an OutboundError), close the pool and stop the loop."""
        with self._lock:
            self._closed = True
            loop, self._loop = self._loop, None
        if loop is None:
            return

        async def shut() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._client.aclose()

        try:
            asyncio.run_coroutine_threadsafe(shut(), loop).result(timeout=5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
