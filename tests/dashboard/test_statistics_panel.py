"""The dashboard's statistics panel in a real browser (headless Chromium, tests/dashboard/_browser.py): after the
scripted day (tests/emulator/statistics/_day.py) on the virtual clock, every figure it shows equals the JSON
route's, to the second, coloured by the route's ratings; and it follows a move of the clock without a reload."""

from __future__ import annotations

from typing import Any, Dict, Optional

import httpx
import pytest

from jobrouter_emulator import EmbeddedEmulator, HmacAuth
from tests.emulator.statistics._day import EXPECTED_QUEUES, SERVICE_LEVELS, Day

from ._browser import keep_screenshot, require_browser, start_chromium

READ_PANEL = """
const rows = (table, key) => Object.fromEntries([...document.querySelectorAll(`#${table} tbody tr`)].map((tr) => [
  tr.dataset[key],
  Object.fromEntries([...tr.querySelectorAll("td[data-field]")].map((td) => [
    td.dataset.field, {text: td.firstChild.textContent.trim(), value: td.dataset.value, colour: td.className}]))]));
return {
  until: document.getElementById("statistics").dataset.until || "",
  queues: rows("stat-queues", "queueId"),
  workers: rows("stat-workers", "workerId"),
  bars: [...document.querySelectorAll("#stat-chart rect.stat-bar")].map((r) => [r.dataset.start, r.dataset.offered]),
  points: [...document.querySelectorAll("#stat-chart circle.stat-point")]
    .map((c) => [c.dataset.start, c.dataset.serviceLevel]),
};
"""


def percent(share: Optional[float]) -> str:
    return "–" if share is None else f"{share * 100:.1f} %"


def seconds(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.1f} s"


def colour(rating: Optional[str]) -> str:
    return "num" if rating in (None, "none") else f"num rating-{rating}"


@pytest.fixture
def played():
    require_browser()
    with EmbeddedEmulator(clock="virtual", service_levels=SERVICE_LEVELS) as emulator:
        Day(emulator).play()
        yield emulator


@pytest.fixture
def browser(tmp_path):
    driver = start_chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()


def _route(emulator: EmbeddedEmulator) -> Dict[str, Any]:
    response = httpx.get(f"{emulator.endpoint}_emulator/statistics", auth=HmacAuth(emulator.access_key))
    assert response.status_code == 200
    return response.json()


def _panel_at(browser, until: str) -> Dict[str, Any]:
    from selenium.webdriver.support.ui import WebDriverWait

    shown: Dict[str, Any] = {}

    def caught_up(_: Any) -> bool:
        shown.update(browser.execute_script(READ_PANEL))
        return shown["until"] == until

    WebDriverWait(browser, 15, poll_frequency=0.05).until(caught_up, message=f"the panel never showed {until}")
    return shown


def _expected_panel(report: Dict[str, Any]) -> Dict[str, Any]:
    """What the panel must show for ``report``: each figure as text, its raw value and its colour."""
    queues = {
        queue_id: {
            "serviceLevel": {
                "text": percent(q["serviceLevel"]),
                "value": "" if q["serviceLevel"] is None else str(q["serviceLevel"]).removesuffix(".0"),
                "colour": colour(q["ratings"]["serviceLevel"]),
            },
            "averageSpeedOfAnswerSeconds": {
                "text": seconds(q["averageSpeedOfAnswerSeconds"]),
                "colour": colour(q["ratings"]["averageSpeedOfAnswerSeconds"]),
            },
            "abandoned": {"text": str(q["abandoned"]), "colour": colour(q["ratings"]["abandoned"])},
            "waiting": {"text": str(q["waiting"]), "colour": colour(q["ratings"]["waiting"])},
            "offered": {"text": str(q["offered"]), "colour": "num"},
            "answered": {"text": str(q["answered"]), "colour": "num"},
        }
        for queue_id, q in report["queues"].items()
    }
    workers = {
        worker_id: {
            "handled": {"text": str(w["handled"])},
            "occupancy": {"text": percent(w["occupancy"])},
            "averageHandleTimeSeconds": {"text": seconds(w["averageHandleTimeSeconds"])},
        }
        for worker_id, w in report["workers"].items()
    }
    return {"queues": queues, "workers": workers}


def _compare(shown: Dict[str, Any], expected: Dict[str, Any]) -> None:
    for table in ("queues", "workers"):
        assert sorted(shown[table]) == sorted(expected[table])
        for key, fields in expected[table].items():
            for field, want in fields.items():
                got = shown[table][key][field]
                assert {k: got[k] for k in want} == want, (table, key, field)


def test_the_panel_shows_the_json_routes_figures_and_colours(played, browser, tmp_path):
    report = _route(played)
    assert {q: f["serviceLevel"] for q, f in report["queues"].items()} == {
        q: f["serviceLevel"] for q, f in EXPECTED_QUEUES.items()
    }  # the day as worked out by hand

    browser.get(played.dashboard_login_url())
    shown = _panel_at(browser, report["until"])
    _compare(shown, _expected_panel(report))
    assert shown["queues"]["sales"]["serviceLevel"]["text"] == "33.3 %"
    assert shown["queues"]["sales"]["serviceLevel"]["colour"] == "num rating-red"
    assert shown["workers"]["w1"]["occupancy"]["text"] == "24.6 %"
    assert shown["bars"] == [[i["start"], str(i["total"]["offered"])] for i in report["intervals"]]
    assert shown["points"] == [
        [i["start"], str(i["total"]["serviceLevel"]).removesuffix(".0")]
        for i in report["intervals"]
        if i["total"]["serviceLevel"] is not None
    ]
    browser.save_screenshot(str(tmp_path / "statistics.png"))
    keep_screenshot(tmp_path / "statistics.png")

    # An hour later on the virtual clock, without a reload: j6 has waited 3,800 s and the panel says so.
    played.advance(3600)
    later = _route(played)
    assert later["queues"]["sales"]["longestWaitingSeconds"] == 3800.0
    shown = _panel_at(browser, later["until"])
    _compare(shown, _expected_panel(later))
