"""Rule services that stall, trickle or flood, against a real emulator over HTTP: the API keeps answering at once,
and each call ends at its deadline or its size cap with the job's classification failed."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator, List

import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from jobrouter_emulator import EmbeddedEmulator
from jobrouter_emulator.limits import Limits
from tests.integration._polling import wait_for


class RuleService:
    """A rule service on loopback whose handler ``respond(handler)`` writes the answer as it likes; requests are
    counted, and the bytes it managed to send."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler], None]) -> None:
        self.requests = threading.Semaphore(0)
        self.sent: List[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.release()
                try:
                    respond(self)
                except OSError:  # the emulator hung up: what the flood test wants
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True  # a handler still sleeping does not hold the test
        self._server.block_on_close = False
        self.url = f"http://127.0.0.1:{self._server.server_port}/api/rule"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def wait_for_request(self) -> None:
        assert self.requests.acquire(timeout=10), "the emulator did not call the rule service"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _sleeping(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(20)


def _trickling(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    for _ in range(100):  # one byte every 0.2 s: each read is quick, the whole answer would take 200 s
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.2)


FLOOD = 50 * 1024 * 1024


def _flooding(sent: List[int], done: threading.Event) -> Callable[[BaseHTTPRequestHandler], None]:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()  # no length: the answer is read until the connection closes
        chunk = b" " * 65536
        sent.append(0)
        try:
            while sent[-1] < FLOOD:
                handler.wfile.write(chunk)
                sent[-1] += len(chunk)
        finally:
            done.set()

    return respond


@pytest.fixture
def clients() -> Iterator[Callable[[Limits], Any]]:
    started: List[EmbeddedEmulator] = []

    def start(limits: Limits) -> Any:
        emulator = EmbeddedEmulator(limits=limits).start()
        started.append(emulator)
        admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string, retry_total=0)
        client = JobRouterClient.from_connection_string(emulator.connection_string, retry_total=0)
        admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
        admin.upsert_queue("q", distribution_policy_id="dp")
        return admin, client

    yield start
    for emulator in started:
        began = time.monotonic()
        emulator.stop()
        assert time.monotonic() - began < 5, "stopping waited for a rule call"


def _classify_with(admin: JobRouterAdministrationClient, client: JobRouterClient, url: str) -> None:
    admin.upsert_classification_policy(
        "cp", {"fallbackQueueId": "q", "prioritizationRule": {"kind": "function", "functionUri": url}}
    )
    client.upsert_job("j", {"channelId": "voice", "classificationPolicyId": "cp"})


def test_a_rule_service_sleeping_20_s_delays_no_other_request(clients) -> None:
    service = RuleService(_sleeping)
    try:
        admin, client = clients(Limits())  # the default deadline (10 s) outlasts the test
        _classify_with(admin, client, service.url)
        service.wait_for_request()
        slowest = 0.0
        for index in range(20):
            began = time.monotonic()
            if index % 4 == 0:
                client.upsert_worker(f"w{index}", capacity=1, queues=["q"], available_for_offers=True)
            elif index % 4 == 1:
                client.upsert_job(f"other{index}", channel_id="voice", queue_id="q")
            elif index % 4 == 2:
                assert client.get_job("j").status == "pendingClassification"  # its call is still under way
            else:
                assert len(list(client.list_jobs())) >= 2
            slowest = max(slowest, time.monotonic() - began)
        assert slowest < 0.5, f"a request took {slowest:.3f} s while the rule service slept"
        assert client.get_job("j").status == "pendingClassification"
    finally:
        service.close()


def test_a_trickling_rule_service_is_cut_at_the_deadline(clients) -> None:
    service = RuleService(_trickling)
    try:
        admin, client = clients(Limits(rule_call_deadline=1.0))
        began = time.monotonic()
        _classify_with(admin, client, service.url)
        job = wait_for(lambda: (lambda j: j if j.status == "classificationFailed" else None)(client.get_job("j")))
        assert job is not None and time.monotonic() - began < 8
    finally:
        service.close()


def test_a_flooding_rule_service_is_read_up_to_the_cap(clients) -> None:
    sent: List[int] = []
    done = threading.Event()
    service = RuleService(_flooding(sent, done))
    try:
        admin, client = clients(Limits(max_rule_response_bytes=1024 * 1024))
        _classify_with(admin, client, service.url)
        wait_for(lambda: client.get_job("j").status == "classificationFailed")
        assert done.wait(10)
        # The emulator hung up after its megabyte: the rest could not be sent (only what socket buffers took).
        assert len(sent) == 1 and sent[0] < FLOOD / 2, f"the rule service sent {sent} bytes"
    finally:
        service.close()
