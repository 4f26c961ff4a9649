"""The statistics' settings from the command line and from embedding: taken, and refused with a message that says
what to fix."""

from __future__ import annotations

import httpx
import pytest

from jobrouter_emulator import EmbeddedEmulator, HmacAuth, cli
from jobrouter_emulator.statistics.settings import StatisticsSettings, service_levels
from tests._cli_process import CliEmulator


def test_service_level_tokens_give_a_default_and_per_queue_thresholds():
    assert service_levels(["15", "sales=30", "a=b=45"]) == (15.0, {"sales": 30.0, "a=b": 45.0})
    settings = StatisticsSettings.from_tokens(None, ["sales=30"])
    assert (settings.interval_seconds, settings.service_level_seconds) == (900.0, 20.0)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--service-level", "sales=soon"], "a service level is SECONDS or QUEUE=SECONDS, got 'sales=soon'"),
        (["--service-level", "=20"], "a service level is SECONDS or QUEUE=SECONDS, got '=20'"),
        (["--service-level", "sales=-1"], "the service level of sales must be at least 0 seconds"),
        (["--statistics-interval", "0"], "interval_seconds must be more than 0 seconds"),
    ],
)
def test_the_command_line_refuses_settings_that_cannot_work(argv, message, capsys):
    assert cli.main(["--in-memory", "--port", "0", *argv]) == 2
    assert message in capsys.readouterr().err


def test_embedding_refuses_them_before_starting():
    with pytest.raises(ValueError, match="service level of sales must be at least 0"):
        EmbeddedEmulator(service_levels={"sales": -1})
    with pytest.raises(ValueError, match="interval_seconds must be more than 0"):
        EmbeddedEmulator(statistics_interval=0)


def test_the_command_lines_settings_reach_the_route(tmp_path):
    emulator = CliEmulator(
        "--in-memory",
        "--statistics-interval",
        "60",
        "--service-level",
        "25",
        "--service-level",
        "vip=5",
        directory=tmp_path,
    )
    try:
        response = httpx.get(f"{emulator.endpoint}_emulator/statistics", auth=HmacAuth())
        assert response.status_code == 200
        report = response.json()
        assert (report["intervalSeconds"], report["serviceLevelSeconds"]) == (60.0, 25.0)
    finally:
        emulator.stop()
