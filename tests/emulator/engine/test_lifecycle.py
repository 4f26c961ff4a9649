"""The routing engine on a fake clock: lifecycle, matching, offers, classification, exceptions, persistence."""

from __future__ import annotations

import pytest

from jobrouter_emulator.engine.errors import BadRequest, Conflict, NotFound, PreconditionFailed


def test_job_is_created_then_queued_and_offered_asynchronously(harness):
    harness.worker("w")
    harness.job("j")
    assert harness.status("j") == "created"  # routing never happens inside the upsert
    assert harness.offers("w") == []
    harness.settle()
    assert harness.status("j") == "queued"
    [offer] = harness.offers("w")
    assert offer["jobId"] == "j" and offer["capacityCost"] == 1
    assert harness.events() == [
        "RouterWorkerRegistered",
        "RouterJobReceived",
        "RouterJobQueued",
        "RouterWorkerOfferIssued",
    ]


def test_full_lifecycle_frees_capacity(harness):
    harness.worker("w")
    harness.job("j")
    harness.settle()
    offer = harness.offers("w")[0]
    accepted = harness.router.accept_job_offer("w", offer["offerId"])
    assert accepted == {"assignmentId": accepted["assignmentId"], "jobId": "j", "workerId": "w"}
    worker = harness.router.get("workers", "w").body
    assert worker["loadRatio"] == 1 and worker["offers"] == []
    harness.router.complete_job("j", accepted["assignmentId"], {"note": "done"})
    assert harness.status("j") == "completed"
    harness.router.close_job("j", accepted["assignmentId"], {"dispositionCode": "Resolved"})
    job = harness.router.get("jobs", "j").body
    assert job["status"] == "closed" and job["dispositionCode"] == "Resolved"
    assert job["notes"][0]["message"] == "done"
    assert harness.router.get("workers", "w").body["loadRatio"] == 0
    with pytest.raises(NotFound, match="DeclineOfferCommandHandler: Offer not found"):
        harness.router.decline_job_offer("w", offer["offerId"])


def test_capacity_limits_concurrent_offers_and_the_next_job_waits(harness):
    harness.worker("w", capacity=1)
    harness.job("j1")
    harness.job("j2")
    harness.settle()
    assert [o["jobId"] for o in harness.offers("w")] == ["j1"]
    offer = harness.offers("w")[0]
    accepted = harness.router.accept_job_offer("w", offer["offerId"])
    harness.settle()
    assert harness.offers("w") == []
    harness.router.complete_job("j1", accepted["assignmentId"])
    harness.router.close_job("j1", accepted["assignmentId"])
    harness.settle()
    assert [o["jobId"] for o in harness.offers("w")] == ["j2"]


def test_higher_priority_is_offered_first(harness):
    harness.job("low", priority=1)
    harness.job("high", priority=10)
    harness.settle()
    harness.worker("w")
    harness.settle()
    assert [o["jobId"] for o in harness.offers("w")] == ["high"]


@pytest.mark.parametrize(
    ("operator", "value", "offered"),
    [
        ("greaterThan", 5, True),
        ("greaterThan", 7, False),
        ("equal", 7, True),
        ("notEqual", 7, False),
        ("lessThanOrEqual", 7, True),
        ("equal", "7", False),
    ],
)
def test_worker_selectors(harness, operator, value, offered):
    harness.worker("w", labels={"skill": 7})
    harness.job("j", requestedWorkerSelectors=[{"key": "skill", "labelOperator": operator, "value": value}])
    harness.settle()
    assert bool(harness.offers("w")) is offered


def test_offer_expiry_frees_worker_and_reoffers_to_another(harness):
    harness.worker("a")
    harness.worker("b")
    harness.job("j")
    harness.settle()
    first = "a" if harness.offers("a") else "b"
    second = "b" if first == "a" else "a"
    harness.clock.advance(61)
    harness.settle()
    assert harness.offers(first) == []
    assert [o["jobId"] for o in harness.offers(second)] == ["j"]
    assert "RouterWorkerOfferExpired" in harness.events()


def test_decline_keeps_the_worker_away_until_retry_time(harness):
    harness.worker("w")
    harness.job("j")
    harness.settle()
    offer = harness.offers("w")[0]
    harness.router.decline_job_offer("w", offer["offerId"], {"retryOfferAt": "2024-01-01T00:10:00Z"})
    harness.settle()
    assert harness.offers("w") == []
    harness.clock.advance(600)
    harness.settle()
    assert [o["jobId"] for o in harness.offers("w")] == ["j"]


def test_longest_idle_prefers_the_worker_idle_longest(harness):
    harness.worker("early")
    harness.clock.advance(10)
    harness.worker("late")
    harness.job("j")
    harness.settle()
    assert harness.offers("early") and not harness.offers("late")


def test_round_robin_rotates(harness):
    harness.policy("rr", kind="roundRobin")
    harness.queue("rq", policy="rr")
    for name in ("a", "b"):
        harness.worker(name, queues=("rq",), capacity=10)
    harness.job("j1", queue="rq")
    harness.job("j2", queue="rq")
    harness.settle()
    assert {o["jobId"] for o in harness.offers("a")} != {o["jobId"] for o in harness.offers("b")}


def test_best_worker_uses_the_scoring_rule(harness):
    harness.policy("bw", kind="bestWorker", scoringRule={"kind": "expression", "expression": "skill * 2"})
    harness.queue("bq", policy="bw")
    harness.worker("novice", queues=("bq",), labels={"skill": 1})
    harness.worker("expert", queues=("bq",), labels={"skill": 9})
    harness.job("j", queue="bq")
    harness.settle()
    assert harness.offers("expert") and not harness.offers("novice")


def test_max_concurrent_offers_offers_to_several_and_accept_revokes_the_rest(harness):
    harness.policy("many", maxConcurrentOffers=2)
    harness.queue("mq", policy="many")
    harness.worker("a", queues=("mq",))
    harness.worker("b", queues=("mq",))
    harness.job("j", queue="mq")
    harness.settle()
    offer = harness.offers("a")[0]
    assert harness.offers("b")
    harness.router.accept_job_offer("a", offer["offerId"])
    assert harness.offers("b") == []
    assert "RouterWorkerOfferRevoked" in harness.events()


def test_deregistering_revokes_offers(harness):
    harness.worker("w")
    harness.job("j")
    harness.settle()
    harness.router.upsert("workers", "w", {"availableForOffers": False})
    worker = harness.router.get("workers", "w").body
    assert worker["state"] == "inactive" and worker["offers"] == []
    assert harness.events()[-2:] == ["RouterWorkerOfferRevoked", "RouterWorkerDeregistered"]


def test_cancel_unassign_and_reclassify(harness):
    harness.router.upsert("classificationPolicies", "cp", {"fallbackQueueId": "q"})
    harness.worker("w")
    harness.job("j")
    harness.settle()
    accepted = harness.router.accept_job_offer("w", harness.offers("w")[0]["offerId"])
    result = harness.router.unassign_job("j", accepted["assignmentId"], {})
    assert result == {"jobId": "j", "unassignmentCount": 1}
    assert harness.status("j") == "queued"
    harness.router.cancel_job("j", {"note": "caller hung up", "dispositionCode": "Abandoned"})
    assert harness.status("j") == "cancelled"
    with pytest.raises(BadRequest):
        harness.router.cancel_job("j", {})


def test_classification_picks_queue_priority_and_selectors(harness):
    harness.queue("english", labels={"language": "en"})
    harness.router.upsert(
        "classificationPolicies",
        "cp",
        {
            "queueSelectorAttachments": [{"kind": "pass-through", "key": "language", "labelOperator": "equal"}],
            "prioritizationRule": {"kind": "expression", "expression": "If(job.VIP = true, 10, 1)"},
            "workerSelectorAttachments": [
                {"kind": "static", "workerSelector": {"key": "skill", "labelOperator": "greaterThan", "value": 3}}
            ],
        },
    )
    harness.router.upsert(
        "jobs", "j", {"channelId": "voice", "classificationPolicyId": "cp", "labels": {"language": "en", "VIP": True}}
    )
    harness.settle()
    job = harness.router.get("jobs", "j").body
    assert (job["status"], job["queueId"], job["priority"]) == ("queued", "english", 10)
    assert job["attachedWorkerSelectors"][0]["key"] == "skill"
    assert harness.events()[-2:] == ["RouterJobClassified", "RouterJobQueued"]


def test_classification_failure(harness):
    harness.router.upsert(
        "classificationPolicies",
        "cp",
        {
            "queueSelectorAttachments": [
                {"kind": "static", "queueSelector": {"key": "Id", "labelOperator": "equal", "value": "none"}}
            ],
        },
    )
    harness.router.upsert("jobs", "j", {"channelId": "voice", "classificationPolicyId": "cp"})
    harness.settle()
    assert harness.status("j") == "classificationFailed"
    assert harness.events()[-1] == "RouterJobClassificationFailed"


def test_scheduled_job_waits_for_activation_then_routes(harness):
    harness.worker("w")
    harness.job("j", matchingMode={"kind": "scheduleAndSuspend", "scheduleAt": "2024-01-01T00:05:00Z"})
    assert harness.status("j") == "pendingSchedule"
    harness.settle()
    assert harness.status("j") == "scheduled"
    harness.clock.advance(300)
    harness.settle()
    assert harness.status("j") == "waitingForActivation"
    harness.router.upsert("jobs", "j", {"matchingMode": {"kind": "queueAndMatch"}})
    harness.settle()
    assert harness.status("j") == "queued" and harness.offers("w")


def test_exception_policy_wait_time_reclassifies_to_another_queue(harness):
    harness.queue("overflow")
    harness.router.upsert(
        "exceptionPolicies",
        "ep",
        {
            "exceptionRules": [
                {
                    "id": "slow",
                    "trigger": {"kind": "waitTime", "thresholdSeconds": 30},
                    "actions": [{"kind": "manualReclassify", "queueId": "overflow", "priority": 5}],
                }
            ]
        },
    )
    harness.queue("q", exceptionPolicyId="ep")
    harness.job("j")
    harness.settle()
    harness.clock.advance(31)
    harness.settle()
    job = harness.router.get("jobs", "j").body
    assert (job["queueId"], job["priority"], job["status"]) == ("overflow", 5, "queued")
    assert "RouterJobExceptionTriggered" in harness.events()


def test_exception_policy_queue_length_cancels(harness):
    harness.router.upsert(
        "exceptionPolicies",
        "ep",
        {
            "exceptionRules": [
                {
                    "id": "full",
                    "trigger": {"kind": "queueLength", "threshold": 1},
                    "actions": [{"kind": "cancel", "dispositionCode": "QueueFull"}],
                }
            ]
        },
    )
    harness.queue("q", exceptionPolicyId="ep")
    harness.job("j1")
    harness.job("j2")
    harness.settle()
    assert harness.status("j1") == "queued"
    assert harness.status("j2") == "cancelled"


def test_crud_merge_patch_conditions_and_paging(harness):
    entity, created = harness.router.upsert("queues", "x", {"distributionPolicyId": "dp", "labels": {"a": 1, "b": 2}})
    assert created and entity.body["labels"] == {"a": 1, "b": 2, "Id": "x"}
    entity, created = harness.router.upsert("queues", "x", {"labels": {"a": None}}, if_match=entity.etag)
    assert not created and entity.body["labels"] == {"b": 2, "Id": "x"}
    with pytest.raises(PreconditionFailed):
        harness.router.upsert("queues", "x", {"name": "n"}, if_match='"stale"')
    with pytest.raises(PreconditionFailed):
        harness.router.upsert("queues", "x", {"name": "n"}, if_none_match="*")
    with pytest.raises(BadRequest, match="distributionPolicyId 'missing' does not exist"):
        harness.router.upsert("queues", "y", {"distributionPolicyId": "missing"})
    for index in range(5):
        harness.router.upsert("distributionPolicies", f"p{index}", {"mode": {"kind": "roundRobin"}})
    seen, token = [], None
    while True:
        page, token = harness.router.list("distributionPolicies", page_size=2, continuation=token)
        seen.extend(item["id"] for item in page)
        if token is None:
            break
    assert seen == ["p4", "p3", "p2", "p1", "p0", "dp"]  # newest first


def test_deleting_a_queue_with_active_jobs_conflicts(harness):
    harness.job("j")
    with pytest.raises(Conflict, match="There is active job with this queue"):
        harness.router.delete("queues", "q")
    harness.router.delete("queues", "never-existed")  # no error: 204


def test_state_survives_a_restart(harness, make_router):
    harness.worker("w")
    harness.job("j")
    harness.settle()
    restarted = make_router(store=harness.store, clock=harness.clock, processing_delay=0.001)
    assert restarted.get("jobs", "j").body["status"] == "queued"
    offer = restarted.get("workers", "w").body["offers"][0]
    assert restarted.accept_job_offer("w", offer["offerId"])["jobId"] == "j"
