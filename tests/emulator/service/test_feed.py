"""The event feed's stream on its own: replay from the cursor, keep-alive comments, wake-up on commit, close."""

from __future__ import annotations

import asyncio
import json
import threading

from jobrouter_emulator.api.feed import EventFeed
from jobrouter_emulator.engine.router import Router


def _register(router: Router, worker_id: str) -> None:
    router.upsert("workers", worker_id, {"capacity": 1, "availableForOffers": True})


def test_stream_replays_keeps_alive_wakes_on_commit_and_ends_on_close(make_router):
    router = make_router(clock=None, seed=None)
    _register(router, "before")
    feed = EventFeed(router, heartbeat_seconds=0.05)

    async def read() -> list:
        stream = feed.stream(since=0)
        seen = [await stream.__anext__() for _ in range(3)]  # connected, the stored event, a keep-alive
        threading.Thread(target=_register, args=(router, "after")).start()  # committed from another thread
        while True:  # keep-alives may come first if the commit is slow
            message = await asyncio.wait_for(stream.__anext__(), 5)
            if message != ": keep-alive\n\n":
                break
        seen.append(message)
        feed.close()
        seen += [message async for message in stream]
        return seen

    messages = asyncio.run(read())
    assert messages[0] == ": connected\n\n" and messages[2] == ": keep-alive\n\n"
    first, woken = (dict(line.split(": ", 1) for line in m.strip().split("\n")) for m in (messages[1], messages[3]))
    assert (first["id"], json.loads(first["data"])["data"]["workerId"]) == ("1", "before")
    assert (woken["id"], json.loads(woken["data"])["data"]["workerId"]) == ("2", "after")
    assert woken["event"] == "Microsoft.Communication.RouterWorkerRegistered"
    assert messages[4:] == [": the emulator is shutting down\n\n"]
