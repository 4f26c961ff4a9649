"""Event delivery over real HTTP on loopback, as Event Grid delivers: handshakes, schemas, filters, retries,
dead-letter files, cursors across restarts, and subscribers that cannot slow each other or the API down."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.events import RouterEvent, RouterWorkerRegistered, parse_events
from jobrouter_emulator.delivery import EventSubscription
from tests.integration._polling import wait_for

from ._control import all_events, control, register_workers, subscribe, subscription_view, wait_validated
from ._webhook import Received


def _ids(events):
    return [event["id"] for event in events]


def test_event_grid_schema_handshake_then_batches_with_event_grid_headers(start_emulator, webhook):
    emulator = start_emulator()
    subscribe(emulator, "egrid", endpointUrl=webhook.url())
    wait_validated(emulator, "egrid")
    register_workers(emulator, "w1", "w2")
    wait_for(lambda: len(webhook.events()) == 2)

    validation, *notifications = webhook.requests()
    assert validation.method == "POST" and validation.headers["aeg-event-type"] == "SubscriptionValidation"
    code = validation.events[0]["data"]["validationCode"]
    assert validation.events[0]["eventType"] == "Microsoft.EventGrid.SubscriptionValidationEvent" and code
    for received, worker_id in zip(notifications, ["w1", "w2"]):
        assert received.headers["content-type"] == "application/json; charset=utf-8"
        assert received.headers["aeg-event-type"] == "Notification"
        assert received.headers["aeg-subscription-name"] == "EGRID"
        assert received.headers["aeg-delivery-count"] == "0"
        assert received.headers["aeg-data-version"] == "1.0"
        assert received.headers["aeg-metadata-version"] == "1"
        body = json.loads(received.body)
        assert isinstance(body, list) and len(body) == 1  # Event Grid's default: one event per request, in an array
        assert received.headers["aeg-output-event-id"] == body[0]["id"]
        (event,) = parse_events(body)
        assert isinstance(event, RouterWorkerRegistered) and event.data.worker_id == worker_id
    view = subscription_view(emulator, "egrid", deliveredEvents=2)
    assert view["lastDeliveryOutcome"] == "Succeeded" and view["cursor"] == 2


def test_manual_validation_through_the_validation_url(start_emulator, webhook):
    """An endpoint that answers 200 without the code waits in AwaitingManualAction until its validationUrl is got."""
    webhook.answer = lambda r: (200, {}, b"") if r.headers.get("aeg-event-type") == "SubscriptionValidation" else None
    emulator = start_emulator()
    subscribe(emulator, "manual", endpointUrl=webhook.url())
    state = lambda: control(emulator, "GET", "/_emulator/eventSubscriptions/manual").json()["provisioningState"]  # noqa: E731
    wait_for(lambda: state() == "AwaitingManualAction")
    register_workers(emulator, "w1")
    time.sleep(0.2)
    assert webhook.notifications() == []  # nothing is sent to an endpoint that has not agreed

    import httpx

    validation_url = webhook.requests()[0].events[0]["data"]["validationUrl"]
    assert validation_url.startswith(emulator.endpoint)
    assert httpx.get(validation_url.replace("id=", "id=wrong")).status_code == 404
    assert httpx.get(validation_url).status_code == 200
    wait_for(lambda: len(webhook.events()) == 1)
    assert state() == "Succeeded"


@pytest.mark.parametrize("batch", [1, 10])
def test_cloudevents_abuse_protection_then_structured_or_batched_events(start_emulator, webhook, batch):
    refusals = []

    def answer(received: Received):
        if received.method == "OPTIONS" and len(refusals) < 2:  # the first two validations are refused
            refusals.append(received)
            return 200, {}, b""
        return None

    webhook.answer = answer
    emulator = start_emulator()
    subscribe(
        emulator,
        "cloud",
        endpointUrl=webhook.url(),
        eventDeliverySchema="CloudEventSchemaV1_0",
        maxEventsPerBatch=batch,
    )
    register_workers(emulator, "w1", "w2", "w3")
    wait_for(lambda: len(webhook.events()) == 3)

    handshakes = [r for r in webhook.requests() if r.method == "OPTIONS"]
    assert len(handshakes) == 3 and all(
        r.headers["webhook-request-origin"] == "eventgrid.azure.net" for r in handshakes
    )
    first_notification = webhook.requests().index(webhook.notifications()[0])
    assert first_notification == 3  # nothing was delivered before the endpoint agreed
    for received in webhook.notifications():
        assert received.headers["origin"] == "eventgrid.azure.net"
        assert received.headers["aeg-metadata-version"] == "1.0"
        body = json.loads(received.body)
        if batch == 1:
            assert received.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
            assert isinstance(body, dict)
        else:
            assert received.headers["content-type"] == "application/cloudevents-batch+json; charset=utf-8"
            assert isinstance(body, list) and 1 <= len(body) <= batch
    events = webhook.events()
    assert all(
        e["specversion"] == "1.0" and e["type"] == "Microsoft.Communication.RouterWorkerRegistered" for e in events
    )
    assert [e.data.worker_id for e in parse_events(events)] == ["w1", "w2", "w3"]


def test_type_and_subject_filters_deliver_only_matching_events(start_emulator, webhook):
    emulator = start_emulator()
    subscribe(
        emulator,
        "english-agents",
        endpointUrl=webhook.url("/agents"),
        includedEventTypes=["RouterWorkerRegistered"],
        subjectBeginsWith="WORKER/agent-",  # filters ignore case unless isSubjectCaseSensitive
        subjectEndsWith="-en",
    )
    subscribe(
        emulator,
        "jobs-queued",
        endpointUrl=webhook.url("/jobs"),
        includedEventTypes=["Microsoft.Communication.RouterJobQueued"],
        maxEventsPerBatch=50,
    )
    wait_validated(emulator, "english-agents")
    wait_validated(emulator, "jobs-queued")
    register_workers(emulator, "agent-1-en", "agent-2-fr", "bot-3-en", "agent-4-en")
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
    admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode={"kind": "longestIdle"})
    admin.upsert_queue("q", distribution_policy_id="dp")
    for index in range(3):
        client.upsert_job(f"job-{index}", channel_id="chat", queue_id="q", priority=1)

    wait_for(lambda: len(webhook.events("/jobs")) == 3 and len(webhook.events("/agents")) == 2)
    time.sleep(0.1)  # anything else would have arrived by now
    committed = all_events(emulator)
    assert len(committed) == 4 + 3 * 2  # registered workers; received and queued jobs
    assert [e["subject"] for e in webhook.events("/agents")] == ["worker/agent-1-en", "worker/agent-4-en"]
    queued = [e["id"] for e in committed if e["eventType"] == "Microsoft.Communication.RouterJobQueued"]
    assert _ids(webhook.events("/jobs")) == queued and len(queued) == 3


def test_a_subscriber_failing_three_times_then_succeeding_gets_delivery_count_4_and_order(start_emulator, webhook):
    failures = []

    def answer(received: Received):
        if received.is_notification and len(failures) < 3:
            failures.append(time.monotonic())
            return 500, {}, b"not yet"
        return None

    webhook.answer = answer
    emulator = start_emulator()
    subscribe(emulator, "flaky", endpointUrl=webhook.url(), maxEventsPerBatch=2)
    wait_validated(emulator, "flaky")
    register_workers(emulator, *[f"w{i}" for i in range(6)])
    wait_for(lambda: sum(len(r.events) for r in webhook.notifications()[3:]) == 6)  # after the 3 failures

    attempts = webhook.notifications()
    first_ids = _ids(attempts[0].events)
    retried = [r for r in attempts if _ids(r.events) == first_ids]
    assert [r.headers["aeg-delivery-count"] for r in retried] == ["0", "1", "2", "3"]  # 4 deliveries of the batch
    # Event Grid's schedule, scaled by 0.001: at least 10 ms, 30 ms, 60 ms between the attempts.
    arrivals = failures + [time.monotonic()]
    assert all(later - earlier >= step for earlier, later, step in zip(arrivals, arrivals[1:], (0.01, 0.03)))
    delivered = [e for r in attempts[3:] for e in r.events]
    assert _ids(delivered) == _ids(all_events(emulator))  # every event once after the retries, in commit order
    assert subscription_view(emulator, "flaky", deliveredEvents=6)["deadLetteredEvents"] == 0


def _dead_letters(folder: Path):
    files = sorted(folder.rglob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return files, [json.loads(p.read_text()) for p in files]


@pytest.mark.parametrize(
    "status, attempts, reason, outcome",
    [
        (503, 3, "MaxDeliveryAttemptsExceeded", "Busy"),
        (404, 3, "MaxDeliveryAttemptsExceeded", "NotFound"),
        (408, 3, "MaxDeliveryAttemptsExceeded", "TimedOut"),
        (400, 1, "UndeliverableDueToHttpBadRequest", "BadRequest"),
        (401, 1, "UndeliverableDueToHttpUnauthorized", "Unauthorized"),
        (413, 1, "UndeliverableDueToHttpRequestEntityTooLarge", "RequestEntityTooLarge"),
    ],
)
def test_failed_batches_go_to_dead_letter_files(start_emulator, webhook, tmp_path, status, attempts, reason, outcome):
    webhook.answer = lambda r: (status, {}, b"no") if r.is_notification else None
    emulator = start_emulator()
    folder = tmp_path / "dead-letters"
    subscribe(emulator, "doomed", endpointUrl=webhook.url(), maxDeliveryAttempts=3, deadLetterFolder=str(folder))
    wait_validated(emulator, "doomed")
    register_workers(emulator, "w1", "w2")
    files, letters = wait_for(lambda: (found := _dead_letters(folder)) and len(found[0]) == 2 and found)

    assert len(webhook.notifications()) == 2 * attempts  # 400, 401 and 413 are not retried; 404, 408, 503 are
    committed = all_events(emulator)
    for path, letter, event in zip(files, letters, committed):
        # DOOMED/<year>/<month>/<day>/<hour>/<guid>.json, an array holding the event and why it was not delivered
        name, year, month, day, hour = path.relative_to(folder).parts[:-1]
        assert name == "DOOMED" and year.isdigit() and not month.startswith("0") and hour.isdigit()
        (record,) = letter
        assert record["id"] == event["id"] and record["data"] == event["data"]
        assert record["deadLetterReason"] == reason
        assert record["deliveryAttempts"] == attempts
        assert record["lastDeliveryOutcome"] == outcome
        assert record["lastHttpStatusCode"] == status
        assert record["publishTime"] == event["eventTime"] and record["lastDeliveryAttemptTime"]
    assert subscription_view(emulator, "doomed", deadLetteredEvents=2)["deliveredEvents"] == 0


def test_events_past_their_time_to_live_are_dead_lettered(start_emulator, webhook, tmp_path):
    webhook.answer = lambda r: (500, {}, b"down") if r.is_notification else None
    emulator = start_emulator()  # time scaled by 0.001: one minute to live is 60 ms, retries 10, 30, 60 ms apart
    folder = tmp_path / "dead-letters"
    subscribe(emulator, "expiring", endpointUrl=webhook.url(), eventTimeToLiveInMinutes=1, deadLetterFolder=str(folder))
    wait_validated(emulator, "expiring")
    register_workers(emulator, "w1")
    _, letters = wait_for(lambda: (found := _dead_letters(folder)) and found[0] and found)
    (record,) = letters[0]
    assert record["deadLetterReason"] == "TimeToLiveExceeded"
    assert 1 <= record["deliveryAttempts"] < 30 and record["lastHttpStatusCode"] == 500


def test_acknowledged_events_are_never_sent_again_after_a_restart(start_emulator, webhook, tmp_path):
    failing = threading.Event()
    refused = []

    def answer(received: Received):
        if received.is_notification and failing.is_set():
            refused.append(received)
            return 503, {}, b"down"
        return None

    webhook.answer = answer
    emulator = start_emulator(data_dir=tmp_path)
    subscribe(emulator, "durable", endpointUrl=webhook.url(), maxEventsPerBatch=3)
    register_workers(emulator, *[f"before-{i}" for i in range(5)])
    wait_for(lambda: len(webhook.events()) == 5)
    failing.set()
    register_workers(emulator, "unacknowledged")  # refused by the subscriber: it must come again after the restart
    wait_for(lambda: len(refused) >= 2)
    emulator.stop()

    failing.clear()
    emulator = start_emulator(data_dir=tmp_path)
    register_workers(emulator, *[f"after-{i}" for i in range(4)])
    committed = _ids(all_events(emulator))
    assert len(committed) == 10
    accepted = lambda: [e["id"] for r in webhook.notifications() if not any(r is f for f in refused) for e in r.events]  # noqa: E731
    wait_for(lambda: len(accepted()) >= len(committed))
    time.sleep(0.1)  # a duplicate would have arrived by now
    assert accepted() == committed  # each once, in commit order; the refused one after the restart
    assert all(r.events[0]["subject"] == "worker/unacknowledged" for r in refused)
    handshakes = [r for r in webhook.requests() if r.headers.get("aeg-event-type") == "SubscriptionValidation"]
    assert len(handshakes) == 1  # the handshake is kept with the subscription


def test_a_slow_subscriber_delays_neither_the_api_nor_another_subscriber(start_emulator, webhook):
    release = threading.Event()
    slow_started = threading.Event()

    def answer(received: Received):
        if received.is_notification and received.path == "/slow":
            slow_started.set()
            release.wait(20)  # a subscriber taking 20 s to answer, until the test ends
        return None

    webhook.answer = answer
    emulator = start_emulator()
    subscribe(emulator, "slowpoke", endpointUrl=webhook.url("/slow"))
    subscribe(emulator, "sprinter", endpointUrl=webhook.url("/fast"))
    wait_validated(emulator, "slowpoke")
    wait_validated(emulator, "sprinter")
    try:
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        durations = []
        for index in range(30):
            started = time.monotonic()
            client.upsert_worker(f"w{index}", capacity=1, available_for_offers=True)
            durations.append(time.monotonic() - started)
            if index == 0:
                assert slow_started.wait(5)  # the slow subscriber is now stuck on its first event
        wait_for(lambda: len(webhook.events("/fast")) == 30, timeout=5)
        assert not release.is_set() and len(webhook.notifications("/slow")) == 1
        assert max(durations) < 0.5, durations
    finally:
        release.set()
    wait_for(lambda: len(webhook.events("/slow")) == 30)


def test_subscriptions_are_kept_in_the_store_and_created_ones_get_only_new_events(start_emulator, webhook, tmp_path):
    emulator = start_emulator(data_dir=tmp_path)
    register_workers(emulator, "old-1", "old-2")
    subscribe(emulator, "latecomer", endpointUrl=webhook.url(), includedEventTypes=["RouterWorkerRegistered"])
    register_workers(emulator, "new-1")
    wait_for(lambda: webhook.events())
    time.sleep(0.1)
    assert [e["subject"] for e in webhook.events()] == ["worker/new-1"]  # Event Grid sends what comes after
    emulator.stop()
    emulator = start_emulator(data_dir=tmp_path)
    (listed,) = control(emulator, "GET", "/_emulator/eventSubscriptions").json()["value"]
    assert listed["name"] == "latecomer" and listed["includedEventTypes"] == [
        "Microsoft.Communication.RouterWorkerRegistered"
    ]
    assert listed["cursor"] == len(all_events(emulator))


def test_command_line_subscriptions_apply_over_stored_ones(start_emulator, webhook, tmp_path):
    first = EventSubscription.from_cli(["cli-sub", webhook.url("/one")])
    emulator = start_emulator(data_dir=tmp_path, event_subscriptions=[first])
    register_workers(emulator, "w1")
    wait_for(lambda: webhook.events("/one"))
    emulator.stop()
    moved = EventSubscription.from_cli(["cli-sub", webhook.url("/two"), "eventDeliverySchema=CloudEventSchemaV1_0"])
    emulator = start_emulator(data_dir=tmp_path, event_subscriptions=[moved])
    register_workers(emulator, "w2")
    wait_for(lambda: webhook.events("/two"))
    assert [e["subject"] for e in webhook.events("/two")] == ["worker/w2"]  # the cursor was kept
    assert [r.method for r in webhook.requests("/two")][0] == "OPTIONS"  # a new endpoint is validated again


def test_events_module_types_every_delivered_event(start_emulator, webhook):
    emulator = start_emulator(event_webhooks=[webhook.url()])  # --event-webhook: every event, Event Grid schema
    register_workers(emulator, "w1")
    wait_for(lambda: webhook.events())
    (event,) = parse_events(webhook.events())
    assert type(event) is not RouterEvent
