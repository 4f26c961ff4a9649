"""What a statistics report costs as the day grows: fold and report times for 1k, 8k and 64k jobs.

    .venv/bin/python benchmarks/statistics_report.py

Synthetic events straight into :class:`jobrouter_emulator.statistics.Statistics` (no emulator): a job every 0.5 s
over 10 queues and 50 workers; three in four are answered after 7 s and closed after 60 s, the fourth is cancelled
after 30 s, except the last ``--waiting`` jobs, which are still queued at the report. Two reports: everything so far
(running tallies for the jobs that ended, a walk over the others) and the same window with an explicit ``until``
(a walk over every wait, as a ``since``/``until``/``interval`` query does).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

from jobrouter_emulator.engine.times import format_time
from jobrouter_emulator.statistics import Statistics

T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)


def _event(name: str, t: float, **data: Any) -> Dict[str, Any]:
    moment = format_time(T0 + timedelta(seconds=t))
    return {"eventType": f"Microsoft.Communication.{name}", "eventTime": moment, "data": data}


def day(jobs: int, waiting: int) -> List[Dict[str, Any]]:
    events = []
    for i in range(jobs):
        t, job, queue = i * 0.5, f"j{i}", f"q{i % 10}"
        events.append(_event("RouterJobQueued", t, jobId=job, queueId=queue))
        if i >= jobs - waiting:
            continue
        if i % 4:
            worker, assignment = f"w{i % 50}", f"a{i}"
            events.append(
                _event(
                    "RouterWorkerOfferAccepted",
                    t + 7,
                    jobId=job,
                    queueId=queue,
                    workerId=worker,
                    assignmentId=assignment,
                )
            )
            events.append(_event("RouterJobClosed", t + 60, jobId=job, assignmentId=assignment))
        else:
            events.append(_event("RouterJobCancelled", t + 30, jobId=job, queueId=queue))
    events.sort(key=lambda e: e["eventTime"])
    return events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1000, 8000, 64000])
    parser.add_argument("--waiting", type=int, default=100)
    args = parser.parse_args()
    print("| jobs | fold (us/event) | report, everything so far (ms) | report, explicit until (ms) |")
    print("| ---: | ---: | ---: | ---: |")
    for jobs in args.jobs:
        events = day(jobs, args.waiting)
        statistics = Statistics()
        began = time.perf_counter()
        for event in events:
            statistics.feed(event)
        fold = (time.perf_counter() - began) / len(events) * 1e6
        now = T0 + timedelta(seconds=jobs * 0.5 + 120)
        timings = []
        for options in ({"now": now}, {"until": now}):
            began = time.perf_counter()
            statistics.report(**options)  # type: ignore[arg-type]
            timings.append((time.perf_counter() - began) * 1000)
        print(f"| {jobs:,} | {fold:.1f} | {timings[0]:.1f} | {timings[1]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
