"""Function and webhook rules over loopback, classification of every attachment kind, best-worker scoring."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from jobrouter_emulator.engine.matching.scoring import rank_best_workers
from jobrouter_emulator.engine.rules import HttpOutbound, RuleEvaluationError, evaluate_rule
from jobrouter_emulator.engine.rules.classification import ClassificationFailed, classify

from ._servers import LoopbackServer

QUEUES = {
    "english": {"labels": {"language": "en", "Id": "english"}},
    "french": {"labels": {"language": "fr", "Id": "french"}},
    "fallback": {"labels": {"Id": "fallback"}},
}


@pytest.fixture
def outbound():
    client = HttpOutbound(deadline=5.0, retries=1)
    yield client
    client.close()


def test_function_rule_sends_labels_with_the_function_key(outbound):
    server = LoopbackServer(lambda path, headers, body: (200, {"queue": "french", "echo": json.loads(body)}))
    try:
        rule = {"kind": "function", "functionUri": server.url + "/api/route", "credential": {"functionKey": "k1"}}
        result = evaluate_rule(rule, {"language": "fr"}, outbound=outbound)
        assert result == {"queue": "french", "echo": {"language": "fr"}}
        assert server.requests[0]["headers"]["x-functions-key"] == "k1"
        app_key_rule = {**rule, "credential": {"appKey": "app", "clientId": "client"}}
        evaluate_rule(app_key_rule, {}, outbound=outbound)
        assert server.requests[1]["query"] == {"code": ["app"], "clientId": ["client"]}
    finally:
        server.close()


def test_function_rule_failures_are_rule_errors(outbound):
    server = LoopbackServer(lambda path, headers, body: (500 if path == "/broken" else 404, {"error": "x"}))
    try:
        with pytest.raises(RuleEvaluationError, match="after 2 attempts"):
            evaluate_rule({"kind": "function", "functionUri": server.url + "/broken"}, {}, outbound=outbound)
        assert len(server.requests) == 2  # retried once
        with pytest.raises(RuleEvaluationError, match="answered 404"):
            evaluate_rule({"kind": "function", "functionUri": server.url + "/missing"}, {}, outbound=outbound)
        with pytest.raises(RuleEvaluationError, match="not configured"):
            evaluate_rule({"kind": "function", "functionUri": server.url}, {})
    finally:
        server.close()


def test_webhook_rule_gets_a_token_first_and_caches_it(outbound):
    def handle(path, headers, body):
        if path == "/token":
            form = dict(pair.split("=") for pair in body.decode().split("&"))
            assert form == {"grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"}
            return 200, {"access_token": "tok-1", "expires_in": 3600}
        assert headers["Authorization"] == "Bearer tok-1"
        return 200, 42

    server = LoopbackServer(handle)
    try:
        rule = {
            "kind": "webhook",
            "authorizationServerUri": server.url + "/token",
            "webhookUri": server.url + "/score",
            "clientCredential": {"clientId": "id", "clientSecret": "secret"},
        }
        assert evaluate_rule(rule, {"a": 1}, outbound=outbound) == 42
        assert evaluate_rule(rule, {"a": 2}, outbound=outbound) == 42
        assert [r["path"] for r in server.requests] == ["/token", "/score", "/score"]
    finally:
        server.close()


def test_static_conditional_and_pass_through_attachments():
    policy = {
        "queueSelectorAttachments": [
            {
                "kind": "conditional",
                "condition": {"kind": "expression", "expression": 'job.language = "fr"'},
                "queueSelectors": [{"key": "language", "labelOperator": "equal", "value": "fr"}],
            },
        ],
        "workerSelectorAttachments": [
            {"kind": "static", "workerSelector": {"key": "skill", "labelOperator": "greaterThan", "value": 3}},
            {"kind": "pass-through", "key": "language", "labelOperator": "equal"},
        ],
        "prioritizationRule": {"kind": "static", "value": 4},
    }
    result = classify(policy, {"labels": {"language": "fr"}}, queues=QUEUES)
    assert (result.queue_id, result.priority) == ("french", 4)
    assert [s["key"] for s in result.attached_worker_selectors] == ["skill", "language"]


def test_rule_engine_attachment_and_fallback():
    policy = {
        "fallbackQueueId": "fallback",
        "queueSelectorAttachments": [
            {
                "kind": "ruleEngine",
                "rule": {"kind": "static", "value": [{"key": "language", "labelOperator": "equal", "value": "de"}]},
            }
        ],
    }
    assert classify(policy, {"labels": {}}, queues=QUEUES).queue_id == "fallback"
    with pytest.raises(ClassificationFailed) as failed:
        classify({"queueSelectorAttachments": policy["queueSelectorAttachments"]}, {"labels": {}}, queues=QUEUES)
    assert failed.value.code == "NoQueueSelected"


def test_weighted_allocation_follows_weights_with_a_seed():
    policy = {
        "queueSelectorAttachments": [
            {
                "kind": "weightedAllocation",
                "allocations": [
                    {"weight": 0.8, "queueSelectors": [{"key": "language", "labelOperator": "equal", "value": "en"}]},
                    {"weight": 0.2, "queueSelectors": [{"key": "language", "labelOperator": "equal", "value": "fr"}]},
                ],
            }
        ]
    }
    rng = random.Random(1)
    counts = Counter(classify(policy, {"labels": {}}, queues=QUEUES, rng=rng).queue_id for _ in range(2000))
    assert 0.75 < counts["english"] / 2000 < 0.85
    replay = random.Random(1)
    again = Counter(classify(policy, {"labels": {}}, queues=QUEUES, rng=replay).queue_id for _ in range(2000))
    assert again == counts  # same seed, same choices


def test_rule_errors_fail_classification_cleanly():
    policy = {"fallbackQueueId": "fallback", "prioritizationRule": {"kind": "expression", "expression": "1 / 0"}}
    with pytest.raises(ClassificationFailed, match="Division by zero") as failed:
        classify(policy, {"labels": {}}, queues=QUEUES)
    assert failed.value.code == "RuleEvaluationFailed"


def test_best_worker_scoring_per_worker_and_batched(outbound):
    workers = [
        {"id": "a", "labels": {"skill": 1}},
        {"id": "b", "labels": {"skill": 9}},
        {"id": "c", "labels": {"skill": 5}},
    ]
    mode = {"scoringRule": {"kind": "expression", "expression": "worker.skill"}}
    assert [w["id"] for w in rank_best_workers(mode, {"labels": {}}, workers)] == ["b", "c", "a"]
    ascending = {**mode, "scoringRuleOptions": {"descendingOrder": False}}
    assert [w["id"] for w in rank_best_workers(ascending, {"labels": {}}, workers)] == ["a", "c", "b"]
    server = LoopbackServer(lambda path, headers, body: (200, [w["skill"] * -1 for w in json.loads(body)["workers"]]))
    try:
        batched = {
            "scoringRule": {"kind": "function", "functionUri": server.url},
            "scoringRuleOptions": {"isBatchScoringEnabled": True, "batchSize": 2},
        }
        assert [w["id"] for w in rank_best_workers(batched, {"labels": {"x": 1}}, workers, outbound=outbound)] == [
            "a",
            "c",
            "b",
        ]
        assert len(server.requests) == 2  # 3 workers in batches of 2
        assert json.loads(server.requests[0]["body"])["job"]["x"] == 1
    finally:
        server.close()
