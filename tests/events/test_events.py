"""Typed Router events: every seed event from every input form, handshakes, the dispatcher, the emulator's events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from azure.communication.jobrouter import events as ev

# Private: the models' shared base class, to tell model-typed attributes from plain ones.
from azure.communication.jobrouter._model_core import Model
from jobrouter_emulator.engine.clock import FakeClock

# Source: seed 003, the Event Grid catalog of Router events, copied here (see the file's "source" key).
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


@pytest.mark.parametrize("event_type", sorted(BY_TYPE))
def test_a_typed_event_serializes_back_to_the_event_grid_json_it_came_from(event_type):
    raw = BY_TYPE[event_type]
    event = ev.parse_event(json.dumps(raw))
    assert event.as_dict() == raw
    # Through the CloudEvents schema and back keeps the event (Event Grid's metadataVersion is not in CloudEvents).
    again = ev.parse_event(event.as_dict("cloudevents"))
    assert type(again) is type(event) and again.as_dict() == raw


def test_changed_fields_are_serialized_and_unknown_fields_kept():
    raw = dict(BY_TYPE["Microsoft.Communication.RouterJobQueued"], extension="kept")
    event = ev.parse_event(raw)
    event.data.priority = 7
    event.event_time = datetime(2030, 1, 2, tzinfo=timezone.utc)
    out = event.as_dict()
    assert out["data"]["priority"] == 7 and out["eventTime"] == "2030-01-02T00:00:00Z" and out["extension"] == "kept"
    with pytest.raises(ValueError, match="schema must be"):
        event.as_dict("xml")


QUEUED = BY_TYPE["Microsoft.Communication.RouterJobQueued"]
RECEIVED = BY_TYPE["Microsoft.Communication.RouterJobReceived"]


def _with_data(base, **changes):
    return dict(base, data=dict(base["data"], **changes))


def _selector(**changes):
    return _with_data(
        RECEIVED, requestedWorkerSelectors=[dict(RECEIVED["data"]["requestedWorkerSelectors"][0], **changes)]
    )


# (input, what the message must say): each a different way real input goes wrong.
BAD_INPUTS = {
    "truncated JSON": (json.dumps([QUEUED])[:-20], "not valid JSON"),
    "not UTF-8 bytes": (b"\xff\xfe", "not valid JSON"),
    "empty text": ("", "not valid JSON"),
    "deeply nested JSON": ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    "a number": (42, "is a int"),
    "null": (None, "is a NoneType"),
    "a JSON string": ('"just text"', "is a str"),
    "batch of numbers": ([1, 2], r"event \[0\] is a int"),
    "a set instead of a list": ({1, 2}, "is a set"),
    "missing id": ({"eventType": QUEUED["eventType"]}, "has no id"),
    "missing eventType in a batch": (
        [QUEUED, {"id": "x"}],
        r"event \[1\] is not an Event Grid event: it has no eventType",
    ),
    "CloudEvent without source": (
        {"specversion": "1.0", "id": "1", "type": "t"},
        "CloudEvents event: it has no source",
    ),
    "numeric id": (dict(QUEUED, id=5), "not a string"),
    "data is a list": (dict(QUEUED, data=[1]), "data of type list"),
    "data is a number": (dict(QUEUED, data=3), "data of type int"),
    "bad eventTime": (dict(QUEUED, eventTime="soon"), "not an ISO 8601"),
    "binary CloudEvent data": (
        {"specversion": "1.0", "id": "1", "type": QUEUED["eventType"], "source": "s", "data_base64": "AA=="},
        "data_base64",
    ),
    "priority as text": (_with_data(QUEUED, priority="high"), "data.priority: expected int, got str"),
    "fractional priority": (_with_data(QUEUED, priority=1.5), "data.priority: expected int"),
    "boolean for a number": (_with_data(QUEUED, priority=True), "data.priority: expected int, got bool"),
    "jobId as a number": (_with_data(QUEUED, jobId=7), "data.jobId: expected str"),
    "labels as a list": (_with_data(QUEUED, labels=["a"]), "data.labels: expected a JSON object"),
    "selectors not a list": (
        _with_data(RECEIVED, requestedWorkerSelectors={}),
        "data.requestedWorkerSelectors: expected a JSON array",
    ),
    "selector not an object": (
        _with_data(RECEIVED, requestedWorkerSelectors=["x"]),
        r"requestedWorkerSelectors\[0\]: expected a JSON object",
    ),
    "nested wrong type": (_selector(ttlSeconds="50"), r"requestedWorkerSelectors\[0\].ttlSeconds: expected float"),
    "nested bad date": (
        _selector(expirationTime="tomorrow"),
        r"requestedWorkerSelectors\[0\].expirationTime: 'tomorrow' is not",
    ),
    "bad .NET date": (_with_data(RECEIVED, scheduledOn="13/45/2007 7:13:50 PM +00:00"), "data.scheduledOn"),
    "bad duration": (
        _with_data(
            BY_TYPE["Microsoft.Communication.RouterJobClassified"],
            attachedWorkerSelectors=[{"key": "k", "labelOperator": "equal", "ttl": "3 days"}],
        ),
        r"attachedWorkerSelectors\[0\].ttl: '3 days' is not an ISO 8601 duration",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_raises_one_clear_error(case):
    source, message = BAD_INPUTS[case]
    with pytest.raises(ev.RouterEventParseError, match=message):
        ev.parse_events(source)
    assert issubclass(ev.RouterEventParseError, ValueError)


def test_errors_in_data_name_the_event_id():
    with pytest.raises(ev.RouterEventParseError) as caught:
        ev.parse_events([QUEUED, _with_data(QUEUED, priority="high")])
    message = str(caught.value)
    assert message.startswith(f"event [1] (id {QUEUED['id']!r}, {QUEUED['eventType']}) is malformed")


def test_huge_payloads_are_refused_unread_unless_allowed():
    batch = json.dumps([QUEUED] * 200)
    with pytest.raises(ev.RouterEventParseError, match="more than max_bytes=1,000"):
        ev.parse_events(batch, max_bytes=1000)
    with pytest.raises(ev.RouterEventParseError, match="more than max_bytes"):
        ev.parse_events(b" " * (ev.MAX_PAYLOAD_BYTES + 1))
    assert len(ev.parse_events(batch.encode(), max_bytes=len(batch))) == 200


def test_bad_events_do_not_stop_the_dispatcher_and_nothing_is_lost():
    dispatcher = ev.RouterEventDispatcher()
    seen = []
    dispatcher.on(ev.RouterJobQueued)(seen.append)
    unknown = {"id": "u", "eventType": "Contoso.Other", "data": {}}
    result = dispatcher.dispatch([QUEUED, _with_data(QUEUED, priority="high"), unknown, RECEIVED])
    assert [e.id for e in seen] == [QUEUED["id"]] and result.handled == 1
    assert [str(e) for e in result.rejected] == [
        f"event [1] (id {QUEUED['id']!r}, {QUEUED['eventType']}) is malformed: data.priority: expected int, "
        "got str ('high')"
    ]
    assert [e.id for e in result.unhandled] == ["u", RECEIVED["id"]] and not result.ok
    for case in sorted(BAD_INPUTS):
        outcome = dispatcher.dispatch(BAD_INPUTS[case][0])
        assert outcome.rejected and not outcome.ok, case


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


def test_every_event_the_emulator_emits_parses_with_its_required_fields(make_router):
    """Conformance between the emulator's events and the typed classes generated from the seed."""
    clock = FakeClock()
    router = make_router(clock=clock, seed=3)
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


def _unmodelled_fields(model, path=""):
    """REST names in the model's JSON (nested models included) that no typed attribute reads."""
    missing = []
    for key in model._data:
        field = type(model)._rest_fields.get(key)
        if field is None:
            missing.append(path + key)
            continue
        value = getattr(model, field.name)
        items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
        for item in items:
            if isinstance(item, Model):
                missing += _unmodelled_fields(item, f"{path}{key}.")
    return missing


@pytest.mark.parametrize("event_type", sorted(BY_TYPE))
def test_every_seed_field_is_a_typed_attribute_of_the_name_event_data_class(event_type):
    event = ev.parse_event(BY_TYPE[event_type])
    name = event_type.rsplit(".", 1)[-1]
    assert type(event.data).__name__ == f"{name}EventData"
    assert getattr(ev, f"AcsRouter{name[len('Router') :]}EventData") is type(event.data)
    assert not hasattr(ev, f"{name}Data")  # renamed, no second name
    assert _unmodelled_fields(event.data) == []


def test_event_data_classes_have_the_catalog_inheritance():
    assert issubclass(ev.RouterJobEventData, ev.RouterEventData)
    assert issubclass(ev.RouterWorkerEventData, ev.RouterEventData)
    assert {"job_id", "channel_reference", "channel_id"} <= set(ev.RouterEventData._fields)
    assert {"queue_id", "labels", "tags"} <= set(ev.RouterJobEventData._fields) - set(ev.RouterEventData._fields)
    assert set(ev.RouterWorkerEventData._fields) - set(ev.RouterEventData._fields) == {"worker_id"}
    for event_class in ev.EVENT_CLASSES.values():
        name = event_class.__name__
        if name.startswith("RouterJob"):
            assert issubclass(event_class.data_type, ev.RouterJobEventData), name
        elif name.startswith("RouterWorkerOffer") or name == "RouterWorkerDeleted":
            assert issubclass(event_class.data_type, ev.RouterWorkerEventData), name
    assert ev.AcsRouterJobEventData is ev.RouterJobEventData and ev.AcsRouterEventData is ev.RouterEventData


def test_deleted_jobs_and_scheduled_jobs_expose_every_field_the_catalog_shows():
    deleted = ev.parse_event(BY_TYPE["Microsoft.Communication.RouterJobDeleted"]).data
    raw = BY_TYPE["Microsoft.Communication.RouterJobDeleted"]["data"]
    assert (deleted.channel_reference, deleted.channel_id) == (raw["channelReference"], raw["channelId"])
    assert (deleted.labels, deleted.tags, deleted.queue_id) == (raw["labels"], raw["tags"], raw["queueId"])
    for name in ("RouterJobWaitingForActivation", "RouterJobSchedulingFailed"):
        data = ev.parse_event(BY_TYPE[f"Microsoft.Communication.{name}"]).data
        for attribute in ("requested_worker_selectors", "attached_worker_selectors"):
            selectors = getattr(data, attribute)
            assert selectors and all(isinstance(s, ev.WorkerSelector) for s in selectors), (name, attribute)
        assert {"requested_worker_selectors_expired", "attached_worker_selectors_expired"} <= set(type(data)._fields)
