"""The clients' shared base (``_client_base.py``): preparing a call has no side effect, and the sync and async
clients send the same request for the same call."""

from __future__ import annotations

from azure.core import MatchConditions

from azure.communication.jobrouter import JobRouterClient
from azure.communication.jobrouter import aio as jr_aio

# Private: the operation table and the base's preparation step are what this test checks, below the public methods.
from azure.communication.jobrouter._generated.operations import OPERATIONS

CONNECTION_STRING = "endpoint=https://example.communication.azure.com/;accesskey=cGxheWJhY2sta2V5LW5vdC1hLXNlY3JldA=="


def test_prepare_leaves_the_callers_arguments_and_keywords_as_they_were():
    client = JobRouterClient.from_connection_string(CONNECTION_STRING)
    arguments = {"job_id": "j1", "args": ()}
    kwargs = {
        "etag": "abc",
        "match_condition": MatchConditions.IfNotModified,
        "retry_total": 0,
        "priority": 3,
        "channel_id": "voice",
    }
    before = (dict(arguments), dict(kwargs))

    call = client._prepare(OPERATIONS["upsert_job"], arguments, kwargs)

    assert (arguments, kwargs) == before
    assert call.match_condition is MatchConditions.IfNotModified
    assert call.options == {"retry_total": 0}  # what is left for the pipeline
    assert call.request.headers["If-Match"] == '"abc"'
    assert call.request.url.startswith("https://example.communication.azure.com/routing/jobs/j1?api-version=")
    assert b'"priority":3' in call.request.content and b'"channelId":"voice"' in call.request.content


def test_sync_and_async_clients_prepare_the_same_request():
    sync = JobRouterClient.from_connection_string(CONNECTION_STRING)
    asynchronous = jr_aio.JobRouterClient.from_connection_string(CONNECTION_STRING)
    operation = OPERATIONS["list_jobs"]
    arguments = {"status": "queued", "queue_id": "q"}
    one, other = (c._prepare(operation, arguments, {"results_per_page": 5}) for c in (sync, asynchronous))
    assert (one.request.method, one.request.url, dict(one.request.headers)) == (
        other.request.method,
        other.request.url,
        dict(other.request.headers),
    )
