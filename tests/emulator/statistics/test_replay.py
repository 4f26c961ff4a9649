"""Replaying a recorded event sequence (the scripted day as the emulator emitted it, in
tests/emulator/statistics/data/) through :class:`Statistics` alone gives the figures worked out by hand: the same
code reads live events, recorded ones and a simulation's."""

from __future__ import annotations

import json
from pathlib import Path

from jobrouter_emulator.engine.times import parse_time
from jobrouter_emulator.statistics import Statistics
from tests.emulator.statistics._day import EXPECTED_QUEUES, EXPECTED_WORKERS, SERVICE_LEVELS

RECORDED = json.loads((Path(__file__).parent / "data" / "statistics_day_events.json").read_text())


def test_the_recorded_day_replays_to_the_figures_worked_out_by_hand():
    statistics = Statistics(queue_service_level_seconds=SERVICE_LEVELS)
    for event in RECORDED["events"]:
        statistics.feed(event)

    report = statistics.report(now=parse_time(RECORDED["until"]))
    assert report["queues"] == EXPECTED_QUEUES
    assert report["workers"] == EXPECTED_WORKERS
