"""A statistics report as one CSV table for a spreadsheet (``GET /_emulator/statistics?format=csv``).

One row per queue over the whole window (``queue``), per queue and interval (``interval``), per worker
(``worker``), and the totals (``total``, ``interval total``: empty id). Queue rows leave the worker columns empty
and the other way round.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Dict, List, Mapping, Optional

QUEUE_COLUMNS = [
    "offered",
    "answered",
    "abandoned",
    "shortAbandoned",
    "transferred",
    "waiting",
    "answeredWithinThreshold",
    "serviceLevel",
    "serviceLevelSeconds",
    "averageSpeedOfAnswerSeconds",
    "averageWaitSeconds",
    "longestWaitSeconds",
    "handled",
    "averageHandleTimeSeconds",
    "averageWrapUpSeconds",
]
WORKER_COLUMNS = [
    "offersIssued",
    "offersAccepted",
    "offersDeclined",
    "offersExpired",
    "offersRevoked",
    "availableSeconds",
    "busySeconds",
    "occupancy",
]
COLUMNS = ["row", "start", "end", "id", *QUEUE_COLUMNS, *WORKER_COLUMNS]


def _row(kind: str, start: Optional[str], end: Optional[str], key: str, figures: Mapping[str, Any]) -> Dict[str, Any]:
    row = {"row": kind, "start": start or "", "end": end or "", "id": key}
    row.update({name: "" if figures.get(name) is None else figures[name] for name in COLUMNS[4:] if name in figures})
    return row


def report_csv(report: Mapping[str, Any]) -> str:
    """The report's figures as CSV text (header first)."""
    since, until = report.get("since"), report.get("until")
    rows: List[Dict[str, Any]] = [_row("queue", since, until, q, f) for q, f in report["queues"].items()]
    rows.append(_row("total", since, until, "", report["total"]))
    rows.extend(_row("worker", since, until, w, f) for w, f in report["workers"].items())
    for interval in report["intervals"]:
        start, end = interval["start"], interval["end"]
        rows.extend(_row("interval", start, end, q, f) for q, f in interval["queues"].items())
        rows.append(_row("interval total", start, end, "", interval["total"]))
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
