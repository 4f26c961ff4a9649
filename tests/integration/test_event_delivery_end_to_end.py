"""End to end: the emulator delivers a job's whole lifecycle to a webhook written with the events module (handshake
helpers and dispatcher) in both schemas; every event arrives typed, once, in order, across an emulator restart."""

from __future__ import annotations

import threading
from typing import Dict, List

import pytest
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.events import (
    EVENT_CLASSES,
    RouterEvent,
    RouterEventDispatcher,
    cloudevents_handshake_headers,
    subscription_validation_response,
)
from jobrouter_emulator import EmbeddedEmulator
from jobrouter_emulator.delivery import EventSubscription
from tests.emulator.delivery._control import all_events

from ._polling import wait_for


class Receiver:
    """A webhook application as a user writes one: handshakes by the events module, events to a dispatcher."""

    def __init__(self) -> None:
        self.events: Dict[str, List[RouterEvent]] = {"grid": [], "cloud": []}
        self.problems: List[str] = []
        app = Flask(__name__)
        for name in self.events:
            app.add_url_rule(f"/{name}", name, self._endpoint(name), methods=["POST", "OPTIONS"])
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _endpoint(self, name: str):
        dispatcher = RouterEventDispatcher()
        dispatcher.add_handler(RouterEvent, self.events[name].append)  # every event, whatever its class

        def endpoint() -> Response:
            if request.method == "OPTIONS":
                return Response(status=200, headers=cloudevents_handshake_headers(request.headers))
            body = request.get_data()
            validation = subscription_validation_response(body)
            if validation is not None:
                return jsonify(validation)
            result = dispatcher.dispatch(body)
            self.problems += [str(problem) for problem in result.rejected + [e for _, e in result.errors]]
            return Response(status=200 if result.ok else 400)

        return endpoint

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/{name}"

    def close(self) -> None:
        self._server.shutdown()


def _lifecycle(emulator: EmbeddedEmulator, suffix: str) -> None:
    """A job from creation to close: received, queued, offered, accepted, completed, closed; a worker registered."""
    admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    admin.upsert_distribution_policy(f"dp-{suffix}", offer_expires_after_seconds=60, mode={"kind": "longestIdle"})
    admin.upsert_queue(f"q-{suffix}", distribution_policy_id=f"dp-{suffix}")
    client.upsert_worker(
        f"w-{suffix}",
        capacity=1,
        queues=[f"q-{suffix}"],
        channels=[{"channelId": "voice", "capacityCostPerJob": 1}],
        available_for_offers=True,
    )
    client.upsert_job(f"j-{suffix}", channel_id="voice", queue_id=f"q-{suffix}", priority=1)
    offer = wait_for(lambda: client.get_worker(f"w-{suffix}").offers)[0]
    accepted = client.accept_job_offer(worker_id=f"w-{suffix}", offer_id=offer.offer_id)
    client.complete_job(job_id=f"j-{suffix}", assignment_id=accepted.assignment_id)
    client.close_job(job_id=f"j-{suffix}", assignment_id=accepted.assignment_id)


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def test_both_schemas_reach_a_dispatcher_typed_once_and_in_order_across_a_restart(receiver, tmp_path):
    subscriptions = [
        EventSubscription.from_json("grid", {"endpointUrl": receiver.url("grid")}),
        EventSubscription.from_json(
            "cloud",
            {
                "endpointUrl": receiver.url("cloud"),
                "eventDeliverySchema": "CloudEventSchemaV1_0",
                "maxEventsPerBatch": 20,
            },
        ),
    ]
    options = dict(in_memory=False, data_dir=tmp_path, event_subscriptions=subscriptions, retry_scale=0.001)
    with EmbeddedEmulator(**options) as emulator:
        _lifecycle(emulator, "before")  # stopped right after the close: its last events wait for the next start
        before = [event["id"] for event in all_events(emulator)]
    with EmbeddedEmulator(**options) as emulator:
        _lifecycle(emulator, "after")
        committed = all_events(emulator)
        ids = [event["id"] for event in committed]
        wait_for(lambda: all(len(received) >= len(ids) for received in receiver.events.values()))

    assert ids[: len(before)] == before and len(ids) > len(before) >= 7
    assert receiver.problems == []
    for name in ("grid", "cloud"):
        received = receiver.events[name]
        assert [event.id for event in received] == ids  # none lost, none twice, in commit order
        for event, raw in zip(received, committed):
            assert type(event) is EVENT_CLASSES[raw["eventType"]]  # a typed class for every event
            assert event.subject == raw["subject"]
    kinds = {type(event).__name__ for event in receiver.events["cloud"]}
    assert {"RouterJobReceived", "RouterWorkerOfferIssued", "RouterJobCompleted", "RouterJobClosed"} <= kinds
