"""Concurrency: 50 workers, 1,000 jobs, accepts and declines racing from threads against the router's own timer
thread, on SQLite. Every job is assigned exactly once, no worker goes above its capacity, racing accepts of the
same offer have one winner, and the state after a restart is the state before it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

from jobrouter_emulator.engine.errors import RouterError
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.store import SQLiteStore

WORKERS, JOBS, CAPACITY, THREADS = 50, 1000, 2, 8


def _setup(router: Router) -> None:
    router.upsert(
        "distributionPolicies",
        "dp",
        {
            "offerExpiresAfterSeconds": 60,
            "mode": {"kind": "roundRobin", "minConcurrentOffers": 1, "maxConcurrentOffers": 3},
        },
    )
    router.upsert("queues", "q", {"distributionPolicyId": "dp"})
    for index in range(WORKERS):
        router.upsert(
            "workers",
            f"w{index}",
            {
                "capacity": CAPACITY,
                "queues": ["q"],
                "availableForOffers": True,
                "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
            },
        )


def test_parallel_accepts_and_declines_keep_every_invariant(tmp_path, make_router):
    path = tmp_path / "state.sqlite3"
    router = make_router(store=SQLiteStore(path), clock=None, seed=3)
    router.start(background=True)
    _setup(router)
    lock = threading.Lock()
    accepted: Counter = Counter()  # job id -> successful accepts
    declined: set = set()
    lost_races: list = []
    problems: list = []
    done = threading.Event()

    def create_jobs(offset: int) -> None:
        for index in range(offset, JOBS, 4):
            router.upsert("jobs", f"j{index}", {"channelId": "voice", "queueId": "q", "priority": index % 3})

    def check_capacity(worker_id: str) -> None:
        worker = router.get("workers", worker_id).body
        used = sum(job["capacityCost"] for job in worker.get("assignedJobs", []))
        if used > CAPACITY:
            problems.append(f"{worker_id} uses {used} of {CAPACITY}")

    def act(worker_id: str, offer: dict, rng: random.Random) -> None:
        job_id, offer_id = offer["jobId"], offer["offerId"]
        with lock:
            decline = job_id not in declined and rng.random() < 0.25
            if decline:
                declined.add(job_id)
        if decline:
            retry = datetime.now(timezone.utc) + timedelta(milliseconds=50)
            body = {"retryOfferAt": retry.isoformat()} if rng.random() < 0.5 else {}
            try:
                router.decline_job_offer(worker_id, offer_id, body)
            except RouterError:
                pass  # the offer was revoked by another worker's accept meanwhile
            return
        results = []

        def accept() -> None:
            try:
                results.append(router.accept_job_offer(worker_id, offer_id))
            except RouterError as error:
                results.append(error)

        # Two accepts of the same offer race; exactly one may win.
        racers = [threading.Thread(target=accept) for _ in range(2)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
        wins = [r for r in results if isinstance(r, dict)]
        if len(wins) > 1:
            problems.append(f"offer {offer_id} accepted twice")
        lost_races.extend(r for r in results if not isinstance(r, dict))
        if not wins:
            return  # revoked meanwhile (another worker won the job), or expired
        with lock:
            accepted[job_id] += 1
        check_capacity(worker_id)
        router.complete_job(job_id, wins[0]["assignmentId"])
        router.close_job(job_id, wins[0]["assignmentId"])

    def run_workers(owned: list, seed: int) -> None:
        rng = random.Random(seed)
        while not done.is_set():
            busy = False
            for worker_id in owned:
                for offer in router.get("workers", worker_id).body.get("offers", []):
                    busy = True
                    act(worker_id, offer, rng)
            if not busy:
                time.sleep(0.002)

    creators = [threading.Thread(target=create_jobs, args=(offset,)) for offset in range(4)]
    agents = [
        threading.Thread(target=run_workers, args=([f"w{i}" for i in range(t, WORKERS, THREADS)], t))
        for t in range(THREADS)
    ]
    for thread in creators + agents:
        thread.daemon = True  # a failing assertion must not leave the run hanging on them
        thread.start()
    try:
        for thread in creators:
            thread.join()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            statuses = Counter(job["status"] for job in router.list("jobs", page_size=10**6)[0])
            if statuses.get("closed") == JOBS:
                break
            time.sleep(0.05)
    finally:
        done.set()
        for thread in agents:
            thread.join(timeout=30)

    assert not problems, problems[:5]
    assert statuses == {"closed": JOBS}, statuses
    assert set(accepted) == {f"j{i}" for i in range(JOBS)} and set(accepted.values()) == {1}
    assert lost_races and all(isinstance(error, RouterError) and error.status in (404, 409) for error in lost_races)
    assert declined, "no declines happened: the test would not show that declined jobs are re-offered"
    for index in range(WORKERS):
        worker = router.get("workers", f"w{index}").body
        assert worker["assignedJobs"] == [] and worker["offers"] == [] and worker["loadRatio"] == 0

    before = {job["id"]: job for job in router.list("jobs", page_size=10**6)[0]}
    events_before = len(router.events_since(0, 10**7))
    router.close()
    reopened = make_router(store=SQLiteStore(path), clock=None, seed=None, processing_delay=0.001)
    after = {job["id"]: job for job in reopened.list("jobs", page_size=10**6)[0]}
    assert after == before
    assert len(reopened.events_since(0, 10**7)) == events_before
    reopened.close()
