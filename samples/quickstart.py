"""The whole Job Router lifecycle in one run: set up a queue, register a worker, route a job to it, finish it.

Runs against Azure when AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING is set, otherwise against a local emulator
started in-process. Usage: python samples/quickstart.py
"""

from __future__ import annotations

import sys
import uuid

from _connection import router_connection
from _polling import wait_for

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import (
    DistributionPolicy,
    LongestIdleMode,
    RouterChannel,
    RouterJob,
    RouterQueue,
    RouterWorker,
    RouterWorkerSelector,
)


def main() -> int:
    suffix = uuid.uuid4().hex[:8]
    policy_id, queue_id, worker_id, job_id = (
        f"quickstart-{name}-{suffix}" for name in ("policy", "queue", "worker", "job")
    )
    with router_connection() as connection_string:
        admin = JobRouterAdministrationClient.from_connection_string(connection_string)
        client = JobRouterClient.from_connection_string(connection_string)

        policy = admin.upsert_distribution_policy(
            policy_id,
            DistributionPolicy(
                name="Longest idle, 60 s offers", offer_expires_after_seconds=60, mode=LongestIdleMode()
            ),
        )
        print(f"1. Distribution policy {policy.id}: offers expire after {policy.offer_expires_after_seconds:g} s")
        queue = admin.upsert_queue(queue_id, RouterQueue(name="Support", distribution_policy_id=policy.id))
        print(f"2. Queue {queue.id} ({queue.name})")

        worker = client.upsert_worker(
            worker_id,
            RouterWorker(
                capacity=1,
                queues=[queue.id],
                channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
                labels={"language": "en", "skill": 7},
                available_for_offers=True,
            ),
        )
        print(f"3. Worker {worker.id} registered: state {worker.state}, labels {worker.labels}")

        job = client.upsert_job(
            job_id,
            RouterJob(
                channel_id="voice",
                queue_id=queue.id,
                priority=1,
                requested_worker_selectors=[RouterWorkerSelector(key="skill", label_operator="greaterThan", value=5)],
            ),
        )
        print(f"4. Job {job.id} created with status {job.status}, wanting skill > 5")

        # Routing runs after the job is created: poll the worker until the job's offer shows up (30 s at most).
        offer = wait_for(
            f"an offer of job {job.id} to worker {worker.id}",
            lambda: [o for o in client.get_worker(worker.id).offers if o.job_id == job.id],
        )[0]
        print(
            f"5. Worker received offer {offer.offer_id} for job {offer.job_id}, expiring at {offer.expires_at:%H:%M:%S}"
        )
        accepted = client.accept_job_offer(worker.id, offer.offer_id)
        print(f"6. Offer accepted: assignment {accepted.assignment_id}; job is {client.get_job(job.id).status}")

        client.complete_job(job.id, accepted.assignment_id)
        print(f"7. Job completed: {client.get_job(job.id).status}")
        client.close_job(job.id, accepted.assignment_id, disposition_code="Resolved")
        closed = client.get_job(job.id)
        print(f"8. Job closed with disposition {closed.disposition_code}: status {closed.status}")
        print(f"   Worker load is back to {client.get_worker(worker.id).load_ratio:g}")

        client.upsert_worker(worker.id, available_for_offers=False)
        client.delete_worker(worker.id)
        client.delete_job(job.id)
        admin.delete_queue(queue.id)
        admin.delete_distribution_policy(policy.id)
        print("9. Cleaned up: worker, job, queue and policy deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
