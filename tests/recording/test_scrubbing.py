"""What the recorded_router's scrubber keeps out of a cassette, and what makes it stop a recording."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
from vcr.request import Request

from jobrouter_emulator.recording import (
    PLAYBACK_ENDPOINT,
    REDACTED,
    Scrubber,
    SecretInRecording,
    decode_value,
    encode_value,
    json_body_matcher,
)

KEY = "c2VjcmV0LWtleS1mb3ItdGVzdHM="
SCRUBBER = Scrubber(access_key=KEY, endpoint="https://127.0.0.1:53127")
SIGNED = {
    "Authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=abc=",
    "x-ms-date": "Sun, 06 Dec 2026 08:00:00 GMT",
    "x-ms-content-sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "x-ms-client-request-id": "5f0c",
    "User-Agent": "azsdk-python-communication-jobrouter/1.1.0b1",
    "Content-Type": "application/json",
}


def request(body=None, uri="https://127.0.0.1:53127/routing/jobs/j1?api-version=2023-11-01", **headers):
    return Request("PATCH", uri, json.dumps(body) if body is not None else None, {**SIGNED, **headers})


def test_signing_headers_go_and_the_endpoint_becomes_the_placeholder():
    scrubbed = SCRUBBER.scrub_request(request({"priority": 1}))
    assert dict(scrubbed.headers) == {"Content-Type": "application/json"}
    assert scrubbed.uri == PLAYBACK_ENDPOINT + "/routing/jobs/j1?api-version=2023-11-01"


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:8089", "https://localhost:9443", "https://x.communication.azure.com"]
)
def test_any_origin_gives_the_same_uri(origin):
    scrubbed = Scrubber().scrub_request(request(uri=f"{origin}/routing/queues/q?api-version=2023-11-01"))
    assert scrubbed.uri == PLAYBACK_ENDPOINT + "/routing/queues/q?api-version=2023-11-01"


def test_rule_secrets_are_masked_in_requests_and_responses():
    policy = {
        "prioritizationRule": {
            "kind": "function",
            "functionUri": "https://f.example/api/prio",
            "credential": {"functionKey": "fk-123", "appKey": "ak-456", "clientId": "c"},
        },
        "queueSelectorAttachments": [
            {"kind": "static", "rule": {"kind": "webhook", "clientCredential": {"clientId": "i", "clientSecret": "s"}}}
        ],
    }
    scrubbed = json.loads(SCRUBBER.scrub_request(request(policy)).body)
    credential = scrubbed["prioritizationRule"]["credential"]
    assert credential == {"functionKey": REDACTED, "appKey": REDACTED, "clientId": "c"}
    assert scrubbed["queueSelectorAttachments"][0]["rule"]["clientCredential"]["clientSecret"] == REDACTED
    response = {"status": {"code": 200}, "headers": {}, "body": {"string": json.dumps(policy).encode()}}
    assert b"fk-123" not in SCRUBBER.scrub_response(response)["body"]["string"]


def test_credentials_inside_strings_are_masked_wherever_a_body_holds_them():
    storage = "DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=c2VjcmV0;QueueEndpoint=http://h/dev;"
    sas = "QueueEndpoint=https://a.queue.core.windows.net;SharedAccessSignature=sv=2024&sig=abc%2Bdef"
    body = {
        "connectionString": storage,
        "other": sas,
        "rule": {"kind": "function", "functionUri": "https://fn.example/api/prio?code=fn-key-123&x=1"},
    }
    scrubbed = SCRUBBER.scrub_request(request(body)).body
    scrubbed = scrubbed.decode() if isinstance(scrubbed, bytes) else scrubbed
    for secret in ("c2VjcmV0", "abc%2Bdef", "fn-key-123"):
        assert secret not in scrubbed
    document = json.loads(scrubbed)
    assert document["connectionString"].startswith("DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=REDACTED;")
    assert document["rule"]["functionUri"] == "https://fn.example/api/prio?code=REDACTED&x=1"
    response = {"status": {"code": 200}, "headers": {}, "body": {"string": json.dumps(body).encode()}}
    assert b"fn-key-123" not in SCRUBBER.scrub_response(response)["body"]["string"]


def test_the_access_key_and_the_endpoint_are_replaced_wherever_they_appear():
    body = {"labels": {"copy": KEY}, "callback": "https://127.0.0.1:53127/x"}
    scrubbed = SCRUBBER.scrub_request(request(body, uri=f"https://127.0.0.1:53127/a?k={KEY}"))
    body_text = scrubbed.body.decode()
    assert KEY not in body_text and "127.0.0.1" not in body_text and KEY not in scrubbed.uri
    location = {"Location": ["https://127.0.0.1:53127/routing/jobs/j"]}
    response = {"status": {"code": 200}, "headers": location, "body": {}}
    assert SCRUBBER.scrub_response(response)["headers"]["Location"] == [PLAYBACK_ENDPOINT + "/routing/jobs/j"]


def test_words_that_only_look_like_a_token_pass():
    scrubbed = SCRUBBER.scrub_request(request({"labels": {"note": "the bearer of bad news"}}))
    assert b"bearer of bad news" in scrubbed.body


def test_response_headers_that_change_every_run_go():
    headers = {"Date": ["x"], "Server": ["uvicorn"], "MS-CV": ["y"], "ETag": ['"1"'], "Content-Type": ["a/b"]}
    scrubbed = SCRUBBER.scrub_response({"status": {"code": 200}, "headers": headers, "body": {"string": b""}})
    assert set(scrubbed["headers"]) == {"ETag", "Content-Type"}


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ({"headers": {"x-trace-token": "Bearer abcdefgh"}}, "request header 'x-trace-token' holds a bearer token"),
        ({"body": {"labels": {"note": "Signature=abc"}}}, "request body field 'labels.note' holds an HMAC signature"),
        ({"uri": "https://h/routing/jobs?api-version=1&cs=endpoint%3Dx%3Baccesskey%3Dother"}, "query parameter 'cs'"),
        ({"body": {"tags": {"t": "eyJhbGciOi.eyJzdWIiOi.sig"}}}, "'tags.t' holds a JSON Web Token"),
    ],
)
def test_a_secret_left_after_scrubbing_stops_the_recording_naming_where(kind, where):
    made = request(kind.get("body"), **({"uri": kind["uri"]} if "uri" in kind else {}), **kind.get("headers", {}))
    with pytest.raises(SecretInRecording, match=where.replace("(", r"\(").replace(")", r"\)")):
        SCRUBBER.scrub_request(made)


def test_a_secret_in_a_response_stops_the_recording_too():
    response = {"status": {"code": 200}, "headers": {"X-Echo": ["Bearer abcdefghij"]}, "body": {}}
    with pytest.raises(SecretInRecording, match="response header 'X-Echo'"):
        SCRUBBER.scrub_response(response)


def test_bodies_match_as_json():
    first = Request("POST", "https://h/a", '{"a": 1, "b": [1, 2]}', {})
    json_body_matcher(first, Request("POST", "https://h/a", b'{"b":[1,2],"a":1}', {}))
    with pytest.raises(AssertionError):
        json_body_matcher(first, Request("POST", "https://h/a", b'{"a":2,"b":[1,2]}', {}))
    with pytest.raises(AssertionError):
        json_body_matcher(Request("POST", "https://h/a", b"x", {}), Request("POST", "https://h/a", b"y", {}))


def test_values_keep_their_types():
    value = {
        "when": datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc),
        "id": uuid.UUID(int=7),
        "picks": [1, 2.5, "three", None, True],
    }
    assert decode_value(encode_value("v", value)) == value


def test_a_value_that_cannot_be_stored_is_refused_by_name():
    with pytest.raises(TypeError, match="recorded value 'worker' is a object"):
        encode_value("worker", object())
