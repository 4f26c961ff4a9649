"""The dashboard's snapshot, built from a router on a virtual clock: the engine's own figures, shaped for the page."""

from __future__ import annotations

from jobrouter_emulator.dashboard.snapshot import JOB_STATUSES, build_snapshot
from jobrouter_emulator.engine.lifecycles.capacity import used_capacity
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.store.memory import MemoryStore


def test_the_snapshot_shows_queues_workers_and_jobs_as_the_engine_has_them(make_router):
    router = make_router()
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


def test_available_counts_workers_with_room_for_another_job_now_and_full_ones_apart(make_router):
    """A worker taking offers but holding all its capacity (or its channel's maxNumberOfJobs) is "full", not
    available; a queue counts as available only workers with room on a channel its waiting jobs use."""
    router = make_router()
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


def _recount(router: Router) -> dict:
    """What the snapshot's counts must say, computed from every document (as the snapshot did before it kept
    them up to date)."""
    jobs = router.list("jobs", page_size=10**6)[0]
    workers = router.list("workers", page_size=10**6)[0]
    counts = dict.fromkeys(JOB_STATUSES, 0)
    for job in jobs:
        counts[job["status"]] += 1
    queues = {}
    for queue in router.list("queues", page_size=10**6)[0]:
        listening = [w for w in workers if queue["id"] in (w.get("queues") or [])]
        taking_offers = [w for w in listening if w.get("availableForOffers")]
        with_room = [w for w in taking_offers if w["capacity"] - used_capacity(w) >= 1]  # every channel costs 1
        queues[queue["id"]] = (
            sum(1 for j in jobs if j["status"] == "assigned" and j.get("queueId") == queue["id"]),
            len(listening),
            len(with_room),
            len(taking_offers) - len(with_room),
            router.get_queue_statistics(queue["id"])["length"],
        )
    return {
        "counts": counts,
        "total": len(jobs),
        "workers": (len(workers), sum(1 for w in workers if w.get("availableForOffers"))),
        "offers": sum(len(w.get("offers") or []) for w in workers),
        "queues": queues,
    }


def _reported(snapshot: dict) -> dict:
    return {
        "counts": snapshot["jobs"]["counts"],
        "total": snapshot["jobs"]["total"],
        "workers": (snapshot["workerCounts"]["total"], snapshot["workerCounts"]["availableForOffers"]),
        "offers": snapshot["workerCounts"]["openOffers"],
        "queues": {
            q["id"]: (q["assigned"], q["workers"], q["availableWorkers"], q["fullWorkers"], q["length"])
            for q in snapshot["queues"]
        },
    }


def test_counts_kept_as_documents_change_agree_with_a_recount_after_restarts_and_resets(make_router):
    import random

    store = MemoryStore()
    router = make_router(store=store)
    rng = random.Random(3)

    def churn(steps: int) -> None:
        router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
        for queue in ("q1", "q2"):
            router.upsert("queues", queue, {"distributionPolicyId": "dp"})
        for step in range(steps):
            choice, key = rng.random(), str(rng.randrange(15))
            if choice < 0.35:
                router.upsert("jobs", f"j{key}", {"channelId": "voice", "queueId": rng.choice(["q1", "q2"])})
            elif choice < 0.55:
                worker = {"capacity": 1, "queues": [rng.choice(["q1", "q2"])], "availableForOffers": rng.random() < 0.7}
                router.upsert(
                    "workers", f"w{key}", {**worker, "channels": [{"channelId": "voice", "capacityCostPerJob": 1}]}
                )
            elif choice < 0.7:
                worker = router.list("workers", page_size=1000)[0]
                offers = [(w["id"], o["offerId"]) for w in worker for o in w.get("offers") or []]
                if offers:
                    router.accept_job_offer(*rng.choice(offers))
            elif choice < 0.8:
                jobs = [j["id"] for j in router.list("jobs", page_size=1000)[0] if j["status"] == "queued"]
                if jobs:
                    router.cancel_job(rng.choice(jobs))
            elif choice < 0.9:
                existing = router.list(rng.choice(["jobs", "workers"]), page_size=1000)[0]
                gone = [d for d in existing if d.get("status") in (None, "cancelled") and not d.get("assignedJobs")]
                if gone:
                    target = rng.choice(gone)
                    router.delete("jobs" if "status" in target else "workers", target["id"])
            if step % 5 == 0:
                router.run_pending()
        router.run_pending()

    churn(250)
    assert _reported(build_snapshot(router)) == _recount(router)
    router.close()
    router = make_router(store=store)  # counted again from what the store loads
    assert _reported(build_snapshot(router)) == _recount(router)
    churn(100)
    assert _reported(build_snapshot(router)) == _recount(router)
    router.reset()
    assert _reported(build_snapshot(router)) == _recount(router) and build_snapshot(router)["jobs"]["total"] == 0
    churn(100)
    assert _reported(build_snapshot(router)) == _recount(router)
    router.close()


def test_lists_are_bounded_and_counts_are_not(monkeypatch, make_router):
    monkeypatch.setattr("jobrouter_emulator.dashboard.snapshot.MAX_ITEMS", 5)
    router = make_router()
    router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
    for index in range(8):
        router.upsert("queues", f"q{index}", {"distributionPolicyId": "dp"})
        router.upsert("workers", f"w{index}", {"capacity": 1, "queues": ["q0"]})
    for index in range(12):
        router.upsert("jobs", f"j{index}", {"channelId": "voice", "queueId": "q0"})
    router.run_pending()
    router.cancel_job("j11")
    snapshot = build_snapshot(router)
    assert [q["id"] for q in snapshot["queues"]] == ["q7", "q6", "q5", "q4", "q3"]
    assert [w["id"] for w in snapshot["workers"]] == ["w7", "w6", "w5", "w4", "w3"]
    assert [j["id"] for j in snapshot["jobs"]["items"]] == ["j10", "j9", "j8", "j7", "j6"]  # in play first
    assert snapshot["jobs"]["total"] == 12 and snapshot["jobs"]["counts"]["queued"] == 11
    assert snapshot["workerCounts"]["total"] == 8
    router.close()


def test_open_pages_share_one_snapshot_per_state(monkeypatch, make_router):
    import asyncio

    from jobrouter_emulator.dashboard import stream

    built = []
    monkeypatch.setattr(stream, "build_snapshot", lambda router: built.append(1) or build_snapshot(router))
    router = make_router()
    shared = stream.SharedSnapshot(router)

    async def pages(count: int) -> list:
        return await asyncio.gather(*(shared.message() for _ in range(count)))

    async def scenario() -> None:
        first = await pages(3)
        assert len(built) == 1 and len(set(first)) == 1  # three pages woken together: one snapshot, one encoding
        router.upsert("distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}})
        router.upsert("queues", "q", {"distributionPolicyId": "dp"})
        router.upsert("jobs", "j", {"channelId": "voice", "queueId": "q"})
        router.run_pending()  # events committed: the state changed
        second = await pages(2)
        assert len(built) == 2 and second[0] == second[1] != first[0] and '"id":"j"' in second[0]

    asyncio.run(scenario())
    router.close()
