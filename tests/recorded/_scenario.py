"""One scenario, two clients: scenarios are generators that yield calls and receive results, and a sync or an
async runner performs them, so each recorded scenario exists once and is recorded for both client flavours.

    def scenario(poll_interval):
        queue = yield ADMIN.upsert_queue("q", distribution_policy_id="dp")
        jobs = yield ROUTER.list_jobs(status="queued")          # a list: paged results are read to the end
        pages = yield ADMIN.list_queues(results_per_page=2).pages  # a list of lists: one per page
        yield SLEEP(poll_interval)
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable, Dict, Generator, Tuple

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter import aio as jr_aio

Scenario = Callable[[float], Generator[Any, Any, None]]


@dataclass(frozen=True)
class Call:
    client: str  # "admin", "router" or "sleep"
    method: str = ""
    args: Tuple[Any, ...] = ()
    kwargs: Dict[str, Any] = field(default_factory=dict)
    by_page: bool = False

    @property
    def pages(self) -> Call:
        return replace(self, by_page=True)


class _Calls:
    def __init__(self, client: str) -> None:
        self._client = client

    def __getattr__(self, method: str) -> Callable[..., Call]:
        return lambda *args, **kwargs: Call(self._client, method, args, kwargs)


ADMIN = _Calls("admin")
ROUTER = _Calls("router")


def SLEEP(seconds: float) -> Call:  # noqa: N802 - reads like the other call makers
    return Call("sleep", args=(seconds,))


def wait_for_offer(worker_id: str, poll_interval: float, job_id: str) -> Generator[Any, Any, Any]:
    """Poll the worker until it holds an offer for the job (no sleeping in playback)."""
    for _ in range(200):
        worker = yield ROUTER.get_worker(worker_id)
        offers = [offer for offer in worker.offers if offer.job_id == job_id]
        if offers:
            return offers[0]
        yield SLEEP(poll_interval)
    raise AssertionError(f"no offer of {job_id} reached {worker_id}")


def delete_policies_and_queue(classification: str, queue: str, distribution: str) -> Generator[Any, Any, None]:
    """The usual clean-up, in the order the service allows (a queue before its distribution policy)."""
    yield ADMIN.delete_classification_policy(classification)
    yield ADMIN.delete_queue(queue)
    yield ADMIN.delete_distribution_policy(distribution)


async def _drive(scenario: Scenario, poll_interval: float, perform: Callable[[Call], Awaitable[Any]]) -> None:
    steps = scenario(poll_interval)
    result: Any = None
    while True:
        try:
            call = steps.send(result)
        except StopIteration:
            return
        result = await perform(call)


def run_sync(scenario: Scenario, connection_string: str, poll_interval: float) -> None:
    clients = {
        "admin": JobRouterAdministrationClient.from_connection_string(connection_string, retry_total=0),
        "router": JobRouterClient.from_connection_string(connection_string, retry_total=0),
    }

    async def perform(call: Call) -> Any:  # blocking calls: the loop only drives the scenario
        if call.client == "sleep":
            return time.sleep(call.args[0])
        result = getattr(clients[call.client], call.method)(*call.args, **call.kwargs)
        if call.by_page:
            return [list(page) for page in result.by_page()]
        return list(result) if call.method.startswith("list_") else result

    with clients["admin"], clients["router"]:
        asyncio.run(_drive(scenario, poll_interval, perform))


def run_async(scenario: Scenario, connection_string: str, poll_interval: float) -> None:
    clients = {
        "admin": jr_aio.JobRouterAdministrationClient.from_connection_string(connection_string, retry_total=0),
        "router": jr_aio.JobRouterClient.from_connection_string(connection_string, retry_total=0),
    }

    async def perform(call: Call) -> Any:
        if call.client == "sleep":
            return await asyncio.sleep(call.args[0])
        result = getattr(clients[call.client], call.method)(*call.args, **call.kwargs)
        if call.by_page:
            return [[item async for item in page] async for page in result.by_page()]
        if call.method.startswith("list_"):
            return [item async for item in result]
        return await result

    async def main() -> None:
        async with clients["admin"], clients["router"]:
            await _drive(scenario, poll_interval, perform)

    asyncio.run(main())


RUNNERS = {"sync": run_sync, "async": run_async}
