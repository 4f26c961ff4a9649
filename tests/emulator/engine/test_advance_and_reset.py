"""Router.advance (the virtual clock) and Router.reset, through the router's own API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobrouter_emulator.engine.errors import BadRequest, Conflict
from jobrouter_emulator.engine.times import parse_time
from jobrouter_emulator.store.sqlite import SQLiteStore


def _event_times(harness, name):
    return [
        parse_time(e.event["eventTime"])
        for e in harness.router.events_since(0)
        if e.event["eventType"].endswith("." + name)
    ]


def test_advance_fires_each_timer_at_its_own_due_time(harness):
    harness.policy(offer_seconds=30)  # offers expire 30 s after they are issued
    harness.worker("w1")
    harness.worker("w2")
    harness.job("j")
    start = harness.clock.now()
    harness.router.advance(0)  # the routing due now: queued, then offered
    assert harness.status("j") == "queued"

    assert harness.router.advance(100) == start + timedelta(seconds=100)
    # Offered to one worker at once; expired at +30 and offered to the other then; expired at +60. Each at its time,
    # not at +100 (an expired offer counts as a decline, so there is no third offer).
    assert _event_times(harness, "RouterWorkerOfferIssued") == [start, start + timedelta(seconds=30)]
    assert _event_times(harness, "RouterWorkerOfferExpired") == [start + timedelta(seconds=s) for s in (30, 60)]
    assert harness.clock.now() == start + timedelta(seconds=100)


def test_advance_zero_does_only_the_work_due_now(harness):
    harness.worker("w")
    harness.job("j")
    start = harness.clock.now()
    harness.router.advance(0)
    assert harness.clock.now() == start and harness.status("j") == "queued"


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf"), True, "60", 10**12])
def test_advance_refuses_what_is_not_a_forward_move(harness, seconds):
    with pytest.raises(BadRequest, match="seconds must be"):
        harness.router.advance(seconds)


def test_advance_needs_a_virtual_clock(make_router):
    router = make_router(clock=None)  # the system clock
    try:
        assert not router.clock_is_virtual
        with pytest.raises(Conflict, match="--clock virtual"):
            router.advance(1)
    finally:
        router.close()


def test_notice_listeners_hear_of_clock_moves_and_resets(harness):
    notices = []
    harness.router.add_notice_listener(notices.append)
    harness.router.advance(5)
    harness.router.reset()
    assert notices == ["clock", "reset"]
    assert harness.router.resets == 1


def test_reset_forgets_everything_and_routing_starts_again_clean(harness):
    harness.policy(offer_seconds=30)
    harness.worker("w")
    harness.job("j")
    harness.router.advance(0)
    assert harness.offers("w") and harness.router.next_timer_due() is not None
    last_sequence = harness.router.events_since(0)[-1].sequence

    harness.router.reset()

    assert harness.router.last_event_sequence == last_sequence  # where a new subscription starts: after the old
    for collection in ("distributionPolicies", "queues", "workers", "jobs"):
        assert harness.router.list(collection) == ([], None)
    assert harness.router.events_since(0) == []
    assert harness.router.next_timer_due() is None  # the offer's expiry is gone with it
    harness.router.advance(60)
    assert harness.router.events_since(0) == []

    # The same ids again: the matching index forgot the old worker and queue, so this routes as on a first start.
    harness.policy(offer_seconds=30)
    harness.queue()
    harness.worker("w")
    harness.job("j")
    harness.router.advance(0)
    assert [o["jobId"] for o in harness.offers("w")] == ["j"]
    events = harness.router.events_since(0)
    assert events[0].sequence == last_sequence + 1  # readers' cursors stay valid
    assert harness.router.get("jobs", "j").body["status"] == "queued"


def test_a_reset_sqlite_store_stays_empty_after_a_restart(tmp_path, make_router):
    path = tmp_path / "state.sqlite3"
    worker = {"capacity": 1, "channels": [{"channelId": "voice", "capacityCostPerJob": 1}], "availableForOffers": True}
    router = make_router(store=SQLiteStore(path), seed=None)
    router.upsert("workers", "before", worker)  # RouterWorkerRegistered: event 1
    router.reset()
    router.upsert("workers", "after", worker)  # event 2: numbering goes on after a reset
    router.close()

    reopened = make_router(store=SQLiteStore(path), seed=None)
    try:
        assert [w["id"] for w in reopened.list("workers")[0]] == ["after"]
        assert [e.sequence for e in reopened.events_since(0)] == [2]
    finally:
        reopened.close()
