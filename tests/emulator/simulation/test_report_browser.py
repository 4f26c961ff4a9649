"""The compare report in Chromium, offline: its charts and tables carry the result JSON's numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, List

import pytest

from jobrouter_emulator.cli import main

from ...dashboard._browser import keep_screenshot, require_browser, start_chromium
from ._scenarios import basic


def _dig(data: Any, path: str) -> Any:
    for key in path.split("/"):
        data = data[key]
    return data


@pytest.fixture(scope="module")
def compare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("compare")
    a, b = basic(name="ten", duration="1h"), basic(name="twelve", duration="1h")
    b["workers"][0]["count"] = 12
    b["demand"][0]["patience"] = a["demand"][0]["patience"] = {"exponential": 60}
    (folder / "a.json").write_text(json.dumps(a))
    (folder / "b.json").write_text(json.dumps(b))
    code = main(
        ["simulate", str(folder / "a.json"), str(folder / "b.json"), "--report", str(folder / "compare.html"),
         "--json", str(folder / "compare.json")]
    )  # fmt: skip
    assert code == 0
    return folder


def test_the_report_loads_nothing_from_elsewhere(compare: Path) -> None:
    page = (compare / "compare.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert "<script src" not in page


def test_the_compare_report_shows_the_json_numbers(compare: Path, tmp_path: Path) -> None:
    require_browser()
    from selenium.webdriver.common.by import By

    results = json.loads((compare / "compare.json").read_text())["compare"]
    a, b = results
    browser = start_chromium(tmp_path / "profile")
    try:
        browser.get((compare / "compare.html").as_uri())
        assert browser.title == "Routing simulation: ten vs twelve"
        # Offline: the page asked for no resource at all.
        assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
        # Tables: every figure of both scenarios and the difference.
        cells = browser.find_elements(By.CSS_SELECTOR, "td[data-figure]")
        checked = 0
        for cell in cells:
            figure, scenario, value = (cell.get_attribute(n) for n in ("data-figure", "data-scenario", "data-value"))
            if scenario == "difference":
                expected: Any = None
                left, right = _dig(a, figure), _dig(b, figure)
                if left is not None and right is not None:
                    expected = right - left
            else:
                expected = _dig(a if scenario == "a" else b, figure)
            if expected is None:
                assert value == "" and cell.text == "–"
            else:
                assert float(value) == pytest.approx(expected, abs=1e-9), figure
                assert cell.is_displayed() and cell.text
            checked += 1
        queue_figures = [c for c in cells if c.get_attribute("data-figure").startswith("queues/sales/")]
        assert len(queue_figures) == 9 * 3 and checked == len(cells)
        level = browser.find_element(By.CSS_SELECTOR, 'td[data-figure="queues/sales/serviceLevel"][data-scenario="b"]')
        assert level.text == f"{b['queues']['sales']['serviceLevel']:.1%}"
        # Charts: offered jobs and service level per interval, for both scenarios.
        for key, result in (("a", a), ("b", b)):
            bars = _values(browser, f'#chart-intervals rect[data-series="offered"][data-scenario="{key}"]')
            assert bars == [i["total"]["offered"] for i in result["intervals"]]
            levels = _values(browser, f'#chart-intervals circle[data-series="serviceLevel"][data-scenario="{key}"]')
            assert levels == [
                i["total"]["serviceLevel"] for i in result["intervals"] if i["total"]["serviceLevel"] is not None
            ]
            waits = _values(browser, f'#chart-waits rect[data-series="answered"][data-scenario="{key}"]')
            assert waits == [n for n in result["waits"]["answered"]]
            occupancy = _values(browser, f'#chart-occupancy rect[data-scenario="{key}"]')
            assert occupancy == pytest.approx([result["groups"]["agent"]["occupancy"] * 100])
            abandoned = _values(browser, f'#chart-abandonment rect[data-scenario="{key}"]')
            sales = result["queues"]["sales"]
            assert abandoned == pytest.approx([100 * sales["abandoned"] / sales["offered"]])
        # The bars are drawn: a non-zero figure has a visible height.
        tallest = max(
            browser.find_elements(By.CSS_SELECTOR, "#chart-intervals rect[data-series]"),
            key=lambda r: float(r.get_attribute("data-value")),
        )
        assert tallest.rect["height"] > 50
        browser.save_screenshot(str(tmp_path / "simulation-compare.png"))
        keep_screenshot(tmp_path / "simulation-compare.png")
    finally:
        browser.quit()


def _values(browser: Any, selector: str) -> List[float]:
    from selenium.webdriver.common.by import By

    return [float(e.get_attribute("data-value")) for e in browser.find_elements(By.CSS_SELECTOR, selector)]
