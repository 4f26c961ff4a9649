"""Classification, rules and exception policies end to end: SDK -> emulator -> outbound rule servers -> events."""

from __future__ import annotations

import httpx

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter import events as ev
from azure.communication.jobrouter.models import (
    ClassificationPolicy,
    ExceptionPolicy,
    ExceptionRule,
    ExpressionRouterRule,
    FunctionRouterRule,
    FunctionRouterRuleCredential,
    LongestIdleMode,
    ManualReclassifyExceptionAction,
    OAuth2WebhookClientCredential,
    RouterChannel,
    RouterJob,
    RouterWorker,
    RouterWorkerSelector,
    RuleEngineQueueSelectorAttachment,
    StaticWorkerSelectorAttachment,
    WaitTimeExceptionTrigger,
    WebhookRouterRule,
)
from jobrouter_emulator import HmacAuth
from tests.emulator.rules._servers import LoopbackServer

from ._polling import wait_for


def _events_for(emulator, job_id: str):
    feed = httpx.get(emulator.endpoint + "_emulator/events?after=0&limit=1000", auth=HmacAuth()).json()["value"]
    return [
        ev.parse_event({k: v for k, v in e.items() if k != "sequence"})
        for e in feed
        if e["data"].get("jobId") == job_id
    ]


def test_expression_classification_selectors_and_exception(jobrouter_emulator):
    conn = jobrouter_emulator.connection_string
    admin = JobRouterAdministrationClient.from_connection_string(conn)
    client = JobRouterClient.from_connection_string(conn)
    admin.upsert_distribution_policy("e2e-dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
    admin.upsert_queue("e2e-hw", distribution_policy_id="e2e-dp", labels={"dept": "hardware"})
    admin.upsert_queue("e2e-escalations", distribution_policy_id="e2e-dp")
    admin.upsert_classification_policy(
        "e2e-cp",
        ClassificationPolicy(
            fallback_queue_id="e2e-hw",
            prioritization_rule=ExpressionRouterRule(expression="If(job.Hardware_VIP = true, 10, 1)"),
            worker_selector_attachments=[
                StaticWorkerSelectorAttachment(
                    worker_selector=RouterWorkerSelector(key="certified", label_operator="equal", value=True)
                )
            ],
        ),
    )
    channels = [RouterChannel(channel_id="voice", capacity_cost_per_job=1)]
    client.upsert_worker(
        "e2e-novice",
        RouterWorker(
            capacity=1, queues=["e2e-hw"], channels=channels, labels={"certified": False}, available_for_offers=True
        ),
    )
    client.upsert_worker(
        "e2e-expert",
        RouterWorker(
            capacity=1, queues=["e2e-hw"], channels=channels, labels={"certified": True}, available_for_offers=True
        ),
    )
    client.upsert_job(
        "e2e-vip", RouterJob(channel_id="voice", classification_policy_id="e2e-cp", labels={"Hardware_VIP": True})
    )
    job = wait_for(lambda: (lambda j: j if j.status == "queued" else None)(client.get_job("e2e-vip")))
    assert (job.queue_id, job.priority) == ("e2e-hw", 10)
    assert wait_for(lambda: client.get_worker("e2e-expert").offers)[0].job_id == "e2e-vip"
    assert client.get_worker("e2e-novice").offers == []
    kinds = [type(e).__name__ for e in _events_for(jobrouter_emulator, "e2e-vip")]
    assert kinds[:3] == ["RouterJobReceived", "RouterJobClassified", "RouterJobQueued"]

    admin.upsert_exception_policy(
        "e2e-ep",
        ExceptionPolicy(
            exception_rules=[
                ExceptionRule(
                    id="escalate",
                    trigger=WaitTimeExceptionTrigger(threshold_seconds=1),
                    actions=[ManualReclassifyExceptionAction(queue_id="e2e-escalations", priority=50)],
                )
            ]
        ),
    )
    admin.upsert_queue("e2e-slow", distribution_policy_id="e2e-dp", exception_policy_id="e2e-ep")
    client.upsert_job("e2e-waiting", RouterJob(channel_id="voice", queue_id="e2e-slow"))
    moved = wait_for(lambda: (lambda j: j if j.queue_id == "e2e-escalations" else None)(client.get_job("e2e-waiting")))
    assert moved.priority == 50
    triggered = [
        e for e in _events_for(jobrouter_emulator, "e2e-waiting") if isinstance(e, ev.RouterJobExceptionTriggered)
    ]
    assert triggered[0].data.rule_key == "escalate"


def test_function_and_webhook_rules_pick_queue_and_priority(jobrouter_emulator):
    def handle(path, headers, body):
        if path == "/token":
            return 200, {"access_token": "t", "expires_in": 600}
        if path == "/priority":
            assert headers["Authorization"] == "Bearer t"
            return 200, 7
        assert headers["x-functions-key"] == "secret-key"
        return 200, [{"key": "Id", "labelOperator": "equal", "value": "e2e-fn-q"}]

    server = LoopbackServer(handle)
    try:
        conn = jobrouter_emulator.connection_string
        admin = JobRouterAdministrationClient.from_connection_string(conn)
        client = JobRouterClient.from_connection_string(conn)
        admin.upsert_distribution_policy("e2e-fn-dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
        admin.upsert_queue("e2e-fn-q", distribution_policy_id="e2e-fn-dp")
        admin.upsert_classification_policy(
            "e2e-fn-cp",
            ClassificationPolicy(
                queue_selector_attachments=[
                    RuleEngineQueueSelectorAttachment(
                        rule=FunctionRouterRule(
                            function_uri=server.url + "/route",
                            credential=FunctionRouterRuleCredential(function_key="secret-key"),
                        )
                    )
                ],
                prioritization_rule=WebhookRouterRule(
                    authorization_server_uri=server.url + "/token",
                    webhook_uri=server.url + "/priority",
                    client_credential=OAuth2WebhookClientCredential(client_id="c", client_secret="s"),
                ),
            ),
        )
        client.upsert_job(
            "e2e-fn-job",
            RouterJob(channel_id="voice", classification_policy_id="e2e-fn-cp", labels={"topic": "billing"}),
        )
        job = wait_for(lambda: (lambda j: j if j.status == "queued" else None)(client.get_job("e2e-fn-job")))
        assert (job.queue_id, job.priority) == ("e2e-fn-q", 7)
        assert [r["path"] for r in server.requests] == ["/route", "/token", "/priority"]
    finally:
        server.close()
