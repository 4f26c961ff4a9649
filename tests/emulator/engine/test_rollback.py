"""Commands of the router that fail half-way, or whose commit the store refuses, leave no trace: documents, the
matching index (seen through what matching does next), timers and events are as they were."""

from __future__ import annotations

import json

import pytest

from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.errors import StoreFailed
from jobrouter_emulator.engine.resources import RESOURCES
from jobrouter_emulator.engine.router import STORE_RETRY, Router

from ._stores import RefusingStore


def _observable(router: Router):
    """Everything a client or the engine's next step can see."""
    documents = {c: router.list(c, page_size=10**6)[0] for c in RESOURCES}
    queued = {q["id"]: router.queued_job_ids(q["id"]) for q in documents["queues"]}
    return json.dumps(documents, sort_keys=True), queued, router.next_timer_due(), len(router.events_since(0))


def _setup(router: Router, mode: dict) -> None:
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": mode})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    for worker in ("a", "b"):
        router.upsert(
            "workers",
            worker,
            {
                "capacity": 2,
                "queues": ["q"],
                "availableForOffers": True,
                "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
            },
        )


def test_a_refused_commit_of_an_accept_changes_nothing(make_router):
    store, clock = RefusingStore(), FakeClock()
    router = make_router(store=store, clock=clock)
    _setup(router, {"kind": "longestIdle", "maxConcurrentOffers": 2})
    router.upsert("jobs", "j", {"channelId": "voice", "queueId": "q"})
    router.run_pending()
    offer = router.get("workers", "a").body["offers"][0]
    before = _observable(router)
    store.refuse = True
    with pytest.raises(StoreFailed):
        router.accept_job_offer("a", offer["offerId"])
    assert _observable(router) == before
    store.refuse = False
    accepted = router.accept_job_offer("a", offer["offerId"])  # the same offer is still there, and works
    assert router.get("jobs", "j").body["assignments"][accepted["assignmentId"]]["workerId"] == "a"
    assert router.get("workers", "b").body["offers"] == [] and router.get("workers", "a").body["loadRatio"] == 0.5


def test_a_match_that_fails_half_way_issues_no_offer_at_all(monkeypatch, make_router):
    router = make_router()
    _setup(router, {"kind": "longestIdle", "maxConcurrentOffers": 2})
    router.upsert("jobs", "first", {"channelId": "voice", "queueId": "q", "priority": 2})
    router.upsert("jobs", "second", {"channelId": "voice", "queueId": "q", "priority": 1})
    issue, issued = router._offers.issue, []

    def breaks_on_the_third_offer(worker_id, job_id, policy):
        if len(issued) == 2:  # the first job's two offers are made, then offering the second job breaks
            raise RuntimeError("issuing an offer broke")
        issued.append(job_id)
        issue(worker_id, job_id, policy)

    monkeypatch.setattr(router._offers, "issue", breaks_on_the_third_offer)
    with pytest.raises(RuntimeError, match="issuing an offer broke"):
        router.run_pending()
    assert [router.get("workers", w).body["offers"] for w in ("a", "b")] == [[], []]
    assert [router.get("workers", w).body["loadRatio"] for w in ("a", "b")] == [0, 0]
    assert router.queued_job_ids("q") == ["first", "second"]
    assert "RouterWorkerOfferIssued" not in [e.event["eventType"].rsplit(".", 1)[-1] for e in router.events_since(0)]
    monkeypatch.setattr(router._offers, "issue", issue)
    router.upsert("workers", "a", {"labels": {"retry": True}})  # any change of a worker matches its queues again
    router.run_pending()
    offered = sorted(o["jobId"] for w in ("a", "b") for o in router.get("workers", w).body["offers"])
    assert offered == ["first", "first", "second", "second"]


def test_a_timer_whose_commit_is_refused_runs_again_later(make_router):
    store, clock = RefusingStore(), FakeClock()
    router = make_router(store=store, clock=clock)
    _setup(router, {"kind": "longestIdle"})
    router.upsert("jobs", "j", {"channelId": "voice", "queueId": "q"})
    store.refuse = True
    with pytest.raises(StoreFailed):
        router.run_pending()
    assert router.get("jobs", "j").body["status"] == "created"
    assert router.next_timer_due() == clock.now() + STORE_RETRY
    store.refuse = False
    clock.advance(STORE_RETRY.total_seconds())
    router.run_pending()
    assert router.get("jobs", "j").body["status"] == "queued"
    assert [o["jobId"] for w in ("a", "b") for o in router.get("workers", w).body["offers"]] == ["j"]
