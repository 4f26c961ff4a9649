"""The emulator's outgoing events against the events module's typed classes: every event the engine raises parses as
the class of its type, every data property is one the class declares (nested objects too) with a value of the
declared type, and every attribute reads."""

from __future__ import annotations

from typing import Any, List

from azure.communication.jobrouter import events as ev

# Private: the registry of every model class is how this test finds the class of a nested object.
from azure.communication.jobrouter._model_core import _REGISTRY, Model
from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import Router

# The emulator refuses a job whose scheduleAt is not a date-time (400), so scheduling never fails afterwards and
# RouterJobSchedulingFailed, the 21st Router event, is never raised.
NEVER_RAISED = {"RouterJobSchedulingFailed"}


def _undeclared(model: type, data: Any, path: str) -> List[str]:
    """Paths of properties in ``data`` that ``model`` (and the models of its properties) does not declare."""
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        field = model._rest_fields.get(key)  # type: ignore[attr-defined]
        if field is None:
            found.append(f"{path}.{key}")
            continue
        code = field.type_code
        inner = code[5:-1] if code.startswith(("list[", "dict[")) else code
        nested = _REGISTRY.get(inner)
        if nested is None:
            continue
        items = value if code.startswith("list[") else list(value.values()) if code.startswith("dict[") else [value]
        for index, item in enumerate(items or []):
            found += _undeclared(nested, item, f"{path}.{key}[{index}]")
    return found


def _scenario(make_router) -> Router:
    """A run of the engine that raises every Router event it can."""
    clock = FakeClock()
    router = make_router(clock=clock, seed=3)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 10, "mode": {"kind": "longestIdle"}})
    rule = {"id": "crowded", "trigger": {"kind": "queueLength", "threshold": 1}, "actions": [{"kind": "cancel"}]}
    router.upsert("exceptionPolicies", "ep", {"exceptionRules": [rule]})
    router.upsert("queues", "q", {"distributionPolicyId": "dp", "name": "main", "labels": {"tier": "gold"}})
    router.upsert("queues", "busy", {"distributionPolicyId": "dp", "exceptionPolicyId": "ep"})
    router.upsert("classificationPolicies", "cp", {"fallbackQueueId": "q"})
    router.upsert("classificationPolicies", "nowhere", {})
    worker = {"capacity": 3, "queues": ["q"], "availableForOffers": True, "labels": {"skill": 5}}
    router.upsert("workers", "w", {**worker, "channels": [{"channelId": "voice", "capacityCostPerJob": 1}]})
    expiring = {"key": "skill", "labelOperator": "greaterThan", "value": 1, "expiresAfterSeconds": 5}
    router.upsert("jobs", "classified", {"channelId": "voice", "classificationPolicyId": "cp", "labels": {"x": 1}})
    router.upsert("jobs", "failed", {"channelId": "voice", "classificationPolicyId": "nowhere"})
    router.upsert("jobs", "expiring", {"channelId": "voice", "queueId": "q", "requestedWorkerSelectors": [expiring]})
    router.upsert("jobs", "declined", {"channelId": "voice", "queueId": "q", "tags": {"t": "v"}})
    router.upsert("jobs", "suspended", {"channelId": "voice", "queueId": "q", "matchingMode": {"kind": "suspend"}})
    router.upsert("jobs", "first", {"channelId": "voice", "queueId": "busy"})
    router.upsert("jobs", "second", {"channelId": "voice", "queueId": "busy"})  # crowds the queue: cancelled
    router.run_pending()
    offers = {o["jobId"]: o["offerId"] for o in router.get("workers", "w").body["offers"]}
    router.decline_job_offer("w", offers["declined"])
    accepted = router.accept_job_offer("w", offers["classified"])
    router.unassign_job("classified", accepted["assignmentId"])
    router.run_pending()
    again = next(o["offerId"] for o in router.get("workers", "w").body["offers"] if o["jobId"] == "classified")
    accepted = router.accept_job_offer("w", again)
    router.complete_job("classified", accepted["assignmentId"], {"note": "done"})
    router.close_job("classified", accepted["assignmentId"], {"dispositionCode": "resolved"})
    router.delete("jobs", "classified")
    clock.advance(11)  # the selector of "expiring" expires; its offer expires
    router.run_pending()
    router.upsert("jobs", "late", {"channelId": "voice", "queueId": "q"})
    router.run_pending()
    router.upsert("workers", "w", {"availableForOffers": False})  # revokes the offer of "late"
    router.delete("workers", "w")
    return router


def test_every_event_the_emulator_raises_is_its_typed_class_exactly(make_router):
    router = _scenario(make_router)
    raised = set()
    problems: List[str] = []
    for stored in router.events_since(0):
        event = ev.parse_event(stored.event)
        name = stored.event["eventType"].rsplit(".", 1)[-1]
        raised.add(name)
        if type(event).__name__ != name or type(event) is ev.RouterEvent:
            problems.append(f"{name} parsed as {type(event).__name__}")
            continue
        data_type = type(event).data_type
        assert data_type is not None and issubclass(data_type, Model)
        problems += [f"{name}: undeclared {p}" for p in _undeclared(data_type, stored.event["data"], "data")]
        for attribute in data_type._fields:
            getattr(event.data, attribute)  # every declared property reads as its type
    assert problems == []
    assert raised == {e.rsplit(".", 1)[-1] for e in ev.EVENT_CLASSES} - NEVER_RAISED
