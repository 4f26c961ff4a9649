"""Ids with every character the service accepts round-trip through the SDK and the emulator: create, get, list by,
act on (``:cancel`` after an id that holds ``:``), delete; sync and async clients, over HTTP and HTTPS."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter import aio as jr_aio
from azure.communication.jobrouter.models import LongestIdleMode, RouterJobStatus
from jobrouter_emulator import EmbeddedEmulator

from ._either import collect, settle

# One id per character of the list; "%41" must not arrive as "A", nor "%3A" as ":".
CHARACTERS = list(":@!'()*,;=+$~") + [" ", "é日本", "%", "%41", "%3A"]


@pytest.fixture(scope="module", params=["http", "https"])
def emulator(request):
    with EmbeddedEmulator(tls=request.param == "https") as running:
        yield running


async def _round_trip(admin: Any, client: Any, resource_id: str) -> None:
    policy = await settle(
        admin.upsert_distribution_policy(resource_id, offer_expires_after_seconds=60, mode=LongestIdleMode())
    )
    queue = await settle(admin.upsert_queue(resource_id, distribution_policy_id=resource_id))
    worker = await settle(client.upsert_worker(resource_id, capacity=1, queues=[resource_id]))
    job = await settle(client.upsert_job(resource_id, channel_id="voice", queue_id=resource_id))
    assert [policy.id, queue.id, worker.id, job.id] == [resource_id] * 4
    assert (await settle(admin.get_queue(resource_id))).distribution_policy_id == resource_id
    assert (await settle(client.get_worker(resource_id))).queues == [resource_id]
    assert [j.id for j in await collect(client.list_jobs(queue_id=resource_id))] == [resource_id]
    await settle(client.cancel_job(resource_id))
    assert (await settle(client.get_job(resource_id))).status == RouterJobStatus.CANCELLED
    for delete, get in (
        (client.delete_job, client.get_job),
        (client.delete_worker, client.get_worker),
        (admin.delete_queue, admin.get_queue),
        (admin.delete_distribution_policy, admin.get_distribution_policy),
    ):
        await settle(delete(resource_id))
        with pytest.raises(ResourceNotFoundError):
            await settle(get(resource_id))


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_ids_with_any_character_round_trip(emulator, flavour):
    options = {"connection_verify": str(emulator.cert_path)} if emulator.cert_path else {}
    failures = []
    if flavour == "sync":
        admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string, **options)
        client = JobRouterClient.from_connection_string(emulator.connection_string, **options)
        with admin, client:
            for char in CHARACTERS:
                try:
                    await _round_trip(admin, client, f"sync{char}id")
                except Exception as error:  # collect them all: one table of what fails
                    failures.append(f"{char!r}: {type(error).__name__}: {error}")
    else:
        async with (
            jr_aio.JobRouterAdministrationClient.from_connection_string(emulator.connection_string, **options) as admin,
            jr_aio.JobRouterClient.from_connection_string(emulator.connection_string, **options) as client,
        ):
            for char in CHARACTERS:
                try:
                    await _round_trip(admin, client, f"async{char}id")
                except Exception as error:
                    failures.append(f"{char!r}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)
