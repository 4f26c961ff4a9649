"""Router events through an Azure Storage queue, as Microsoft's "Subscribe to Job Router events" guide receives them:
Event Grid writes each event to the queue as one message (the event's JSON, Base64-encoded), and a receiver reads
the queue with azure-storage-queue and parses the events.

Storage: the queue service of AZURE_STORAGE_CONNECTION_STRING when set, else a local Azurite started for this run
(``azurite-queue`` on PATH, or the one bash scripts/test.sh installs into .tools/; npm install -g azurite gets it).
Job Router: Azure when AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING is set (with an Event Grid subscription to the
queue already deployed, as the guide does), else a local emulator, subscribed here to the queue.

    pip install -e '.[emulator,storage-queue]'
    python samples/events_storage_queue.py
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Iterator, List

from _connection import router_connection
from _polling import wait_for
from azure.core.exceptions import ResourceExistsError
from azure.core.rest import HttpRequest
from azure.storage.queue import QueueClient

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.events import RouterEvent, RouterJobClosed, parse_event
from azure.communication.jobrouter.models import (
    DistributionPolicy,
    LongestIdleMode,
    RouterChannel,
    RouterJob,
    RouterQueue,
    RouterWorker,
)

QUEUE_NAME = "router-events"
# Azurite's well-known development account (the same in every Azurite; never a real account's key).
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@contextlib.contextmanager
def storage_connection() -> Iterator[str]:
    configured = os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
    if configured:
        print("Using the storage account of AZURE_STORAGE_CONNECTION_STRING")
        yield configured
        return
    local = Path(__file__).resolve().parents[1] / ".tools" / "node_modules" / ".bin" / "azurite-queue"
    command = shutil.which("azurite-queue") or (str(local) if local.exists() else None)
    if command is None:
        raise SystemExit("Set AZURE_STORAGE_CONNECTION_STRING, or install Azurite: npm install -g azurite")
    workspace = tempfile.mkdtemp(prefix="azurite-")
    # In memory, on a free port that Azurite prints once it listens; no telemetry (this may run offline).
    options = ["--queuePort", "0", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry"]
    azurite = subprocess.Popen([command, *options], stdout=subprocess.PIPE, text=True, cwd=workspace)
    try:
        port = None
        for line in azurite.stdout:  # type: ignore[union-attr]
            found = re.search(r"listens on https?://[^:]+:(\d+)", line)
            if found:
                port = found.group(1)
                break
        if port is None:
            raise SystemExit("Azurite stopped before it listened")
        print(f"Using Azurite's queue service on port {port}")
        yield (
            f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY};"
            f"QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
        )
    finally:
        azurite.terminate()
        azurite.wait(timeout=10)
        shutil.rmtree(workspace, ignore_errors=True)


def subscribe_emulator(client: JobRouterClient, storage: str) -> None:
    """The emulator's stand-in for deploying an Event Grid subscription: a signed PUT of its control route."""
    definition = {"endpointType": "StorageQueue", "queueName": QUEUE_NAME, "connectionString": storage}
    response = client.send_request(HttpRequest("PUT", "/_emulator/eventSubscriptions/router-to-queue", json=definition))
    response.raise_for_status()
    print(f"Subscribed the emulator's events to queue {QUEUE_NAME}")


def run_a_job(admin: JobRouterAdministrationClient, client: JobRouterClient, suffix: str) -> str:
    policy = admin.upsert_distribution_policy(
        f"sq-policy-{suffix}", DistributionPolicy(offer_expires_after_seconds=60, mode=LongestIdleMode())
    )
    queue = admin.upsert_queue(f"sq-queue-{suffix}", RouterQueue(distribution_policy_id=policy.id))
    worker = client.upsert_worker(
        f"sq-worker-{suffix}",
        RouterWorker(
            capacity=1,
            queues=[queue.id],
            channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)],
            available_for_offers=True,
        ),
    )
    job = client.upsert_job(f"sq-job-{suffix}", RouterJob(channel_id="voice", queue_id=queue.id, priority=1))
    offer = wait_for(f"an offer of job {job.id}", lambda: client.get_worker(worker.id).offers)[0]
    accepted = client.accept_job_offer(worker.id, offer.offer_id)
    client.complete_job(job.id, accepted.assignment_id)
    client.close_job(job.id, accepted.assignment_id, disposition_code="Resolved")
    print(f"Ran job {job.id} from creation to close")
    return job.id


def receive(queue: QueueClient, job_id: str) -> List[RouterEvent]:
    """Read the queue as the guide's receiver does (default QueueClient: the text as stored, so Base64-decode it)
    until the job's RouterJobClosed arrives; each message is deleted once handled."""
    events: List[RouterEvent] = []

    def closed() -> bool:
        for message in queue.receive_messages(messages_per_page=32):
            event = parse_event(base64.b64decode(message.content))
            events.append(event)
            print(f"  {type(event).__name__:<28} {event.subject}")
            queue.delete_message(message)
        return any(isinstance(e, RouterJobClosed) and e.data.job_id == job_id for e in events)

    wait_for(f"RouterJobClosed of job {job_id} in queue {QUEUE_NAME}", closed)
    return events


def main() -> int:
    suffix = uuid.uuid4().hex[:8]
    with storage_connection() as storage, router_connection() as router:
        queue = QueueClient.from_connection_string(storage, QUEUE_NAME)
        with contextlib.suppress(ResourceExistsError):
            queue.create_queue()  # the queue must exist before events are delivered, as in Azure
        admin = JobRouterAdministrationClient.from_connection_string(router)
        client = JobRouterClient.from_connection_string(router)
        if "AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING" not in os.environ:
            subscribe_emulator(client, storage)
        job_id = run_a_job(admin, client, suffix)
        print(f"Events read from queue {QUEUE_NAME}:")
        events = receive(queue, job_id)
        print(f"Received {len(events)} events from the queue, through RouterJobClosed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
