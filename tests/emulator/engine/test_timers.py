"""Timers through their own API: due order, deferral to the commit, and a complete table of handlers."""

from __future__ import annotations

import gc
import threading
import weakref
from datetime import datetime, timedelta, timezone

import pytest

from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.engine.timers import TimerKind, Timers
from jobrouter_emulator.store.memory import MemoryStore

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _timers(deferred=None):
    defer = deferred.append if deferred is not None else (lambda action: action())
    return Timers(threading.RLock(), defer)


def test_timers_fire_in_due_order_then_in_the_order_they_were_scheduled():
    timers, fired = _timers(), []
    timers.set_handlers({kind: (lambda *args, kind=kind: fired.append((kind, args))) for kind in TimerKind})
    timers.schedule(T0 + timedelta(seconds=2), TimerKind.EXPIRE_OFFER, "j", "o")
    timers.schedule(T0, TimerKind.PROCESS_JOB, "first")
    timers.schedule(T0, TimerKind.PROCESS_JOB, "second")
    assert timers.next_due() == T0
    while (due := timers.pop_due(T0 + timedelta(seconds=1))) is not None:
        timers.fire(*due)
    assert fired == [(TimerKind.PROCESS_JOB, ("first",)), (TimerKind.PROCESS_JOB, ("second",))]
    assert len(timers) == 1 and timers.next_due() == T0 + timedelta(seconds=2)


def test_a_timer_joins_the_heap_only_when_its_command_commits():
    deferred: list = []
    timers = _timers(deferred)
    timers.schedule(T0, TimerKind.MATCH_QUEUE, "q")
    assert timers.next_due() is None
    deferred.pop()()
    assert timers.next_due() == T0


def test_the_table_must_name_a_handler_for_every_kind():
    with pytest.raises(ValueError, match="expireOffer"):
        _timers().set_handlers({kind: print for kind in TimerKind if kind is not TimerKind.EXPIRE_OFFER})


def test_the_router_fires_due_timers_only(make_router):
    clock = FakeClock(T0)
    router = make_router(clock=clock, seed=None, processing_delay=0.5)
    router.upsert("distributionPolicies", "dp", {"mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    router.upsert("jobs", "j", {"channelId": "voice", "queueId": "q"})
    assert router.next_timer_due() == T0 + timedelta(seconds=0.5)
    assert router.run_pending() == 0 and router.get("jobs", "j").body["status"] == "created"
    clock.advance(0.5)
    assert router.run_pending() == 1 and router.get("jobs", "j").body["status"] == "queued"


def test_a_closed_router_is_freed_at_once():
    """The timer table points back at the engine's parts; closing breaks that cycle, so a closed router (and all it
    holds) is freed when the last reference goes, not at some later garbage collection."""
    # Built by hand, not with make_router: that fixture keeps a reference to close the router after the test.
    router = Router(MemoryStore(), FakeClock(T0), processing_delay=0)
    router.upsert("distributionPolicies", "dp", {"mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    router.upsert("jobs", "j", {"channelId": "voice", "queueId": "q"})
    router.run_pending()
    router.close()
    freed = weakref.ref(router)
    gc.disable()
    try:
        del router
        assert freed() is None
    finally:
        gc.enable()


def test_only_a_worker_available_for_offers_now_or_before_asks_for_its_queues_to_be_matched(make_router):
    router = make_router(clock=FakeClock(T0), seed=None)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    router.run_pending()
    channels = [{"channelId": "voice", "capacityCostPerJob": 1}]
    router.upsert("workers", "w", {"capacity": 1, "queues": ["q"], "channels": channels})
    router.upsert("workers", "w", {"labels": {"skill": 3}})
    assert router.next_timer_due() is None  # nothing it changes can make an offer
    router.upsert("workers", "w", {"availableForOffers": True})
    assert router.next_timer_due() is not None
    router.run_pending()
    router.upsert("workers", "w", {"availableForOffers": False})  # its offers go, its queue is matched again
    assert router.next_timer_due() is not None
    router.close()


def test_try_lock_waits_at_most_its_timeout_for_another_thread(make_router):
    router = make_router(clock=FakeClock(T0), seed=None)
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        assert router.try_lock()
        taken.set()
        release.wait(5)
        router.unlock()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)
    assert not router.try_lock() and not router.try_lock(0.01)
    threading.Timer(0.05, release.set).start()
    assert router.try_lock(5)  # got it once the holder let go, well before 5 s
    router.unlock()
    holder.join()
    router.close()
