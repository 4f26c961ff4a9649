"""The emulator's log, from the ``jobrouter-emulator`` command: one line per request (text or JSON), a line per routing
decision, and never a key, a signature or a login token."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List
from urllib.parse import urlparse

import httpx
import pytest
from azure.core.rest import HttpRequest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import (
    CancelExceptionAction,
    ExceptionRule,
    LongestIdleMode,
    StaticRouterRule,
    WaitTimeExceptionTrigger,
)
from jobrouter_emulator.auth import DEFAULT_ACCESS_KEY
from jobrouter_emulator.logs import JsonFormatter, RedactSecrets
from tests._cli_process import CliEmulator
from tests._workers import voice_worker


def _drive(emulator: CliEmulator) -> List[Any]:
    """A routing scenario through the SDK on a virtual clock (classification, offers, an expiry, a wait-time
    exception, a 404); returns every request the SDK sent, signed, in order."""
    sent: List[Any] = []
    options: Dict[str, Any] = {"retry_total": 0, "raw_request_hook": lambda request: sent.append(request.http_request)}
    admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string, **options)
    client = JobRouterClient.from_connection_string(emulator.connection_string, **options)
    admin.upsert_distribution_policy("dp", offer_expires_after_seconds=30, mode=LongestIdleMode())
    slow = ExceptionRule(
        id="slow", trigger=WaitTimeExceptionTrigger(threshold_seconds=60), actions=[CancelExceptionAction()]
    )
    admin.upsert_exception_policy("ep", exception_rules=[slow])
    admin.upsert_queue("q", distribution_policy_id="dp", exception_policy_id="ep")
    admin.upsert_classification_policy("cp", fallback_queue_id="q", prioritization_rule=StaticRouterRule(value=5))
    voice_worker(client, "w", queues=["q"])
    client.upsert_job("j1", channel_id="voice", classification_policy_id="cp")
    client.upsert_job("j2", channel_id="voice", queue_id="q")
    for seconds in (0, 30, 31):  # offered; the offer expires; both jobs wait too long and are cancelled
        client.send_request(HttpRequest("POST", "/_emulator/clock:advance", json={"seconds": seconds}))
    assert client.get_job("j1").status == "cancelled"
    with pytest.raises(Exception):  # noqa: B017 - a 404 is logged like any other answer
        client.get_job("missing")
    return sent


def test_json_log_has_one_line_per_request_and_no_secret(tmp_path):
    emulator = CliEmulator("--in-memory", "--clock", "virtual", "--log-format", "json", directory=tmp_path)
    try:
        sent = _drive(emulator)
        unsigned = httpx.get(emulator.endpoint + "routing/queues?api-version=2023-11-01")
        assert unsigned.status_code == 401
        login = httpx.get(emulator.login_url)
        assert login.status_code == 303
    finally:
        log = emulator.stop()

    lines = [json.loads(line) for line in log.splitlines()]  # every line is one JSON object
    requests = [line for line in lines if line["logger"] == "jobrouter_emulator.requests"]
    expected = [(r.method, urlparse(r.url).path) for r in sent]
    expected += [("GET", "/routing/queues"), ("GET", "/_emulator/")]
    assert [(r["method"], r["path"]) for r in requests] == expected
    assert all(isinstance(r["durationMs"], float) and r["durationMs"] >= 0 for r in requests)
    by_operation: Dict[Any, Dict[str, Any]] = {}
    for r in requests:
        by_operation.setdefault((r["operation"], r["status"]), r)  # the first of each
    assert by_operation[("upsert_job", 201)]["jobId"] == "j1"
    assert by_operation[("upsert_worker", 201)]["workerId"] == "w"
    assert by_operation[("get_job", 404)]["jobId"] == "missing"
    assert ("advance_clock", 200) in by_operation and ("list_queues", 401) in by_operation
    assert ("dashboard_page", 303) in by_operation

    decisions = [line for line in lines if line["logger"] == "jobrouter_emulator.routing"]
    kinds = {d["eventType"] for d in decisions}
    assert {
        "RouterJobClassified",
        "RouterJobQueued",
        "RouterWorkerOfferIssued",
        "RouterWorkerOfferExpired",
        "RouterJobExceptionTriggered",
    } <= kinds
    classified = next(d for d in decisions if d["eventType"] == "RouterJobClassified")
    assert (classified["jobId"], classified["queueId"]) == ("j1", "q")
    assert classified["message"] == "job j1 classified to queue q, priority 5"

    secrets = [DEFAULT_ACCESS_KEY, urlparse(emulator.login_url).query.split("=", 1)[1]]
    secrets += [r.headers["Authorization"].split("Signature=", 1)[1] for r in sent]
    assert len(secrets) == 2 + 12  # the key, the token and the signature of each of the 12 signed requests
    for secret in secrets:
        assert secret not in log
    assert "Signature=" not in log and "accesskey" not in log.lower()


def test_text_log_has_one_line_per_request_with_its_operation_and_ids(tmp_path):
    emulator = CliEmulator("--in-memory", directory=tmp_path)
    try:
        client = JobRouterClient.from_connection_string(emulator.connection_string, retry_total=0)
        client.upsert_worker(
            "w 1", capacity=1, available_for_offers=True
        )  # an id that the path encodes: logged as sent, named decoded
        client.get_worker("w 1")
    finally:
        log = emulator.stop()
    request_lines = [line for line in log.splitlines() if "jobrouter_emulator.requests:" in line]
    assert len(request_lines) == 2
    line = r"INFO +jobrouter_emulator\.requests: {} /routing/workers/w%201 {} {} \d+\.\d ms workerId=w 1$"
    assert re.search(line.format("PATCH", "upsert_worker", 201), request_lines[0]), request_lines[0]
    assert re.search(line.format("GET", "get_worker", 200), request_lines[1]), request_lines[1]
    assert "jobrouter_emulator.routing: worker w 1 registered, capacity 1" in log


def test_log_level_warning_keeps_requests_out(tmp_path):
    emulator = CliEmulator("--in-memory", "--log-level", "warning", directory=tmp_path)
    try:
        JobRouterClient.from_connection_string(emulator.connection_string).upsert_worker("w", capacity=1)
    finally:
        log = emulator.stop()
    assert "jobrouter_emulator.requests" not in log and "jobrouter_emulator.routing" not in log


def test_redaction_masks_what_a_message_might_quote():
    redact = RedactSecrets(["s3cret-key"]).redact
    assert redact("endpoint=http://h/;accesskey=abc+/==") == "endpoint=http://h/;accesskey=***"
    assert redact("HMAC-SHA256 SignedHeaders=x-ms-date;host&Signature=AbC+/=") == (
        "HMAC-SHA256 SignedHeaders=x-ms-date;host&Signature=***"
    )
    assert redact("calling https://fn.example/api/rule?code=xyz") == "calling https://fn.example/api/rule?***"
    assert redact("Authorization: Bearer eyJ0.abc") == "Authorization: Bearer ***"
    assert redact("the key s3cret-key leaked") == "the key *** leaked"
    # The patterns are skipped on lines without their trigger words, found whatever their case.
    assert redact("Endpoint=x;AccessKey=abc") == "Endpoint=x;AccessKey=***"
    assert redact("BEARER tok.en") == "BEARER ***"


def test_json_lines_carry_the_record_fields():
    record = logging.LogRecord("jobrouter_emulator.requests", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.fields = {"status": 200, "message": "not over the message"}
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["status"], line["level"], line["logger"]) == (
        "GET /x",
        200,
        "info",
        "jobrouter_emulator.requests",
    )


def test_faulted_requests_are_logged_and_a_drop_still_drops(caplog):
    from jobrouter_emulator import EmbeddedEmulator
    from jobrouter_emulator.api.faults import FaultPlan

    caplog.set_level(logging.INFO, logger="jobrouter_emulator.requests")
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    with EmbeddedEmulator(faults=FaultPlan(drop=0.5, unavailable=0.5, seed=1)) as emulator:
        for _ in range(6):
            try:
                httpx.get(emulator.endpoint + "routing/workers/w?api-version=2023-11-01")
            except httpx.TransportError:  # dropped: no answer at all
                pass
    lines = [r for r in caplog.records if r.name == "jobrouter_emulator.requests"]
    statuses = sorted(str(r.fields["status"]) for r in lines)
    assert len(lines) == 6 and "503" in statuses and "None" in statuses  # a drop has no status
    assert all(r.getMessage().startswith("GET /routing/workers/w get_worker ") for r in lines)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "the server saw a drop as an error"
