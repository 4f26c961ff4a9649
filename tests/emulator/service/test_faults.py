"""Fault injection over real HTTP: 429 with Retry-After, 503, dropped connections, latency, limited to operations;
a faulted request changes nothing; azure-core's default retry policy rides through throttling."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceResponseError

from azure.communication.jobrouter import JobRouterClient
from jobrouter_emulator import EmbeddedEmulator
from jobrouter_emulator.api.faults import FaultPlan
from tests.emulator.delivery._control import control


@pytest.fixture
def emulator():
    with EmbeddedEmulator() as running:
        yield running


def set_faults(emulator, **plan):
    response = control(emulator, "PUT", "/_emulator/faults", plan)
    assert response.status_code == 200, response.text()
    return response.json()


def injected(emulator):
    return control(emulator, "GET", "/_emulator/faults").json()["injected"]


def no_retries(emulator) -> JobRouterClient:
    return JobRouterClient.from_connection_string(emulator.connection_string, retry_total=0)


def test_throttled_requests_answer_429_with_retry_after_and_change_nothing(emulator):
    set_faults(emulator, throttle=1, retryAfterSeconds=7)
    response = httpx.patch(emulator.endpoint + "routing/workers/w1?api-version=2023-11-01", json={})
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert response.json()["communicationError"]["code"] == "TooManyRequests"  # before any signature check
    with pytest.raises(HttpResponseError) as raised:
        no_retries(emulator).upsert_worker("w1", capacity=1)
    assert raised.value.status_code == 429
    assert control(emulator, "DELETE", "/_emulator/faults").status_code == 204
    with pytest.raises(ResourceNotFoundError):
        no_retries(emulator).get_worker("w1")  # the throttled upsert left no trace
    assert injected(emulator)["throttle"] == 0  # a new plan starts its counts again


def test_unavailable_and_dropped_requests_change_nothing(emulator, caplog):
    client = no_retries(emulator)
    set_faults(emulator, unavailable=1)
    with pytest.raises(HttpResponseError) as raised:
        client.upsert_worker("w1", capacity=1)
    assert raised.value.status_code == 503 and raised.value.error_code == "ServiceUnavailable"

    caplog.set_level(logging.INFO, logger="uvicorn.error")
    set_faults(emulator, drop=1)
    with pytest.raises(httpx.TransportError):  # the connection closes without an answer
        httpx.get(emulator.endpoint + "routing/workers/w1?api-version=2023-11-01")
    with pytest.raises(ServiceResponseError):
        client.upsert_worker("w1", capacity=1)
    retrying = JobRouterClient.from_connection_string(emulator.connection_string, retry_total=2, retry_backoff_factor=0)
    with pytest.raises(ServiceResponseError):
        retrying.get_worker("w1")  # a GET is retried after a dropped connection, twice here
    assert injected(emulator)["drop"] == 1 + 1 + 3
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # the server took the drops in its stride

    control(emulator, "DELETE", "/_emulator/faults")
    with pytest.raises(ResourceNotFoundError):
        client.get_worker("w1")


def test_latency_delays_then_serves(emulator):
    set_faults(emulator, latency=1, latencyMs=300)
    client = no_retries(emulator)
    started = time.monotonic()
    worker = client.upsert_worker("w1", capacity=1)
    assert time.monotonic() - started >= 0.3 and worker.capacity == 1
    assert injected(emulator)["latency"] == 1


def test_faults_can_be_limited_to_operations(emulator):
    set_faults(emulator, throttle=1, operations=["get_worker", "accept_job_offer"])
    client = no_retries(emulator)
    client.upsert_worker("w1", capacity=1)
    with pytest.raises(HttpResponseError) as raised:
        client.get_worker("w1")
    assert raised.value.status_code == 429
    assert [w.id for w in client.list_workers()] == ["w1"]
    assert injected(emulator)["throttle"] == 1


@pytest.mark.parametrize(
    "plan, words",
    [
        ({"throttle": 1.5}, "throttle is a share of requests from 0 to 1"),
        ({"throttle": 0.6, "unavailable": 0.6}, "more than 1"),
        ({"operations": ["upsert_jobs"]}, "unknown operation(s) upsert_jobs; known: accept_job_offer"),
        ({"latencyMs": -1}, "latencyMs must be a number from 0"),
        ({"share": 0.1}, "unknown fault setting(s) share"),
        ({"seed": "x"}, "seed must be a whole number"),
    ],
)
def test_bad_plans_are_400(emulator, plan, words):
    response = control(emulator, "PUT", "/_emulator/faults", plan)
    assert response.status_code == 400 and words in response.json()["communicationError"]["message"]


def test_command_line_plan():
    plan = FaultPlan.from_cli(["throttle=0.1", "retryAfterSeconds=0.5", "operations=upsert_job,get_job", "seed=3"])
    assert (plan.throttle, plan.retry_after_seconds, plan.operations, plan.seed) == (
        0.1,
        0.5,
        ("upsert_job", "get_job"),
        3,
    )


def test_two_hundred_sdk_calls_ride_through_ten_percent_throttling_with_the_default_retry_policy(emulator, caplog):
    set_faults(emulator, throttle=0.1, retryAfterSeconds=0.01, seed=18)
    caplog.set_level(logging.INFO, logger="azure.core.pipeline.policies.http_logging_policy")
    client = JobRouterClient.from_connection_string(emulator.connection_string)  # azure-core's default RetryPolicy
    for index in range(100):
        client.upsert_worker(f"w{index}", capacity=index + 1)
        assert client.get_worker(f"w{index}").capacity == index + 1
    throttled = injected(emulator)["throttle"]
    logged = [r for r in caplog.records if "Response status: 429" in r.getMessage()]
    assert 5 <= throttled <= 40 and len(logged) == throttled  # every throttled attempt was logged, then retried
    assert len({w.id for w in client.list_workers(results_per_page=50)}) == 100
