"""``EmbeddedEmulator.subscribe/unsubscribe/subscriptions`` and ``set_faults/faults/clear_faults``: what the control
routes do, from Python, with the routes' checks; the routes see the same state."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from azure.communication.jobrouter import JobRouterClient
from jobrouter_emulator import EmbeddedEmulator
from tests.integration._polling import wait_for

from ._control import control, register_workers, subscription_view
from ._webhook import Webhook


@pytest.fixture()
def emulator():
    with EmbeddedEmulator(retry_scale=0.001) as running:
        yield running


@pytest.fixture()
def webhook():
    server = Webhook()
    yield server
    server.close()


def test_a_subscription_made_in_python_delivers_and_is_the_one_the_routes_show(webhook, emulator):
    view = emulator.subscribe(
        "agents", webhook.url(), included_event_types=["RouterWorkerRegistered"], max_events_per_batch=5
    )
    assert view["name"] == "agents" and view["endpointUrl"] == webhook.url()
    assert view["includedEventTypes"] == ["Microsoft.Communication.RouterWorkerRegistered"]
    assert view["maxEventsPerBatch"] == 5
    subscription_view(emulator, "agents", provisioningState="Succeeded")
    register_workers(emulator, "w1")
    wait_for(lambda: [e["subject"] for e in webhook.events()] == ["worker/w1"])
    assert [s["name"] for s in emulator.subscriptions()] == ["agents"]
    assert control(emulator, "GET", "/_emulator/eventSubscriptions").json()["value"] == emulator.subscriptions()
    assert emulator.unsubscribe("agents") is True
    assert emulator.unsubscribe("agents") is False  # as the route: deleting what is not there is no error
    assert control(emulator, "GET", "/_emulator/eventSubscriptions/agents").status_code == 404


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"max_events_per_batch": 0}, ValueError, "maxEventsPerBatch"),
        ({"included_event_types": "RouterJobQueued"}, ValueError, "includedEventTypes"),
        ({"event_delivery_schema": "Custom"}, ValueError, "eventDeliverySchema"),
        ({"max_events": 5}, TypeError, "unknown subscription option.*max_events_per_batch"),
    ],
)
def test_a_bad_subscription_option_says_what_to_change_and_creates_nothing(emulator, options, error, message):
    with pytest.raises(error, match=message):
        emulator.subscribe("agents", "http://127.0.0.1:9/events", **options)
    assert emulator.subscriptions() == []
    with pytest.raises(ValueError, match="http"):
        emulator.subscribe("agents", "ftp://example.com/events")
    with pytest.raises(ValueError, match="name"):
        emulator.subscribe("a", "http://127.0.0.1:9/events")


def test_faults_set_in_python_answer_requests_and_are_counted_until_cleared(emulator):
    client = JobRouterClient.from_connection_string(emulator.connection_string, retry_total=0)
    client.upsert_worker("w", capacity=1)
    plan = emulator.set_faults(throttle=1.0, retry_after_seconds=0.5, operations=["get_worker"], seed=1)
    assert plan["throttle"] == 1.0 and plan["retryAfterSeconds"] == 0.5 and plan["operations"] == ["get_worker"]
    with pytest.raises(HttpResponseError) as raised:
        client.get_worker("w")
    assert raised.value.status_code == 429
    client.upsert_worker("w", capacity=2)  # another operation is served
    assert emulator.faults()["injected"]["throttle"] == 1
    assert control(emulator, "GET", "/_emulator/faults").json() == emulator.faults()
    emulator.clear_faults()
    assert client.get_worker("w").capacity == 2
    assert emulator.faults()["throttle"] == 0


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"throttle": 2}, ValueError, "throttle is a share of requests from 0 to 1"),
        ({"throttle": 0.6, "unavailable": 0.6}, ValueError, "more than 1"),
        ({"operations": ["get_jobs"]}, ValueError, "unknown operation.*get_jobs"),
        ({"throtle": 0.1}, TypeError, "unknown fault option.*throttle"),
    ],
)
def test_a_bad_fault_option_says_what_to_change_and_keeps_the_plan(emulator, options, error, message):
    emulator.set_faults(latency=0.5, latency_ms=1)
    with pytest.raises(error, match=message):
        emulator.set_faults(**options)
    assert emulator.faults()["latency"] == 0.5


def test_a_storage_queue_subscription_made_in_python_names_no_url(emulator):
    view = emulator.subscribe(
        "to-queue",
        endpoint_type="StorageQueue",
        queue_name="router-events",
        connection_string="UseDevelopmentStorage=true",
        included_event_types=["RouterJobQueued"],
    )
    assert (view["endpointType"], view["queueName"]) == ("StorageQueue", "router-events")
    assert subscription_view(emulator, "to-queue")["queueName"] == "router-events"  # the route sees the same
    with pytest.raises(ValueError, match="endpointUrl"):  # a webhook still needs its URL
        emulator.subscribe("no-url")
