"""JobRouterClient, sync and async, replayed from cassettes: workers, jobs, offers, assignments, queue position and
statistics; every method of the client."""

from __future__ import annotations

import pytest

from azure.communication.jobrouter.models import (
    ClassificationPolicy,
    LongestIdleMode,
    RouterChannel,
    RouterJob,
    RouterWorker,
    StaticRouterRule,
)

from ._scenario import ADMIN, ROUTER, RUNNERS, SLEEP, delete_policies_and_queue, wait_for_offer


def routing(mode: str):
    def scenario(poll_interval: float):
        dp, q, cp = (f"rec-{mode}-route-{kind}" for kind in ("dp", "q", "cp"))
        first, second = f"rec-{mode}-w1", f"rec-{mode}-w2"
        job, waiting, classified = f"rec-{mode}-j1", f"rec-{mode}-j2", f"rec-{mode}-j3"
        yield ADMIN.upsert_distribution_policy(dp, offer_expires_after_seconds=60, mode=LongestIdleMode())
        yield ADMIN.upsert_queue(q, distribution_policy_id=dp)
        yield ADMIN.upsert_classification_policy(
            cp, ClassificationPolicy(fallback_queue_id=q, prioritization_rule=StaticRouterRule(value=3))
        )
        voice = [RouterChannel(channel_id="voice", capacity_cost_per_job=1)]
        worker = yield ROUTER.upsert_worker(
            first, RouterWorker(capacity=1, queues=[q], channels=voice, labels={"skill": 7}, available_for_offers=True)
        )
        assert worker.state in ("active", "inactive")
        created = yield ROUTER.upsert_job(
            job, RouterJob(channel_id="voice", queue_id=q, priority=2, labels={"case": 1})
        )
        assert created.status == "created"

        # Declined by the first worker, then taken by the second.
        offer = yield from wait_for_offer(first, poll_interval, job)
        yield ROUTER.decline_job_offer(first, offer.offer_id)
        yield ROUTER.upsert_worker(second, capacity=1, queues=[q], channels=voice, available_for_offers=True)
        offer = yield from wait_for_offer(second, poll_interval, job)
        accepted = yield ROUTER.accept_job_offer(second, offer.offer_id)
        assert (accepted.job_id, accepted.worker_id) == (job, second)

        # Unassigned, it is queued and offered again; then completed and closed.
        unassigned = yield ROUTER.unassign_job(job, accepted.assignment_id)
        assert unassigned.job_id == job and unassigned.unassignment_count == 1
        offer = yield from wait_for_offer(second, poll_interval, job)
        accepted = yield ROUTER.accept_job_offer(second, offer.offer_id)
        yield ROUTER.complete_job(job, accepted.assignment_id, note="done")
        yield ROUTER.close_job(job, accepted.assignment_id, disposition_code="Resolved")
        closed = yield ROUTER.get_job(job)
        assert (closed.status, closed.disposition_code) == ("closed", "Resolved")

        # A job that waits: its position and the queue's statistics; then it is cancelled.
        yield ROUTER.upsert_worker(first, available_for_offers=False)
        yield ROUTER.upsert_worker(second, available_for_offers=False)
        yield ROUTER.upsert_job(waiting, channel_id="voice", queue_id=q)
        for _ in range(200):
            if (yield ROUTER.get_job(waiting)).status == "queued":
                break
            yield SLEEP(poll_interval)
        position = yield ROUTER.get_queue_position(waiting)
        assert (position.position, position.queue_id) == (1, q)
        statistics = yield ROUTER.get_queue_statistics(q)
        assert statistics.length == 1
        yield ROUTER.cancel_job(waiting, note="no longer needed", disposition_code="Cancelled")

        # Classification and reclassification.
        yield ROUTER.upsert_job(classified, channel_id="voice", classification_policy_id=cp)
        yield ROUTER.reclassify_job(classified)
        yield ROUTER.cancel_job(classified)

        assert job in [j.id for j in (yield ROUTER.list_jobs(status="closed", queue_id=q, channel_id="voice"))]
        listed = yield ROUTER.list_jobs(classification_policy_id=cp, results_per_page=5)
        assert [j.id for j in listed] == [classified]
        workers = yield ROUTER.list_workers(queue_id=q, channel_id="voice", state="inactive", has_capacity=True)
        assert sorted(w.id for w in workers) == [first, second]

        for job_id in (job, waiting, classified):
            yield ROUTER.delete_job(job_id)
        yield ROUTER.delete_worker(first)
        yield ROUTER.delete_worker(second)
        yield from delete_policies_and_queue(cp, q, dp)

    return scenario


@pytest.mark.block_network
@pytest.mark.vcr
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_routing(mode, connection_string, poll_interval):
    RUNNERS[mode](routing(mode), connection_string, poll_interval)
