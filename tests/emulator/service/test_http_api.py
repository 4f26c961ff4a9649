"""The emulator's HTTP layer: signatures, status codes, headers, paging, error bodies, durability and the CLI."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from starlette.testclient import TestClient

from jobrouter_emulator import HmacAuth
from jobrouter_emulator.api import create_app
from jobrouter_emulator.auth import DEFAULT_ACCESS_KEY
from jobrouter_emulator.engine.router import Router
from jobrouter_emulator.sdk import authorization_header, compute_signature, content_hash, string_to_sign
from jobrouter_emulator.store import SQLiteStore

HOST = "emulator.test"


def _signed(method: str, url: str, body: bytes = b"", *, key: str = DEFAULT_ACCESS_KEY, date=None, headers=None):
    date_text = format_datetime(date or datetime.now(timezone.utc), usegmt=True)
    path = url
    body_hash = content_hash(body)
    signature = compute_signature(key, string_to_sign(method, path, date_text, HOST, body_hash))
    return {
        "x-ms-date": date_text,
        "x-ms-content-sha256": body_hash,
        "Authorization": authorization_header(signature),
        "Content-Type": "application/merge-patch+json",
        **(headers or {}),
    }


class Api:
    """Signed requests to the ASGI app in-process; the router's timers are fired by hand (``settle``)."""

    def __init__(self, router: Router, **app_options) -> None:
        self.router = router
        self.client = TestClient(create_app(router, **app_options), base_url=f"http://{HOST}")

    def settle(self) -> None:
        self.router.run_pending()

    def call(self, method: str, path: str, body=None, *, api_version: str = "2023-11-01", **options):
        """``body``: JSON, or ``bytes`` sent as they are."""
        url = path + (("&" if "?" in path else "?") + f"api-version={api_version}" if api_version else "")
        content = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        headers = _signed(method, url, content, **options)
        return self.client.request(method, url, content=content, headers=headers)


@pytest.fixture
def api(make_router):
    return Api(make_router(clock=None))


def test_upsert_get_delete_statuses_and_headers(api):
    created = api.call("PATCH", "/routing/distributionPolicies/dp", {"mode": {"kind": "longest-idle"}})
    assert created.status_code == 201
    assert created.headers["ETag"] and created.headers["Last-Modified"].endswith("GMT")
    # Source: service-recordings (test_distribution_policy): defaults added, kind spelling echoed.
    assert created.json()["mode"] == {
        "kind": "longest-idle",
        "minConcurrentOffers": 1,
        "maxConcurrentOffers": 1,
        "bypassSelectors": False,
    }
    updated = api.call("PATCH", "/routing/distributionPolicies/dp", {"name": "renamed"})
    assert updated.status_code == 200 and updated.json()["name"] == "renamed"
    assert updated.headers["ETag"] != created.headers["ETag"]
    assert api.call("GET", "/routing/distributionPolicies/dp").json()["name"] == "renamed"
    assert api.call("DELETE", "/routing/distributionPolicies/dp").status_code == 204
    missing = api.call("GET", "/routing/distributionPolicies/dp")
    assert missing.status_code == 404
    # Source: service-recordings (test_delete_classification_policy): the error body of a missing item.
    assert missing.json() == {
        "communicationError": {
            "code": "NotFound",
            "message": "The item was not found.",
            "target": "/routing/distributionPolicies/dp",
        }
    }


def test_conditional_requests(api):
    first = api.call("PATCH", "/routing/distributionPolicies/dp", {"mode": {"kind": "roundRobin"}})
    etag = first.headers["ETag"]
    assert (
        api.call("PATCH", "/routing/distributionPolicies/dp", {"name": "a"}, headers={"If-Match": etag}).status_code
        == 200
    )
    stale = api.call("PATCH", "/routing/distributionPolicies/dp", {"name": "b"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["communicationError"]["code"] == "PreconditionFailed"
    past = format_datetime(datetime.now(timezone.utc) - timedelta(hours=1), usegmt=True)
    assert (
        api.call(
            "PATCH", "/routing/distributionPolicies/dp", {"name": "c"}, headers={"If-Unmodified-Since": past}
        ).status_code
        == 412
    )
    assert (
        api.call(
            "PATCH",
            "/routing/distributionPolicies/new",
            {"mode": {"kind": "roundRobin"}},
            headers={"If-None-Match": "*"},
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"key": base64.b64encode(b"another key").decode()}, "signature is not valid"),
        ({"date": datetime.now(timezone.utc) - timedelta(minutes=20)}, "15 minutes"),
    ],
)
def test_bad_signatures_are_rejected(api, options, message):
    response = api.call("GET", "/routing/queues", **options)
    assert response.status_code == 401
    assert message in response.json()["communicationError"]["message"]


def test_tampered_body_and_unsigned_requests_are_rejected(api):
    url = "/routing/distributionPolicies/dp?api-version=2023-11-01"
    headers = _signed("PATCH", url, b'{"name":"a"}')
    assert api.client.patch(url, content=b'{"name":"b"}', headers=headers).status_code == 401
    assert api.client.get(url).status_code == 401


def _tampered(api, case: str):
    """Send a request signed for one thing and altered in one way (the ``case``)."""
    url = "/routing/workers/w?api-version=2023-11-01"
    body = b'{"capacity": 1}'
    headers = _signed("PATCH", url, body)
    if case == "no Authorization header":
        del headers["Authorization"]
    elif case == "no date header":
        del headers["x-ms-date"]
    elif case == "no content hash":
        del headers["x-ms-content-sha256"]
    elif case == "malformed Authorization":
        headers["Authorization"] = "SharedKey abc"
    elif case == "signature of another key":
        headers = _signed("PATCH", url, body, key=base64.b64encode(b"not the key").decode())
    elif case == "tampered body":
        body = b'{"capacity": 100}'
    elif case == "tampered path":
        url = "/routing/workers/x?api-version=2023-11-01"
    elif case == "tampered query":
        url = "/routing/workers/w?api-version=2023-11-01&extra=1"
    elif case == "tampered method":
        return api.client.request("PUT", url, content=body, headers=headers)
    elif case == "tampered host":
        headers["Host"] = "another.test"
    elif case == "stale date":
        headers = _signed("PATCH", url, body, date=datetime.now(timezone.utc) - timedelta(minutes=16))
    elif case == "future date":
        headers = _signed("PATCH", url, body, date=datetime.now(timezone.utc) + timedelta(minutes=16))
    elif case == "garbage date":
        headers["x-ms-date"] = "yesterday"
    elif case == "empty signature":
        headers["Authorization"] = headers["Authorization"].split("Signature=")[0] + "Signature="
    return api.client.request("PATCH", url, content=body, headers=headers)


@pytest.mark.parametrize(
    "case",
    [
        "no Authorization header",
        "no date header",
        "no content hash",
        "malformed Authorization",
        "signature of another key",
        "tampered body",
        "tampered path",
        "tampered query",
        "tampered method",
        "tampered host",
        "stale date",
        "future date",
        "garbage date",
        "empty signature",
    ],
)
def test_hmac_negatives_are_401_with_the_service_error_body(api, case):
    response = _tampered(api, case)
    assert response.status_code == 401, response.text
    error = response.json()["communicationError"]
    assert error["code"] == "Unauthorized" and error["message"]
    assert api.call("GET", "/routing/workers/w").status_code == 404  # nothing was written


def test_the_date_header_signs_when_x_ms_date_is_absent(api):
    url = "/routing/workers/w?api-version=2023-11-01"
    headers = _signed("PATCH", url, b"{}")
    headers["Date"] = headers.pop("x-ms-date")
    assert api.client.patch(url, content=b"{}", headers=headers).status_code == 201


def test_bearer_tokens_only_when_allowed(make_router):
    router = make_router(clock=None, seed=None, processing_delay=0.001)
    for allow, expected in ((False, 401), (True, 200)):
        client = TestClient(create_app(router, allow_bearer=allow), base_url=f"http://{HOST}")
        response = client.get("/routing/queues?api-version=2023-11-01", headers={"Authorization": "Bearer abc"})
        assert response.status_code == expected


def test_api_version_and_body_errors(api):
    assert api.call("GET", "/routing/queues", api_version="").status_code == 400
    assert (
        api.call("GET", "/routing/queues", api_version="2021-10-20").json()["communicationError"]["target"]
        == "api-version"
    )
    url = "/routing/queues/q?api-version=2023-11-01"
    bad_json = api.client.patch(url, content=b"{not json", headers=_signed("PATCH", url, b"{not json"))
    assert bad_json.status_code == 400
    wrong_type = api.client.patch(
        url, content=b"{}", headers=_signed("PATCH", url, b"{}", headers={"Content-Type": "text/plain"})
    )
    assert wrong_type.status_code == 415
    invalid = api.call("PATCH", "/routing/queues/q", {"distributionPolicyId": "nope"})
    assert invalid.status_code == 400 and "nope" in invalid.json()["communicationError"]["message"]


def test_paging_with_next_link(api):
    for index in range(5):
        api.call("PATCH", f"/routing/distributionPolicies/p{index}", {"mode": {"kind": "roundRobin"}})
    ids, path = [], "/routing/distributionPolicies?maxpagesize=2"
    while path:
        page = api.call("GET", path).json()
        ids += [item["id"] for item in page["value"]]
        path = page.get("nextLink")
    assert ids == ["p4", "p3", "p2", "p1", "p0"]


def test_actions_and_the_pre_release_complete_form(api):
    api.call(
        "PATCH", "/routing/distributionPolicies/dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}}
    )
    api.call("PATCH", "/routing/queues/q", {"distributionPolicyId": "dp"})
    api.call(
        "PATCH",
        "/routing/workers/w",
        {
            "capacity": 1,
            "queues": ["q"],
            "availableForOffers": True,
            "channels": [{"channelId": "voice", "capacityCostPerJob": 1}],
        },
    )
    assert api.call("PATCH", "/routing/jobs/j", {"channelId": "voice", "queueId": "q"}).json()["status"] == "created"
    api.settle()
    offers = api.call("GET", "/routing/workers/w").json()["offers"]
    accepted = api.call("POST", f"/routing/workers/w/offers/{offers[0]['offerId']}:accept").json()
    assert set(accepted) == {"assignmentId", "jobId", "workerId"}
    position = api.call("GET", "/routing/jobs/j/position")
    assert position.status_code == 404  # assigned jobs are not in the queue
    # Pre-release form from the service recordings: POST /routing/jobs/{id}:complete with the assignment in the body.
    done = api.call("POST", "/routing/jobs/j:complete", {"assignmentId": accepted["assignmentId"]})
    assert done.status_code == 200 and done.json() == {}
    closed = api.call(
        "POST", f"/routing/jobs/j/assignments/{accepted['assignmentId']}:close", {"dispositionCode": "ok"}
    )
    assert closed.status_code == 200
    assert api.call("GET", "/routing/jobs/j").json()["status"] == "closed"
    stats = api.call("GET", "/routing/queues/q/statistics").json()
    assert stats["queueId"] == "q" and stats["length"] == 0


def test_sqlite_state_survives_restart(tmp_path, make_router):
    path = tmp_path / "state.sqlite3"
    api = Api(make_router(store=SQLiteStore(path), clock=None, seed=None, processing_delay=0.001))
    api.call("PATCH", "/routing/distributionPolicies/dp", {"mode": {"kind": "roundRobin"}, "name": "kept"})
    api.call("PATCH", "/routing/queues/q", {"distributionPolicyId": "dp"})
    api.call("PATCH", "/routing/workers/w", {"availableForOffers": True, "queues": ["q"]})
    api.router.close()
    reopened = Api(make_router(store=SQLiteStore(path), clock=None, seed=None, processing_delay=0.001))
    assert reopened.call("GET", "/routing/distributionPolicies/dp").json()["name"] == "kept"
    assert reopened.call("GET", "/routing/workers/w").json()["state"] == "active"
    events = reopened.router.events_since(0)
    assert [e.event["eventType"] for e in events] == ["Microsoft.Communication.RouterWorkerRegistered"]
    assert events[0].sequence == 1


def test_cli_prints_the_connection_string(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "jobrouter_emulator", "--port", "0", "--in-memory"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        first = process.stdout.readline()
        second = process.stdout.readline()
    finally:
        process.terminate()  # right after start-up: a stop request must work then too
        process.wait(timeout=10)
    assert process.returncode == 0
    assert first.startswith("Job Router emulator (api-version 2023-11-01) on http://127.0.0.1:")
    assert (
        second.startswith("endpoint=http://127.0.0.1:")
        and ":0/" not in second
        and f"accesskey={DEFAULT_ACCESS_KEY}" in second
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_cli_shuts_down_cleanly_with_an_open_event_stream(tmp_path, signal_name):
    import signal

    import httpx

    process = subprocess.Popen(
        [sys.executable, "-m", "jobrouter_emulator", "--port", "0", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        process.stdout.readline()
        endpoint = process.stdout.readline().split(";")[0].split("=", 1)[1]
        with httpx.stream(
            "GET",
            endpoint + "_emulator/events",
            headers={"Accept": "text/event-stream"},
            auth=HmacAuth(),
            timeout=10,
        ) as stream:
            lines = stream.iter_lines()
            assert next(lines) == ": connected"
            process.send_signal(getattr(signal, signal_name))
            rest = list(lines)  # the server ends the stream itself
        assert ": the emulator is shutting down" in rest
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    errors = process.stderr.read()
    assert process.returncode == 0, errors
    assert "Traceback" not in errors and "ERROR" not in errors, errors


@pytest.mark.parametrize(
    "query",
    ["", "api-version=2023-11-01", "a=1&b=&c", "a=1&a=2", "&&a=1&", "x=%20+y&z=1", "a==b", "a;b=1", "k=%E2%82%AC"],
)
def test_queries_read_as_parse_qsl_reads_them(query):
    from urllib.parse import parse_qsl

    from jobrouter_emulator.api.app import _query

    assert _query(query) == dict(parse_qsl(query, keep_blank_values=True))


def test_an_unexpected_failure_answers_a_json_500_and_the_next_request_is_served(api, monkeypatch, caplog):
    api.call(
        "PATCH", "/routing/distributionPolicies/dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "bestWorker"}}
    )

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    with monkeypatch.context() as patched:
        patched.setattr(api.router, "get", broken)
        response = api.call("GET", "/routing/distributionPolicies/dp")
    assert response.status_code == 500
    assert response.json()["communicationError"]["code"] == "InternalError"
    assert "a bug" in caplog.text  # logged with its traceback
    assert api.call("GET", "/routing/distributionPolicies/dp").status_code == 200


def test_methods_the_api_does_not_have_answer_405(api):
    # They go through Starlette's routing, past the direct path of the API's own methods.
    assert api.client.request("OPTIONS", "/routing/jobs/j?api-version=2023-11-01").status_code == 405
