"""Exception policies: when a job waits too long, move it to an overflow queue with a higher priority.
Usage: python samples/exception_policies.py
"""

from __future__ import annotations

import sys
import uuid

from _connection import router_connection
from _polling import wait_for

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import (
    ExceptionPolicy,
    ExceptionRule,
    LongestIdleMode,
    ManualReclassifyExceptionAction,
    RouterJob,
    WaitTimeExceptionTrigger,
)


def main() -> int:
    tag = uuid.uuid4().hex[:6]
    with router_connection() as connection_string:
        admin = JobRouterAdministrationClient.from_connection_string(connection_string)
        client = JobRouterClient.from_connection_string(connection_string)
        admin.upsert_distribution_policy(f"exc-dp-{tag}", offer_expires_after_seconds=60, mode=LongestIdleMode())
        admin.upsert_queue(f"exc-overflow-{tag}", distribution_policy_id=f"exc-dp-{tag}", name="Overflow")
        policy = admin.upsert_exception_policy(
            f"exc-policy-{tag}",
            ExceptionPolicy(
                name="Escalate after 2 seconds",
                exception_rules=[
                    ExceptionRule(
                        id="waited-too-long",
                        trigger=WaitTimeExceptionTrigger(threshold_seconds=2),
                        actions=[ManualReclassifyExceptionAction(queue_id=f"exc-overflow-{tag}", priority=10)],
                    )
                ],
            ),
        )
        print(f"Exception policy {policy.id}: rules {[rule.id for rule in policy.exception_rules]}")
        admin.upsert_queue(f"exc-main-{tag}", distribution_policy_id=f"exc-dp-{tag}", exception_policy_id=policy.id)
        job = client.upsert_job(f"exc-job-{tag}", RouterJob(channel_id="voice", queue_id=f"exc-main-{tag}"))
        print(f"Job {job.id} queued in exc-main-{tag}; no worker is online, so it waits...")
        moved = wait_for(
            "the exception rule to fire",
            lambda: (lambda j: j if j.queue_id == f"exc-overflow-{tag}" else None)(client.get_job(job.id)),
        )
        print(f"Exception fired: job now in {moved.queue_id} with priority {moved.priority} ({moved.status})")
        client.cancel_job(job.id)
        client.delete_job(job.id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
