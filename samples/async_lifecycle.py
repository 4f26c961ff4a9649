"""The job lifecycle with the async clients. Usage: python samples/async_lifecycle.py"""

from __future__ import annotations

import asyncio
import sys
import uuid

from _connection import router_connection
from _polling import wait_for_async

from azure.communication.jobrouter.aio import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode, RouterChannel, RouterJob, RouterWorker


async def run(connection_string: str) -> None:
    tag = uuid.uuid4().hex[:6]
    async with (
        JobRouterAdministrationClient.from_connection_string(connection_string) as admin,
        JobRouterClient.from_connection_string(connection_string) as client,
    ):
        await admin.upsert_distribution_policy(
            f"async-dp-{tag}", offer_expires_after_seconds=60, mode=LongestIdleMode()
        )
        await admin.upsert_queue(f"async-q-{tag}", distribution_policy_id=f"async-dp-{tag}")
        await client.upsert_worker(
            f"async-w-{tag}",
            RouterWorker(
                capacity=1,
                queues=[f"async-q-{tag}"],
                available_for_offers=True,
                channels=[RouterChannel(channel_id="chat", capacity_cost_per_job=1)],
            ),
        )
        await client.upsert_job(f"async-j-{tag}", RouterJob(channel_id="chat", queue_id=f"async-q-{tag}"))

        async def offers_of_the_job():
            return [o for o in (await client.get_worker(f"async-w-{tag}")).offers if o.job_id == f"async-j-{tag}"]

        offers = await wait_for_async(f"an offer of job async-j-{tag} to worker async-w-{tag}", offers_of_the_job)
        accepted = await client.accept_job_offer(f"async-w-{tag}", offers[0].offer_id)
        await client.complete_job(f"async-j-{tag}", accepted.assignment_id)
        await client.close_job(f"async-j-{tag}", accepted.assignment_id, disposition_code="Done")
        job = await client.get_job(f"async-j-{tag}")
        print(f"Async lifecycle finished: job {job.id} is {job.status} ({job.disposition_code})")
        async for queued in client.list_jobs(queue_id=f"async-q-{tag}"):
            print(f"Listed job {queued.id}: {queued.status}")


def main() -> int:
    with router_connection() as connection_string:
        asyncio.run(run(connection_string))
    return 0


if __name__ == "__main__":
    sys.exit(main())
