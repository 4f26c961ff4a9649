"""What the HMAC policy signs is what goes on the wire, through both azure-core transports (requests for the sync
clients, aiohttp for the async ones): every printable ASCII character and some non-ASCII ones in an id and in a
query value, and a hand-written URL through ``send_request``, checked against the request line a loopback server
received."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import List
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.rest import HttpRequest

from azure.communication.jobrouter import JobRouterClient
from azure.communication.jobrouter import aio as jr_aio

# Private: unit tests of the URL quoting that the wire format depends on.
from azure.communication.jobrouter._url import canonical_url, quote_path_segment, quote_query_value

from ._loopback import LoopbackServer, RawRequest

KEY = base64.b64encode(b"a development key of 32 bytes!!!").decode()
CHARACTERS = [chr(code) for code in range(0x20, 0x7F)] + ["é", "ü", "日本", "\u00a0", "\U0001f600"]
IDS = [f"a{char}b" for char in CHARACTERS]
HAND_WRITTEN = "/routing/workers/x:y@z(1)!*,;=$'~%3A%2b+é?api-version=2023-11-01&q=a:b/c?d%3D&r=%41%7e"


@pytest.fixture
def server():
    loopback = LoopbackServer()
    yield loopback
    loopback.close()


def _signature_problems(raw: RawRequest) -> List[str]:
    """Recompute the signature over the request line as received; the empty list when it matches."""
    body_hash = base64.b64encode(hashlib.sha256(raw.body).digest()).decode()
    text = f"{raw.method}\n{raw.target}\n{raw.headers['x-ms-date']};{raw.headers['host']};{body_hash}"
    digest = hmac.new(base64.b64decode(KEY), text.encode("utf-8"), hashlib.sha256).digest()
    if raw.headers["authorization"].endswith("&Signature=" + base64.b64encode(digest).decode()):
        return []
    return [f"{raw.method} {raw.target}: the signature does not cover the path and query sent"]


def _meaning_problems(raw: RawRequest, resource_id: str) -> List[str]:
    """The id (last path segment) and the queueId query value decode back to what the caller passed."""
    path, _, query = raw.target.partition("?")
    if "queueId=" in query:
        sent = parse_qs(query)["queueId"][0]
    else:
        sent = unquote(path.rsplit("/", 1)[1])
    return [] if sent == resource_id else [f"{raw.target}: carries {sent!r} instead of {resource_id!r}"]


def _check(server: LoopbackServer, per_id: int) -> None:
    assert len(server.requests) == per_id * len(IDS) + 1
    problems: List[str] = []
    for index, raw in enumerate(server.requests[:-1]):
        problems += _signature_problems(raw) + _meaning_problems(raw, IDS[index // per_id])
    hand_written = server.requests[-1]
    problems += _signature_problems(hand_written)
    assert hand_written.target == canonical_url(HAND_WRITTEN)
    assert not problems, "\n".join(problems)


def test_requests_transport_sends_what_was_signed(server):
    client = JobRouterClient(server.endpoint, AzureKeyCredential(KEY), retry_total=0)
    for resource_id in IDS:
        client.upsert_worker(resource_id, capacity=1)
        client.get_worker(resource_id)
        list(client.list_jobs(queue_id=resource_id))
    client.send_request(HttpRequest("GET", HAND_WRITTEN))
    _check(server, per_id=3)


async def test_aiohttp_transport_sends_what_was_signed(server):
    async with jr_aio.JobRouterClient(server.endpoint, AzureKeyCredential(KEY), retry_total=0) as client:
        for resource_id in IDS:
            await client.upsert_worker(resource_id, capacity=1)
            await client.get_worker(resource_id)
            [job async for job in client.list_jobs(queue_id=resource_id)]
        await client.send_request(HttpRequest("GET", HAND_WRITTEN))
    _check(server, per_id=3)


@pytest.mark.parametrize("text", CHARACTERS + ["%", "%4", "%zz", "%41%2f", "a b+c&d=e;f"])
def test_canonical_spelling_is_idempotent_and_keeps_the_meaning(text):
    segment, value = quote_path_segment(text), quote_query_value(text)
    url = f"https://h/routing/workers/{segment}?q={value}"
    assert canonical_url(url) == url
    assert unquote(segment) == text and parse_qs(f"q={value}")["q"] == [text]
    # A URL in any other spelling settles on the canonical one, and stays there.
    for spelling in (f"https://h/w/{text}?q={text}", f"https://h/w/{segment.lower()}?q={value.lower()}"):
        once = canonical_url(spelling)
        assert canonical_url(once) == once and urlsplit(once).netloc == "h"


def test_dot_segments_are_refused_rather_than_sent_elsewhere():
    client = JobRouterClient("https://contoso.communication.azure.com", AzureKeyCredential(KEY))
    for resource_id in (".", ".."):
        with pytest.raises(ValueError, match="cannot address worker_id"):
            client.get_worker(resource_id)
