"""The SDK against the emulator over loopback, HTTP and HTTPS, sync and async.

Each test starts from an empty emulator (``clean_jobrouter_emulator``: the session's, reset), so what a test lists,
pages through or reads from the event feed is its own and nothing else.
"""

from __future__ import annotations

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceModifiedError, ResourceNotFoundError

from azure.communication.jobrouter import JobRouterAdministrationClient
from azure.communication.jobrouter import aio as jr_aio
from azure.communication.jobrouter.models import (
    ClassificationPolicy,
    DistributionPolicy,
    ExceptionPolicy,
    ExceptionRule,
    LongestIdleMode,
    ManualReclassifyExceptionAction,
    PassThroughQueueSelectorAttachment,
    RouterChannel,
    RouterJob,
    RouterJobStatus,
    RouterQueue,
    RouterWorker,
    WaitTimeExceptionTrigger,
)
from jobrouter_emulator import EmbeddedEmulator, HmacAuth

from ._polling import wait_for
from .conftest import clients_with_policy


@pytest.fixture
def emulator(clean_jobrouter_emulator):
    return clean_jobrouter_emulator


@pytest.fixture
def clients(emulator, request):
    admin, client, prefix = clients_with_policy(emulator, request)
    admin.upsert_queue(f"{prefix}-q", distribution_policy_id=f"{prefix}-dp", labels={"language": "en"})
    return admin, client, prefix


def test_every_admin_resource_round_trips(clients):
    admin, _, prefix = clients
    cp = admin.upsert_classification_policy(
        f"{prefix}-cp",
        ClassificationPolicy(
            name="by language",
            fallback_queue_id=f"{prefix}-q",
            queue_selector_attachments=[PassThroughQueueSelectorAttachment(key="language", label_operator="equal")],
        ),
    )
    assert isinstance(cp.queue_selector_attachments[0], PassThroughQueueSelectorAttachment)
    ep = admin.upsert_exception_policy(
        f"{prefix}-ep",
        ExceptionPolicy(
            exception_rules=[
                ExceptionRule(
                    id="slow",
                    trigger=WaitTimeExceptionTrigger(threshold_seconds=60),
                    actions=[ManualReclassifyExceptionAction(priority=5)],
                )
            ]
        ),
    )
    assert ep.exception_rules[0].actions[0].id  # the service names unnamed actions
    assert admin.get_classification_policy(cp.id).fallback_queue_id == f"{prefix}-q"
    assert [p.id for p in admin.list_classification_policies(results_per_page=1)] == [cp.id]
    admin.delete_classification_policy(cp.id)
    with pytest.raises(ResourceNotFoundError):
        admin.get_classification_policy(cp.id)


def test_conditional_update_with_etag(clients):
    admin, _, prefix = clients
    queue = admin.get_queue(f"{prefix}-q")
    queue.name = "first"
    updated = admin.upsert_queue(queue.id, queue, etag=queue.etag, match_condition=MatchConditions.IfNotModified)
    assert updated.name == "first"
    with pytest.raises(ResourceModifiedError):
        admin.upsert_queue(
            queue.id, RouterQueue(name="second"), etag=queue.etag, match_condition=MatchConditions.IfNotModified
        )


def test_paging_over_jobs(clients):
    _, client, prefix = clients
    for index in range(5):
        client.upsert_job(f"{prefix}-j{index}", RouterJob(channel_id="chat", queue_id=f"{prefix}-q"))
    pages = list(client.list_jobs(queue_id=f"{prefix}-q", results_per_page=2).by_page())
    assert [len(list(page)) for page in pages] == [2, 2, 1]
    assert len(list(client.list_jobs())) == 5  # the emulator was reset: no other test's jobs


def test_job_lifecycle_and_error_mapping(clients):
    _, client, prefix = clients
    worker_id, job_id = f"{prefix}-w", f"{prefix}-j"
    client.upsert_worker(
        worker_id,
        RouterWorker(
            capacity=1,
            queues=[f"{prefix}-q"],
            available_for_offers=True,
            channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
        ),
    )
    assert client.upsert_job(job_id, channel_id="voice", queue_id=f"{prefix}-q").status == RouterJobStatus.CREATED
    offer = wait_for(lambda: client.get_worker(worker_id).offers)[0]
    accepted = client.accept_job_offer(worker_id, offer.offer_id)
    assert client.get_job(job_id).assignments[accepted.assignment_id].worker_id == worker_id
    with pytest.raises(ResourceNotFoundError) as missing:
        client.decline_job_offer(worker_id, offer.offer_id)
    assert missing.value.error_code == "NotFound"
    client.complete_job(job_id, accepted.assignment_id, note="resolved")
    client.close_job(job_id, accepted.assignment_id, disposition_code="Resolved")
    job = client.get_job(job_id)
    assert (job.status, job.disposition_code, job.notes[0].message) == ("closed", "Resolved", "resolved")
    with pytest.raises(HttpResponseError) as bad:
        client.upsert_job(f"{prefix}-nochannel", queue_id=f"{prefix}-q")
    assert bad.value.status_code == 400 and "channelId" in str(bad.value)


async def test_async_lifecycle(emulator):
    conn = emulator.connection_string
    async with jr_aio.JobRouterAdministrationClient.from_connection_string(conn) as admin:
        await admin.upsert_distribution_policy(
            "async-dp", DistributionPolicy(offer_expires_after_seconds=60, mode=LongestIdleMode())
        )
        await admin.upsert_queue("async-q", RouterQueue(distribution_policy_id="async-dp"))
        assert [q.id async for q in admin.list_queues()] == ["async-q"]
    async with jr_aio.JobRouterClient.from_connection_string(conn) as client:
        await client.upsert_worker(
            "async-w",
            RouterWorker(
                capacity=1,
                queues=["async-q"],
                available_for_offers=True,
                channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
            ),
        )
        await client.upsert_job("async-j", RouterJob(channel_id="voice", queue_id="async-q"))
        offers = []
        for _ in range(200):
            offers = (await client.get_worker("async-w")).offers
            if offers:
                break
            import asyncio

            await asyncio.sleep(0.02)
        accepted = await client.accept_job_offer("async-w", offers[0].offer_id)
        await client.complete_job("async-j", accepted.assignment_id)
        await client.close_job("async-j", accepted.assignment_id)
        assert (await client.get_job("async-j")).status == "closed"


def test_https_with_the_generated_certificate():
    with EmbeddedEmulator(tls=True) as emulator:
        assert emulator.endpoint.startswith("https://") and emulator.cert_path.is_file()
        admin = JobRouterAdministrationClient.from_connection_string(
            emulator.connection_string, connection_verify=str(emulator.cert_path)
        )
        policy = admin.upsert_distribution_policy("tls-dp", offer_expires_after_seconds=10, mode=LongestIdleMode())
        assert policy.id == "tls-dp"


def test_events_feed_shows_routing(emulator, clients):
    import httpx

    _, client, prefix = clients
    client.upsert_worker(f"{prefix}-feed-w", available_for_offers=True, queues=[f"{prefix}-q"], capacity=1)
    feed = httpx.get(emulator.endpoint + "_emulator/events?after=0&limit=1000", auth=HmacAuth()).json()
    assert [(e["eventType"], e["data"]["workerId"]) for e in feed["value"]] == [
        ("Microsoft.Communication.RouterWorkerRegistered", f"{prefix}-feed-w")
    ]


def _stream_events(endpoint: str, since: int, until, timeout: float = 15.0, resume: bool = False):
    """Read the emulator's server-sent-event feed from ``since`` (the query cursor, or ``Last-Event-ID`` as a
    reconnecting browser sends it) until ``until(events)`` is true; parse each event with the SDK's events module."""
    import httpx

    from azure.communication.jobrouter.events import parse_event

    events, fields = [], {}
    url, headers = endpoint + f"_emulator/events?since={since}", {"Accept": "text/event-stream"}
    if resume:
        url, headers = endpoint + "_emulator/events", {**headers, "Last-Event-ID": str(since)}
    with httpx.stream("GET", url, headers=headers, auth=HmacAuth(), timeout=timeout) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(":"):
                continue
            if line:
                name, _, value = line.partition(": ")
                fields[name] = value
                continue
            if "data" in fields:
                event = parse_event(fields["data"])
                assert event.event_type == fields["event"] and int(fields["id"]) > since
                events.append(event)
                if until(events):
                    return events
            fields = {}
    raise AssertionError("the stream ended early")


def test_lifecycle_driven_by_the_event_stream(emulator, clients):
    """Create policy, queue, worker and job; take the offer from the live event stream, not by polling the job;
    accept, complete, close; every event of the job parses to its typed class."""
    from azure.communication.jobrouter import events as ev

    _, client, prefix = clients
    since = emulator.router.last_event_sequence
    worker, job = f"{prefix}-sse-w", f"{prefix}-sse-j"
    client.upsert_worker(
        worker,
        available_for_offers=True,
        queues=[f"{prefix}-q"],
        capacity=1,
        channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
    )
    client.upsert_job(job, channel_id="voice", queue_id=f"{prefix}-q")
    events = _stream_events(
        emulator.endpoint,
        since,
        lambda seen: any(isinstance(e, ev.RouterWorkerOfferIssued) and e.data.job_id == job for e in seen),
    )
    offer = next(e for e in events if isinstance(e, ev.RouterWorkerOfferIssued) and e.data.job_id == job)
    assert offer.data.worker_id == worker
    accepted = client.accept_job_offer(worker, offer.data.offer_id)
    client.complete_job(job, accepted.assignment_id)
    client.close_job(job, accepted.assignment_id)
    mine = _stream_events(
        emulator.endpoint,
        since,
        lambda seen: any(isinstance(e, ev.RouterJobClosed) and e.data.job_id == job for e in seen),
        resume=True,
    )
    kinds = [type(e).__name__ for e in mine if getattr(e.data, "job_id", None) == job]
    assert kinds == [
        "RouterJobReceived",
        "RouterJobQueued",
        "RouterWorkerOfferIssued",
        "RouterWorkerOfferAccepted",
        "RouterJobCompleted",
        "RouterJobClosed",
    ]
