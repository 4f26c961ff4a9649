"""The local event feed: ``GET /_emulator/events`` as JSON pages or as a live stream of server-sent events, and the
batches of events the dashboard's stream is made of.

Events carry job labels and tags, so the feed is signed like ``/routing`` (the app puts :func:`events_response`
behind :func:`.signed.signed`); another way in, such as the dashboard's session, serves the same events behind its
own check.

Streams are woken by the router's commit listener, not by polling: each open stream waits on an ``asyncio.Event``
that the listener sets (from whichever thread committed) through the stream's event loop. A reset or a move of the
virtual clock wakes them too (with no new event).
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import AsyncIterator, List, Set, Tuple

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ..engine.errors import BadRequest
from ..engine.router import Router
from ..store.base import StoredEvent

PAGE = 1000
HEARTBEAT_SECONDS = 15.0


def sse_message(stored: StoredEvent) -> str:
    """One server-sent event: the sequence number is the SSE id (so ``Last-Event-ID`` resumes), the Router event
    type is the SSE event name, the Event Grid event is the data."""
    return f"id: {stored.sequence}\nevent: {stored.event['eventType']}\ndata: {json.dumps(stored.event)}\n\n"


class EventFeed:
    """Fans the router's committed events out to the open server-sent-event streams."""

    def __init__(self, router: Router, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self.router = router
        self._heartbeat = heartbeat_seconds
        self._streams: Set[Tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()
        self._closed = False
        router.add_event_listener(self._committed)
        router.add_notice_listener(lambda notice: self._committed([]))

    def close(self) -> None:
        """End every open stream (cleanly, so a server shutting down need not cut them off)."""
        self._closed = True
        self._committed([])

    def _committed(self, stored: List[StoredEvent]) -> None:
        with self._lock:
            streams = list(self._streams)
        for loop, wake in streams:
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:  # that stream's loop has closed; its finally block removes it
                pass

    @property
    def closed(self) -> bool:
        """Whether the feed was closed (the server is stopping)."""
        return self._closed

    async def batches(self, since: int, *, announce: bool = False) -> AsyncIterator[List[StoredEvent]]:
        """Every event after sequence ``since`` (in pages), then each new batch as it is committed; an empty batch
        when woken by a notice, or after ``heartbeat_seconds`` without news. Ends when the feed is closed.

        With ``announce``, an empty batch comes first, once the reader is registered for wake-ups: a snapshot the
        reader takes then cannot miss a change made after it."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._streams.add(entry)
        try:
            if announce:
                yield []
            while not self._closed:
                batch = self.router.events_since(since, PAGE)
                if batch:
                    since = batch[-1].sequence
                    yield batch
                    if len(batch) == PAGE:
                        continue
                try:
                    await asyncio.wait_for(entry[1].wait(), self._heartbeat)
                except asyncio.TimeoutError:
                    yield []
                    continue
                # Cleared as soon as it woke us: a wake-up that comes while the reader handles this one (a notice,
                # which leaves no event to find) sets it again, and is not lost.
                entry[1].clear()
                if not self._closed and not self.router.events_since(since, 1):
                    yield []  # woken with no event: a notice
        finally:
            with self._lock:
                self._streams.discard(entry)

    async def stream(self, since: int) -> AsyncIterator[str]:
        """Every event after sequence ``since``, then each new one as it is committed; a comment line when there is
        no news (every ``heartbeat_seconds`` at least) keeps proxies from closing an idle stream."""
        yield ": connected\n\n"
        async for batch in self.batches(since):
            if not batch:
                yield ": keep-alive\n\n"
            for stored in batch:
                yield sse_message(stored)
        yield ": the emulator is shutting down\n\n"


MAX_SEQUENCE_DIGITS = 19  # sequence numbers are SQLite integers, below 2^63


def sequence_number(text: str, name: str) -> int:
    """An event's sequence number from a cursor a client sent (``since``, ``Last-Event-ID``): ASCII digits only, and
    no longer than the largest number has them (``int`` alone takes other scripts' digits, signs, spaces and
    underscores, and spends time on thousands of digits); 400 naming ``name`` otherwise."""
    if not (0 < len(text) <= MAX_SEQUENCE_DIGITS and text.isascii() and text.isdigit()) or int(text) >= 2**63:
        raise BadRequest(f"{name} must be an event sequence number: 0 to 2^63 - 1 in ASCII digits.", target=name)
    return int(text)


def events_response(request: Request, feed: EventFeed) -> Response:
    """Events after the ``since`` cursor (a sequence number; ``after`` is accepted too): a JSON page of at most
    ``limit`` (1000), or with ``Accept: text/event-stream`` a live stream that resumes from ``Last-Event-ID``."""
    params = request.query_params
    cursor = request.headers.get("last-event-id") or params.get("since") or params.get("after") or "0"
    since = sequence_number(cursor, "since and after (or Last-Event-ID)")
    try:
        limit = min(int(params.get("limit", "1000")), PAGE)
    except ValueError:
        raise BadRequest("limit must be a whole number.") from None
    if limit < 1:
        raise BadRequest("limit must be at least 1.")
    if "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(
            feed.stream(since),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    stored = feed.router.events_since(since, limit)
    page = [{"sequence": s.sequence, **s.event} for s in stored]
    return JSONResponse({"value": page, "last": stored[-1].sequence if stored else since})
