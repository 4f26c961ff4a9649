"""Record the scripted day's events (tests/emulator/statistics/_day.py) for the replay test:

.venv/bin/python -m tests.emulator.statistics.record_day tests/emulator/statistics/data/statistics_day_events.json
"""

from __future__ import annotations

import json
import sys

import httpx

from jobrouter_emulator import EmbeddedEmulator, HmacAuth
from tests.emulator.statistics._day import SERVICE_LEVELS, Day

SOURCE = (
    "the scripted day of tests/emulator/statistics/_day.py, played on the emulator's virtual clock and read from "
    "GET /_emulator/events: python -m tests.emulator.statistics.record_day <this file>"
)


def record(path: str) -> None:
    with EmbeddedEmulator(clock="virtual", service_levels=SERVICE_LEVELS) as emulator:
        Day(emulator).play()
        page = httpx.get(emulator.endpoint + "_emulator/events?since=0", auth=HmacAuth(emulator.access_key)).json()
        events = [{k: v for k, v in e.items() if k != "sequence"} for e in page["value"]]
        until = emulator.statistics()["until"]
    with open(path, "w") as out:
        json.dump({"source": SOURCE, "until": until, "events": events}, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    record(sys.argv[1])
