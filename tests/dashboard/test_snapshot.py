"""The dashboard's snapshot, built from a router on a virtual clock: the engine's own figures, shaped for the page."""

from __future__ import annotations

from jobrouter_emulator.dashboard.snapshot import JOB_STATUSES, build_snapshot
from jobrouter_emulator.engine.clock import FakeClock
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.store.memory import MemoryStore


def test_the_snapshot_shows_queues_workers_and_jobs_as_the_engine_has_them():
    router = Router(MemoryStore(), FakeClock(), seed=1, processing_delay=0)
    router.upsert(
        "distributionPolicies",
        "dp",
        {
            "name": "Two at once",
            "offerExpiresAfterSeconds": 300,
            "mode": {"kind": "roundRobin", "maxConcurrentOffers": 2},
        },
    )
    router.upsert(
        "exceptionPolicies",
        "ep",
        {
            "exceptionRules": [
                {
                    "id": "slow",
                    "trigger": {"kind": "waitTime", "thresholdSeconds": 600},
                    "actions": [{"kind": "manualReclassify", "priority": 9}],
                }
            ]
        },
    )
    router.upsert("queues", "q", {"name": "Sales", "distributionPolicyId": "dp", "exceptionPolicyId": "ep"})
    worker = {"capacity": 2, "queues": ["q"], "availableForOffers": True, "labels": {"skill": 5}}
    router.upsert("workers", "w", {**worker, "channels": [{"channelId": "voice", "capacityCostPerJob": 1}]})
    selector = {"key": "skill", "labelOperator": "greaterThanOrEqual", "value": 5, "expedite": True}
    router.upsert(
        "jobs", "vip", {"channelId": "voice", "queueId": "q", "priority": 5, "requestedWorkerSelectors": [selector]}
    )
    router.upsert("jobs", "plain", {"channelId": "voice", "queueId": "q"})
    router.upsert("jobs", "gone", {"channelId": "voice", "queueId": "q"})
    router.advance(0)
    router.cancel_job("gone")
    router.accept_job_offer(
        "w", next(o for o in router.get("workers", "w").body["offers"] if o["jobId"] == "vip")["offerId"]
    )
    router.advance(90)

    snapshot = build_snapshot(router)

    (queue,) = snapshot["queues"]
    assert (queue["length"], queue["longestWaitSeconds"], queue["assigned"]) == (1, 90.0, 1)
    assert queue["distribution"] == {
        "id": "dp",
        "name": "Two at once",
        "mode": "roundRobin",
        "minConcurrentOffers": 1,
        "maxConcurrentOffers": 2,
        "bypassSelectors": False,
        "offerExpiresAfterSeconds": 300,
    }
    assert queue["exceptionPolicy"]["rules"] == [
        {"id": "slow", "trigger": "waitTime", "threshold": 600, "actions": ["manualReclassify"]}
    ]
    (w,) = snapshot["workers"]
    assert (w["usedCapacity"], w["capacity"], w["assignedJobs"][0]["jobId"]) == (2, 2, "vip")
    assert [o["jobId"] for o in w["offers"]] == ["plain"]

    jobs = snapshot["jobs"]
    assert jobs["counts"] == {**dict.fromkeys(JOB_STATUSES, 0), "queued": 1, "assigned": 1, "cancelled": 1}
    assert [j["id"] for j in jobs["items"]] == ["plain", "vip", "gone"]  # in play first, newest first; then done
    plain, vip, _ = jobs["items"]
    assert plain["offers"] == [{"workerId": "w", "offerId": w["offers"][0]["offerId"]}] and plain["workerId"] is None
    assert vip["workerId"] == "w" and vip["selectors"] == [
        {
            "key": "skill",
            "operator": "greaterThanOrEqual",
            "value": 5,
            "status": "active",
            "expedite": True,
            "origin": "requested",
        }
    ]
    assert snapshot["virtualClock"] is True and snapshot["now"].endswith("+00:00")
    router.close()


def test_available_counts_workers_with_room_for_another_job_now_and_full_ones_apart():
    """A worker taking offers but holding all its capacity (or its channel's maxNumberOfJobs) is "full", not
    available; a queue counts as available only workers with room on a channel its waiting jobs use."""
    router = Router(MemoryStore(), FakeClock(), seed=1, processing_delay=0)
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 300, "mode": {"kind": "longestIdle"}})
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    voice = {"channelId": "voice", "capacityCostPerJob": 1}
    chat = {"channelId": "chat", "capacityCostPerJob": 1, "maxNumberOfJobs": 1}
    base = {"queues": ["q"], "availableForOffers": True}
    router.upsert("workers", "busy", {**base, "capacity": 1, "channels": [voice]})
    router.upsert("workers", "roomy", {**base, "capacity": 3, "channels": [voice]})
    router.upsert("workers", "chatty", {**base, "capacity": 5, "channels": [chat]})
    router.upsert("workers", "off", {**base, "capacity": 5, "channels": [voice], "availableForOffers": False})
    router.advance(1)
    router.upsert("jobs", "call", {"channelId": "voice", "queueId": "q"})  # offered to busy (idle the longest)
    router.upsert("jobs", "chat-1", {"channelId": "chat", "queueId": "q"})
    router.advance(1)

    snapshot = build_snapshot(router)
    workers = {w["id"]: w for w in snapshot["workers"]}
    offered = {w: [o["jobId"] for o in workers[w]["offers"]] for w in workers}
    assert offered["busy"] == ["call"] and offered["chatty"] == ["chat-1"], offered
    assert {w: workers[w]["canTakeJob"] for w in workers} == {
        "busy": False,  # capacity 1, held by an offer
        "roomy": True,
        "chatty": False,  # capacity left, but its only channel allows one job
        "off": False,
    }
    (queue,) = snapshot["queues"]
    assert (queue["workers"], queue["availableWorkers"], queue["fullWorkers"]) == (4, 1, 2)

    router.upsert("jobs", "call-2", {"channelId": "voice", "queueId": "q"})
    router.upsert("jobs", "call-3", {"channelId": "voice", "queueId": "q"})
    router.advance(1)  # both offered to roomy, which holds 2 of 3: room for one more voice job
    (queue,) = build_snapshot(router)["queues"]
    assert (queue["availableWorkers"], queue["fullWorkers"]) == (1, 2)
    router.upsert("jobs", "call-4", {"channelId": "voice", "queueId": "q"})
    router.advance(1)  # roomy holds 3 of 3
    (queue,) = build_snapshot(router)["queues"]
    assert (queue["availableWorkers"], queue["fullWorkers"]) == (0, 3)
    router.close()
