"""A webhook that receives Router events from Event Grid and hands typed events to handlers.

It answers Event Grid's subscription validation and the CloudEvents abuse-protection handshake, then dispatches
each event of a delivered batch to the handlers registered for its class.

    pip install flask
    python samples/events_webhook.py            # serve on http://127.0.0.1:5000/api/events, printing each event
    python samples/events_webhook.py --self-test  # post a sample batch to itself and check the handlers ran

Point the emulator at it with: jobrouter-emulator --event-subscription demo http://127.0.0.1:5000/api/events
(add eventDeliverySchema=CloudEventSchemaV1_0 for CloudEvents; --event-webhook URL subscribes with every default)
"""

from __future__ import annotations

import argparse
import sys
from typing import List

from flask import Flask, Response, jsonify, request

from azure.communication.jobrouter.events import (
    RouterEventDispatcher,
    RouterEventHandler,
    RouterJobQueued,
    RouterWorkerOfferIssued,
    cloudevents_handshake_headers,
    subscription_validation_response,
)

log: List[str] = []
dispatcher = RouterEventDispatcher()


def report(line: str) -> None:
    """What a handler did: printed at once (a server's output is read live) and kept for the self-test."""
    log.append(line)
    print(line, flush=True)


@dispatcher.on(RouterJobQueued)
def job_queued(event: RouterJobQueued) -> None:
    report(f"job {event.data.job_id} queued in {event.data.queue_id} with priority {event.data.priority}")


class OfferIssuedHandler(RouterEventHandler):
    """The subclass style: one class per event type, with a handle() method."""

    event_class = RouterWorkerOfferIssued

    def handle(self, event: RouterWorkerOfferIssued) -> None:  # type: ignore[override]
        report(f"worker {event.data.worker_id} offered job {event.data.job_id} until {event.data.expires_on:%H:%M:%S}")


dispatcher.add_handler(OfferIssuedHandler.event_class, OfferIssuedHandler().handle)
app = Flask(__name__)


@app.route("/api/events", methods=["POST", "OPTIONS"])
def events() -> Response:
    if request.method == "OPTIONS":  # CloudEvents abuse protection
        try:
            return Response(status=200, headers=cloudevents_handshake_headers(request.headers))
        except ValueError as exc:
            return Response(str(exc), status=400)
    body = request.get_data()
    validation = subscription_validation_response(body)
    if validation is not None:  # Event Grid subscription validation
        return jsonify(validation)
    result = dispatcher.dispatch(body)
    if result.rejected:  # the good events of the batch were handled; Event Grid dead-letters a 400, never retries it
        return Response("\n".join(str(error) for error in result.rejected), status=400)
    return jsonify({"handled": result.handled, "failed": len(result.errors), "unhandled": len(result.unhandled)})


def self_test() -> int:
    client = app.test_client()
    validation = client.post(
        "/api/events",
        json=[
            {
                "id": "1",
                "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
                "data": {"validationCode": "abc"},
            }
        ],
    )
    assert validation.get_json() == {"validationResponse": "abc"}, validation.get_data()
    handshake = client.options("/api/events", headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
    assert handshake.headers["WebHook-Allowed-Origin"] == "eventgrid.azure.net"
    batch = [
        {
            "id": "2",
            "eventType": "Microsoft.Communication.RouterJobQueued",
            "subject": "job/j1/channel/voice/queue/q1",
            "eventTime": "2024-01-01T00:00:00Z",
            "dataVersion": "1.0",
            "data": {"jobId": "j1", "channelId": "voice", "queueId": "q1", "priority": 5},
        },
        {
            "id": "3",
            "eventType": "Microsoft.Communication.RouterWorkerOfferIssued",
            "subject": "worker/w1/job/j1",
            "eventTime": "2024-01-01T00:00:01Z",
            "dataVersion": "1.0",
            "data": {
                "workerId": "w1",
                "jobId": "j1",
                "offerId": "o1",
                "offeredOn": "2024-01-01T00:00:01Z",
                "expiresOn": "2024-01-01T00:01:01Z",
                "jobPriority": 5,
            },
        },
    ]
    delivered = client.post("/api/events", json=batch)
    assert delivered.get_json() == {"handled": 2, "failed": 0, "unhandled": 0}, delivered.get_data()
    assert client.post("/api/events", data=b"{oops").status_code == 400
    assert len(log) == 2, log
    print("Self-test passed: validation, CloudEvents handshake and typed dispatch work.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--self-test", action="store_true", help="post a sample batch to the app and exit")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    print(f"Listening on http://127.0.0.1:{args.port}/api/events; each event handled is printed here", flush=True)
    app.run(host="127.0.0.1", port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
