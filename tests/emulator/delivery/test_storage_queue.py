"""Event subscriptions that write to an Azure Storage queue, as Event Grid does, tested against a real Azurite and
read back by a receiver written for Azure (azure-storage-queue, then the typed events module or azure-eventgrid):
definitions and their 400s, the message format, both schemas, a missing queue, an Azurite outage and a kill -9 of the
emulator between events. A queue destination runs on the same delivery machinery as webhooks (issue 26): one row of
``DESTINATIONS``, no handshake, the 500-subscription cap, time to live on real time and private dead-letter files."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import stat
import time
from pathlib import Path
from typing import Dict, List

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.eventgrid import EventGridEvent
from azure.storage.queue import BinaryBase64DecodePolicy

from azure.communication.jobrouter import JobRouterClient
from azure.communication.jobrouter.events import RouterWorkerRegistered, parse_event
from jobrouter_emulator.delivery import EventSubscription, SubscriptionError, manager, policy
from jobrouter_emulator.delivery.destinations import DESTINATIONS, Validated, destination_for, storage_queue
from jobrouter_emulator.delivery.destinations.storage_queue import StorageQueueDestination, message_text
from jobrouter_emulator.outbound import BoundedHttp
from tests import _azurite
from tests._azurite import ACCOUNT_KEY, require_azurite
from tests._cli_process import CliEmulator
from tests.integration._polling import wait_for

from ._control import all_events, control, register_workers, subscribe, subscription_view, wait_validated

CONNECTION = (
    f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={ACCOUNT_KEY};"
    "QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;"
)


def _queue_definition(connection_string: str, queue: str, **more) -> Dict[str, object]:
    return {"endpointType": "StorageQueue", "queueName": queue, "connectionString": connection_string, **more}


def _drain(queue_client, timeout: float = 15.0, count: int = 1) -> List[str]:
    """Message texts as a receiver written for Azure reads them (default QueueClient settings), deleting each."""
    texts: List[str] = []

    def more() -> bool:
        for message in queue_client.receive_messages(messages_per_page=32):
            texts.append(message.content)
            queue_client.delete_message(message)
        return len(texts) >= count

    wait_for(more, timeout=timeout)
    return texts


# -- definitions -------------------------------------------------------------------------------------------------------
def test_endpoint_type_defaults_to_webhook_and_a_queue_definition_round_trips():
    webhook = EventSubscription.from_json("hook", {"endpointUrl": "http://h/"})
    assert webhook.endpoint_type == "WebHook" and "queueName" not in webhook.to_json()
    queue = EventSubscription.from_json("to-queue", _queue_definition(CONNECTION, "router-events"))
    assert queue.queue_message_time_to_live_in_seconds == 604800  # Queue Storage's default: 7 days
    body = queue.to_json()
    assert body["endpointType"] == "StorageQueue" and "endpointUrl" not in body and "maxEventsPerBatch" not in body
    assert EventSubscription.from_json("to-queue", json.loads(json.dumps(body))) == queue  # as the store keeps it
    redacted = queue.to_json(redact=True)["connectionString"]
    assert (
        ACCOUNT_KEY not in redacted and "AccountKey=***" in redacted and "QueueEndpoint=http://127.0.0.1:1/" in redacted
    )
    never = EventSubscription.from_json(
        "forever", _queue_definition(CONNECTION, "abc", queueMessageTimeToLiveInSeconds=-1)
    )
    assert never.queue_message_time_to_live_in_seconds == -1


def test_the_command_line_defines_a_queue_subscription():
    tokens = ["cli-queue", "endpointType=StorageQueue", "queueName=router-events", f"connectionString={CONNECTION}"]
    tokens += ["queueMessageTimeToLiveInSeconds=60", "includedEventTypes=RouterWorkerRegistered"]
    subscription = EventSubscription.from_cli(tokens)
    assert (subscription.queue_name, subscription.connection_string) == ("router-events", CONNECTION)
    assert subscription.queue_message_time_to_live_in_seconds == 60
    assert subscription.included_event_types == ("Microsoft.Communication.RouterWorkerRegistered",)
    assert EventSubscription.from_cli(["hook", "http://h/?a=b", "maxEventsPerBatch=5"]).endpoint_url == "http://h/?a=b"
    with pytest.raises(SubscriptionError, match="queueName is required"):
        EventSubscription.from_cli(["cli-queue", "endpointType=StorageQueue", f"connectionString={CONNECTION}"])


@pytest.mark.parametrize(
    "body, target, words",
    [
        ({"endpointType": "Queue"}, "endpointType", "WebHook, StorageQueue"),
        ({"endpointType": "StorageQueue", "connectionString": CONNECTION}, "queueName", "queueName is required"),
        ({"endpointType": "StorageQueue", "queueName": "q-1"}, "connectionString", "connectionString is required"),
        (_queue_definition(CONNECTION, "Router-Events"), "queueName", "lowercase"),
        (_queue_definition(CONNECTION, "a--b"), "queueName", "single hyphens"),
        (_queue_definition(CONNECTION, "ab"), "queueName", "3-63"),
        (_queue_definition("AccountName=x", "q-1"), "connectionString", "AccountKey or SharedAccessSignature"),
        (_queue_definition("just text", "q-1"), "connectionString", "is not Key=value"),
        (_queue_definition("AccountName=x;AccountKey=not base64!", "q-1"), "connectionString", "not base64"),
        (
            _queue_definition(CONNECTION, "q-1", queueMessageTimeToLiveInSeconds=0),
            "queueMessageTimeToLiveInSeconds",
            "-1",
        ),
        (
            _queue_definition(CONNECTION, "q-1", queueMessageTimeToLiveInSeconds=1.5),
            "queueMessageTimeToLiveInSeconds",
            "whole",
        ),
        (
            _queue_definition(CONNECTION, "q-1", endpointUrl="http://h/"),
            "endpointUrl",
            "applies to endpointType WebHook",
        ),
        (_queue_definition(CONNECTION, "q-1", maxEventsPerBatch=10), "maxEventsPerBatch", "WebHook only"),
        ({"endpointUrl": "http://h/", "queueName": "q-1"}, "queueName", "applies to endpointType StorageQueue only"),
    ],
)
def test_bad_queue_definitions_are_400_naming_the_field(start_emulator, body, target, words):
    emulator = start_emulator()
    response = control(emulator, "PUT", "/_emulator/eventSubscriptions/to-queue", body)
    assert response.status_code == 400, response.text()
    error = response.json()["communicationError"]
    assert error["code"] == "BadRequest" and error["target"] == target and words in error["message"]
    assert control(emulator, "GET", "/_emulator/eventSubscriptions").json()["value"] == []


# -- the message format ------------------------------------------------------------------------------------------------
def test_a_message_is_one_event_as_base64_json_that_azure_receivers_read():
    event = {
        "id": "e-1",
        "topic": "/subscriptions/x",
        "subject": "worker/w1",
        "data": {"workerId": "w1", "totalCapacity": 1, "channelConfigurations": [], "labels": {}, "tags": {}},
        "eventType": "Microsoft.Communication.RouterWorkerRegistered",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": "2024-01-01T00:00:00Z",
    }
    text = message_text(event)
    decoded = base64.b64decode(text, validate=True)
    assert json.loads(decoded) == event  # one object, not an array
    parsed = parse_event(decoded)
    assert isinstance(parsed, RouterWorkerRegistered) and parsed.data.worker_id == "w1"
    assert EventGridEvent.from_json(decoded).event_type == event["eventType"]


def test_no_answer_is_a_retried_failure_without_a_status():
    destination = StorageQueueDestination(CONNECTION, "router-events", 60)  # port 1: nothing listens there
    try:
        outcome = destination.send([{"id": "e"}], time.monotonic() + 5)
    finally:
        destination.close()
    assert not outcome.delivered and outcome.status is None and outcome.retry
    assert "no answer" in outcome.description


def test_failure_descriptions_never_carry_a_query_string():
    class Refused(Exception):
        def __str__(self) -> str:
            return "Max retries exceeded with url: /devstoreaccount1/q-1/messages?sv=2020&sig=SECRET (refused)"

    assert "SECRET" not in storage_queue._first_line(Refused())
    assert storage_queue._first_line(Refused()).endswith("messages?... (refused)")


def test_an_attempt_ends_by_its_deadline_when_the_queue_service_never_answers():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        destination = StorageQueueDestination(CONNECTION.replace("127.0.0.1:1/", f"127.0.0.1:{port}/"), "q-1", 60)
        started = time.monotonic()
        try:
            outcome = destination.send([{"id": "e"}], started + 1.0)
        finally:
            destination.close()
        took = time.monotonic() - started
    assert not outcome.delivered and outcome.status is None and outcome.retry
    assert outcome.description == policy.NO_ANSWER  # lastDeliveryOutcome TimedOut, as for a webhook
    assert 0.9 <= took < 30, took  # the 1 s deadline, not azure-core's minutes; loose for loaded machines


def test_without_azurite_these_tests_skip_saying_how_to_get_it_but_fail_under_ci(monkeypatch):
    monkeypatch.setattr(_azurite, "azurite_queue_command", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install nodejs npm.*npm install --prefix .tools azurite"):
        require_azurite()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the Storage queue tests"):
        require_azurite()


# -- on the shared delivery machinery ----------------------------------------------------------------------------------
def test_a_queue_subscription_gets_its_destination_from_the_one_table_and_needs_no_handshake():
    subscription = EventSubscription.from_json("to-queue", _queue_definition(CONNECTION, "router-events"))
    http = BoundedHttp()
    try:
        destination = destination_for(subscription, http)
        assert isinstance(destination, StorageQueueDestination)
        assert not isinstance(destination, Validated)  # the machinery delivers at once, as Event Grid does
        destination.close()
    finally:
        http.close()
    assert DESTINATIONS["StorageQueue"] == StorageQueueDestination.for_subscription
    assert subscription.target == "Storage queue router-events"  # what the logs name instead of a URL


def test_a_connection_string_the_sdk_refuses_fails_attempts_then_is_dead_lettered(start_emulator, tmp_path):
    # Valid by the emulator's rules, refused by azure-storage-queue when the client is made ("Invalid URL"): each
    # attempt fails (no status), so maxDeliveryAttempts ends it, as for an endpoint that never answers.
    refused = "QueueEndpoint=http://;AccountKey=YWJj"
    with pytest.raises(ValueError):
        storage_queue._queue_client(refused, "q-1")
    emulator = start_emulator()
    folder = tmp_path / "dead-letters"
    definition = _queue_definition(refused, "router-events", maxDeliveryAttempts=2)
    subscribe(emulator, "refused", **definition, deadLetterFolder=str(folder))
    wait_validated(emulator, "refused")
    register_workers(emulator, "w1")
    (record,) = wait_for(lambda: [json.loads(p.read_text()) for p in folder.rglob("*.json")])[0]
    assert record["deadLetterReason"] == "MaxDeliveryAttemptsExceeded" and record["deliveryAttempts"] == 2
    assert record["lastDeliveryOutcome"] == "PeerConnectionFailed" and record["lastHttpStatusCode"] == 0
    assert subscription_view(emulator, "refused", deadLetteredEvents=1)["deliveredEvents"] == 0


def test_queue_subscriptions_count_toward_the_subscription_cap(start_emulator, monkeypatch):
    monkeypatch.setattr(manager, "MAX_SUBSCRIPTIONS", 3)  # the same check as at 500, without making 500
    emulator = start_emulator()
    subscribe(emulator, "hook", endpointUrl="http://127.0.0.1:1/", includedEventTypes=["RouterJobQueued"])
    for name in ("queue-1", "queue-2"):
        subscribe(
            emulator, name, **_queue_definition(CONNECTION, "router-events"), includedEventTypes=["RouterJobQueued"]
        )
    path = "/_emulator/eventSubscriptions/queue-3"
    refused = control(emulator, "PUT", path, _queue_definition(CONNECTION, "router-events"))
    assert refused.status_code == 400 and "3 event subscriptions" in refused.json()["communicationError"]["message"]
    assert control(emulator, "DELETE", "/_emulator/eventSubscriptions/queue-1").status_code == 204
    assert control(emulator, "PUT", path, _queue_definition(CONNECTION, "router-events")).status_code == 201


@pytest.mark.parametrize("clock", ["system", "virtual"])
def test_queue_events_past_their_time_to_live_on_real_time_are_dead_lettered(start_emulator, azurite, tmp_path, clock):
    # The queue does not exist (404, retried), so only the time to live ends delivery: 1 minute, 60 ms at this
    # retry scale, counted on real time whatever the emulator's clock says.
    emulator = start_emulator(clock=clock)
    folder = tmp_path / "dead-letters"
    definition = _queue_definition(azurite.connection_string, "not-created", eventTimeToLiveInMinutes=1)
    subscribe(emulator, "expiring", **definition, deadLetterFolder=str(folder))
    wait_validated(emulator, "expiring")
    if clock == "virtual":
        emulator.advance(3600)  # an hour ahead on the emulator's clock: time to live does not care
    register_workers(emulator, "w1")
    (record,) = wait_for(lambda: [json.loads(p.read_text()) for p in folder.rglob("*.json")])[0]
    assert record["deadLetterReason"] == policy.TIME_TO_LIVE_REASON and record["deliveryAttempts"] >= 1
    assert record["lastHttpStatusCode"] == 404 and record["publishTime"] == record["eventTime"]


# -- end to end with Azurite -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("schema", ["EventGridSchema", "CloudEventSchemaV1_0"])
def test_events_reach_the_queue_and_a_receiver_written_for_azure_reads_them_typed(start_emulator, azurite, schema):
    receiver = azurite.queue("router-events")
    emulator = start_emulator()
    subscribe(
        emulator,
        "to-queue",
        **_queue_definition(azurite.connection_string, "router-events", eventDeliverySchema=schema),
        includedEventTypes=["RouterWorkerRegistered"],
    )
    register_workers(emulator, "w1", "w2", "w3")
    texts = _drain(receiver, count=3)

    committed = [e for e in all_events(emulator) if e["eventType"].endswith("RouterWorkerRegistered")]
    events = [parse_event(base64.b64decode(text)) for text in texts]
    assert [type(e) for e in events] == [RouterWorkerRegistered] * 3
    assert [e.id for e in events] == [e["id"] for e in committed]  # one message per event, in commit order
    assert [e.data.worker_id for e in events] == ["w1", "w2", "w3"]
    first = json.loads(base64.b64decode(texts[0]))
    if schema == "EventGridSchema":
        assert first["eventType"] == "Microsoft.Communication.RouterWorkerRegistered" and "specversion" not in first
        assert EventGridEvent.from_json(base64.b64decode(texts[0])).subject == "worker/w1"
    else:
        assert first["specversion"] == "1.0" and first["type"] == "Microsoft.Communication.RouterWorkerRegistered"
    view = subscription_view(emulator, "to-queue", deliveredEvents=3)
    assert view["provisioningState"] == "Succeeded" and view["lastDeliveryOutcome"] == "Succeeded"
    assert ACCOUNT_KEY not in json.dumps(view)  # the view never shows the account key

    # The other way Azure receivers read it: a decode policy, then the content is the event's JSON bytes.
    decoding = azurite.queue("router-events", create=False, message_decode_policy=BinaryBase64DecodePolicy())
    register_workers(emulator, "w4")
    (content,) = wait_for(lambda: [m.content for m in decoding.receive_messages()])
    assert parse_event(content).data.worker_id == "w4"


def test_messages_carry_the_subscriptions_time_to_live(start_emulator, azurite):
    receiver = azurite.queue("short-lived")
    emulator = start_emulator()
    definition = _queue_definition(azurite.connection_string, "short-lived", queueMessageTimeToLiveInSeconds=3600)
    subscribe(emulator, "ttl", **definition)
    register_workers(emulator, "w1")
    (message,) = wait_for(lambda: list(receiver.peek_messages()))
    lifetime = (message.expires_on - message.inserted_on).total_seconds()
    assert 3590 <= lifetime <= 3610


def test_a_missing_queue_is_retried_then_dead_lettered(start_emulator, azurite, tmp_path):
    emulator = start_emulator()
    folder = tmp_path / "dead-letters"
    definition = _queue_definition(azurite.connection_string, "not-created", maxDeliveryAttempts=3)
    subscribe(emulator, "no-queue", **definition, deadLetterFolder=str(folder))
    register_workers(emulator, "w1")
    letters = wait_for(lambda: [json.loads(p.read_text()) for p in folder.rglob("*.json")])
    (record,) = letters[0]
    assert record["subject"] == "worker/w1"
    assert record["deadLetterReason"] == "MaxDeliveryAttemptsExceeded" and record["deliveryAttempts"] == 3
    assert record["lastHttpStatusCode"] == 404 and record["lastDeliveryOutcome"] == "NotFound"
    assert subscription_view(emulator, "no-queue", deadLetteredEvents=1)["deliveredEvents"] == 0
    mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
    assert {mode(p) for p in folder.rglob("*.json")} == {0o600}  # private, as a webhook's dead letters
    assert {mode(p) for p in [folder, *folder.rglob("*")] if p.is_dir()} == {0o700}
    with pytest.raises(ResourceNotFoundError):  # delivery never creates the queue
        azurite.queue("not-created", create=False).get_queue_properties()


def test_a_wrong_account_key_is_dead_lettered_at_once(start_emulator, azurite, tmp_path):
    azurite.queue("router-events")
    emulator = start_emulator()
    folder = tmp_path / "dead-letters"
    wrong = azurite.connection_string.replace(ACCOUNT_KEY, base64.b64encode(b"not the key").decode())
    subscribe(emulator, "bad-key", **_queue_definition(wrong, "router-events"), deadLetterFolder=str(folder))
    register_workers(emulator, "w1")
    (record,) = wait_for(lambda: [json.loads(p.read_text()) for p in folder.rglob("*.json")])[0]
    # 403: one of Event Grid's non-retried statuses for Azure resource destinations
    assert record["lastHttpStatusCode"] == 403 and record["deliveryAttempts"] == 1
    assert record["deadLetterReason"] == "UndeliverableDueToHttpForbidden"


def test_an_azurite_outage_is_retried_then_delivered(start_emulator, azurite):
    receiver = azurite.queue("router-events")
    emulator = start_emulator()
    subscribe(emulator, "outage", **_queue_definition(azurite.connection_string, "router-events"))
    register_workers(emulator, "w1")
    assert len(_drain(receiver)) == 1

    azurite.stop()
    register_workers(emulator, "w2", "w3")  # committed while the queue cannot be reached
    wait_for(lambda: subscription_view(emulator, "outage")["lastDeliveryOutcome"] == "PeerConnectionFailed")
    time.sleep(0.5)  # several retries fail meanwhile (retry scale 0.001: 10 ms, 30 ms, 60 ms, 300 ms, ...)
    assert subscription_view(emulator, "outage")["deliveredEvents"] == 1

    azurite.start()  # same port; in memory, so the queue must be created again, as after losing a real one
    receiver = azurite.queue("router-events")
    texts = _drain(receiver, count=2, timeout=30)
    assert [parse_event(base64.b64decode(t)).data.worker_id for t in texts] == ["w2", "w3"]
    assert subscription_view(emulator, "outage", deliveredEvents=3)["deadLetteredEvents"] == 0


def test_no_acknowledged_event_is_lost_across_a_kill_9_of_the_emulator(azurite, tmp_path: Path):
    receiver = azurite.queue("router-events")
    data_dir = tmp_path / "data"
    arguments = ["--data-dir", str(data_dir), "--retry-scale", "0.001", "--event-subscription", "durable"]
    arguments += [
        "endpointType=StorageQueue",
        "queueName=router-events",
        f"connectionString={azurite.connection_string}",
    ]
    arguments += ["includedEventTypes=RouterWorkerRegistered"]
    received: List[str] = []

    first = CliEmulator(*arguments, directory=tmp_path)
    try:
        client = JobRouterClient.from_connection_string(first.connection_string, retry_total=0)
        for worker in ("a1", "a2", "a3"):
            client.upsert_worker(worker, capacity=1, available_for_offers=True)  # acknowledged: committed
        received += _drain(receiver, count=1)  # delivery has begun; some events may still be in flight
    finally:
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait()
        first.stop()

    second = CliEmulator(*arguments, directory=tmp_path)
    try:
        client = JobRouterClient.from_connection_string(second.connection_string, retry_total=0)
        client.upsert_worker("b1", capacity=1, available_for_offers=True)
        workers = lambda: {parse_event(base64.b64decode(t)).data.worker_id for t in received}  # noqa: E731
        wait_for(lambda: received.extend(_drain(receiver, count=0, timeout=1)) or workers() >= {"a1", "a2", "a3", "b1"})
    finally:
        second.stop()
    ids = [parse_event(base64.b64decode(t)).id for t in received]
    assert workers() == {"a1", "a2", "a3", "b1"}  # at least once: every acknowledged write's event arrived
    assert len(ids) >= 4 and len(set(ids)) == 4  # duplicates are allowed (re-sent after the kill), no other events
