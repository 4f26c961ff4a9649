"""A recorded test of your own: record it once against the local emulator (or Azure), replay it anywhere.

    pytest test_recorded_example.py --record-mode=once          # record (cassettes/ is written next to this file)
    pytest test_recorded_example.py --record-mode=none --block-network   # replay: no server, no network

Needs the SDK, pytest and pytest-recording; recording against the emulator also needs the ``[emulator]`` extra.
"""

import uuid

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode, RouterChannel, RouterJob, RouterWorker


def test_route_a_job_to_a_worker(recorded_router):
    options = {"retry_total": 0, **recorded_router.client_options}
    admin = JobRouterAdministrationClient.from_connection_string(recorded_router.connection_string, **options)
    client = JobRouterClient.from_connection_string(recorded_router.connection_string, **options)

    admin.upsert_distribution_policy("example-policy", offer_expires_after_seconds=60, mode=LongestIdleMode())
    admin.upsert_queue("example-queue", distribution_policy_id="example-policy")
    client.upsert_worker(
        "example-worker",
        RouterWorker(
            capacity=1,
            queues=["example-queue"],
            channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
            available_for_offers=True,
        ),
    )
    # A new id on each recording, the recorded one on each replay.
    job_id = recorded_router.value("job id", lambda: f"job-{uuid.uuid4()}")
    client.upsert_job(job_id, RouterJob(channel_id="voice", queue_id="example-queue", priority=1))

    # Routing happens after the job is created: poll while recording, replay the polls without sleeping.
    offers = recorded_router.wait_until(lambda: client.get_worker("example-worker").offers)
    accepted = client.accept_job_offer("example-worker", offers[0].offer_id)
    client.complete_job(job_id, accepted.assignment_id)
    client.close_job(job_id, accepted.assignment_id, disposition_code="Resolved")
    assert client.get_job(job_id).status == "closed"

    client.delete_job(job_id)
    client.upsert_worker("example-worker", available_for_offers=False)
    client.delete_worker("example-worker")
    admin.delete_queue("example-queue")
    admin.delete_distribution_policy("example-policy")
