"""``send_request`` sends a copy: the caller's request keeps its URL, headers and body (as with 1.0.0), and can be
sent again."""

from __future__ import annotations

import base64

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.rest import HttpRequest

from azure.communication.jobrouter import JobRouterClient
from azure.communication.jobrouter import aio as jr_aio

from ._transport import AsyncFakeTransport, FakeTransport

KEY = base64.b64encode(b"a development key of 32 bytes!!!").decode()
ENDPOINT = "https://contoso.communication.azure.com"
URL = "/routing/workers/w?api-version=2023-11-01"


def _callers_request() -> HttpRequest:
    return HttpRequest("PATCH", URL, headers={"X-Mine": "1"}, json={"capacity": 1})


def _assert_untouched(request: HttpRequest, headers_before: dict, sent) -> None:
    assert request.url == URL
    assert dict(request.headers) == headers_before and "X-Mine" in headers_before
    assert request.content == '{"capacity": 1}'
    assert sent is not request
    assert sent.url == ENDPOINT + URL and sent.headers["X-Mine"] == "1"
    assert {"Authorization", "x-ms-date", "x-ms-content-sha256", "x-ms-client-request-id", "User-Agent"} <= set(
        sent.headers
    )


def test_sync_send_request_leaves_the_callers_request_as_it_was():
    transport = FakeTransport((200, {"id": "w"}), (200, {"id": "w"}))
    client = JobRouterClient(ENDPOINT, AzureKeyCredential(KEY), transport=transport)
    request = _callers_request()
    before = dict(request.headers)
    response = client.send_request(request)
    assert response.request is transport.requests[0]
    _assert_untouched(request, before, transport.requests[0])
    client.send_request(request)  # again: a second copy, signed afresh
    _assert_untouched(request, before, transport.requests[1])
    assert transport.requests[0] is not transport.requests[1]


async def test_async_send_request_leaves_the_callers_request_as_it_was():
    transport = AsyncFakeTransport((200, {"id": "w"}))
    async with jr_aio.JobRouterClient(ENDPOINT, AzureKeyCredential(KEY), transport=transport) as client:
        request = _callers_request()
        before = dict(request.headers)
        response = await client.send_request(request)
    assert response.request is transport.requests[0]
    _assert_untouched(request, before, transport.requests[0])


def test_a_body_that_cannot_be_deep_copied_still_leaves_the_headers_alone(tmp_path):
    transport = FakeTransport((200, {"id": "w"}))
    client = JobRouterClient(ENDPOINT, AzureKeyCredential(KEY), transport=transport)
    path = tmp_path / "body.json"
    path.write_bytes(b"{}")
    with path.open("rb") as body:
        request = HttpRequest("PATCH", URL, headers={"X-Mine": "1"}, content=body)
        with pytest.raises(ValueError, match="needs the request body as bytes"):  # HMAC signs bytes only
            client.send_request(request)
    assert request.url == URL and "Authorization" not in request.headers and "User-Agent" not in request.headers
