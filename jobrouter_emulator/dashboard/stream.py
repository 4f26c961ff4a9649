"""The dashboard's live stream (server-sent events): the snapshot, then each Router event as it commits and a fresh
snapshot after it.

    event: state          data: the snapshot (snapshot.py)
    id: 42                event: router          data: {"sequence": 42, "summary": "...", "event": {...}}

Driven by the event feed's batches, which the router's commits wake (``api/feed.py``): nothing polls. A busy router
gets at most one snapshot every ``MIN_SNAPSHOT_INTERVAL`` seconds; the events themselves are never held back. A
reconnecting browser sends ``Last-Event-ID`` and gets what it missed.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, AsyncIterator, Dict

from starlette.concurrency import run_in_threadpool

from ..api.feed import EventFeed
from ..engine.router import Router
from ..routing_log import describe
from ..store.base import StoredEvent
from .snapshot import build_snapshot

MIN_SNAPSHOT_INTERVAL = 0.25
BACKLOG = 200  # events a newly opened page starts with


def _message(name: str, data: Dict[str, Any], event_id: int = 0) -> str:
    prefix = f"id: {event_id}\n" if event_id else ""
    return f"{prefix}event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def router_message(stored: StoredEvent) -> str:
    """One Router event, with the line the routing log writes for it."""
    payload = {"sequence": stored.sequence, "summary": describe(stored.event), "event": stored.event}
    return _message("router", payload, stored.sequence)


async def dashboard_messages(router: Router, feed: EventFeed, since: int) -> AsyncIterator[str]:
    """The stream from event ``since`` on, until the feed closes."""
    yield "retry: 2000\n\n"  # reconnect after 2 s when the emulator restarts
    last_snapshot = -MIN_SNAPSHOT_INTERVAL
    # The first batch is empty (announce): the first snapshot is taken once changes wake this stream.
    async for batch in feed.batches(since, announce=True):
        for stored in batch:
            yield router_message(stored)
        wait = last_snapshot + MIN_SNAPSHOT_INTERVAL - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        # Off the event loop: building a snapshot takes the router's lock, which a timer may hold during a rule's
        # call.
        yield _message("state", await run_in_threadpool(build_snapshot, router))
        last_snapshot = time.monotonic()
    yield ": the emulator is shutting down\n\n"


def start_sequence(router: Router, last_event_id: str) -> int:
    """Where a stream starts: after the browser's ``Last-Event-ID``, else ``BACKLOG`` events back."""
    if last_event_id.isdigit():
        return int(last_event_id)
    return max(0, router.last_event_sequence - BACKLOG)
