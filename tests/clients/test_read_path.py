"""The read path: each response body parsed once (the parse the pipeline's ContentDecodePolicy leaves in the context
is the one the models wrap), page items built as the caller reaches them, one page held at a time."""

from __future__ import annotations

import base64
import gc
import weakref
from typing import Any, List

import pytest
from azure.core.pipeline.policies import SansIOHTTPPolicy

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient, _json, _operation
from azure.communication.jobrouter import aio as jr_aio
from azure.communication.jobrouter import models as m

from ._transport import AsyncFakeTransport, FakeTransport

KEY = base64.b64encode(b"a development key of 32 bytes!!!").decode()
CONN = f"endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"
PAGES = [
    (200, {"value": [{"id": "1"}, {"id": "2"}, {"id": "3"}], "nextLink": "/routing/jobs?continuationToken=2"}),
    (200, {"value": [{"id": "4"}, {"id": "5"}]}),
]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    """Every body the SDK's parser reads (the pipeline's policy and the SDK share it)."""
    seen: List[Any] = []
    real = _json.loads

    def counting(text: Any) -> Any:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(_json, "loads", counting)
    return seen


def test_get_parses_the_body_once(parses):
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport((200, {"id": "j1", "priority": 2})))
    job = client.get_job("j1")
    assert (job.id, job.priority) == ("j1", 2)
    assert len(parses) == 1


def test_a_listing_parses_each_page_once(parses):
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport(*PAGES))
    assert [job.id for job in client.list_jobs()] == ["1", "2", "3", "4", "5"]
    assert len(parses) == 2


async def test_async_calls_parse_each_body_once(parses):
    transport = AsyncFakeTransport((200, {"id": "j1"}), *PAGES)
    async with jr_aio.JobRouterClient.from_connection_string(CONN, transport=transport) as client:
        assert (await client.get_job("j1")).id == "j1"
        assert [job.id async for job in client.list_jobs()] == ["1", "2", "3", "4", "5"]
    assert len(parses) == 3


def test_a_policy_sees_the_parse_the_model_wraps_and_cannot_swap_it():
    seen = []

    class SwapsTheBody(SansIOHTTPPolicy):
        def on_response(self, request, response):
            seen.append(response.context["deserialized_data"])
            response.context["deserialized_data"] = {"id": "swapped"}

    transport = FakeTransport((200, {"id": "q", "name": "sales"}))
    client = JobRouterAdministrationClient.from_connection_string(
        CONN, transport=transport, per_call_policies=[SwapsTheBody()]
    )
    queue = client.get_queue("q")
    assert seen == [{"id": "q", "name": "sales"}]
    assert (queue.id, queue.name) == ("q", "sales")  # as 1.0.0, which parses the body again


def test_a_body_the_policy_leaves_to_azure_core_is_parsed_by_the_sdk(parses):
    # A charset other than UTF-8 goes to azure-core's own decoding, which keeps no parse for the SDK.
    latin = {"Content-Type": "application/json; charset=latin-1"}
    transport = FakeTransport((200, {"id": "j1", "name": "caf\u00e9"}, latin))
    client = JobRouterClient.from_connection_string(CONN, transport=transport)
    assert client.get_job("j1").id == "j1"
    assert len(parses) == 1  # the SDK's own parse: azure-core's policy parsed with json.loads


def test_page_items_become_models_as_they_are_reached(monkeypatch):
    built: List[Any] = []
    real = _operation.reader

    def counting_reader(model_type: Any) -> Any:
        read = real(model_type)

        def counted(data: Any) -> Any:
            built.append(data["id"])
            return read(data)

        return counted

    monkeypatch.setattr(_operation, "reader", counting_reader)
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport(*PAGES))
    items = iter(client.list_jobs())
    first = next(items)
    assert isinstance(first, m.RouterJob) and first.id == "1"
    assert built == ["1"]
    assert [job.id for job in items] == ["2", "3", "4", "5"]
    assert built == ["1", "2", "3", "4", "5"]


def test_a_listing_lets_go_of_a_page_once_it_moves_on():
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport(*PAGES))
    items = iter(client.list_jobs())
    first_page = [weakref.ref(next(items)) for _ in range(3)]
    fourth = next(items)  # the second page
    gc.collect()
    assert fourth.id == "4"
    assert [ref() for ref in first_page] == [None, None, None]


def test_a_page_that_is_not_an_object_is_refused_clearly():
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport((200, [{"id": "1"}])))
    with pytest.raises(ValueError, match="list_jobs: a page is a JSON object with 'value', not list"):
        list(client.list_jobs())


def test_an_empty_page_body_is_an_empty_page():
    client = JobRouterClient.from_connection_string(CONN, transport=FakeTransport((200, None)))
    assert list(client.list_jobs()) == []
