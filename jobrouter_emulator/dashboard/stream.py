"""The dashboard's live stream (server-sent events): the snapshot, then each Router event as it commits and a fresh
snapshot after it.

    event: state          data: the snapshot (snapshot.py)
    id: 42                event: router          data: {"sequence": 42, "summary": "...", "event": {...}}

Driven by the event feed's batches, which the router's commits wake (``api/feed.py``): nothing polls. A busy router
gets at most one snapshot every ``MIN_SNAPSHOT_INTERVAL`` seconds, shared by every open page; the events themselves
are never held back. A reconnecting browser sends ``Last-Event-ID`` and gets what it missed.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, AsyncIterator, Dict, Optional, Tuple

from starlette.concurrency import run_in_threadpool

from ..api.feed import EventFeed, sequence_number
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


class SharedSnapshot:
    """One snapshot for every open page: a page woken by a commit takes the snapshot another page built for the same
    state (the same last event, reset and virtual time) less than ``MIN_SNAPSHOT_INTERVAL`` ago, already encoded;
    pages that ask while one is being built wait for it rather than build their own."""

    def __init__(self, router: Router) -> None:
        self._router = router
        self._lock = asyncio.Lock()
        self._built: Optional[Tuple[Tuple[Any, ...], float, str]] = None  # (state it shows, when, message)

    def _state(self) -> Tuple[Any, ...]:
        router = self._router
        return (router.last_event_sequence, router.resets, router.now() if router.clock_is_virtual else None)

    async def message(self) -> str:
        """The ``state`` message of a snapshot of the router as it is now."""
        async with self._lock:
            built, state = self._built, self._state()
            if built is not None and built[0] == state and time.monotonic() - built[1] < MIN_SNAPSHOT_INTERVAL:
                return built[2]
            # Off the event loop: shaping the snapshot is work, and taking the copy waits for the router's lock,
            # which a timer may hold during a rule's call.
            message = _message("state", await run_in_threadpool(build_snapshot, self._router))
            self._built = (state, time.monotonic(), message)
            return message


async def dashboard_messages(
    router: Router, feed: EventFeed, since: int, snapshots: Optional[SharedSnapshot] = None
) -> AsyncIterator[str]:
    """The stream from event ``since`` on, until the feed closes (the snapshots shared with other pages, when
    ``snapshots`` is given)."""
    snapshots = snapshots or SharedSnapshot(router)
    yield "retry: 2000\n\n"  # reconnect after 2 s when the emulator restarts
    last_snapshot = -MIN_SNAPSHOT_INTERVAL
    # The first batch is empty (announce): the first snapshot is taken once changes wake this stream.
    async for batch in feed.batches(since, announce=True):
        for stored in batch:
            yield router_message(stored)
        wait = last_snapshot + MIN_SNAPSHOT_INTERVAL - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        yield await snapshots.message()
        last_snapshot = time.monotonic()
    yield ": the emulator is shutting down\n\n"


def start_sequence(router: Router, last_event_id: Optional[str]) -> int:
    """Where a stream starts: after the browser's ``Last-Event-ID`` (read as the event feed reads it: 400 unless a
    sequence number), else ``BACKLOG`` events back."""
    if last_event_id:  # an empty one is what a browser means by none (it sends none)
        return sequence_number(last_event_id, "Last-Event-ID")
    return max(0, router.last_event_sequence - BACKLOG)
