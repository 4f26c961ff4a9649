from __future__ import annotations

from typing import Callable

import pytest

from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.store.memory import MemoryStore


class Harness:
    """A router on a fake clock with helpers to set up a queue and workers."""

    def __init__(self, make_router: Callable[..., Router]) -> None:
        self.clock = FakeClock()
        self.store = MemoryStore()
        self.router = make_router(store=self.store, clock=self.clock, seed=7)

    def policy(self, key: str = "dp", **mode: object) -> None:
        kind = mode.pop("kind", "longestIdle")
        seconds = mode.pop("offer_seconds", 60)
        self.router.upsert(
            "distributionPolicies", key, {"offerExpiresAfterSeconds": seconds, "mode": {"kind": kind, **mode}}
        )

    def queue(self, key: str = "q", policy: str = "dp", **body: object) -> None:
        self.router.upsert("queues", key, {"distributionPolicyId": policy, **body})

    def worker(
        self,
        key: str,
        queues=("q",),
        capacity: int = 1,
        cost: int = 1,
        labels=None,
        available=True,
        channel: str = "voice",
        **extra: object,
    ) -> None:
        self.router.upsert(
            "workers",
            key,
            {
                "capacity": capacity,
                "queues": list(queues),
                "labels": labels or {},
                "channels": [{"channelId": channel, "capacityCostPerJob": cost, **extra}],
                "availableForOffers": available,
            },
        )

    def job(self, key: str, queue: str = "q", **body: object) -> None:
        self.router.upsert("jobs", key, {"channelId": "voice", "queueId": queue, **body})

    def settle(self) -> None:
        self.router.run_pending()

    def status(self, key: str) -> str:
        return self.router.get("jobs", key).body["status"]

    def offers(self, worker: str) -> list:
        return self.router.get("workers", worker).body["offers"]

    def events(self) -> list:
        return [e.event["eventType"].rsplit(".", 1)[-1] for e in self.router.events_since(0)]


@pytest.fixture
def harness(make_router) -> Harness:
    h = Harness(make_router)
    h.policy()
    h.queue()
    return h
