"""Rules that call a service run outside the router's lock, and their answers apply only to a job still waiting for
them; rules that fail, overflow or exceed their budget end the classification with its failure event."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List

import pytest

from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.engine.rules import RuleEvaluationError

FUNCTION = {"kind": "function", "functionUri": "https://rules.test/api"}


class GatedService:
    """Function and webhook rule calls that wait for the test to open the gate, then answer ``answer(payload)``."""

    def __init__(self, answer: Callable[[Dict[str, Any]], Any]) -> None:
        self.answer = answer
        self.gate = threading.Event()
        self.payloads: List[Dict[str, Any]] = []
        self.called = threading.Semaphore(0)

    def call_function(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        self.payloads.append(payload)
        self.called.release()
        assert self.gate.wait(10), "the test never opened the gate"
        return self.answer(payload)

    call_webhook = call_function

    def wait_for_call(self) -> None:
        assert self.called.acquire(timeout=10), "the rule service was not called"


def _router(make_router: Any, outbound: Any = None, **policy: Any) -> Router:
    router = make_router(outbound=outbound)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    router.upsert("classificationPolicies", "cp", {"fallbackQueueId": "q", **policy})
    return router


def _job(router: Router, labels: Dict[str, Any]) -> None:
    router.upsert("jobs", "j", {"channelId": "voice", "classificationPolicyId": "cp", "labels": labels})


def _events(router: Router) -> List[str]:
    return [e.event["eventType"].rsplit(".", 1)[-1] for e in router.events_since(0)]


def _in_background(action: Callable[[], Any]) -> threading.Thread:
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def test_the_router_serves_while_a_rule_service_thinks(make_router) -> None:
    service = GatedService(lambda payload: payload["n"] * 10)
    router = _router(make_router, service, prioritizationRule=FUNCTION)
    _job(router, {"n": 4})
    routing = _in_background(router.run_pending)
    service.wait_for_call()
    # The call is under way: other commands run (they would wait for the lock otherwise) and see the job waiting.
    router.upsert("workers", "w", {"capacity": 1, "queues": ["q"], "availableForOffers": True})
    assert router.get("jobs", "j").body["status"] == "pendingClassification"
    service.gate.set()
    routing.join(10)
    job = router.get("jobs", "j").body
    assert (job["status"], job["priority"], job["queueId"]) == ("queued", 40, "q")
    assert _events(router).count("RouterJobClassified") == 1


def test_an_answer_for_a_cancelled_job_is_dropped(make_router) -> None:
    service = GatedService(lambda payload: 5)
    router = _router(make_router, service, prioritizationRule=FUNCTION)
    _job(router, {})
    routing = _in_background(router.run_pending)
    service.wait_for_call()
    router.cancel_job("j")
    service.gate.set()
    routing.join(10)
    assert router.get("jobs", "j").body["status"] == "cancelled"
    assert "RouterJobClassified" not in _events(router) and "RouterJobQueued" not in _events(router)


def test_an_answer_to_labels_since_changed_is_dropped_for_the_new_one(make_router) -> None:
    service = GatedService(lambda payload: payload["n"])
    router = _router(make_router, service, prioritizationRule=FUNCTION)
    _job(router, {"n": 1})
    routing = _in_background(router.run_pending)
    service.wait_for_call()
    router.upsert("jobs", "j", {"labels": {"n": 2}})  # classified again, with the new labels
    service.gate.set()
    routing.join(10)
    router.run_pending()
    assert [p["n"] for p in service.payloads] == [1, 2]
    assert router.get("jobs", "j").body["priority"] == 2
    assert _events(router).count("RouterJobClassified") == 1


@pytest.mark.parametrize(
    ("answer", "code", "message"),
    [
        (
            lambda payload: (_ for _ in ()).throw(RuleEvaluationError("https://rules.test/api answered 500")),
            "RuleEvaluationFailed",
            "answered 500",
        ),
        (lambda payload: "high", "InvalidPriority", "not a number"),
        (lambda payload: 2**31, "InvalidPriority", "beyond int32"),
        (lambda payload: (_ for _ in ()).throw(RuntimeError("a bug in the rule client")), "InternalError", "a bug"),
    ],
)
def test_a_failing_or_unusable_answer_fails_the_classification(answer, code, message, make_router) -> None:
    service = GatedService(answer)
    service.gate.set()
    router = _router(make_router, service, prioritizationRule=FUNCTION)
    _job(router, {})
    router.run_pending()
    assert router.get("jobs", "j").body["status"] == "classificationFailed"
    failed = [e.event for e in router.events_since(0) if e.event["eventType"].endswith("ClassificationFailed")]
    assert len(failed) == 1
    [error] = failed[0]["data"]["errors"]
    assert error["code"] == code and message in error["message"], error


def test_selectors_a_rule_returns_are_checked_like_a_clients(make_router) -> None:
    service = GatedService(
        lambda payload: [{"key": "k", "labelOperator": "equal", "value": 1, "expiresAfterSeconds": 1e300}]
    )
    service.gate.set()
    router = _router(make_router, service, workerSelectorAttachments=[{"kind": "ruleEngine", "rule": FUNCTION}])
    _job(router, {})
    router.run_pending()
    assert router.get("jobs", "j").body["status"] == "classificationFailed"
    [failed] = [e.event for e in router.events_since(0) if e.event["eventType"].endswith("ClassificationFailed")]
    assert "expiresAfterSeconds" in failed["data"]["errors"][0]["message"]


@pytest.mark.parametrize(
    ("expression", "labels", "message"),
    [
        ("job.x * job.x", {"x": 1e200}, "out of range"),  # once: an OverflowError, and a job pending for ever
        ('Value("1e999")', {}, "out of range"),
        ("Len(" + " & ".join(["job.big"] * 40) + ")", {"big": "x" * 100_000}, "characters of text"),
        ("Max()", {}, "cannot be evaluated"),
    ],
)
def test_an_expression_that_overflows_or_runs_over_budget_fails_with_its_event(
    expression, labels, message, make_router
) -> None:
    router = _router(make_router, prioritizationRule={"kind": "expression", "expression": expression})
    _job(router, labels)
    router.run_pending()
    assert router.get("jobs", "j").body["status"] == "classificationFailed"
    [failed] = [e.event for e in router.events_since(0) if e.event["eventType"].endswith("ClassificationFailed")]
    assert message in failed["data"]["errors"][0]["message"]
    assert router.next_timer_due() is None  # nothing left to retry for ever


def test_a_scoring_service_ranks_outside_the_lock_and_the_queue_waits_in_order(make_router) -> None:
    service = GatedService(lambda payload: payload["worker"]["skill"])
    router = make_router(outbound=service)
    mode = {"kind": "bestWorker", "scoringRule": FUNCTION}
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": mode})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    for worker, skill in (("low", 1), ("high", 9)):
        router.upsert(
            "workers",
            worker,
            {
                "capacity": 1,
                "queues": ["q"],
                "labels": {"skill": skill},
                "availableForOffers": True,
                "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
            },
        )
    router.upsert("jobs", "first", {"channelId": "voice", "queueId": "q", "priority": 5})
    router.upsert("jobs", "second", {"channelId": "voice", "queueId": "q", "priority": 1})
    routing = _in_background(router.run_pending)
    service.wait_for_call()
    # The lock is free meanwhile, and no job behind the first has taken a worker.
    assert router.get("workers", "high").body["offers"] == [] and router.get("workers", "low").body["offers"] == []
    service.gate.set()
    routing.join(10)
    assert [o["jobId"] for o in router.get("workers", "high").body["offers"]] == ["first"]
    assert [o["jobId"] for o in router.get("workers", "low").body["offers"]] == ["second"]
