"""The dashboard over HTTP, without a browser: the notebook-style login, the session cookie, the page's security
headers, and the live stream (snapshots and Router events, after each change, after a reset and a clock move)."""

from __future__ import annotations

import json
import ssl
import threading
from typing import Any, Callable, Dict, Iterator, List, Tuple

import httpx
import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from jobrouter_emulator import EmbeddedEmulator
from tests._workers import voice_worker

Message = Tuple[str, Dict[str, Any]]  # (SSE event name, data)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(clock="virtual") as started:
        yield started


@pytest.fixture
def session(emulator) -> Iterator[httpx.Client]:
    """An HTTP client logged in with a fresh login URL, on an emptied emulator."""
    emulator.reset()
    with httpx.Client(base_url=emulator.endpoint, timeout=10) as client:
        assert client.get(emulator.dashboard_login_url()).status_code == 303
        yield client


def _messages(client: httpx.Client, until: Callable[[List[Message]], bool], **headers: str) -> List[Message]:
    """Server-sent events of the dashboard's stream until ``until(messages)``."""
    messages: List[Message] = []
    fields: Dict[str, str] = {}
    with client.stream("GET", "_emulator/dashboard/stream", headers=headers) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
            elif not line and "data" in fields:
                messages.append((fields["event"], json.loads(fields["data"])))
                fields = {}
                if until(messages):
                    return messages
            elif not line:
                fields = {}
    raise AssertionError(f"the stream ended: {messages}")


def _states(messages: List[Message]) -> List[Dict[str, Any]]:
    return [data for name, data in messages if name == "state"]


def test_without_a_session_everything_but_the_style_is_401(emulator):
    for path in ("_emulator/", "_emulator/dashboard/stream", "_emulator/dashboard/dashboard.js"):
        response = httpx.get(emulator.endpoint + path)
        assert response.status_code == 401, path
    page = httpx.get(emulator.endpoint + "_emulator/")
    assert "<form" in page.text and 'name="key"' in page.text  # the 401 page is the login form
    assert httpx.get(emulator.endpoint + "_emulator/dashboard/dashboard.css").status_code == 200


def test_a_login_url_gives_a_strict_http_only_cookie_once(emulator):
    url = emulator.dashboard_login_url()
    with httpx.Client() as client:
        exchanged = client.get(url)
        assert exchanged.status_code == 303 and exchanged.headers["location"] == "/_emulator/"
        cookie = exchanged.headers["set-cookie"]
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/_emulator"):
            assert attribute in cookie
        assert "Secure" not in cookie  # over plain HTTP a Secure cookie would never come back
        assert exchanged.headers["referrer-policy"] == "no-referrer"  # the token never leaves as a referrer
        page = client.get(emulator.endpoint + "_emulator/")
        assert page.status_code == 200 and "dashboard/dashboard.js" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        again = client.get(url)  # the spent link, from the browser it logged in: straight to the page
        assert again.status_code == 303 and again.headers["location"] == "/_emulator/"
        assert "set-cookie" not in again.headers
    assert httpx.get(url).status_code == 401  # spent, for anyone without the session
    assert "used already" in httpx.get(url).text


def test_the_access_key_logs_in_and_logout_ends_the_session(emulator):
    with httpx.Client(base_url=emulator.endpoint) as client:
        refused = client.post("_emulator/login", data={"key": "not-the-key"})
        assert refused.status_code == 401 and "not the access key of this emulator" in refused.text
        accepted = client.post("_emulator/login", data={"key": emulator.access_key})
        assert accepted.status_code == 303
        assert client.get("_emulator/").status_code == 200
        assert client.post("_emulator/logout").status_code == 303
        client.cookies.clear()  # the browser drops it as told; the server forgot it anyway
    with httpx.Client(base_url=emulator.endpoint) as stale:
        stale.post("_emulator/login", data={"key": emulator.access_key})
        kept = dict(stale.cookies)
        stale.post("_emulator/logout")
        assert httpx.get(emulator.endpoint + "_emulator/", cookies=kept).status_code == 401


def test_an_oversized_login_form_is_refused(emulator):
    def oversized_form() -> Iterator[bytes]:  # chunked, no Content-Length: counted as it comes
        yield b"key=" + b"x" * 4096
        yield b"x" * 65536

    with httpx.Client(base_url=emulator.endpoint) as client:
        refused = client.post("_emulator/login", content=oversized_form())
        assert refused.status_code == 413 and "larger than it can be" in refused.text
        assert "set-cookie" not in refused.headers


def test_an_https_emulator_marks_the_cookie_secure():
    with EmbeddedEmulator(tls=True) as emulator:
        trust = ssl.create_default_context(cafile=str(emulator.cert_path))
        exchanged = httpx.get(emulator.dashboard_login_url(), verify=trust)
        assert exchanged.status_code == 303 and "Secure" in exchanged.headers["set-cookie"]


def test_the_stream_carries_snapshots_and_events_as_they_happen(emulator, session):
    admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    admin.upsert_distribution_policy("dp", offer_expires_after_seconds=30, mode=LongestIdleMode())
    admin.upsert_queue("q", name="Sales", distribution_policy_id="dp")
    voice_worker(client, "w", queues=["q"])
    for job_id in ("j1", "j2", "j3"):
        client.upsert_job(job_id, channel_id="voice", queue_id="q")
    emulator.advance(0)

    def accept_after_the_first_snapshot(messages: List[Message]) -> bool:
        states = _states(messages)
        if len(states) == 1 and messages[-1][0] == "state":  # what the page opens on; now act
            client.accept_job_offer("w", states[0]["workers"][0]["offers"][0]["offerId"])
        accepted_at = next(
            (i for i, (n, d) in enumerate(messages) if n == "router" and d["event"]["eventType"].endswith("Accepted")),
            None,
        )
        return accepted_at is not None and any(n == "state" for n, _ in messages[accepted_at:])

    messages = _messages(session, accept_after_the_first_snapshot)
    first = _states(messages)[0]
    (queue,) = first["queues"]
    assert (queue["id"], queue["name"], queue["length"]) == ("q", "Sales", 3)
    assert queue["distribution"]["mode"] == "longestIdle"
    (worker,) = first["workers"]
    assert (worker["state"], worker["usedCapacity"], len(worker["offers"])) == ("active", 1, 1)
    assert first["jobs"]["counts"]["queued"] == 3 and first["virtualClock"] is True
    offered = worker["offers"][0]["jobId"]

    # The backlog (events before the stream opened), then the accept as it committed, then a snapshot showing it.
    events = [data for name, data in messages if name == "router"]
    names = [e["event"]["eventType"].rsplit(".", 1)[1] for e in events]
    assert names[0] == "RouterWorkerRegistered" and names[-1] == "RouterWorkerOfferAccepted"
    assert [e["sequence"] for e in events] == sorted(e["sequence"] for e in events)
    assert events[-1]["summary"] == f"job {offered} assigned to worker w: offer accepted"
    assert messages[-1][0] == "state" and messages[-1][1]["queues"][0]["length"] == 2

    # A browser that reconnects says where it was (Last-Event-ID) and gets what came after, nothing before.
    resumed = _messages(
        session, lambda m: any(n == "router" for n, _ in m), **{"Last-Event-ID": str(events[-2]["sequence"])}
    )
    assert [data["sequence"] for name, data in resumed if name == "router"] == [events[-1]["sequence"]]


def test_a_reset_and_a_clock_move_reach_an_open_stream(emulator, session):
    JobRouterClient.from_connection_string(emulator.connection_string).upsert_worker("w", capacity=1)
    before = _states(_messages(session, lambda m: bool(_states(m))))[0]
    assert [w["id"] for w in before["workers"]] == ["w"]

    def change() -> None:
        emulator.reset()
        emulator.advance(60)

    states: List[Dict[str, Any]] = []
    changed: List[threading.Thread] = []

    def until(messages: List[Message]) -> bool:
        states[:] = _states(messages)
        if states and not changed:  # the stream's first snapshot came: change things now that it is open
            changed.append(threading.Thread(target=change))
            changed[0].start()
        return any(s["resets"] == before["resets"] + 1 and s["now"] > before["now"] for s in states)

    _messages(session, until)
    changed[0].join()
    assert states[-1]["workers"] == [] and states[-1]["jobs"]["total"] == 0
