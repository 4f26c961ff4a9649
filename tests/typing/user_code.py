"""Typed user code, checked (never run) by tests/typing/test_typing.py against the installed wheel.

A "reveals" comment says what a type checker must show for the ``reveal_type`` on its line (module paths dropped;
"or" separates the spellings of mypy, which folds ``Union[str, SomeStrEnum]`` into ``str``, and pyright);
``# mistake`` marks a line the checker must report. Every other line must check clean.
"""

from __future__ import annotations

from azure.core import MatchConditions
from azure.core.credentials import AzureKeyCredential
from typing_extensions import reveal_type

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.aio import JobRouterClient as AsyncJobRouterClient
from azure.communication.jobrouter.events import (
    AcsRouterJobQueuedEventData,
    RouterEvent,
    RouterEventDispatcher,
    RouterJobQueued,
    RouterWorkerRegistered,
    parse_events,
)
from azure.communication.jobrouter.models import (
    DistributionPolicy,
    LongestIdleMode,
    RouterChannel,
    RouterJob,
    RouterJobStatus,
    RouterWorker,
)

CONNECTION_STRING = "endpoint=https://contoso.communication.azure.com/;accesskey=a2V5"


def sync_clients() -> None:
    client = JobRouterClient.from_connection_string(CONNECTION_STRING)
    reveal_type(client)  # reveals: JobRouterClient
    admin = JobRouterAdministrationClient("https://contoso.communication.azure.com", AzureKeyCredential("a2V5"))
    policy = admin.upsert_distribution_policy("p", offer_expires_after_seconds=60, mode=LongestIdleMode())
    reveal_type(policy)  # reveals: DistributionPolicy
    reveal_type(admin.upsert_distribution_policy("p", DistributionPolicy(name="d")))  # reveals: DistributionPolicy
    reveal_type(admin.get_queue("q"))  # reveals: RouterQueue
    reveal_type(admin.list_queues(results_per_page=10))  # reveals: ItemPaged[RouterQueue]

    reveal_type(client.get_job("j"))  # reveals: RouterJob
    reveal_type(client.upsert_worker("w", capacity=5))  # reveals: RouterWorker
    updated = client.upsert_worker(
        "w", RouterWorker(capacity=5), etag="x", match_condition=MatchConditions.IfNotModified
    )
    reveal_type(updated)  # reveals: RouterWorker
    reveal_type(client.upsert_worker("w", {"capacity": 5}, timeout=10, logging_enable=True))  # reveals: RouterWorker
    reveal_type(client.upsert_job("j", RouterJob(channel_id="voice", queue_id="q", priority=1)))  # reveals: RouterJob
    reveal_type(client.delete_job("j"))  # reveals: None
    reveal_type(client.get_queue_position("j"))  # reveals: RouterJobPositionDetails
    reveal_type(client.get_queue_statistics("q"))  # reveals: RouterQueueStatistics
    accepted = client.accept_job_offer("w", "o")
    reveal_type(accepted)  # reveals: AcceptJobOfferResult
    reveal_type(accepted.assignment_id)  # reveals: str
    reveal_type(client.unassign_job("j", accepted.assignment_id, suspend_matching=True))  # reveals: UnassignJobResult
    client.complete_job("j", accepted.assignment_id, note="done")
    client.close_job("j", accepted.assignment_id, disposition_code="resolved")

    jobs = client.list_jobs(status=RouterJobStatus.QUEUED, queue_id="q")
    reveal_type(jobs)  # reveals: ItemPaged[RouterJob]
    for page in jobs.by_page():
        for job in page:
            reveal_type(job)  # reveals: RouterJob
            reveal_type(job.status)  # reveals: str | None  or  str | RouterJobStatus | None
            reveal_type(job.priority)  # reveals: int | None

    worker = RouterWorker(capacity=1, channels=[RouterChannel(channel_id="voice", capacity_cost_per_job=1)])
    reveal_type(worker.capacity)  # reveals: int | None
    reveal_type(worker.channels)  # reveals: list[RouterChannel] | None
    reveal_type(RouterWorker({"capacity": 1}))  # reveals: RouterWorker
    with JobRouterClient.from_connection_string(CONNECTION_STRING) as scoped:
        reveal_type(scoped)  # reveals: JobRouterClient

    client.get_job(123)  # mistake
    client.get_job("j", timeot=5)  # mistake
    client.upsert_worker("w", capcity=5)  # mistake
    client.cancel_job("j", nte="x")  # mistake
    client.list_jobs(status=5)  # mistake
    RouterWorker(capcity=3)  # mistake
    RouterChannel(channel_id="voice")  # mistake
    worker.capacity = "three"  # mistake


async def async_clients() -> None:
    async with AsyncJobRouterClient.from_connection_string(CONNECTION_STRING) as client:
        reveal_type(client)  # reveals: JobRouterClient
        reveal_type(await client.get_job("j"))  # reveals: RouterJob
        reveal_type(await client.upsert_worker("w", available_for_offers=True))  # reveals: RouterWorker
        workers = client.list_workers(has_capacity=True)
        reveal_type(workers)  # reveals: AsyncItemPaged[RouterWorker]
        async for worker in workers:
            reveal_type(worker)  # reveals: RouterWorker
        await client.list_workers()  # mistake
        for job in client.list_jobs():  # mistake
            print(job)
        client.get_job(b"j")  # mistake


def events(body: bytes) -> None:
    for event in parse_events(body):
        if isinstance(event, RouterJobQueued):
            reveal_type(event.data)  # reveals: RouterJobQueuedEventData
            reveal_type(event.data.priority)  # reveals: int
            reveal_type(event.data.queue_id)  # reveals: str | None
            reveal_type(event.data.requested_worker_selectors)  # reveals: list[WorkerSelector] | None
        elif isinstance(event, RouterWorkerRegistered):
            reveal_type(event.data.worker_id)  # reveals: str
            print(event.data.queue_id)  # mistake
    reveal_type(AcsRouterJobQueuedEventData({"jobId": "j"}))  # reveals: RouterJobQueuedEventData


def dispatcher_decorators(body: bytes) -> None:
    dispatcher = RouterEventDispatcher()

    @dispatcher.on(RouterJobQueued)
    def on_queued(event: RouterJobQueued) -> None:
        print("queued:", event.data.job_id)

    @dispatcher.on(RouterJobQueued)
    async def on_queued_async(event: RouterJobQueued) -> None:
        print("queued:", event.data.priority)

    @dispatcher.on(RouterJobQueued)
    def on_any(event: RouterEvent) -> None:
        print(event.event_type)

    reveal_type(on_queued)  # reveals: (RouterJobQueued) -> None  or  def (RouterJobQueued)
    reveal_type(dispatcher.dispatch(body).handled)  # reveals: int
    on_queued(parse_events(body)[0])  # mistake

    @dispatcher.on(RouterWorkerRegistered)  # mistake
    def on_registered(event: RouterJobQueued) -> None:
        print(event.data.queue_id)

    @dispatcher.on(RouterJobQueued)  # mistake
    def returns_a_value(event: RouterJobQueued) -> int:
        return event.data.priority

    reveal_type(LongestIdleMode().kind)  # reveals: str  or  str | DistributionModeKind
