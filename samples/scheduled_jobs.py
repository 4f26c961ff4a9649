"""Scheduled jobs: create a job that waits until a time, then activate it for matching.
Usage: python samples/scheduled_jobs.py
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timedelta, timezone

from _connection import router_connection
from _polling import wait_for

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode, QueueAndMatchMode, RouterJob, ScheduleAndSuspendMode


def main() -> int:
    tag = uuid.uuid4().hex[:6]
    with router_connection() as connection_string:
        admin = JobRouterAdministrationClient.from_connection_string(connection_string)
        client = JobRouterClient.from_connection_string(connection_string)
        admin.upsert_distribution_policy(f"sch-dp-{tag}", offer_expires_after_seconds=60, mode=LongestIdleMode())
        admin.upsert_queue(f"sch-q-{tag}", distribution_policy_id=f"sch-dp-{tag}")
        when = datetime.now(timezone.utc) + timedelta(seconds=2)
        job = client.upsert_job(
            f"sch-job-{tag}",
            RouterJob(
                channel_id="callback", queue_id=f"sch-q-{tag}", matching_mode=ScheduleAndSuspendMode(schedule_at=when)
            ),
        )
        print(f"Job {job.id} created for {when:%H:%M:%S}: status {job.status}")
        scheduled = [j.id for j in client.list_jobs(status="scheduled", scheduled_before=when + timedelta(minutes=1))]
        print(f"Scheduled jobs due within a minute: {len(scheduled)}")
        wait_for("the scheduled time", lambda: client.get_job(job.id).status == "waitingForActivation")
        print("The time has come: the job is waiting for activation")
        client.upsert_job(job.id, matching_mode=QueueAndMatchMode(), priority=5)
        wait_for("queueing", lambda: client.get_job(job.id).status == "queued")
        print(f"Activated: status {client.get_job(job.id).status}")
        client.cancel_job(job.id)
        client.delete_job(job.id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
