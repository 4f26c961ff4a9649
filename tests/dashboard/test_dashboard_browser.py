"""The dashboard in a real browser (headless Chromium from the system's packages, driven by Selenium), against the
``jobrouter-emulator`` command started as a developer starts it.

It logs in with the URL the command printed, sees a queue with 3 waiting jobs and a worker with an open offer,
accepts the offer through the SDK and sees the page follow without a reload, and saves a screenshot
(``dashboard.png`` in the test's temporary directory, and in $DASHBOARD_SCREENSHOTS when set). Without the token the
page answers 401, and the token works once. About 3-5 s, most of it Chromium starting.
"""

from __future__ import annotations

import httpx
import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from tests._cli_process import CliEmulator
from tests._workers import voice_worker
from tests.integration._polling import wait_for

from ._browser import keep_screenshot, require_browser, start_chromium

QUEUE, WORKER, JOBS = "support", "agent-ana", ["call-1", "call-2", "call-3"]


@pytest.fixture
def emulator(tmp_path):
    require_browser()  # before starting anything
    started = CliEmulator("--in-memory", "--log-level", "warning", directory=tmp_path)
    yield started
    log = started.stop()
    assert "Traceback" not in log, log


@pytest.fixture
def browser(tmp_path):
    driver = start_chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()


def _text(browser, css: str) -> str:
    """The element's text, read in one step in the page (the page redraws its tables as it updates: an element found
    first and read after could be gone by then)."""
    script = "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';"
    return browser.execute_script(script, css)


def _wait_until(browser, condition, what: str, timeout: float = 15.0) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout, poll_frequency=0.05).until(lambda _: condition(), message=what)


def test_the_dashboard_shows_routing_live(emulator, browser, tmp_path):
    # Without the token, and with a token that is not one, the page answers 401 (a login form).
    page = emulator.endpoint + "_emulator/"
    assert httpx.get(page).status_code == 401
    assert httpx.get(page + "?token=not-the-token").status_code == 401
    assert httpx.get(page + "dashboard/stream").status_code == 401

    admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
    client = JobRouterClient.from_connection_string(emulator.connection_string)
    admin.upsert_distribution_policy("ten-minutes", offer_expires_after_seconds=600, mode=LongestIdleMode())
    admin.upsert_queue(QUEUE, name="Customer support", distribution_policy_id="ten-minutes")
    voice_worker(client, WORKER, queues=[QUEUE], labels={"language": "en"})
    for job_id in JOBS:
        client.upsert_job(job_id, channel_id="voice", queue_id=QUEUE, priority=1)
    offer = wait_for(lambda: client.get_worker(WORKER).offers)[0]

    browser.get(emulator.login_url)  # the URL the command printed
    assert browser.current_url == page  # the token was exchanged for a cookie and left the address bar
    queue_row, worker_row = f'tr[data-queue-id="{QUEUE}"]', f'tr[data-worker-id="{WORKER}"]'
    _wait_until(browser, lambda: _text(browser, f'{queue_row} [data-field="length"]') == "3", "3 jobs waiting")
    _wait_until(browser, lambda: offer.job_id in _text(browser, f'{worker_row} [data-field="offers"]'), "the offer")
    assert _text(browser, f'{worker_row} [data-field="assigned"]') == "–"
    # Its one unit of capacity is held by the offer: registered and taking offers, but full, not available.
    _wait_until(browser, lambda: "1 full" in _text(browser, f'{queue_row} [data-field="available"]'), "full")
    assert _text(browser, f'{queue_row} [data-field="available"]').startswith("0 / 1")
    assert _text(browser, f'{worker_row} [data-field="full"]').startswith("full")
    assert browser.find_element("id", "live").get_attribute("data-state") == "live"
    browser.execute_script("window.stillTheSamePage = true;")  # gone if the page reloads
    # Waits move on between snapshots (nothing is written meanwhile): a queued job's with its queue's.
    job_wait = f'tr[data-job-id="{JOBS[2]}"] [data-field="waited"]'
    queue_wait = f'{queue_row} [data-field="longest-wait"]'
    first_job, first_queue = _text(browser, job_wait), _text(browser, queue_wait)
    _wait_until(browser, lambda: _text(browser, job_wait) not in ("", "–", first_job), "the job's wait ticks", 6)
    _wait_until(browser, lambda: _text(browser, queue_wait) not in ("", first_queue), "the queue's wait ticks", 6)

    accepted = client.accept_job_offer(WORKER, offer.offer_id)

    _wait_until(browser, lambda: _text(browser, f'{queue_row} [data-field="length"]') == "2", "the queue shrinks")
    _wait_until(browser, lambda: accepted.job_id in _text(browser, f'{worker_row} [data-field="assigned"]'), "assigned")
    assert _text(browser, f'{worker_row} [data-field="offers"]') == "–"
    assert _text(browser, f'tr[data-job-id="{accepted.job_id}"] [data-field="status"]') == "assigned"
    _wait_until(browser, lambda: "WorkerOfferAccepted" in _text(browser, "#events"), "the event in the stream")
    assert browser.execute_script("return window.stillTheSamePage === true;"), "the page was reloaded"

    screenshot = tmp_path / "dashboard.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
    keep_screenshot(screenshot)
    print(f"screenshot: {screenshot}")

    # The login URL worked once; the cookie it gave is the browser's only (HttpOnly: no script can read it).
    assert httpx.get(emulator.login_url).status_code == 401
    assert "jobrouter_emulator_session" not in browser.execute_script("return document.cookie;")
