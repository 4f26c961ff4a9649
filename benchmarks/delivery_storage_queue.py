"""Event delivery to an Azure Storage queue on Azurite, against delivery to a webhook, in one run: events delivered per
second to one subscription (one event per message or request, Event Grid's default).

    .venv/bin/python benchmarks/delivery_storage_queue.py            # about a minute on 2 cores
    .venv/bin/python benchmarks/delivery_storage_queue.py --quick

Needs Azurite (``bash scripts/test.sh`` installs it into ``.tools/``). The emulator runs in-process, in memory, with
one subscription; events are RouterWorkerRegistered committed straight through the router (thousands per second, far
more than either destination takes), and the clock runs from the first commit to the subscription's
``deliveredEvents`` reaching them all. The webhook is ``benchmarks/delivery.py``'s minimal ASGI subscriber. The two
destinations alternate, best of the repetitions for each.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict

from azure.core.rest import HttpRequest

from azure.communication.jobrouter import JobRouterClient
from jobrouter_emulator import EmbeddedEmulator
from jobrouter_emulator.delivery import EventSubscription

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' Azurite launcher, one copy of it
from delivery import Subscriber  # noqa: E402 - benchmarks/delivery.py, beside this script

from tests._azurite import Azurite, azurite_queue_command  # noqa: E402


def _delivered(emulator: EmbeddedEmulator) -> Callable[[], int]:
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    state = HttpRequest("GET", "/_emulator/eventSubscriptions/bench")
    return lambda: int(client.send_request(state).json()["deliveredEvents"])


def rate(definition: Dict[str, Any], events: int) -> float:
    subscription = EventSubscription.from_json("bench", definition)
    emulator = EmbeddedEmulator(event_subscriptions=[subscription], in_memory=True).start()
    try:
        delivered = _delivered(emulator)
        router = emulator.router
        started = time.perf_counter()
        for index in range(events):
            router.upsert("workers", f"w{index}", {"capacity": 1, "availableForOffers": True})
        deadline = time.monotonic() + 300
        while delivered() < events:
            if time.monotonic() > deadline:
                raise TimeoutError("not every event was delivered in 300 s")
            time.sleep(0.05)  # each look is a signed request to the emulator: not so often that it slows delivery
        return events / (time.perf_counter() - started)
    finally:
        emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events and repetitions")
    args = parser.parse_args()
    command = azurite_queue_command()
    if command is None:
        raise SystemExit("Azurite is not installed: bash scripts/test.sh installs it into .tools/")
    events, repetitions = (500, 1) if args.quick else (3000, 2)
    azurite = Azurite(command).start()
    webhook = Subscriber()
    best = {"StorageQueue": 0.0, "WebHook": 0.0}
    try:
        for repetition in range(repetitions):
            queue = f"bench-{repetition}"
            azurite.queue(queue)
            queue_definition = {"endpointType": "StorageQueue", "queueName": queue}
            queue_definition["connectionString"] = azurite.connection_string
            best["StorageQueue"] = max(best["StorageQueue"], rate(queue_definition, events))
            hook = {"endpointUrl": f"http://127.0.0.1:{webhook.port}/events"}
            best["WebHook"] = max(best["WebHook"], rate(hook, events))
    finally:
        webhook.close()
        azurite.close()
    print(f"| destination | events | delivered events/s (best of {repetitions}) |")
    print("| --- | ---: | ---: |")
    print(f"| Storage queue (Azurite, one message per event) | {events:,} | {best['StorageQueue']:,.0f} |")
    print(f"| webhook (one event per request) | {events:,} | {best['WebHook']:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
