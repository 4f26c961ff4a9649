"""``--routing-delay`` / ``EmbeddedEmulator(routing_delay=...)``: routing runs that long after the request causing it.

On a virtual clock the delay is virtual time (exact, no sleeping); on the system clock it is real time (only lower
bounds are asserted: a busy machine makes routing later, never earlier). The last two tests are the point of the
option: a client that reads offers right after creating a job sees none, one that waits for them gets its offer.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import (
    DistributionPolicy,
    LongestIdleMode,
    RouterChannel,
    RouterJob,
    RouterQueue,
    RouterWorker,
)
from jobrouter_emulator import EmbeddedEmulator, cli
from jobrouter_emulator.engine.routing_delay import RoutingDelay

from ..._cli_process import CliEmulator


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("500ms", 0.5, 0.5), ("0.5s", 0.5, 0.5), ("2s", 2, 2), ("200ms-800ms", 0.2, 0.8), (" 1s - 1500MS ", 1, 1.5)],
)
def test_a_delay_is_written_in_milliseconds_or_seconds_fixed_or_as_a_range(text, low, high):
    assert RoutingDelay.parse(text) == RoutingDelay(low, high)
    assert RoutingDelay.parse(str(RoutingDelay(low, high))) == RoutingDelay(low, high)


def test_a_number_without_a_unit_is_seconds_so_zero_is_no_delay():
    assert RoutingDelay.parse("0") is None and RoutingDelay.parse("0s") is None
    assert RoutingDelay.parse("1.5") == RoutingDelay(1.5, 1.5)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("500", "from 0 to 60 s"),  # a number without a unit is seconds
        ("fast", "written like"),
        ("800ms-200ms", "goes from low to high"),
        ("2min", "written like"),
        ("90s", "from 0 to 60 s"),
        (-1, "from 0 to 60 s"),
        (True, "not True"),
    ],
)
def test_a_malformed_delay_is_refused_saying_how_to_write_one(value, message):
    with pytest.raises((ValueError, TypeError), match=message):
        EmbeddedEmulator(routing_delay=value)


def test_the_command_line_refuses_a_malformed_delay_in_one_line(capsys):
    assert cli.main(["--in-memory", "--port", "0", "--routing-delay", "soon"]) == 2
    assert capsys.readouterr().err.strip().startswith("error: --routing-delay: a routing delay is written like")


def test_zero_or_none_is_no_delay():
    assert RoutingDelay.parse(0) is None and RoutingDelay.parse("0ms") is None and RoutingDelay.parse(None) is None


def _setup(admin: JobRouterAdministrationClient, client: JobRouterClient) -> None:
    admin.upsert_distribution_policy("dp", DistributionPolicy(offer_expires_after_seconds=60, mode=LongestIdleMode()))
    admin.upsert_queue("q", RouterQueue(distribution_policy_id="dp"))
    channel = RouterChannel(channel_id="voice", capacity_cost_per_job=1)
    client.upsert_worker("w", RouterWorker(capacity=1, queues=["q"], channels=[channel], available_for_offers=True))


def test_on_the_virtual_clock_routing_waits_for_virtual_time():
    with EmbeddedEmulator(clock="virtual", routing_delay="500ms") as emulator:
        admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        _setup(admin, client)
        emulator.advance(1)  # the worker's registration has been seen by routing
        client.upsert_job("j", RouterJob(channel_id="voice", queue_id="q", priority=1))
        emulator.advance(0)
        assert client.get_job("j").status == "created"  # nothing routed yet: no virtual time has passed
        emulator.advance(0.499)
        assert client.get_job("j").status == "created"
        assert client.get_worker("w").offers == []
        emulator.advance(0.001)  # the delay, to the millisecond
        job = client.get_job("j")
        assert job.status == "queued"
        assert [offer.job_id for offer in client.get_worker("w").offers] == ["j"]


def test_a_range_is_drawn_per_request_within_its_bounds_and_repeats_with_the_seed(make_router):
    def delays(seed):
        router = make_router(seed=seed, routing_delay=RoutingDelay(0.2, 0.8))
        router.upsert("distributionPolicies", "dp", {"mode": {"kind": "longestIdle"}})
        router.upsert("queues", "q", {"distributionPolicyId": "dp"})
        start, found = router.now(), []
        for number in range(8):
            router.upsert("jobs", f"j{number}", {"channelId": "voice", "queueId": "q"})
        while router.next_timer_due() is not None and len(found) < 8:
            router.advance((router.next_timer_due() - router.now()).total_seconds())
            for number in range(8):
                body = router.get("jobs", f"j{number}").body
                if body["status"] == "queued" and number not in dict(found):
                    found.append((number, router.now() - start))
        router.close()
        return [delay for _, delay in sorted(found)]

    first = delays(seed=7)
    assert len(first) == 8 and all(timedelta(seconds=0.2) <= d <= timedelta(seconds=0.8) for d in first)
    assert len(set(first)) > 1  # drawn per request, not once
    assert delays(seed=7) == first
    assert delays(seed=8) != first


def test_on_the_system_clock_routing_comes_no_sooner_than_the_delay():
    with EmbeddedEmulator(routing_delay="300ms") as emulator:
        admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        _setup(admin, client)
        time.sleep(0.4)  # the worker's registration reaches routing
        sent = time.monotonic()
        client.upsert_job("j", RouterJob(channel_id="voice", queue_id="q", priority=1))
        while client.get_job("j").status != "queued":
            assert time.monotonic() - sent < 15, "the job was never queued"
            time.sleep(0.02)
        assert time.monotonic() - sent >= 0.3


def _offer_read_at_once(client: JobRouterClient) -> list:
    """A client written against an emulator that routes at once: it reads the worker's offers right after the job."""
    client.upsert_job("j", RouterJob(channel_id="voice", queue_id="q", priority=1))
    return [offer.offer_id for offer in client.get_worker("w").offers]


def _offer_waited_for(client: JobRouterClient, timeout: float = 15.0) -> list:
    """The same client, waiting for the offer the way production needs: poll until it comes (or events)."""
    client.upsert_job("j2", RouterJob(channel_id="voice", queue_id="q", priority=1))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        offers = [offer.offer_id for offer in client.get_worker("w").offers if offer.job_id == "j2"]
        if offers:
            return offers
        time.sleep(0.05)
    return []


def test_a_wait_loop_survives_the_delay_where_reading_at_once_does_not(tmp_path):
    # The command-line option and the embedded one are the same setting; this takes the command line's.
    emulator = CliEmulator("--in-memory", "--routing-delay", "200ms-400ms", "--seed", "3", directory=tmp_path)
    try:
        assert emulator.banner["routing delay"] == "200ms-400ms after each request"
        admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        _setup(admin, client)
        time.sleep(0.5)
        assert _offer_read_at_once(client) == []  # passes against an emulator routing at once, fails on Azure
        client.cancel_job("j")
        client.delete_job("j")
        time.sleep(0.5)  # the cancel frees the worker (its offer is revoked) before the next job
        assert len(_offer_waited_for(client)) == 1
    finally:
        emulator.stop()
