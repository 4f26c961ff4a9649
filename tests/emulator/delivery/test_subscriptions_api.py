"""Event subscriptions at run time (signed PUT, GET, DELETE, list), from the command line, and the policy pieces."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from azure.core.exceptions import HttpResponseError

from azure.communication.jobrouter import JobRouterClient
from jobrouter_emulator import cli
from jobrouter_emulator.delivery import EventSubscription, SubscriptionError
from jobrouter_emulator.delivery.policy import NO_ANSWER, NO_CONNECTION, outcome, retry_delay
from tests.integration._polling import wait_for

from ._control import control


def test_put_get_list_delete(start_emulator, webhook):
    emulator = start_emulator()
    path = "/_emulator/eventSubscriptions/agents"
    created = control(emulator, "PUT", path, {"endpointUrl": webhook.url(), "includedEventTypes": ["RouterJobQueued"]})
    assert created.status_code == 201
    assert created.json()["includedEventTypes"] == ["Microsoft.Communication.RouterJobQueued"]
    assert created.json()["maxDeliveryAttempts"] == 30 and created.json()["eventTimeToLiveInMinutes"] == 1440
    updated = control(emulator, "PUT", path, {"endpointUrl": webhook.url(), "maxEventsPerBatch": 100})
    assert updated.status_code == 200 and updated.json()["includedEventTypes"] == []  # PUT replaces the definition
    assert control(emulator, "GET", path).json()["maxEventsPerBatch"] == 100
    listed = control(emulator, "GET", "/_emulator/eventSubscriptions").json()["value"]
    assert [item["name"] for item in listed] == ["agents"]
    assert control(emulator, "DELETE", path).status_code == 204
    assert control(emulator, "DELETE", path).status_code == 204  # already gone: not an error, as in Azure
    missing = control(emulator, "GET", path)
    assert missing.status_code == 404 and missing.json()["communicationError"]["code"] == "NotFound"


@pytest.mark.parametrize(
    "name, body, target, words",
    [
        ("ok-name", {}, "endpointUrl", "endpointUrl is required"),
        ("ok-name", {"endpointUrl": "ftp://x"}, "endpointUrl", "http:// or https://"),
        ("ok-name", {"endpointUrl": "http://h/", "maxDeliveryAttempts": 31}, "maxDeliveryAttempts", "from 1 to 30"),
        ("ok-name", {"endpointUrl": "http://h/", "maxEventsPerBatch": 0}, "maxEventsPerBatch", "from 1 to 5000"),
        ("ok-name", {"endpointUrl": "http://h/", "eventTimeToLiveInMinutes": 1.5}, "eventTimeToLiveInMinutes", "whole"),
        (
            "ok-name",
            {"endpointUrl": "http://h/", "includedEventTypes": ["RouterJobQueud"]},
            "includedEventTypes",
            "known",
        ),
        ("ok-name", {"endpointUrl": "http://h/", "eventDeliverySchema": "Custom"}, "eventDeliverySchema", "CloudEvent"),
        ("ok-name", {"endpointUrl": "http://h/", "filter": {}}, "filter", "Unknown subscription field"),
        ("ok-name", {"endpointUrl": "http://h/", "isSubjectCaseSensitive": "yes"}, "isSubjectCaseSensitive", "true"),
        ("x", {"endpointUrl": "http://h/"}, "name", "3-64 letters"),
    ],
)
def test_bad_definitions_are_400_naming_the_field(start_emulator, name, body, target, words):
    emulator = start_emulator()
    response = control(emulator, "PUT", f"/_emulator/eventSubscriptions/{name}", body)
    assert response.status_code == 400
    error = response.json()["communicationError"]
    assert error["code"] == "BadRequest" and error["target"] == target and words in error["message"]
    assert control(emulator, "GET", "/_emulator/eventSubscriptions").json()["value"] == []  # nothing was kept


def test_control_routes_are_signed(start_emulator):
    emulator = start_emulator()
    for method, path in [
        ("GET", "_emulator/eventSubscriptions"),
        ("PUT", "_emulator/eventSubscriptions/agents"),
        ("DELETE", "_emulator/eventSubscriptions/agents"),
        ("PUT", "_emulator/faults"),
    ]:
        response = httpx.request(method, emulator.endpoint + path, json={"endpointUrl": "http://h/"})
        assert response.status_code == 401, (method, path)
        assert "HMAC-SHA256" in response.json()["communicationError"]["message"]


def test_command_line_definitions():
    subscription = EventSubscription.from_cli(
        [
            "agents",
            "https://example.test/api/events?code=a,b",
            "includedEventTypes=RouterWorkerOfferIssued, RouterJobQueued",
            "maxEventsPerBatch=10",
            "isSubjectCaseSensitive=true",
            "subjectBeginsWith=worker/",
        ]
    )
    assert subscription.endpoint_url == "https://example.test/api/events?code=a,b"
    assert subscription.included_event_types == (
        "Microsoft.Communication.RouterWorkerOfferIssued",
        "Microsoft.Communication.RouterJobQueued",
    )
    assert subscription.max_events_per_batch == 10 and subscription.is_subject_case_sensitive
    assert subscription.matches({"eventType": "Microsoft.Communication.RouterJobQueued", "subject": "worker/w1"})
    assert not subscription.matches({"eventType": "Microsoft.Communication.RouterJobQueued", "subject": "WORKER/w1"})
    assert not subscription.matches({"eventType": "Microsoft.Communication.RouterJobReceived", "subject": "worker/w"})
    with pytest.raises(SubscriptionError, match="key=value"):
        EventSubscription.from_cli(["agents", "http://h/", "maxEventsPerBatch"])
    with pytest.raises(SubscriptionError, match="a name and a URL"):
        EventSubscription.from_cli(["agents"])
    # --event-webhook URL: the same URL always names the same subscription, so its cursor is found again
    assert EventSubscription.for_webhook("http://h/a").name == EventSubscription.for_webhook("http://h/a").name
    assert EventSubscription.for_webhook("http://h/a").name != EventSubscription.for_webhook("http://h/b").name


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--event-subscription", "agents", "http://h/", "maxDeliveryAttempts=0"], "maxDeliveryAttempts"),
        (["--faults", "throttle=2"], "throttle is a share"),
        (["--retry-scale", "0"], "retry_scale must be a positive number"),
    ],
)
def test_cli_refuses_bad_options_with_exit_code_2(argv, message, capsys, tmp_path):
    assert cli.main([*argv, "--in-memory", "--port", "0", "--data-dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_retry_schedule_and_outcomes_are_event_grids():
    assert [retry_delay(n) for n in range(1, 12)] == [10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 43200]
    assert retry_delay(1, scale=0.001) == pytest.approx(0.01)
    assert [outcome(s == 200, s, f"HTTP {s}") for s in (200, 400, 404, 408, 503, 500)] == [
        "Succeeded",
        "BadRequest",
        "NotFound",
        "TimedOut",
        "Busy",
        "GenericError",
    ]
    assert outcome(False, None, NO_ANSWER) == "TimedOut"
    assert outcome(False, None, f"{NO_CONNECTION}: ConnectError") == "PeerConnectionFailed"
    assert outcome(False, 200, "HTTP 200 with the answer was more than 1048576 bytes") == "GenericError"


def test_the_command_line_starts_subscriptions_faults_and_the_retry_scale(webhook, tmp_path):
    command = [sys.executable, "-m", "jobrouter_emulator", "--port", "0", "--data-dir", str(tmp_path)]
    command += ["--event-subscription", "from-cli", webhook.url(), "includedEventTypes=RouterWorkerRegistered"]
    command += ["--faults", "throttle=1", "operations=get_worker", "--retry-scale", "0.001"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        process.stdout.readline()
        connection_string = process.stdout.readline().strip()
        client = JobRouterClient.from_connection_string(connection_string, retry_total=0)
        client.upsert_worker("w1", capacity=1, available_for_offers=True)
        wait_for(lambda: webhook.events())
        assert [e["subject"] for e in webhook.events()] == ["worker/w1"]
        assert webhook.notifications()[0].headers["aeg-subscription-name"] == "FROM-CLI"
        with pytest.raises(HttpResponseError) as raised:
            client.get_worker("w1")
        assert raised.value.status_code == 429
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0, process.stderr.read()
