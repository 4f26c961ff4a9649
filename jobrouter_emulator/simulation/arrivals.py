"""When jobs arrive: a Poisson stream (``perHour``), a Poisson stream whose rate changes every 15 minutes
(``perInterval``), or the times listed in a CSV file (``csv``)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Tuple

from .durations import parse_duration
from .errors import ScenarioError

ARRIVAL_INTERVAL_SECONDS = 900.0  # perInterval counts are per 15 minutes, as workforce tools forecast them


@dataclass(frozen=True)
class Arrivals:
    per_hour: Optional[float] = None
    per_interval: Tuple[float, ...] = ()
    times: Tuple[float, ...] = ()  # from a CSV file: seconds from the start, sorted
    kind: str = "perHour"

    def expected(self, duration: float) -> float:
        """How many arrivals to expect before ``duration`` seconds."""
        if self.kind == "perHour":
            return (self.per_hour or 0.0) * duration / 3600
        if self.kind == "perInterval":
            full, part = divmod(duration, ARRIVAL_INTERVAL_SECONDS)
            counts = self.per_interval
            total = sum(counts[: int(full)])
            if int(full) < len(counts):
                total += counts[int(full)] * part / ARRIVAL_INTERVAL_SECONDS
            return float(total)
        return float(sum(1 for t in self.times if t < duration))

    def generate(self, rng: random.Random, duration: float) -> Iterator[float]:
        """Arrival times before ``duration``, in order."""
        if self.kind == "csv":
            yield from (t for t in self.times if t < duration)
            return
        t = 0.0
        while t < duration:
            rate = self._rate_at(t)  # per second
            boundary = self._next_change(t, duration)
            if rate <= 0:
                t = boundary
                continue
            gap = rng.expovariate(rate)
            if t + gap >= boundary:
                # No arrival before the rate changes; the stream is memoryless, so start afresh there.
                t = boundary
                continue
            t += gap
            yield t

    def _rate_at(self, t: float) -> float:
        if self.kind == "perHour":
            return (self.per_hour or 0.0) / 3600
        index = int(t // ARRIVAL_INTERVAL_SECONDS)
        return self.per_interval[index] / ARRIVAL_INTERVAL_SECONDS if index < len(self.per_interval) else 0.0

    def _next_change(self, t: float, duration: float) -> float:
        if self.kind == "perHour":
            return duration
        index = int(t // ARRIVAL_INTERVAL_SECONDS)
        if index >= len(self.per_interval):
            return duration
        return min(duration, (index + 1) * ARRIVAL_INTERVAL_SECONDS)


def parse_arrivals(value: Any, field: str, base: Optional[Path]) -> Arrivals:
    """The arrivals a scenario spells at ``field`` (CSV paths are relative to the scenario file's folder)."""
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ScenarioError(
            field, f"expected one of {{perHour: n}}, {{perInterval: [..]}}, {{csv: file}}, got {value!r}"
        )
    ((kind, spec),) = value.items()
    where = f"{field}.{kind}"
    if kind == "perHour":
        return Arrivals(per_hour=_rate(spec, where), kind=kind)
    if kind == "perInterval":
        if not isinstance(spec, list) or not spec:
            raise ScenarioError(where, f"expected a list of arrivals per 15 minutes, got {spec!r}")
        return Arrivals(per_interval=tuple(_rate(n, f"{where}[{i}]") for i, n in enumerate(spec)), kind=kind)
    if kind == "csv":
        if not isinstance(spec, str) or not spec:
            raise ScenarioError(where, f"expected a file name, got {spec!r}")
        return Arrivals(times=_read_csv(Path(spec) if base is None else base / spec, where), kind=kind)
    raise ScenarioError(field, f"unknown arrivals {kind!r}; use perHour, perInterval or csv")


def _rate(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise ScenarioError(field, f"expected a number of arrivals of at least 0, got {value!r}")
    return float(value)


def _read_csv(path: Path, field: str) -> Tuple[float, ...]:
    """The first column of each row: a time from the start (``90``, ``00:01:30``, ``1m30s``); a header is skipped."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and row[0].strip()]
    except OSError as exc:
        raise ScenarioError(field, f"cannot read {path}: {exc.strerror or exc}") from None
    times = []
    for number, row in enumerate(rows, start=1):
        cell = row[0].strip()
        if number == 1 and not any(ch.isdigit() for ch in cell):
            continue  # a header
        times.append(parse_duration(cell, f"{field} ({path.name} line {number})"))
    return tuple(sorted(times))
