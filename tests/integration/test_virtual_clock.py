"""The virtual clock through the SDK: every timed behaviour happens when the clock is moved, not when real time
passes, and each scenario takes well under a second of real time.

Time is moved with signed ``POST /_emulator/clock:advance`` requests through the SDK's pipeline (as a test written
against a deployed emulator would); ``advance`` returns only once the work that fell due on the way is done, so
nothing here polls or sleeps. Every time the emulator writes (offers, assignments, events) is on the virtual clock.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any, Dict, Iterator, List

import pytest
from azure.core.rest import HttpRequest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import (
    CancelExceptionAction,
    ExceptionRule,
    LongestIdleMode,
    RouterWorkerSelector,
    ScheduleAndSuspendMode,
    WaitTimeExceptionTrigger,
)
from jobrouter_emulator.engine.times import parse_time
from tests._workers import voice_worker

REAL_TIME_LIMIT = 1.0  # seconds of real time a scenario may take, whatever it does on the virtual clock


class VirtualTime:
    """The emulator's clock, read and moved through the SDK."""

    def __init__(self, client: JobRouterClient) -> None:
        self._client = client

    def _call(self, method: str, path: str, body: Any = None) -> Dict[str, Any]:
        response = self._client.send_request(HttpRequest(method, path, json=body))
        assert response.status_code == 200, response.text()
        return response.json()

    def now(self) -> datetime:
        return parse_time(self._call("GET", "/_emulator/clock")["now"])

    def advance(self, seconds: float) -> datetime:
        return parse_time(self._call("POST", "/_emulator/clock:advance", {"seconds": seconds})["now"])

    def events(self, name: str) -> List[Dict[str, Any]]:
        feed = self._call("GET", "/_emulator/events?since=0")["value"]
        return [e for e in feed if e["eventType"] == f"Microsoft.Communication.{name}"]


@pytest.fixture
def router(virtual_clock_jobrouter_emulator) -> Iterator[Any]:
    """(admin, client, virtual time) on an empty emulator whose clock moves only when told; a queue ``q`` whose
    offers live 30 s, a worker ``w`` on it (voice, capacity 1); the real time the test takes is checked."""
    connection = virtual_clock_jobrouter_emulator.connection_string
    admin = JobRouterAdministrationClient.from_connection_string(connection, retry_total=0)
    client = JobRouterClient.from_connection_string(connection, retry_total=0)
    clock = VirtualTime(client)
    started = time.perf_counter()
    admin.upsert_distribution_policy("dp", offer_expires_after_seconds=30, mode=LongestIdleMode())
    admin.upsert_queue("q", distribution_policy_id="dp")
    yield admin, client, clock
    elapsed = time.perf_counter() - started
    assert elapsed < REAL_TIME_LIMIT, f"the scenario took {elapsed:.2f} s of real time"


def _worker(client: JobRouterClient) -> None:
    voice_worker(client, "w", queues=["q"])


def test_a_job_scheduled_an_hour_ahead_waits_for_activation_an_hour_later(router):
    _, client, clock = router
    start = clock.now()
    in_an_hour = ScheduleAndSuspendMode(schedule_at=start + timedelta(hours=1))
    client.upsert_job("j", channel_id="voice", queue_id="q", matching_mode=in_an_hour)
    clock.advance(0)
    assert client.get_job("j").status == "scheduled"
    clock.advance(3599)
    assert client.get_job("j").status == "scheduled"
    assert clock.advance(1) == start + timedelta(hours=1)
    assert client.get_job("j").status == "waitingForActivation"
    (event,) = clock.events("RouterJobWaitingForActivation")
    assert parse_time(event["eventTime"]) == start + timedelta(hours=1)


def test_an_unanswered_offer_expires_on_the_virtual_clock(router):
    _, client, clock = router
    _worker(client)
    start = clock.now()
    client.upsert_job("j", channel_id="voice", queue_id="q")
    clock.advance(0)
    (offer,) = client.get_worker("w").offers
    assert (offer.offered_at, offer.expires_at) == (start, start + timedelta(seconds=30))
    clock.advance(29)
    assert len(client.get_worker("w").offers) == 1
    clock.advance(1)
    assert client.get_worker("w").offers == [] and client.get_job("j").status == "queued"
    (expired,) = clock.events("RouterWorkerOfferExpired")
    assert parse_time(expired["eventTime"]) == start + timedelta(seconds=30)


def test_a_close_at_in_the_future_closes_the_job_then(router):
    _, client, clock = router
    _worker(client)
    client.upsert_job("j", channel_id="voice", queue_id="q")
    clock.advance(0)
    accepted = client.accept_job_offer("w", client.get_worker("w").offers[0].offer_id)
    client.complete_job("j", accepted.assignment_id)
    close_at = clock.now() + timedelta(minutes=5)
    client.close_job("j", accepted.assignment_id, close_at=close_at, disposition_code="Resolved")
    clock.advance(299)
    assert client.get_job("j").status == "completed"
    assert client.get_worker("w").assigned_jobs  # the worker's capacity is held until the close
    clock.advance(1)
    job = client.get_job("j")
    assert (job.status, job.assignments[accepted.assignment_id].closed_at) == ("closed", close_at)
    assert client.get_worker("w").assigned_jobs == []


def test_a_wait_time_exception_fires_after_the_threshold(router):
    admin, client, clock = router
    too_long = ExceptionRule(
        id="too-long",
        trigger=WaitTimeExceptionTrigger(threshold_seconds=60),
        actions=[CancelExceptionAction(disposition_code="WaitedTooLong")],
    )
    admin.upsert_exception_policy("ep", exception_rules=[too_long])
    admin.upsert_queue("q", distribution_policy_id="dp", exception_policy_id="ep")
    start = clock.now()
    client.upsert_job("j", channel_id="voice", queue_id="q")  # no worker: it waits
    clock.advance(59)
    assert client.get_job("j").status == "queued"
    clock.advance(1)
    job = client.get_job("j")
    assert (job.status, job.disposition_code) == ("cancelled", "WaitedTooLong")
    (triggered,) = clock.events("RouterJobExceptionTriggered")
    assert triggered["data"]["exceptionRuleId"] == "too-long"
    assert parse_time(triggered["eventTime"]) == start + timedelta(seconds=60)


def test_worker_selectors_expire_on_the_virtual_clock(router):
    _, client, clock = router
    selector = RouterWorkerSelector(key="skill", label_operator="equal", value="x", expires_after_seconds=120)
    client.upsert_job("j", channel_id="voice", queue_id="q", requested_worker_selectors=[selector])
    clock.advance(119)
    assert client.get_job("j").requested_worker_selectors[0].status == "active"
    clock.advance(1)
    assert client.get_job("j").requested_worker_selectors[0].status == "expired"


def test_a_declined_job_is_offered_again_at_retry_offer_at(router):
    _, client, clock = router
    _worker(client)
    client.upsert_job("j", channel_id="voice", queue_id="q")
    clock.advance(0)
    offer = client.get_worker("w").offers[0]
    client.decline_job_offer("w", offer.offer_id, retry_offer_at=clock.now() + timedelta(minutes=10))
    clock.advance(599)
    assert client.get_worker("w").offers == []
    clock.advance(1)
    assert [o.job_id for o in client.get_worker("w").offers] == ["j"]


def test_the_embedded_emulator_moves_the_same_clock(virtual_clock_jobrouter_emulator):
    emulator = virtual_clock_jobrouter_emulator
    before = emulator.now()
    assert emulator.advance(90) == before + timedelta(seconds=90) == emulator.now()
    with pytest.raises(ValueError, match="seconds must be from 0"):
        emulator.advance(-1)


def test_the_clock_routes_say_what_is_wrong(router, jobrouter_emulator):
    _, client, _ = router
    bad = client.send_request(HttpRequest("POST", "/_emulator/clock:advance", json={"minutes": 5}))
    assert bad.status_code == 400 and '{"seconds": N}' in bad.json()["communicationError"]["message"]
    system = JobRouterClient.from_connection_string(jobrouter_emulator.connection_string, retry_total=0)
    refused = system.send_request(HttpRequest("POST", "/_emulator/clock:advance", json={"seconds": 5}))
    assert refused.status_code == 409 and "--clock virtual" in refused.json()["communicationError"]["message"]
    assert system.send_request(HttpRequest("GET", "/_emulator/clock")).json()["virtual"] is False
