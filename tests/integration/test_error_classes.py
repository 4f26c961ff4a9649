"""The exception classes users catch, against the emulator answering as the service does: each condition of a
conditional upsert, a delete refused while a job is active, a missing resource, a wrong key; sync and async."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter import aio as jr_aio
from azure.communication.jobrouter.models import LongestIdleMode

from ._either import settle


async def _raises(expected: type, status: int, call: Any) -> None:
    with pytest.raises(HttpResponseError) as raised:
        await settle(call())
    assert type(raised.value) is expected, f"{type(raised.value).__name__} instead of {expected.__name__}"
    assert raised.value.status_code == status


async def _scenario(admin: Any, client: Any, wrong_key_client: Any, prefix: str) -> None:
    policy = f"{prefix}-dp"
    await settle(admin.upsert_distribution_policy(policy, offer_expires_after_seconds=60, mode=LongestIdleMode()))
    queue = await settle(admin.upsert_queue(f"{prefix}-q", distribution_policy_id=policy))
    missing = f"{prefix}-missing"

    await _raises(
        ResourceExistsError, 412, lambda: admin.upsert_queue(queue.id, match_condition=MatchConditions.IfMissing)
    )
    await _raises(
        ResourceNotFoundError, 412, lambda: admin.upsert_queue(missing, match_condition=MatchConditions.IfPresent)
    )
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    await _raises(HttpResponseError, 412, lambda: admin.upsert_queue(queue.id, if_unmodified_since=past))
    await settle(admin.upsert_queue(queue.id, name="changed"))  # the etag in hand is now stale
    stale = {"etag": queue.etag, "match_condition": MatchConditions.IfNotModified}
    await _raises(ResourceModifiedError, 412, lambda: admin.upsert_queue(queue.id, name="x", **stale))
    current = await settle(admin.get_queue(queue.id))
    unchanged = {"etag": current.etag, "match_condition": MatchConditions.IfModified}
    await _raises(HttpResponseError, 412, lambda: admin.upsert_queue(queue.id, name="x", **unchanged))
    # The conditions that hold go through.
    assert (
        await settle(
            admin.upsert_queue(missing, distribution_policy_id=policy, match_condition=MatchConditions.IfMissing)
        )
    ).id == missing
    assert (await settle(admin.upsert_queue(missing, name="n", match_condition=MatchConditions.IfPresent))).name == "n"

    job = await settle(client.upsert_job(f"{prefix}-job", channel_id="voice", queue_id=queue.id))
    await _raises(ResourceExistsError, 409, lambda: client.delete_job(job.id))
    await _raises(ResourceExistsError, 409, lambda: admin.delete_queue(queue.id))  # it holds an active job
    await _raises(ResourceNotFoundError, 404, lambda: client.get_job(missing))
    await _raises(HttpResponseError, 400, lambda: client.upsert_job(f"{prefix}-bad", {"priority": "high"}))
    await _raises(ClientAuthenticationError, 401, lambda: wrong_key_client.get_job(job.id))
    await settle(client.cancel_job(job.id))
    await settle(client.delete_job(job.id))


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_error_classes_against_the_emulator(jobrouter_emulator, flavour):
    connection_string = jobrouter_emulator.connection_string
    wrong_key = AzureKeyCredential(base64.b64encode(b"not the emulator's key").decode())
    prefix = f"errors-{flavour}"
    if flavour == "sync":
        with (
            JobRouterAdministrationClient.from_connection_string(connection_string) as admin,
            JobRouterClient.from_connection_string(connection_string) as client,
            JobRouterClient(jobrouter_emulator.endpoint, wrong_key, retry_total=0) as wrong_key_client,
        ):
            await _scenario(admin, client, wrong_key_client, prefix)
    else:
        async with (
            jr_aio.JobRouterAdministrationClient.from_connection_string(connection_string) as admin,
            jr_aio.JobRouterClient.from_connection_string(connection_string) as client,
            jr_aio.JobRouterClient(jobrouter_emulator.endpoint, wrong_key, retry_total=0) as wrong_key_client,
        ):
            await _scenario(admin, client, wrong_key_client, prefix)
