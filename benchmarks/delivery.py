"""Event delivery to webhook subscribers: events delivered per second to one subscriber (batches of 1 and of 100),
and the delay from an event's commit to its arrival at the subscriber.

    .venv/bin/python benchmarks/delivery.py            # about 40 seconds on 2 cores
    .venv/bin/python benchmarks/delivery.py --quick

The emulator runs in-process (in memory, or SQLite in a temporary folder) with one subscription; the subscriber is
a minimal ASGI webhook under uvicorn in the same process, on loopback. Events are RouterWorkerRegistered, committed
straight through the router (no HTTP request per event), so the figures are the delivery path's own:

1. Throughput: the subscriber holds its first delivery until a backlog of N events is committed, then answers every
   request at once; events/s = events after the first batch / time from the release to the last arrival.
2. Delay: events committed one every 5 ms (no backlog, batches of 1); delay = arrival at the subscriber - commit
   (the router's commit listener stamps it), both on this process's clock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
from typing import Any, Dict, List

import uvicorn
from azure.core.rest import HttpRequest

from azure.communication.jobrouter import JobRouterClient
from jobrouter_emulator import EmbeddedEmulator
from jobrouter_emulator.delivery import EventSubscription


class Subscriber:
    """A webhook that answers at once, notes when each event arrived, and can hold its first delivery."""

    def __init__(self) -> None:
        self.arrivals: Dict[str, float] = {}
        self.gate = threading.Event()
        self.gate.set()
        self._first = True
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", interface="asgi3"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        arrived = time.perf_counter()
        headers = dict(scope["headers"])
        answer = b""
        if headers.get(b"aeg-event-type") == b"SubscriptionValidation":
            answer = json.dumps({"validationResponse": json.loads(body)[0]["data"]["validationCode"]}).encode()
        else:
            for event in json.loads(body):
                self.arrivals[event["id"]] = arrived
            if self._first:
                self._first = False
                await asyncio.to_thread(self.gate.wait)
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(answer))]}
        )
        await send({"type": "http.response.body", "body": answer})

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def _wait(condition: Any, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the subscriber did not receive every event")
        time.sleep(0.002)


def _emulator(subscriber: Subscriber, batch: int, store: str = "memory") -> EmbeddedEmulator:
    url = f"http://127.0.0.1:{subscriber.port}/events"
    subscription = EventSubscription.from_json("bench", {"endpointUrl": url, "maxEventsPerBatch": batch})
    emulator = EmbeddedEmulator(event_subscriptions=[subscription], in_memory=store == "memory").start()
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    state = HttpRequest("GET", "/_emulator/eventSubscriptions/bench")
    _wait(lambda: client.send_request(state).json()["provisioningState"] == "Succeeded")
    return emulator


def throughput(events: int, batch: int, store: str) -> float:
    subscriber = Subscriber()
    subscriber.gate.clear()
    emulator = _emulator(subscriber, batch, store)
    try:
        router = emulator.router
        for index in range(events):
            router.upsert("workers", f"w{index}", {"capacity": 1, "availableForOffers": True})
        _wait(lambda: len(subscriber.arrivals) >= 1)
        first = len(subscriber.arrivals)
        released = time.perf_counter()
        subscriber.gate.set()
        _wait(lambda: len(subscriber.arrivals) >= events)
        return (events - first) / (max(subscriber.arrivals.values()) - released)
    finally:
        emulator.stop()
        subscriber.close()


def delay(events: int) -> Dict[str, float]:
    subscriber = Subscriber()
    emulator = _emulator(subscriber, 1)
    committed: Dict[str, float] = {}

    def stamp(stored: List[Any]) -> None:
        now = time.perf_counter()
        for item in stored:
            committed[item.event["id"]] = now

    try:
        router = emulator.router
        router.add_event_listener(stamp)
        for index in range(events):
            router.upsert("workers", f"w{index}", {"capacity": 1, "availableForOffers": True})
            time.sleep(0.005)
        _wait(lambda: len(subscriber.arrivals) >= events)
        delays = sorted((subscriber.arrivals[i] - committed[i]) * 1000 for i in committed)
        return {"p50": statistics.median(delays), "p99": delays[int(len(delays) * 0.99) - 1]}
    finally:
        emulator.stop()
        subscriber.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events")
    args = parser.parse_args()
    events = 2000 if args.quick else 10000
    print("| events per delivery (maxEventsPerBatch) | store | events | delivered events/s |")
    print("| ---: | --- | ---: | ---: |")
    for store in ("memory", "sqlite"):
        for batch in (1, 100):
            print(f"| {batch} | {store} | {events:,} | {throughput(events, batch, store):,.0f} |", flush=True)
    measured = delay(200 if args.quick else 1000)
    print()
    print("| commit -> delivered p50 (ms) | p99 (ms) |")
    print("| ---: | ---: |")
    print(f"| {measured['p50']:.2f} | {measured['p99']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
