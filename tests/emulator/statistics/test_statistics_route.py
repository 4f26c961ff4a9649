"""``GET /_emulator/statistics`` and ``EmbeddedEmulator.statistics()`` on a scripted day played on the virtual clock
(tests/emulator/statistics/_day.py): the figures worked out by hand, the same from both, and as CSV."""

from __future__ import annotations

import csv
import io
from typing import Iterator

import httpx
import pytest

from azure.communication.jobrouter import JobRouterAdministrationClient, JobRouterClient
from azure.communication.jobrouter.models import LongestIdleMode
from jobrouter_emulator import EmbeddedEmulator, HmacAuth
from tests.emulator.statistics._day import EXPECTED_QUEUES, EXPECTED_WORKERS, SERVICE_LEVELS, Day
from tests.integration._polling import wait_for


@pytest.fixture(scope="module")
def played() -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(clock="virtual", service_levels=SERVICE_LEVELS) as emulator:
        Day(emulator).play()
        yield emulator


def _get(emulator: EmbeddedEmulator, query: str = "", **kwargs) -> httpx.Response:
    return httpx.get(f"{emulator.endpoint}_emulator/statistics{query}", auth=HmacAuth(emulator.access_key), **kwargs)


def test_the_route_and_the_embedded_emulator_give_the_figures_worked_out_by_hand(played):
    response = _get(played)
    assert response.status_code == 200
    report = response.json()

    assert report == played.statistics()
    assert report["queues"] == EXPECTED_QUEUES
    assert report["workers"] == EXPECTED_WORKERS
    assert report["until"] == played.now().isoformat()
    starts = [interval["start"] for interval in report["intervals"]]
    assert len(starts) == 2  # T0 and T0 + 15 min (now: T0 + 20 min)
    first, second = report["intervals"]
    assert sorted(first["queues"]) == ["parked", "sales", "support"] and sorted(second["queues"]) == ["sales"]
    assert first["queues"]["support"] == EXPECTED_QUEUES["support"]
    assert second["queues"]["sales"]["waiting"] == 1 and second["queues"]["sales"]["offered"] == 1


def test_since_until_interval_and_service_level_narrow_the_report(played):
    full = played.statistics()
    t0 = full["intervals"][0]["start"]
    response = _get(played, "", params={"since": t0, "until": full["intervals"][1]["start"], "interval": "300"})
    report = response.json()
    assert response.status_code == 200 and report["intervalSeconds"] == 300
    assert report["queues"]["sales"]["offered"] == 3 and report["queues"]["sales"]["waiting"] == 0  # j6 came later
    assert [i["total"]["offered"] for i in report["intervals"]] == [6, 0, 0, 0]  # every wait but j6 in 0-300 s

    stricter = _get(played, "", params=[("serviceLevel", "10"), ("serviceLevel", "sales=14")]).json()
    assert stricter["queues"]["sales"]["answeredWithinThreshold"] == 0  # j1 waited 15 s
    assert stricter["queues"]["support"]["serviceLevelSeconds"] == 10.0
    assert stricter["queues"]["support"]["answeredWithinThreshold"] == 1  # j4 (10 s), not j5 (20 s)


def test_csv_has_a_row_per_queue_worker_and_interval(played):
    response = _get(played, "?format=csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_kind = {(row["row"], row["id"]): row for row in rows if row["row"] in ("queue", "worker", "total")}
    assert by_kind[("queue", "sales")]["serviceLevel"] == "0.333333"
    assert by_kind[("queue", "sales")]["averageSpeedOfAnswerSeconds"] == "15.0"
    assert by_kind[("worker", "w1")]["occupancy"] == "0.245833"
    assert by_kind[("total", "")]["offered"] == "7"
    assert sum(1 for row in rows if row["row"] == "interval") == 4  # 3 queues in the first, 1 in the second


@pytest.mark.parametrize(
    "query, target",
    [
        ("?since=yesterday", "since"),
        ("?interval=0", "interval"),
        ("?interval=nan", "interval"),
        ("?serviceLevel=sales%3Dsoon", "serviceLevel"),
        ("?format=xml", "format"),
        ("?sinse=2026-01-01T00:00:00Z", "sinse"),
        ("?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "since"),
        # Values a new user's trial got a 500 for:
        ("?interval=1e-9", "interval"),
        ("?interval=1e308", "interval"),
        ("?serviceLevel=1e308", "serviceLevel"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(played, query, target):
    response = _get(played, query)
    assert response.status_code == 400
    assert response.json()["communicationError"]["target"] == target


def test_an_until_past_now_reports_as_of_now(played):
    report = _get(played, "?until=9999-12-31T23:59:59Z").json()
    assert report["until"] == played.now().isoformat()
    assert report["queues"] == played.statistics()["queues"]
    future = played.now().replace(year=played.now().year + 1).isoformat()
    assert _get(played, "", params={"since": future}).status_code == 400  # after now, so after until


def test_the_embedded_emulator_names_what_it_cannot_use(played):
    from datetime import datetime

    with pytest.raises(ValueError, match="since must be a date-time with its time zone"):
        played.statistics(since=datetime(2026, 12, 6, 10))
    with pytest.raises(ValueError, match="until must be a date-time"):
        played.statistics(until="2026-12-06")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="interval must be at least 1 seconds"):
        played.statistics(interval_seconds=1e-9)


def test_unsigned_requests_are_refused(played):
    assert httpx.get(f"{played.endpoint}_emulator/statistics").status_code == 401


def test_a_reset_empties_the_statistics():
    with EmbeddedEmulator(clock="virtual") as emulator:
        Day(emulator).play()
        assert emulator.statistics()["total"]["offered"] == 7
        emulator.reset()
        report = _get(emulator).json()
        assert (report["queues"], report["workers"], report["total"]["offered"]) == ({}, {}, 0)


def test_the_dashboards_copy_needs_a_session_and_gives_the_same_report(played):
    page = f"{played.endpoint}_emulator/dashboard/"
    assert httpx.get(page + "statistics").status_code == 401
    assert httpx.get(page + "statistics.js").status_code == 401
    with httpx.Client() as session:
        assert session.get(played.dashboard_login_url()).status_code == 303
        assert session.get(page + "statistics").json() == _get(played).json()
        assert session.get(page + "statistics.js").headers["content-type"].startswith("text/javascript")
        assert session.get(page + "statistics?interval=0").status_code == 400


def test_a_durable_emulator_starts_again_with_the_statistics_of_its_stored_events(tmp_path):
    with EmbeddedEmulator(in_memory=False, data_dir=tmp_path) as emulator:
        admin = JobRouterAdministrationClient.from_connection_string(emulator.connection_string)
        admin.upsert_distribution_policy("dp", offer_expires_after_seconds=60, mode=LongestIdleMode())
        admin.upsert_queue("q", distribution_policy_id="dp")
        client = JobRouterClient.from_connection_string(emulator.connection_string)
        client.upsert_job("j1", channel_id="voice", queue_id="q")
        client.upsert_job("j2", channel_id="voice", queue_id="q")
        wait_for(lambda: emulator.statistics()["queues"].get("q", {}).get("offered") == 2)
        client.cancel_job("j2")
        wait_for(lambda: emulator.statistics()["queues"]["q"]["abandoned"] == 1)
    with EmbeddedEmulator(in_memory=False, data_dir=tmp_path) as restarted:
        queue = restarted.statistics()["queues"]["q"]
        assert (queue["offered"], queue["abandoned"], queue["waiting"]) == (2, 1, 1)
