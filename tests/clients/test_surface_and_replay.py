"""The clients against the 1.0.0 API surface, and against real traffic replayed from the service recordings."""

from __future__ import annotations

import inspect
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from azure.core.exceptions import HttpResponseError

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter import aio as jr_aio

# Private: the operation table, so every operation is checked without listing them again.
from azure.communication.jobrouter._generated.operations import OPERATIONS
from tests.reference_data import API_SURFACE as SURFACE
from tests.reference_data import SERVICE_RECORDINGS as RECORDINGS

from ._transport import FakeTransport

CLIENTS = {
    "JobRouterClient": JobRouterClient,
    "JobRouterAdministrationClient": JobRouterAdministrationClient,
    "JobRouterClient (aio)": jr_aio.JobRouterClient,
    "JobRouterAdministrationClient (aio)": jr_aio.JobRouterAdministrationClient,
}
KIND_NAMES = {
    "POSITIONAL_OR_KEYWORD": "POSITIONAL_OR_KEYWORD",
    "KEYWORD_ONLY": "KEYWORD_ONLY",
    "VAR_POSITIONAL": "VAR_POSITIONAL",
    "VAR_KEYWORD": "VAR_KEYWORD",
}


@pytest.mark.parametrize("client_name", list(CLIENTS))
def test_every_client_method_matches_1_0_0(client_name):
    surface = json.loads(SURFACE.read_text())["clients"][client_name]
    client_type = CLIENTS[client_name]
    problems = []
    for method_name, info in surface.items():
        method = getattr(client_type, method_name, None)
        if method is None:
            problems.append(f"{method_name}: missing")
            continue
        ours = [p for p in inspect.signature(method).parameters.values() if p.name not in ("self", "cls")]
        expected = info["params"]
        ours_shape = [
            (p.name, p.kind.name, None if p.default is inspect.Parameter.empty else repr(p.default)) for p in ours
        ]
        expected_shape = [(p["name"], p["kind"], p.get("default")) for p in expected]
        if ours_shape != expected_shape:
            problems.append(f"{method_name}: {ours_shape} != {expected_shape}")
        if info.get("async") and not inspect.iscoroutinefunction(method):
            problems.append(f"{method_name}: should be async")
    assert problems == []


# -- replay of real traffic ------------------------------------------------------------------------------------------


def _routes():
    """(method, compiled path pattern, operation) for every operation of the table."""
    found = []
    for op in OPERATIONS.values():
        pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/:]+)", re.escape(op.path))
        found.append((op.method, re.compile(f"^{pattern}$"), op))
    return found


ROUTES = _routes()


def _sessions():
    return [pytest.param(p, id=p.stem.split("test_", 2)[-1]) for p in sorted(RECORDINGS.glob("*.json"))]


def _call(entry, admin, client):
    """Make the recorded call through the public API; return (result, the request path the API should send)."""
    url = urlsplit(entry["RequestUri"])
    path = url.path
    query = {k: v[0] for k, v in parse_qs(url.query).items() if k != "api-version"}
    body = entry.get("RequestBody")
    prerelease = re.match(r"^/routing/jobs/([^/:]+):(complete|close)$", path)
    if prerelease:
        # Pre-release form: the assignment travelled in the body; the final API puts it in the path.
        options = {k: v for k, v in body.items() if k != "assignmentId"}
        method = getattr(client, f"{prerelease.group(2)}_job")
        expected_path = f"/routing/jobs/{prerelease.group(1)}/assignments/{body['assignmentId']}:{prerelease.group(2)}"
        return method(unquote(prerelease.group(1)), body["assignmentId"], options), expected_path, options
    if "continuationToken" in query:
        list_path = path.rstrip("/")
        operation = next(op for m, p, op in ROUTES if m == "GET" and p.match(list_path) and op.pageable)
        target = admin if operation.client == "JobRouterAdministrationClient" else client
        pager = getattr(target, operation.name)().by_page(continuation_token=f"{path}?{url.query}")
        return list(next(pager)), path, None
    for method, pattern, operation in ROUTES:
        match = pattern.match(path) if method == entry["RequestMethod"] else None
        if not match:
            continue
        target = admin if operation.client == "JobRouterAdministrationClient" else client
        ids = {python: unquote(match.group(rest)) for python, rest in operation.path_params}
        callable_ = getattr(target, operation.name)
        if operation.pageable:
            names = {rest: python for python, rest in operation.query}
            filters = {names[k]: (int(v) if k == "maxpagesize" else v) for k, v in query.items()}
            return list(next(callable_(**filters).by_page())), path, None
        args = list(ids.values())
        if operation.method == "PATCH":
            args.append(body)
        elif operation.body_param and body is not None:
            args.append(body)
        return callable_(*args), path, body
    raise AssertionError(f"no operation for {entry['RequestMethod']} {path}")


@pytest.mark.parametrize("session", _sessions())
def test_recorded_session_through_the_public_api(session):
    """Source: tests/data/service-recordings. Each recorded call is made through the clients; the request
    must match the recording and the response must come back as the right model with the recorded values."""
    entries = json.loads(session.read_text())["Entries"]
    for entry in entries:
        transport = FakeTransport((entry["StatusCode"], entry.get("ResponseBody"), entry.get("ResponseHeaders")))
        options = {"transport": transport, "retry_total": 0}
        conn = "endpoint=https://sanitized.communication.azure.net/;accesskey=c2FuaXRpemVk"
        admin = JobRouterAdministrationClient.from_connection_string(conn, **options)
        client = JobRouterClient.from_connection_string(conn, **options)
        try:
            result, expected_path, expected_body = _call(entry, admin, client)
        except HttpResponseError as error:
            assert entry["StatusCode"] >= 400 and error.status_code == entry["StatusCode"]
            assert error.error_code == entry["ResponseBody"]["communicationError"]["code"]
            continue
        assert entry["StatusCode"] < 400, entry["RequestUri"]
        [request] = transport.requests
        sent = urlsplit(request.url)
        assert (request.method, sent.path) == (entry["RequestMethod"], expected_path)
        recorded_query = parse_qs(urlsplit(entry["RequestUri"]).query)
        assert parse_qs(sent.query) == recorded_query
        if expected_body is not None:
            assert json.loads(request.body) == expected_body
        recorded = entry.get("ResponseBody")
        if isinstance(result, list):
            assert [item.as_dict() for item in result] == recorded["value"]
        elif result is not None and hasattr(result, "as_dict"):
            assert result.as_dict() == recorded
            for name in type(result)._fields:
                getattr(result, name)
        else:
            assert recorded in (None, {}), entry["RequestUri"]
