"""Classification: pick a job's queue by its labels, its priority with a PowerFx expression, and attach worker
selectors, all from a classification policy. Usage: python samples/classification.py
"""

from __future__ import annotations

import sys
import uuid

from _connection import router_connection
from _polling import wait_for

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import (
    ClassificationPolicy,
    ExpressionRouterRule,
    LongestIdleMode,
    PassThroughQueueSelectorAttachment,
    RouterJob,
    RouterWorkerSelector,
    StaticWorkerSelectorAttachment,
)


def main() -> int:
    tag = uuid.uuid4().hex[:6]
    with router_connection() as connection_string:
        admin = JobRouterAdministrationClient.from_connection_string(connection_string)
        client = JobRouterClient.from_connection_string(connection_string)
        admin.upsert_distribution_policy(f"cls-dp-{tag}", offer_expires_after_seconds=60, mode=LongestIdleMode())
        for language in ("en", "fr"):
            admin.upsert_queue(
                f"cls-{language}-{tag}", distribution_policy_id=f"cls-dp-{tag}", labels={"language": language}
            )
        policy = admin.upsert_classification_policy(
            f"cls-policy-{tag}",
            ClassificationPolicy(
                name="Language, VIP priority, skilled agents",
                fallback_queue_id=f"cls-en-{tag}",
                queue_selector_attachments=[PassThroughQueueSelectorAttachment(key="language", label_operator="equal")],
                prioritization_rule=ExpressionRouterRule(expression="If(job.VIP = true, 10, 1)"),
                worker_selector_attachments=[
                    StaticWorkerSelectorAttachment(
                        worker_selector=RouterWorkerSelector(key="skill", label_operator="greaterThanOrEqual", value=5)
                    )
                ],
            ),
        )
        print(f"Classification policy {policy.id} created")
        for job_id, labels in (
            (f"cls-job-fr-{tag}", {"language": "fr", "VIP": True}),
            (f"cls-job-de-{tag}", {"language": "de", "VIP": False}),
        ):
            client.upsert_job(job_id, RouterJob(channel_id="voice", classification_policy_id=policy.id, labels=labels))
            job = wait_for(
                f"{job_id} to be classified",
                lambda j=job_id: (lambda x: x if x.status == "queued" else None)(client.get_job(j)),
            )
            selectors = [f"{s.key} {s.label_operator} {s.value}" for s in job.attached_worker_selectors]
            print(f"Job {job.id} with labels {labels}:")
            print(f"   queue {job.queue_id}, priority {job.priority}, worker selectors {selectors}")
            client.cancel_job(job.id, note="sample done")
            client.delete_job(job.id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
