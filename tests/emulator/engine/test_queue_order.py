"""The order a queue keeps as jobs come, change and go: what matching, positions and statistics read (the order is
kept incrementally, so each way a job's place can change is checked here against the service's rule: an active
expedite selector first, then higher priority, then earlier enqueue)."""

from __future__ import annotations

import random

import pytest

from jobrouter_emulator.engine.errors import StoreFailed
from jobrouter_emulator.engine.matching.queue_order import order_key
from jobrouter_emulator.engine.sorted_keys import SortedKeys

from ._stores import RefusingStore


def _order(harness) -> list:
    return harness.router.queued_job_ids("q")


def _expected(harness) -> list:
    """The queue's order computed from scratch: every queued job of ``q`` sorted by its key now."""
    records = harness.router._state.records("jobs")  # the test reads the engine's state to check its index
    queued = [r for r in records if r.body.get("status") == "queued" and r.body.get("queueId") == "q"]
    return [r.body["id"] for r in sorted(queued, key=order_key)]


def _positions(harness) -> dict:
    return {job_id: harness.router.get_queue_position(job_id)["position"] for job_id in _order(harness)}


def test_higher_priority_first_then_arrival(harness):
    for key, priority in (("a", 1), ("b", 5), ("c", 1), ("d", 5), ("e", 3)):
        harness.job(key, priority=priority)
    harness.settle()
    assert _order(harness) == ["b", "d", "e", "a", "c"]
    assert _positions(harness) == {"b": 1, "d": 2, "e": 3, "a": 4, "c": 5}
    stats = harness.router.get_queue_statistics("q")
    assert stats["length"] == 5
    assert stats["estimatedWaitTimeMinutes"] == {"5": 1.0, "3": 3.0, "1": 4.0}
    assert list(stats["estimatedWaitTimeMinutes"]) == ["5", "3", "1"]  # in the queue's order


def test_an_expedited_job_goes_first_and_back_to_its_place_when_its_selector_expires(harness):
    harness.job("a", priority=5)
    expedite = {"key": "tier", "labelOperator": "equal", "value": "gold", "expedite": True, "expiresAfterSeconds": 30}
    harness.job("b", priority=1, requestedWorkerSelectors=[expedite])
    harness.job("c", priority=1)
    harness.settle()
    assert _order(harness) == ["b", "a", "c"]
    assert harness.router.get_queue_statistics("q")["estimatedWaitTimeMinutes"] == {"1": 1.0, "5": 2.0}
    harness.clock.advance(31)
    harness.settle()
    assert _order(harness) == ["a", "b", "c"] == _expected(harness)
    assert harness.router.get_queue_position("b")["position"] == 2


def test_a_priority_change_moves_a_queued_job(harness):
    for key in ("a", "b", "c"):
        harness.job(key, priority=1)
    harness.settle()
    harness.router.upsert("jobs", "c", {"priority": 9})
    assert _order(harness) == ["c", "a", "b"] == _expected(harness)
    assert harness.router.get_queue_position("c")["position"] == 1
    harness.router.upsert("jobs", "c", {"priority": 0})
    assert _order(harness) == ["a", "b", "c"]


def test_a_requeued_job_goes_behind_the_jobs_of_its_priority(harness):
    harness.job("a", priority=1)
    harness.settle()
    harness.worker("w")
    harness.settle()
    assignment = harness.router.accept_job_offer("w", harness.offers("w")[0]["offerId"])
    harness.router.upsert("workers", "w", {"availableForOffers": False})
    harness.job("b", priority=1)
    harness.job("c", priority=2)
    harness.settle()
    assert _order(harness) == ["c", "b"]
    harness.router.unassign_job("a", assignment["assignmentId"])
    harness.settle()
    assert _order(harness) == ["c", "b", "a"] == _expected(harness)
    assert harness.router.get_queue_position("a") == {
        "jobId": "a",
        "position": 3,
        "queueId": "q",
        "queueLength": 3,
        "estimatedWaitTimeMinutes": 3.0,
    }


def test_reclassification_moves_the_job_to_its_new_priority(harness):
    rule = {"kind": "static", "value": 1}
    harness.router.upsert("classificationPolicies", "cp", {"fallbackQueueId": "q", "prioritizationRule": rule})
    harness.job("a", priority=3)
    harness.job("b", classificationPolicyId="cp")
    harness.settle()
    assert _order(harness) == ["a", "b"]
    harness.router.upsert("classificationPolicies", "cp", {"prioritizationRule": {"kind": "static", "value": 8}})
    harness.router.reclassify_job("b")
    harness.settle()
    assert _order(harness) == ["b", "a"] == _expected(harness)


def test_a_cancelled_job_leaves_and_the_others_move_up(harness):
    for key in ("a", "b", "c"):
        harness.job(key, priority=1)
    harness.settle()
    harness.router.cancel_job("a")
    harness.settle()
    assert _order(harness) == ["b", "c"]
    assert _positions(harness) == {"b": 1, "c": 2}
    with pytest.raises(Exception, match="not in a queue"):
        harness.router.get_queue_position("a")
    assert harness.router.get_queue_statistics("q")["length"] == 2


def test_a_freed_worker_gets_the_first_job_in_the_order(harness):
    harness.worker("w", available=False)
    for key, priority in (("a", 1), ("b", 4), ("c", 4)):
        harness.job(key, priority=priority)
    harness.settle()
    harness.router.upsert("workers", "w", {"availableForOffers": True})
    harness.settle()
    assert [o["jobId"] for o in harness.offers("w")] == ["b"]


def test_the_longest_wait_is_the_first_enqueued_job(harness):
    harness.job("a", priority=1)
    harness.settle()
    harness.clock.advance(120)
    harness.job("b", priority=9)
    harness.settle()
    harness.clock.advance(60)
    assert harness.router.get_queue_statistics("q")["longestJobWaitTimeMinutes"] == 3.0
    harness.router.cancel_job("a")
    assert harness.router.get_queue_statistics("q")["longestJobWaitTimeMinutes"] == 1.0


def test_refused_commits_leave_the_order_as_it_was(make_router):
    store = RefusingStore()
    router = make_router(store=store)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    for key in ("a", "b", "c"):
        router.upsert("jobs", key, {"channelId": "voice", "queueId": "q", "priority": 1})
    router.run_pending()
    store.refuse = True
    with pytest.raises(StoreFailed):
        router.upsert("jobs", "c", {"priority": 9})
    with pytest.raises(StoreFailed):
        router.cancel_job("a")
    assert router.queued_job_ids("q") == ["a", "b", "c"]
    assert router.get_queue_position("c")["position"] == 3
    store.refuse = False
    router.upsert("jobs", "c", {"priority": 9})
    assert router.queued_job_ids("q") == ["c", "a", "b"]


def test_random_changes_keep_the_order_of_a_fresh_sort(harness):
    rng = random.Random(26)
    for step in range(300):
        key = f"j{rng.randrange(40)}"
        action = rng.random()
        exists = harness.router._state.exists("jobs", key)
        if action < 0.5 or not exists:
            harness.job(key, priority=rng.randrange(-2, 3))
        elif action < 0.8:
            harness.router.upsert("jobs", key, {"priority": rng.randrange(-2, 3)})
        elif harness.status(key) == "queued":
            harness.router.cancel_job(key)
        if step % 7 == 0:
            harness.settle()
    harness.settle()
    assert len(_order(harness)) > 10
    assert _order(harness) == _expected(harness)
    assert _positions(harness) == {job_id: place for place, job_id in enumerate(_expected(harness), start=1)}


def test_sorted_keys_agree_with_a_sorted_list():
    rng = random.Random(5)
    keys: SortedKeys[int] = SortedKeys()
    model: list = []
    for _ in range(20000):
        value = rng.randrange(5000)
        if value in model:
            keys.remove(value)
            model.remove(value)
        else:
            keys.add(value)
            model.append(value)
    model.sort()
    assert list(keys) == model and len(keys) == len(model)
    for probe in (-1, 0, 17, 2500, 4999, 5000):
        assert keys.rank(probe) == sum(1 for v in model if v < probe)
        assert keys.first_at_or_after(probe) == next((v for v in model if v >= probe), None)
    with pytest.raises(KeyError):
        keys.remove(5001)


def test_a_job_moved_to_another_queue_leaves_the_first_one(harness):
    harness.queue("q2")
    for key in ("a", "b"):
        harness.job(key, priority=1)
    harness.settle()
    harness.router.upsert("jobs", "a", {"queueId": "q2"})
    harness.settle()
    assert harness.router.queued_job_ids("q") == ["b"] and harness.router.queued_job_ids("q2") == ["a"]
    assert harness.router.get_queue_statistics("q")["length"] == 1
    assert harness.router.get_queue_position("a")["queueId"] == "q2"
