"""A run's result: the statistics module's report (the same definitions as ``GET /_emulator/statistics``) with what
only a simulation knows (worker groups, the waits' distribution, how long it took), and the mean and 95% interval
of every figure over replications."""

from __future__ import annotations

import bisect
import csv
import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ..statistics import Statistics
from .driver import RunOutcome
from .scenario import Scenario

# Upper edges of the waits' histogram, in seconds (the last bucket is everything above the last edge).
WAIT_EDGES = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600)

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom; beyond, 1.96 + 2.4/df is within 0.002.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
    2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(degrees: int) -> float:
    """The 97.5% quantile of Student's t with ``degrees`` degrees of freedom."""
    return _T975[degrees - 1] if degrees <= len(_T975) else 1.96 + 2.4 / degrees


def build_result(scenario: Scenario, statistics: Statistics, outcome: RunOutcome) -> Dict[str, Any]:
    """One run's result JSON."""
    since = outcome.start + timedelta(seconds=scenario.warm_up) if scenario.warm_up else outcome.start
    report = statistics.report(since=since, until=outcome.end)
    workers: Dict[str, Any] = report["workers"]
    groups: Dict[str, Any] = {}
    for group in scenario.workers:
        members = [workers[w] for w in group.worker_ids() if w in workers]
        available = sum(m["availableSeconds"] or 0 for m in members)
        busy = sum(m["busySeconds"] or 0 for m in members)
        groups[group.id_prefix] = {
            "workers": group.count,
            "handled": sum(m["handled"] for m in members),
            # Time-weighted, as a worker's own: busy time of the group / its available time.
            "occupancy": round(busy / available, 6) if available else None,
            "offersDeclined": sum(m["offersDeclined"] for m in members),
            "offersExpired": sum(m["offersExpired"] for m in members),
        }
    return {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "serviceLevelSeconds": scenario.service_level_seconds,
        "warmUpSeconds": scenario.warm_up,
        "simulatedSeconds": (outcome.end - outcome.start).total_seconds(),
        "jobs": outcome.jobs,
        "unfinishedJobs": outcome.unfinished,
        "wallSeconds": round(outcome.wall_seconds, 3),
        "since": report["since"],
        "until": report["until"],
        "queues": report["queues"],
        "total": report["total"],
        "workers": workers,
        "groups": groups,
        "intervals": report["intervals"],
        "waits": wait_histogram(outcome, scenario.warm_up),
    }


def wait_histogram(outcome: RunOutcome, warm_up: float) -> Dict[str, Any]:
    """How many waits ended answered or abandoned within each bucket of ``WAIT_EDGES`` (jobs that arrived after the
    warm-up)."""
    answered = [0] * (len(WAIT_EDGES) + 1)
    abandoned = [0] * (len(WAIT_EDGES) + 1)
    for _, arrived, waited, was_answered in outcome.waits:
        if arrived >= warm_up:
            bucket = bisect.bisect_left(WAIT_EDGES, waited)
            (answered if was_answered else abandoned)[bucket] += 1
    return {"edgesSeconds": list(WAIT_EDGES), "answered": answered, "abandoned": abandoned}


# -- replications -------------------------------------------------------------------------------------------------
def combine(results: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """The mean of every figure over ``results`` (one per replication), with ``ci95`` [low, high] beside the figures
    of each object: mean ± t(0.975, n-1) × standard deviation / √n."""
    combined = _combine_mapping(results)
    combined["replications"] = len(results)
    combined["seeds"] = [r.get("seed") for r in results]
    combined["wallSeconds"] = round(sum(float(r.get("wallSeconds") or 0) for r in results), 3)
    return combined


def _combine_mapping(items: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    keys: List[str] = []
    for item in items:
        keys.extend(k for k in item if k not in keys)
    out: Dict[str, Any] = {}
    intervals: Dict[str, List[float]] = {}
    for key in keys:
        values = [item.get(key) for item in items]
        present = [v for v in values if v is not None]
        if not present:
            out[key] = None
        elif all(_is_number(v) for v in present):
            mean, interval = _mean_interval([float(v) for v in present])
            out[key] = round(mean, 6)
            if interval is not None:
                intervals[key] = interval
        elif all(isinstance(v, Mapping) for v in present):
            out[key] = _combine_mapping(present)
        elif all(isinstance(v, list) for v in present):
            out[key] = _combine_list(present)
        else:
            out[key] = present[0]
    if intervals:
        out["ci95"] = intervals
    return out


def _combine_list(lists: Sequence[List[Any]]) -> List[Any]:
    length = min(len(v) for v in lists)
    combined: List[Any] = []
    for i in range(length):
        column = [v[i] for v in lists]
        if all(isinstance(c, Mapping) for c in column):
            combined.append(_combine_mapping(column))
        elif all(_is_number(c) for c in column):
            combined.append(round(sum(float(c) for c in column) / len(column), 6))
        else:
            combined.append(column[0])
    return combined


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mean_interval(values: List[float]) -> tuple[float, Optional[List[float]]]:
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, None
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return mean, [round(mean - half, 6), round(mean + half, 6)]


# -- files --------------------------------------------------------------------------------------------------------
def write_json(result: Mapping[str, Any], path: Union[str, Path]) -> None:
    Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def write_csv(result: Mapping[str, Any], folder: Union[str, Path]) -> List[Path]:
    """``queues.csv``, ``groups.csv``, ``workers.csv`` and ``intervals.csv`` in ``folder``; a figure's 95%
    interval, after replications, in ``<figure>.low`` and ``<figure>.high`` columns."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    tables = {
        "queues.csv": ("queue", [(q, f) for q, f in result["queues"].items()]),
        "groups.csv": ("group", list(result["groups"].items())),
        "workers.csv": ("worker", list(result["workers"].items())),
        "intervals.csv": (
            "start,queue",
            [(f"{i['start']},{q}", f) for i in result["intervals"] for q, f in i["queues"].items()],
        ),
    }
    written = []
    for name, (key_header, rows) in tables.items():
        columns: List[str] = []
        for _, figures in rows:
            columns.extend(c for c in _flat(figures) if c not in columns)
        path = target / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(key_header.split(",") + columns)
            for key, figures in rows:
                flat = _flat(figures)
                writer.writerow(key.split(",", 1) + ["" if flat.get(c) is None else flat[c] for c in columns])
        written.append(path)
    return written


def _flat(figures: Mapping[str, Any]) -> Dict[str, Any]:
    flat = {k: v for k, v in figures.items() if k != "ci95" and not isinstance(v, (Mapping, list))}
    for name, (low, high) in (figures.get("ci95") or {}).items():
        flat[f"{name}.low"], flat[f"{name}.high"] = low, high
    return flat
