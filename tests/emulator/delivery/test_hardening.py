"""Subscribers that cannot exhaust the emulator (issue 26): answers read up to 1 MB, one deadline per attempt, time to
live on real time whatever the emulator's clock, at most 500 subscriptions on a few common threads, private
dead-letter files. Each test failed against the code before its fix (noted per test)."""

from __future__ import annotations

import gc
import json
import logging
import stat
import threading
import time
import weakref
from pathlib import Path

import pytest

from jobrouter_emulator.delivery import MAX_SUBSCRIPTIONS, policy
from jobrouter_emulator.delivery.scheduler import WORKERS
from tests.integration._polling import wait_for

from ._control import control, register_workers, subscribe, subscription_view, wait_validated
from ._hostile import HostileWebhook


def _dead_letters(folder: Path):
    files = sorted(folder.rglob("*.json"))
    return files, [json.loads(p.read_text())[0] for p in files]


@pytest.fixture
def hostile():
    made = []

    def make(mode: str, **options):
        hook = HostileWebhook(mode, **options)
        made.append(hook)
        return hook

    yield make
    for hook in made:
        hook.close()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_200_mb_answer_fails_the_attempt_past_1_mb_and_is_retried(start_emulator, hostile, tmp_path, declared):
    # Before: the whole answer was read (the emulator grew by 200 MB per attempt) and the 200 counted as delivered.
    hook = hostile("huge", declared=declared)
    emulator = start_emulator()
    folder = tmp_path / "dead"
    subscribe(emulator, "greedy", endpointUrl=hook.url(), maxDeliveryAttempts=2, deadLetterFolder=str(folder))
    wait_validated(emulator, "greedy")
    register_workers(emulator, "w1")
    _, (letter,) = wait_for(lambda: (found := _dead_letters(folder)) and found[0] and found)
    assert letter["deadLetterReason"] == "MaxDeliveryAttemptsExceeded" and letter["deliveryAttempts"] == 2
    assert letter["lastHttpStatusCode"] == 200 and letter["lastDeliveryOutcome"] == "GenericError"
    assert hook.notifications == 2  # retried like a bad status
    view = subscription_view(emulator, "greedy", deadLetteredEvents=1)
    assert view["deliveredEvents"] == 0
    assert hook.bytes_sent < 64 * 1024 * 1024  # the emulator hung up instead of reading 2 x 200 MB


def test_a_trickling_answer_ends_at_the_attempts_deadline(start_emulator, hostile, tmp_path, monkeypatch):
    # Before: httpx's timeout bounded each read, so one byte every 0.2 s held the attempt for 20 s, then delivered.
    monkeypatch.setattr(policy, "RESPONSE_TIMEOUT_SECONDS", 1.0)  # Event Grid's 30 s, shortened for the test
    hook = hostile("trickle", every=0.2)
    emulator = start_emulator()
    folder = tmp_path / "dead"
    subscribe(emulator, "trickled", endpointUrl=hook.url(), maxDeliveryAttempts=2, deadLetterFolder=str(folder))
    wait_validated(emulator, "trickled")
    started = time.monotonic()
    register_workers(emulator, "w1")
    _, (letter,) = wait_for(lambda: (found := _dead_letters(folder)) and found[0] and found, timeout=10)
    assert time.monotonic() - started < 8  # two attempts of about 1 s each, not 2 x 20 s
    assert letter["deadLetterReason"] == "MaxDeliveryAttemptsExceeded" and letter["deliveryAttempts"] == 2
    assert letter["lastDeliveryOutcome"] == "TimedOut" and letter["lastHttpStatusCode"] == 0


def test_redirects_are_not_followed(start_emulator, webhook):
    webhook.answer = lambda r: (
        (307, {"Location": webhook.url("/moved")}, b"") if r.path == "/events" and r.is_notification else None
    )
    emulator = start_emulator()
    subscribe(emulator, "redirected", endpointUrl=webhook.url(), maxDeliveryAttempts=2)
    wait_validated(emulator, "redirected")
    register_workers(emulator, "w1")
    view = subscription_view(emulator, "redirected", deadLetteredEvents=1)
    assert view["lastDeliveryOutcome"] == "GenericError" and view["deliveredEvents"] == 0
    assert len(webhook.notifications("/events")) == 2 and not webhook.requests("/moved")


@pytest.mark.parametrize("clock", ["system", "virtual"])
def test_time_to_live_runs_on_real_time_with_either_clock(start_emulator, webhook, clock):
    # Before, on the virtual clock: an event's age was real now - its (standing) eventTime, so every event committed
    # more than the time to live after the start was dead-lettered as TimeToLiveExceeded with 0 attempts.
    emulator = start_emulator(clock=clock)  # retry scale 0.001: 20 minutes to live is 1.2 s
    subscribe(emulator, "patient", endpointUrl=webhook.url(), eventTimeToLiveInMinutes=20)
    wait_validated(emulator, "patient")
    time.sleep(2.0)  # longer than the time to live, before the event is committed
    register_workers(emulator, "w1")
    view = subscription_view(emulator, "patient", deliveredEvents=1)
    assert view["deadLetteredEvents"] == 0 and len(webhook.events()) == 1


@pytest.mark.parametrize("clock", ["system", "virtual"])
def test_expired_events_are_dead_lettered_on_real_time_with_either_clock(start_emulator, webhook, tmp_path, clock):
    webhook.answer = lambda r: (500, {}, b"down") if r.is_notification else None
    emulator = start_emulator(clock=clock)
    folder = tmp_path / "dead"
    subscribe(emulator, "expiring", endpointUrl=webhook.url(), eventTimeToLiveInMinutes=5, deadLetterFolder=str(folder))
    wait_validated(emulator, "expiring")
    if clock == "virtual":
        emulator.advance(3600)  # the emulator's clock moves an hour ahead: time to live does not care
    register_workers(emulator, "w1")
    _, (letter,) = wait_for(lambda: (found := _dead_letters(folder)) and found[0] and found)
    assert letter["deadLetterReason"] == "TimeToLiveExceeded" and letter["deliveryAttempts"] >= 1
    assert letter["publishTime"] == letter["eventTime"]  # event time stays on the emulator's clock


def test_at_most_500_subscriptions_on_a_few_threads(start_emulator, webhook):
    # Before: no limit (the 501st was created) and a thread per subscription.
    emulator = start_emulator()
    for index in range(MAX_SUBSCRIPTIONS):
        subscribe(
            emulator, f"s{index:03}", endpointUrl=webhook.url(f"/{index}"), includedEventTypes=["RouterJobQueued"]
        )
    refused = control(emulator, "PUT", "/_emulator/eventSubscriptions/one-too-many", {"endpointUrl": webhook.url()})
    assert refused.status_code == 400
    error = refused.json()["communicationError"]
    assert (
        error["code"] == "BadRequest"
        and "500 event subscriptions" in error["message"]
        and "delete one" in error["message"]
    )
    delivery_threads = [t for t in threading.enumerate() if t.name.startswith("jobrouter-delivery")]
    assert len(delivery_threads) <= WORKERS
    assert (
        control(emulator, "PUT", "/_emulator/eventSubscriptions/s000", {"endpointUrl": webhook.url()}).status_code
        == 200
    )
    assert control(emulator, "DELETE", "/_emulator/eventSubscriptions/s001").status_code == 204
    created = control(emulator, "PUT", "/_emulator/eventSubscriptions/one-more", {"endpointUrl": webhook.url()})
    assert created.status_code == 201  # a deleted subscription frees its place


def test_deleting_a_subscription_in_a_long_retry_pause_frees_it(start_emulator, webhook):
    webhook.answer = lambda r: (503, {}, b"busy") if r.is_notification else None
    emulator = start_emulator(retry_scale=1.0)  # the next attempt would be 10 s away
    subscribe(emulator, "doomed", endpointUrl=webhook.url())
    wait_validated(emulator, "doomed")
    register_workers(emulator, "w1")
    wait_for(lambda: webhook.notifications())
    delivery = emulator._running().delivery
    subscriber = weakref.ref(delivery._subscribers["doomed"])
    assert control(emulator, "DELETE", "/_emulator/eventSubscriptions/doomed").status_code == 204
    wait_for(lambda: gc.collect() is not None and subscriber() is None, timeout=5)
    assert delivery._scheduler.waiting() == 0


def test_dead_letter_folders_are_0700_and_files_0600(start_emulator, webhook, tmp_path, caplog):
    # Before: folders 0755 and files 0644 (with the usual umask), though dead letters hold job labels.
    webhook.answer = lambda r: (400, {}, b"no") if r.is_notification else None
    emulator = start_emulator()
    new_folder = tmp_path / "new" / "dead"
    open_folder = tmp_path / "open-to-all"
    open_folder.mkdir(mode=0o755)
    open_folder.chmod(0o755)
    subscribe(emulator, "private", endpointUrl=webhook.url(), deadLetterFolder=str(new_folder))
    subscribe(emulator, "in-open-folder", endpointUrl=webhook.url(), deadLetterFolder=str(open_folder))
    wait_validated(emulator, "private")
    wait_validated(emulator, "in-open-folder")
    with caplog.at_level(logging.WARNING, logger="jobrouter_emulator.delivery.deadletter"):
        register_workers(emulator, "w1")
        files, _ = wait_for(lambda: (found := _dead_letters(new_folder)) and found[0] and found)
        open_files, _ = wait_for(lambda: (found := _dead_letters(open_folder)) and found[0] and found)
    mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
    folders = [new_folder, *[p for p in new_folder.rglob("*") if p.is_dir()]]
    assert len(folders) == 6  # the named folder, then PRIVATE/<year>/<month>/<day>/<hour>
    assert {mode(folder) for folder in folders} == {0o700}
    assert {mode(path) for path in files + open_files} == {0o600}
    assert mode(open_folder) == 0o755  # an existing folder is not changed, but warned about
    warnings = [r.getMessage() for r in caplog.records if "readable by others" in r.getMessage()]
    assert len(warnings) == 1 and str(open_folder) in warnings[0] and "chmod" in warnings[0]
