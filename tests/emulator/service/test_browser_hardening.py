"""What a web page in the developer's browser cannot do to an emulator (issue 26, D7 and D9): reach it under a
foreign name (DNS rebinding), log the browser in from another site (login CSRF), reuse or keep a login link, share a
session cookie between two emulators on one machine, or get a 500 from a header value."""

from __future__ import annotations

from typing import Iterator, List, Tuple

import httpx
import pytest

from jobrouter_emulator import EmbeddedEmulator, HmacAuth
from jobrouter_emulator.api.hosts import allowed_hosts, normalize
from jobrouter_emulator.dashboard.auth import TOKEN_LIFETIME, DashboardAuth

API = "?api-version=2023-11-01"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(clock="virtual") as started:
        yield started


def _host(emulator: EmbeddedEmulator) -> str:
    return emulator.endpoint.split("//", 1)[1].rstrip("/")


def _signed(emulator: EmbeddedEmulator) -> httpx.Client:
    return httpx.Client(base_url=emulator.endpoint, auth=HmacAuth(emulator.access_key), timeout=10)


# -- the Host allow-list -------------------------------------------------------------------------------------------
ROUTES: List[Tuple[str, str]] = [
    ("GET", "routing/jobs" + API),
    ("PATCH", "routing/queues/q" + API),
    ("POST", "_emulator/reset"),
    ("GET", "_emulator/events?since=0"),
    ("GET", "_emulator/subscriptions"),
    ("GET", "_emulator/faults"),
    ("GET", "_emulator/"),
    ("POST", "_emulator/login"),
    ("GET", "_emulator/health"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_request_for_a_foreign_host_is_refused_before_anything_else(emulator, method, path):
    emulator.router.upsert(
        "distributionPolicies", "dp", {"offerExpiresAfterSeconds": 60, "mode": {"kind": "longestIdle"}}
    )
    with _signed(emulator) as client:
        # Signed for the foreign name, as a rebinding page holding the well-known key would sign it.
        response = client.request(method, path, headers={"Host": "rebind.attacker.example"}, json={})
    assert response.status_code == 400, response.text
    error = response.json()["communicationError"]
    assert error["target"] == "Host" and "--allowed-host" in error["message"]
    assert emulator.router.get("distributionPolicies", "dp")  # the reset did not run


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "127.0.0.1", "[::1]", "localhost."])
def test_local_names_are_served_with_or_without_the_port(emulator, host):
    port = emulator.endpoint.rstrip("/").rsplit(":", 1)[1]
    with _signed(emulator) as client:
        for value in (host, f"{host}:{port}"):
            response = client.get("routing/jobs" + API, headers={"Host": value})
            assert response.status_code == 200, (value, response.text)


def test_allowed_hosts_add_names_and_a_star_turns_the_check_off(caplog):
    with EmbeddedEmulator(allowed_hosts=["jobrouter.internal", "10.1.2.3"]) as emulator, _signed(emulator) as client:
        assert client.get("routing/jobs" + API, headers={"Host": "jobrouter.internal:80"}).status_code == 200
        assert client.get("routing/jobs" + API, headers={"Host": "10.1.2.3"}).status_code == 200
        assert client.get("routing/jobs" + API, headers={"Host": "other.internal"}).status_code == 400
    with EmbeddedEmulator(allowed_hosts="myhost.test") as emulator, _signed(emulator) as client:  # one name, alone
        assert client.get("routing/jobs" + API, headers={"Host": "myhost.test"}).status_code == 200
    with EmbeddedEmulator(allowed_hosts=["*"]) as emulator, _signed(emulator) as client:
        assert client.get("routing/jobs" + API, headers={"Host": "anything.example"}).status_code == 200
    assert "Host check is off" in caplog.text


def test_an_allowed_host_that_is_not_a_host_name_stops_the_start():
    with pytest.raises(ValueError, match="--allowed-host"):
        EmbeddedEmulator(allowed_hosts=["http://example.com/"]).start()


def test_host_names_are_normalized_and_odd_ones_refused():
    assert normalize("Example.COM.:8080") == "example.com"
    assert normalize("[0:0::1]:99") == "[::1]" and normalize("::1") == "[::1]"
    for odd in ("", "a b", "ex ample.com", "[::1", "[zz]", "host:port", "évil.example", "a/b", "[::1]x"):
        assert normalize(odd) is None, odd
    names = allowed_hosts("0.0.0.0", ["Extra.Example"])
    assert names is not None and {"localhost", "127.0.0.1", "[::1]", "extra.example", "0.0.0.0"} <= names
    assert allowed_hosts("127.0.0.1", ["*"]) is None


# -- login CSRF, login links, cookies ------------------------------------------------------------------------------
def test_a_login_from_another_sites_page_is_refused(emulator):
    own = emulator.endpoint.rstrip("/")
    with httpx.Client(base_url=emulator.endpoint, timeout=10) as client:
        key = {"key": emulator.access_key}
        for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
            response = client.post("_emulator/login", data=key, headers=headers)
            assert response.status_code == 403, headers
            assert "set-cookie" not in response.headers
        assert client.post("_emulator/logout", headers={"Origin": "http://evil.example"}).status_code == 403
        response = client.post("_emulator/login", data=key, headers={"Origin": own, "Sec-Fetch-Site": "same-origin"})
        assert response.status_code == 303 and "set-cookie" in response.headers


def test_a_login_link_works_once(emulator):
    url = emulator.dashboard_login_url()
    with httpx.Client(timeout=10) as client:
        assert client.get(url).status_code == 303
    with httpx.Client(timeout=10) as other:
        reused = other.get(url)
        assert reused.status_code == 401 and "set-cookie" not in reused.headers


def test_a_login_link_expires_after_ten_minutes():
    now = [1000.0]
    auth = DashboardAuth("a2V5", secure_cookie=False, port=8089, monotonic=lambda: now[0])
    fresh, stale = auth.new_login_token(), auth.new_login_token()
    now[0] += TOKEN_LIFETIME - 1
    assert auth.redeem_token(fresh) is not None
    now[0] += 2
    assert auth.redeem_token(stale) is None
    assert TOKEN_LIFETIME == 600


def test_two_emulators_on_one_machine_keep_their_own_sessions(emulator):
    with EmbeddedEmulator() as second, httpx.Client(timeout=10) as browser:
        # One browser: cookies are scoped by host, not port, so both emulators see each other's cookies.
        assert browser.get(emulator.dashboard_login_url()).status_code == 303
        assert browser.get(second.dashboard_login_url()).status_code == 303
        names = {cookie.name for cookie in browser.cookies.jar}
        assert len(names) == 2 and all(name.startswith("jobrouter_emulator_session_") for name in names)
        for started in (emulator, second):
            port = started.endpoint.rstrip("/").rsplit(":", 1)[1]
            assert f"jobrouter_emulator_session_{port}" in names
            assert browser.get(started.endpoint + "_emulator/").status_code == 200


# -- Last-Event-ID and odd header values ---------------------------------------------------------------------------
ODD_SEQUENCES = ["²", "٤٢", "9" * 5000, "-1", "+1", "1_0", "0x10", "9" * 19, "1.0"]


@pytest.mark.parametrize("value", ODD_SEQUENCES)
def test_an_odd_last_event_id_is_a_400_on_the_dashboard_stream_as_on_the_feed(emulator, value):
    header = value.encode("utf-8")
    with httpx.Client(base_url=emulator.endpoint, timeout=10) as client:
        assert client.get(emulator.dashboard_login_url()).status_code == 303
        with client.stream("GET", "_emulator/dashboard/stream", headers={"Last-Event-ID": header}) as response:
            response.read()
            assert response.status_code == 400, response.text
            assert response.json()["communicationError"]["target"] == "Last-Event-ID"
    with _signed(emulator) as client:
        response = client.get("_emulator/events?since=0", headers={"Last-Event-ID": header})
        assert response.status_code == 400, response.text


def test_a_valid_last_event_id_resumes_the_stream(emulator):
    with httpx.Client(base_url=emulator.endpoint, timeout=10) as client:
        assert client.get(emulator.dashboard_login_url()).status_code == 303
        for value in ("0", "", "9" * 18):
            with client.stream("GET", "_emulator/dashboard/stream", headers={"Last-Event-ID": value}) as response:
                assert response.status_code == 200


HEADERS = [
    "host",
    "authorization",
    "x-ms-date",
    "date",
    "x-ms-content-sha256",
    "content-type",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "last-event-id",
    "accept",
    "cookie",
    "origin",
    "sec-fetch-site",
]
ODD_VALUES = [b"\xc2\xb2", b"\xff\xfe", b"9" * 5000, b"", b"\xd9\xa4", b"=;,\"'", b"-1"]
ODD_ROUTES = [
    ("GET", "routing/jobs" + API),
    ("PATCH", "routing/jobs/j" + API),
    ("DELETE", "routing/jobs/none" + API),
    ("GET", "_emulator/events?since=0"),
    ("GET", "_emulator/dashboard/stream"),
    ("GET", "_emulator/"),
    ("POST", "_emulator/login"),
    ("POST", "_emulator/logout"),
    ("GET", "_emulator/clock"),
    ("GET", "_emulator/health"),
]


@pytest.mark.parametrize("header", HEADERS)
def test_no_route_answers_500_to_a_header_value(emulator, header):
    with httpx.Client(base_url=emulator.endpoint, timeout=10) as client:
        assert client.get(emulator.dashboard_login_url()).status_code == 303  # past the session check too
        signer = HmacAuth(emulator.access_key)
        for method, path in ODD_ROUTES:
            for value in ODD_VALUES:
                body = b'{"channelId": "voice"}' if method == "PATCH" else b""
                request = client.build_request(
                    method, path, content=body, headers={"content-type": "application/merge-patch+json"}
                )
                if header != "authorization":
                    request = next(signer.auth_flow(request))  # signed, so the header reaches the route
                headers = [(k.encode(), v.encode()) for k, v in request.headers.items() if k != header]
                headers.append((header.encode(), value))
                with client.stream(request.method, request.url, headers=headers, content=body) as response:
                    assert response.status_code < 500, (method, path, header, value, response.status_code)
