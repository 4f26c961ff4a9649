"""Event parsing speed: a batch of 1,000 mixed Router events read into typed objects, against azure-eventgrid.

    .venv/bin/python benchmarks/events.py

Both sides read the same batch (the 21 events of seed 003, repeated) and touch every field of every event's data
once: ours through typed attributes (dates as datetime, nested selectors as objects), azure-eventgrid through
``EventGridEvent.from_dict`` and dict access on ``event.data`` (strings, as the JSON had them). Best of 7 runs,
measured side by side in one process; each run reads its own batch, whose date-times are all distinct.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

from azure.eventgrid import EventGridEvent

from azure.communication.jobrouter.events import EVENT_CLASSES, parse_events

RUNS = 7
SEED = Path(__file__).resolve().parent.parent / "tests" / "events" / "data" / "seed_003_events.json"


def _touch_typed(value: Any) -> int:
    """Read every field of a typed model (recursively), as an application reading the event would."""
    count = 0
    for name in type(value)._fields:
        item = getattr(value, name)
        count += 1
        if isinstance(item, list):
            for element in item:
                if hasattr(type(element), "_fields"):
                    count += _touch_typed(element)
        elif hasattr(type(item), "_fields"):
            count += _touch_typed(item)
    return count


def _touch_dict(value: Dict[str, Any]) -> int:
    count = 0
    for item in value.values():
        count += 1
        if isinstance(item, list):
            for element in item:
                if isinstance(element, dict):
                    count += _touch_dict(element)
        elif isinstance(item, dict):
            count += _touch_dict(item)
    return count


def ours(batch: List[Dict[str, Any]]) -> int:
    return sum(_touch_typed(event.data) + (event.event_time is not None) for event in parse_events(batch))


def ours_from_bytes(payload: bytes) -> int:
    return sum(_touch_typed(event.data) + (event.event_time is not None) for event in parse_events(payload))


def eventgrid(batch: List[Dict[str, Any]]) -> int:
    total = 0
    for raw in batch:
        event = EventGridEvent.from_dict(raw)
        total += _touch_dict(event.data) + (event.event_time is not None)
    return total


def eventgrid_from_bytes(payload: bytes) -> int:
    return eventgrid(json.loads(payload))


def best_ms(fn: Callable[[Any], int], args: List[Any]) -> float:
    """The best time of ``fn`` over ``args``, one run each."""
    best = float("inf")
    for arg in args:
        start = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - start)
    return best * 1000


_YEAR = re.compile(r"\d{4}(?=-\d{2}-\d{2}T)|(?<=/)\d{4}(?= )")


def batches(seed: List[Dict[str, Any]], runs: int = RUNS) -> List[List[Dict[str, Any]]]:
    """A batch of 1,000 events per run, every event's date-times in a year of its own (1000-7999): no date-time
    repeats within a run or across runs, so no cache of parsed dates can serve one event from another."""
    out = []
    for run in range(runs):
        batch = []
        for index in range(1000):
            text = json.dumps(dict(seed[index % len(seed)], id=f"event-{index}"))
            batch.append(json.loads(_YEAR.sub(str(1000 + run * 1000 + index), text)))
        out.append(batch)
    return out


def main() -> int:
    seed = json.loads(SEED.read_text())["events"]
    assert len(seed) == len(EVENT_CLASSES) == 21
    runs = batches(seed)
    payloads = [json.dumps(batch).encode() for batch in runs]
    rows = [
        ("1,000 events from dicts", best_ms(ours, runs), best_ms(eventgrid, runs)),
        ("1,000 events from JSON bytes", best_ms(ours_from_bytes, payloads), best_ms(eventgrid_from_bytes, payloads)),
    ]
    print("| workload (every data field read once) | ours, typed (ms) | EventGridEvent + dicts (ms) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for name, mine, theirs in rows:
        print(f"| {name} | {mine:.1f} | {theirs:.1f} | {theirs / mine:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
