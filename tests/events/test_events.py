"""Typed Router events: every seed event from every input form, handshakes, the dispatcher, the emulator's events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from azure.communication.jobrouter import events as ev
from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.store.memory import MemoryStore

# Source: ../shared/seeds/003_*.txt, the Event Grid catalog of Router events (see the file's "source" key).
SEED = json.loads((Path(__file__).parent / "data" / "seed_003_events.json").read_text())["events"]
BY_TYPE = {event["eventType"]: event for event in SEED}


def _as_eventgrid(raw):
    return EventGridEvent(
        subject=raw["subject"],
        event_type=raw["eventType"],
        data=raw["data"],
        data_version=raw["dataVersion"],
        topic=raw["topic"],
        id=raw["id"],
        event_time=datetime(2022, 2, 17, tzinfo=timezone.utc),
    )


def _as_cloudevent(raw):
    return CloudEvent(
        source=raw["topic"], type=raw["eventType"], data=raw["data"], subject=raw["subject"], id=raw["id"]
    )


FORMS = {
    "dict": lambda raw: raw,
    "json text": lambda raw: json.dumps(raw),
    "json bytes": lambda raw: json.dumps(raw).encode(),
    "EventGridEvent": _as_eventgrid,
    "CloudEvent": _as_cloudevent,
    "CloudEvent dict": lambda raw: {
        "specversion": "1.0",
        "id": raw["id"],
        "source": raw["topic"],
        "type": raw["eventType"],
        "subject": raw["subject"],
        "data": raw["data"],
    },
}


def test_the_seed_lists_all_21_event_types():
    assert len(SEED) == 21 == len(ev.EVENT_CLASSES)
    assert set(BY_TYPE) == set(ev.EVENT_CLASSES)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("event_type", sorted(BY_TYPE))
def test_every_seed_event_parses_typed_from_every_form(event_type, form):
    raw = BY_TYPE[event_type]
    event = ev.parse_event(FORMS[form](raw))
    expected_class = ev.EVENT_CLASSES[event_type]
    assert type(event) is expected_class
    assert isinstance(event.data, expected_class.data_type)
    assert event.id == raw["id"] and event.subject == raw["subject"] and event.event_type == event_type
    for name, field in type(event.data)._fields.items():
        if field.rest_name in raw["data"]:
            getattr(event.data, name)  # every field converts
    assert event.data.as_dict() == raw["data"]


def test_typed_values():
    received = ev.parse_event(BY_TYPE["Microsoft.Communication.RouterJobReceived"])
    assert received.event_time == datetime(2022, 2, 17, 0, 55, 25, 173629, tzinfo=timezone.utc)
    assert received.data.scheduled_on == datetime(
        2007, 3, 28, 19, 13, 50, tzinfo=timezone.utc
    )  # "3/28/2007 7:13:50 PM"
    selector = received.data.requested_worker_selectors[0]
    assert isinstance(selector, ev.WorkerSelector) and selector.ttl_seconds == 50
    assert selector.expiration_time.year == 2022
    classified = ev.parse_event(BY_TYPE["Microsoft.Communication.RouterJobClassified"])
    assert classified.data.queue_details.name == "Queue 1"
    ttl = classified.data.attached_worker_selectors[0].ttl
    assert ttl.years == 3 and ttl.months == 6 and ttl.tdelta == timedelta(days=4, hours=12, minutes=30, seconds=5)
    failed = ev.parse_event(BY_TYPE["Microsoft.Communication.RouterJobClassificationFailed"])
    assert failed.data.errors[0].message.startswith("Classification failed")
    registered = ev.parse_event(BY_TYPE["Microsoft.Communication.RouterWorkerRegistered"])
    assert registered.data.channel_configurations[0].capacity_cost_per_job == 10


def test_a_batch_keeps_order_and_unknown_types_stay_generic():
    unknown = {"id": "1", "eventType": "Contoso.Something", "subject": "s", "data": {"x": 1}, "dataVersion": "1"}
    events = ev.parse_events(json.dumps([SEED[0], unknown, SEED[5]]))
    assert [type(e).__name__ for e in events] == [
        type(ev.parse_event(SEED[0])).__name__,
        "RouterEvent",
        type(ev.parse_event(SEED[5])).__name__,
    ]
    assert events[1].data == {"x": 1}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (42, "is a int"),
        ({"eventType": "Microsoft.Communication.RouterJobQueued"}, "has no id"),
        ([SEED[0], {"id": "x"}], r"event \[1\] is not an Event Grid event: it has no eventType"),
        ({"specversion": "1.0", "id": "1", "type": "t"}, "CloudEvents event: it has no source"),
        ({"id": "1", "eventType": "Microsoft.Communication.RouterJobQueued", "data": [1]}, "data of type list"),
        (
            {"id": "1", "eventType": "Microsoft.Communication.RouterJobQueued", "eventTime": "soon", "data": {}},
            "not an ISO 8601",
        ),
    ],
)
def test_malformed_input_raises_one_clear_error(source, message):
    with pytest.raises(ev.RouterEventParseError, match=message):
        ev.parse_events(source)
    assert issubclass(ev.RouterEventParseError, ValueError)


def test_parse_event_wants_exactly_one():
    with pytest.raises(ev.RouterEventParseError, match="Expected one event, got 2"):
        ev.parse_event([SEED[0], SEED[1]])


def test_webhook_handshakes():
    validation = [
        {
            "id": "v",
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
        }
    ]
    assert ev.subscription_validation_response(json.dumps(validation)) == {
        "validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"
    }
    assert ev.subscription_validation_response([SEED[0]]) is None
    assert ev.cloudevents_handshake_headers({"webhook-request-origin": "eventgrid.azure.net"}) == {
        "WebHook-Allowed-Origin": "eventgrid.azure.net",
        "WebHook-Allowed-Rate": "120",
    }
    with pytest.raises(ValueError, match="WebHook-Request-Origin"):
        ev.cloudevents_handshake_headers({})


def test_dispatcher_runs_every_handler_even_when_one_fails():
    seen = []

    class QueuedHandler(ev.RouterEventHandler):
        event_class = ev.RouterJobQueued

        def handle(self, event):
            seen.append(("subclass", event.data.queue_id))

    dispatcher = ev.RouterEventDispatcher([QueuedHandler()])

    @dispatcher.on(ev.RouterJobQueued)
    def broken(event):
        raise RuntimeError("boom")

    @dispatcher.on(ev.RouterEvent)
    def everything(event):
        seen.append(("any", event.event_type))

    result = dispatcher.dispatch(
        [BY_TYPE["Microsoft.Communication.RouterJobQueued"], BY_TYPE["Microsoft.Communication.RouterWorkerOfferIssued"]]
    )
    assert seen == [
        ("subclass", "625fec06-ab81-4e60-b780-f364ed96ade1"),
        ("any", "Microsoft.Communication.RouterJobQueued"),
        ("any", "Microsoft.Communication.RouterWorkerOfferIssued"),
    ]
    assert result.handled == 3 and not result.ok and str(result.errors[0][1]) == "boom"
    with pytest.raises(TypeError, match="RouterEvent classes"):
        dispatcher.add_handler(dict, everything)  # type: ignore[arg-type]


async def test_dispatcher_awaits_async_handlers():
    dispatcher = ev.RouterEventDispatcher()
    seen = []

    @dispatcher.on(ev.RouterWorkerOfferIssued)
    async def offered(event):
        seen.append(event.data.offer_id)

    result = await dispatcher.dispatch_async(BY_TYPE["Microsoft.Communication.RouterWorkerOfferIssued"])
    assert result.ok and seen == ["525fec06-ab81-4e60-b780-f364ed96ade1"]
    sync_result = dispatcher.dispatch(BY_TYPE["Microsoft.Communication.RouterWorkerOfferIssued"])
    assert not sync_result.ok and "dispatch_async" in str(sync_result.errors[0][1])


def test_every_event_the_emulator_emits_parses_with_its_required_fields():
    """Conformance between the emulator's events and the typed classes generated from the seed."""
    clock = FakeClock()
    router = Router(MemoryStore(), clock, seed=3, processing_delay=0)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 10, "mode": {"kind": "longestIdle"}})
    router.upsert(
        "exceptionPolicies",
        "ep",
        {
            "exceptionRules": [
                {"id": "r", "trigger": {"kind": "queueLength", "threshold": 2}, "actions": [{"kind": "cancel"}]}
            ]
        },
    )
    router.upsert("queues", "q", {"distributionPolicyId": "dp", "exceptionPolicyId": "ep"})
    router.upsert("classificationPolicies", "cp", {"fallbackQueueId": "q"})
    router.upsert(
        "workers",
        "w",
        {
            "capacity": 2,
            "queues": ["q"],
            "availableForOffers": True,
            "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
        },
    )
    router.upsert(
        "jobs",
        "a",
        {
            "channelId": "voice",
            "classificationPolicyId": "cp",
            "requestedWorkerSelectors": [{"key": "x", "labelOperator": "equal", "value": 1, "expiresAfterSeconds": 5}],
        },
    )
    router.upsert("jobs", "b", {"channelId": "voice", "queueId": "q"})
    router.upsert("jobs", "c", {"channelId": "voice", "queueId": "q"})
    router.upsert("jobs", "d", {"channelId": "voice", "queueId": "q", "matchingMode": {"kind": "suspend"}})
    router.run_pending()
    offer = router.get("workers", "w").body["offers"][0]
    accepted = router.accept_job_offer("w", offer["offerId"])
    router.unassign_job(offer["jobId"], accepted["assignmentId"], {})
    router.run_pending()
    clock.advance(11)
    router.run_pending()
    router.upsert("workers", "w", {"availableForOffers": False})
    router.delete("workers", "w")
    types = set()
    for stored in router.events_since(0):
        event = ev.parse_event(stored.event)
        types.add(type(event).__name__)
        assert type(event) is not ev.RouterEvent
        required = ev.EVENT_CLASSES[event.event_type].data_type
        for name in ("job_id", "worker_id"):
            if name in required._fields and required._fields[name].rest_name in json.dumps(
                BY_TYPE[event.event_type]["data"]
            ):
                assert getattr(event.data, name), (event.event_type, name)
    assert {
        "RouterJobReceived",
        "RouterJobClassified",
        "RouterJobQueued",
        "RouterWorkerOfferIssued",
        "RouterWorkerOfferAccepted",
        "RouterJobUnassigned",
        "RouterJobExceptionTriggered",
        "RouterJobCancelled",
        "RouterJobWaitingForActivation",
        "RouterJobWorkerSelectorsExpired",
        "RouterWorkerOfferExpired",
        "RouterWorkerDeregistered",
        "RouterWorkerDeleted",
        "RouterWorkerRegistered",
    } <= types
