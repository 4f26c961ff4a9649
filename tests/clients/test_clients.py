"""The clients against an in-memory transport: requests as 1.0.0 sends them, typed results, paging, errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.core import MatchConditions
from azure.core.credentials import AccessToken, AzureKeyCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.core.pipeline.policies import SansIOHTTPPolicy

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter import aio as jr_aio
from azure.communication.jobrouter import models as m

# Private: the operation table, so every operation is called without listing them again.
from azure.communication.jobrouter._generated.operations import OPERATIONS
from tests.reference_data import OPERATIONS as OPERATIONS_REFERENCE

from ._transport import AsyncFakeTransport, FakeTransport

KEY = base64.b64encode(b"a development key of 32 bytes!!!").decode()
CONN = f"endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"


def _client(cls, *responses):
    transport = FakeTransport(*responses)
    return cls.from_connection_string(CONN, transport=transport, retry_total=0), transport


def test_hmac_signature_matches_an_independent_computation():
    client, transport = _client(JobRouterClient, (200, {"id": "j"}))
    client.get_job("job 1")
    request = transport.requests[0]
    url = urlsplit(request.url)
    assert url.path == "/routing/jobs/job%201"
    body_hash = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    assert request.headers["x-ms-content-sha256"] == body_hash
    signed = f"GET\n{url.path}?{url.query}\n{request.headers['x-ms-date']};{url.netloc};{body_hash}"
    expected = base64.b64encode(hmac.new(base64.b64decode(KEY), signed.encode(), hashlib.sha256).digest()).decode()
    assert request.headers["Authorization"] == (
        f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={expected}"
    )


@pytest.mark.parametrize(
    ("conn_str", "message"),
    [
        ("", "empty"),
        ("endpoint=https://x/", "no accesskey"),
        (f"accesskey={KEY}", "no endpoint"),
        ("endpoint=https://x/;accesskey=not base64!", "not valid base64"),
        (f"endpoint=ftp://x/;accesskey={KEY}", "not an http"),
        ("garbage", "not 'name=value'"),
    ],
)
def test_bad_connection_strings_say_what_is_wrong(conn_str, message):
    with pytest.raises(ValueError, match=message):
        JobRouterClient.from_connection_string(conn_str)


def test_upsert_accepts_model_mapping_bytes_stream_and_keywords():
    bodies = []
    for resource_args, resource_kwargs in [
        ((m.RouterQueue(name="q", distribution_policy_id="dp"),), {}),
        (({"name": "q", "distributionPolicyId": "dp"},), {}),
        ((b'{"name":"q","distributionPolicyId":"dp"}',), {}),
        ((io.BytesIO(b'{"name":"q","distributionPolicyId":"dp"}'),), {}),
        ((), {"name": "q", "distribution_policy_id": "dp"}),
    ]:
        client, transport = _client(JobRouterAdministrationClient, (201, {"id": "q1", "name": "q"}))
        queue = client.upsert_queue("q1", *resource_args, **resource_kwargs)
        assert isinstance(queue, m.RouterQueue) and queue.id == "q1"
        request = transport.requests[0]
        assert request.method == "PATCH"
        assert request.headers["Content-Type"] == "application/merge-patch+json"
        bodies.append(json.loads(request.body))
    assert all(body == {"name": "q", "distributionPolicyId": "dp"} for body in bodies)


def test_upsert_leaves_read_only_fields_out_and_rejects_mixed_input():
    client, transport = _client(JobRouterClient, (200, {"id": "w"}))
    worker = m.RouterWorker({"id": "w", "etag": "e", "state": "active", "capacity": 3, "loadRatio": 0})
    client.upsert_worker("w", worker)
    assert json.loads(transport.requests[0].body) == {"capacity": 3}
    with pytest.raises(TypeError, match="both a resource and the keyword"):
        client.upsert_worker("w", worker, capacity=4)
    with pytest.raises(ValueError, match="worker_id as a non-empty string"):
        client.upsert_worker("", capacity=4)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"etag": '"1"', "match_condition": MatchConditions.IfNotModified}, {"If-Match": '"1"'}),
        ({"etag": '"1"', "match_condition": MatchConditions.IfModified}, {"If-None-Match": '"1"'}),
        ({"match_condition": MatchConditions.IfMissing}, {"If-None-Match": "*"}),
        ({"match_condition": MatchConditions.IfPresent}, {"If-Match": "*"}),
        # As 1.0.0 sends them: an unquoted etag is quoted, a weak one kept; an etag alone is no condition.
        ({"etag": "1", "match_condition": MatchConditions.IfNotModified}, {"If-Match": '"1"'}),
        ({"etag": 'W/"1"', "match_condition": MatchConditions.IfModified}, {"If-None-Match": 'W/"1"'}),
        ({"etag": '"1"'}, {}),
        # 1.0.0 sends IfNotModified/IfModified without an etag unconditionally (a warning is logged, see below).
        ({"match_condition": MatchConditions.IfNotModified}, {}),
        ({"match_condition": MatchConditions.IfModified}, {}),
        ({"etag": '"1"', "match_condition": MatchConditions.Unconditionally}, {}),
        (
            {"if_unmodified_since": datetime(2023, 11, 3, 21, 26, 55, tzinfo=timezone.utc)},
            {"If-Unmodified-Since": "Fri, 03 Nov 2023 21:26:55 GMT"},
        ),
    ],
)
def test_conditional_headers(kwargs, expected):
    client, transport = _client(JobRouterAdministrationClient, (200, {"id": "dp"}))
    client.upsert_distribution_policy("dp", m.DistributionPolicy(name="x"), **kwargs)
    headers = transport.requests[0].headers
    for name, value in expected.items():
        assert headers[name] == value
    for name in {"If-Match", "If-None-Match", "If-Unmodified-Since"} - set(expected):
        assert name not in headers


def test_a_match_condition_without_its_etag_is_sent_unconditionally_with_a_warning(caplog):
    client, transport = _client(JobRouterAdministrationClient, (200, {"id": "dp"}))
    with caplog.at_level("WARNING", logger="azure.communication.jobrouter"):
        client.upsert_distribution_policy("dp", name="x", match_condition=MatchConditions.IfNotModified)
    assert "If-Match" not in transport.requests[0].headers
    assert any("without an etag" in record.getMessage() for record in caplog.records)


def test_actions_send_their_options_and_return_typed_results():
    client, transport = _client(
        JobRouterClient,
        (200, {}),
        (200, {}),
        (200, {"assignmentId": "a", "jobId": "j", "workerId": "w"}),
        (200, {"jobId": "j", "unassignmentCount": 1}),
        (200, {}),
        (200, {}),
        (200, {}),
    )
    assert client.cancel_job("j", note="n", disposition_code="c") is None
    assert client.complete_job("j", "a", m.CompleteJobOptions(note="done")) is None
    accepted = client.accept_job_offer("w", "o")
    assert isinstance(accepted, m.AcceptJobOfferResult) and accepted.assignment_id == "a"
    unassigned = client.unassign_job("j", "a", suspend_matching=True)
    assert unassigned.unassignment_count == 1
    client.close_job("j", "a", close_at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    client.decline_job_offer("w", "o", {"retryOfferAt": "2030-01-01T00:00:00Z"})
    client.reclassify_job("j")
    sent = [(r.method, urlsplit(r.url).path, json.loads(r.body) if r.body else None) for r in transport.requests]
    assert sent == [
        ("POST", "/routing/jobs/j:cancel", {"note": "n", "dispositionCode": "c"}),
        ("POST", "/routing/jobs/j/assignments/a:complete", {"note": "done"}),
        ("POST", "/routing/workers/w/offers/o:accept", None),
        ("POST", "/routing/jobs/j/assignments/a:unassign", {"suspendMatching": True}),
        ("POST", "/routing/jobs/j/assignments/a:close", {"closeAt": "2030-01-01T00:00:00Z"}),
        ("POST", "/routing/workers/w/offers/o:decline", {"retryOfferAt": "2030-01-01T00:00:00Z"}),
        ("POST", "/routing/jobs/j:reclassify", {}),
    ]


def test_list_follows_next_link_and_sends_filters():
    client, transport = _client(
        JobRouterClient,
        (200, {"value": [{"id": "1"}, {"id": "2"}], "nextLink": "/routing/jobs?continuationToken=abc&maxpagesize=2"}),
        (200, {"value": [{"id": "3"}]}),
    )
    pages = list(
        client.list_jobs(
            status="queued",
            queue_id="q",
            scheduled_before=datetime(2030, 1, 1, tzinfo=timezone.utc),
            results_per_page=2,
        ).by_page()
    )
    assert [[job.id for job in page] for page in pages] == [["1", "2"], ["3"]]
    first, second = (parse_qs(urlsplit(r.url).query) for r in transport.requests)
    assert first == {
        "api-version": ["2023-11-01"],
        "maxpagesize": ["2"],
        "status": ["queued"],
        "queueId": ["q"],
        "scheduledBefore": ["2030-01-01T00:00:00Z"],
    }
    assert second == {"continuationToken": ["abc"], "maxpagesize": ["2"], "api-version": ["2023-11-01"]}


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (401, ClientAuthenticationError),
        (404, ResourceNotFoundError),
        (409, ResourceExistsError),
        (400, HttpResponseError),
        (500, HttpResponseError),
    ],
)
def test_errors_map_to_azure_core_with_the_service_code(status, error_type):
    # Body shape from tests/data/service-recordings (decline of an accepted offer).
    body = {
        "communicationError": {
            "code": "NotFound",
            "message": "DeclineOfferCommandHandler: Offer not found.",
            "target": "/routing/workers/w/offers/o:decline",
        }
    }
    client, _ = _client(JobRouterClient, (status, body))
    with pytest.raises(error_type) as raised:
        client.decline_job_offer("w", "o")
    assert raised.value.error_code == "NotFound"
    assert "Offer not found" in str(raised.value)
    assert raised.value.status_code == status


def test_bearer_token_credential_and_scope():
    scopes = []

    class Credential:
        def get_token(self, *requested, **kwargs):
            scopes.extend(requested)
            return AccessToken("token-123", 4102444800)

    transport = FakeTransport((200, {"id": "q"}))
    client = JobRouterAdministrationClient("https://contoso.communication.azure.com", Credential(), transport=transport)
    client.get_queue("q")
    assert transport.requests[0].headers["Authorization"] == "Bearer token-123"
    assert scopes == ["https://communication.azure.com//.default"]


def test_http_endpoint_is_kept_for_the_emulator():
    transport = FakeTransport((200, {"id": "q"}))
    client = JobRouterAdministrationClient("http://127.0.0.1:8089/", AzureKeyCredential(KEY), transport=transport)
    client.get_queue("q")
    assert transport.requests[0].url.startswith("http://127.0.0.1:8089/routing/queues/q?")


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        ("https://contoso.communication.azure.com", "https://contoso.communication.azure.com/routing/queues/q?"),
        ("https://proxy.example/jobrouter/", "https://proxy.example/jobrouter/routing/queues/q?"),
        ("https://proxy.example/jobrouter?tenant=7", "https://proxy.example/jobrouter/routing/queues/q?"),
    ],
)
def test_operation_urls_are_the_endpoint_then_the_path(endpoint, expected):
    # Operation URLs are joined to the endpoint directly (cheaper than azure-core's format_url), except when the
    # endpoint has a query, which format_url merges; both sync and async, for a call and for a list's first page.
    transport = FakeTransport((200, {"id": "q"}), (200, {"value": []}))
    client = JobRouterAdministrationClient(endpoint, AzureKeyCredential(KEY), transport=transport)
    client.get_queue("q")
    list(client.list_queues())
    assert transport.requests[0].url.startswith(expected)
    assert transport.requests[1].url.startswith(expected.replace("/q?", "?"))
    if "tenant" in endpoint:
        assert "tenant=7" in transport.requests[0].url and "api-version=2023-11-01" in transport.requests[0].url


async def test_async_operation_urls_are_the_endpoint_then_the_path():
    transport = AsyncFakeTransport((200, {"id": "q"}))
    client = jr_aio.JobRouterAdministrationClient(
        "https://proxy.example/jobrouter/", AzureKeyCredential(KEY), transport=transport
    )
    await client.get_queue("q")
    assert transport.requests[0].url.startswith("https://proxy.example/jobrouter/routing/queues/q?")


def test_a_per_call_policy_reads_the_parsed_body_as_with_1_0_0():
    # 1.0.0's pipeline has azure-core's ContentDecodePolicy: a per-call policy finds each response parsed into
    # response.context["deserialized_data"] (checked against 1.0.0 with this transport).
    seen = []

    class ReadsTheBody(SansIOHTTPPolicy):
        def on_response(self, request, response):
            seen.append(response.context.get("deserialized_data"))

    transport = FakeTransport((200, {"id": "q", "name": "sales"}))
    client = JobRouterAdministrationClient.from_connection_string(
        CONN, transport=transport, per_call_policies=[ReadsTheBody()]
    )
    client.get_queue("q")
    assert seen == [{"id": "q", "name": "sales"}]


def test_bad_credential_and_endpoint():
    with pytest.raises(TypeError, match="Unsupported credential"):
        JobRouterClient("https://x", object())
    with pytest.raises(ValueError, match="http"):
        JobRouterClient("contoso", AzureKeyCredential(KEY))


def test_operation_table_matches_what_1_0_0_sends():
    reference = json.loads(OPERATIONS_REFERENCE.read_text())["operations"]
    assert {op["operation"] for op in reference} == set(OPERATIONS)
    for op in reference:
        ours = OPERATIONS[op["operation"]]
        assert (ours.method, ours.path, ours.client) == (op["method"], op["path"], op["client"]), op["operation"]
        reference_query = {q["name"] for q in op["query"]} - {"api-version"}
        assert reference_query <= {q[1] for q in ours.query}, op["operation"]


async def test_async_client_same_methods_and_paging():
    transport = AsyncFakeTransport(
        (200, {"value": [{"id": "1"}], "nextLink": "https://contoso.communication.azure.com/routing/queues?t=2"}),
        (200, {"value": [{"id": "2"}]}),
        (200, {"id": "j", "status": "queued"}),
    )
    async with jr_aio.JobRouterAdministrationClient.from_connection_string(CONN, transport=transport) as admin:
        assert [q.id async for q in admin.list_queues()] == ["1", "2"]
    async with jr_aio.JobRouterClient.from_connection_string(CONN, transport=transport) as client:
        job = await client.get_job("j")
    assert job.status == m.RouterJobStatus.QUEUED
    assert "Authorization" in transport.requests[2].headers


@pytest.mark.parametrize(
    ("endpoint", "call"),
    [
        ("https://contoso.communication.azure.com", lambda c: c.upsert_worker("w", labels={"name": "Zoë 日本"})),
        ("http://127.0.0.1:8089", lambda c: list(c.list_jobs(status="queued", queue_id="a b&c", results_per_page=5))),
        ("https://contoso.communication.azure.com:8443/", lambda c: c.delete_job("job/1")),
    ],
    ids=["non-ascii body", "query string and port", "encoded path and port"],
)
def test_hmac_vectors(endpoint, call):
    transport = FakeTransport((204 if "8443" in endpoint else 200, {"id": "w", "value": []}))
    client = JobRouterClient(endpoint, AzureKeyCredential(KEY), transport=transport, retry_total=0)
    call(client)
    request = transport.requests[0]
    url = urlsplit(request.url)
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode("utf-8")
    body_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    path_and_query = url.path + (f"?{url.query}" if url.query else "")
    signed = f"{request.method}\n{path_and_query}\n{request.headers['x-ms-date']};{url.netloc};{body_hash}"
    signature = base64.b64encode(hmac.new(base64.b64decode(KEY), signed.encode(), hashlib.sha256).digest()).decode()
    assert request.headers["x-ms-content-sha256"] == body_hash
    assert request.headers["Authorization"].endswith(f"&Signature={signature}")
    if request.method == "PATCH":
        assert "Zoë 日本".encode() in body  # sent as UTF-8, and the signature covers those bytes
