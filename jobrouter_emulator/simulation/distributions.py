"""Random durations (handle time, patience, time to accept, wrap-up), each drawn from a seeded ``random.Random``.

A scenario spells one as a one-key mapping: ``{fixed: s}``, ``{exponential: mean}``,
``{lognormal: {mean: s, sd: s}}`` or ``{uniform: [a, b]}``; a bare number means ``fixed``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Tuple

from .durations import parse_duration
from .errors import ScenarioError


@dataclass(frozen=True)
class Distribution:
    kind: str
    parameters: Tuple[float, ...]

    def sample(self, rng: random.Random) -> float:
        """One draw, in seconds (never negative)."""
        return max(0.0, _SAMPLERS[self.kind](rng, self.parameters))

    @property
    def mean(self) -> float:
        """The distribution's mean, in seconds."""
        return _MEANS[self.kind](self.parameters)

    def describe(self) -> Dict[str, Any]:
        """The scenario spelling of this distribution (for results)."""
        p = self.parameters
        if self.kind == "lognormal":
            return {"lognormal": {"mean": p[2], "sd": p[3]}}
        if self.kind == "uniform":
            return {"uniform": list(p)}
        return {self.kind: p[0]}


def _lognormal_sample(rng: random.Random, p: Tuple[float, ...]) -> float:
    return rng.lognormvariate(p[0], p[1])


_SAMPLERS: Dict[str, Callable[[random.Random, Tuple[float, ...]], float]] = {
    "fixed": lambda rng, p: p[0],
    "exponential": lambda rng, p: rng.expovariate(1.0 / p[0]) if p[0] > 0 else 0.0,
    "lognormal": _lognormal_sample,
    "uniform": lambda rng, p: rng.uniform(p[0], p[1]),
}
_MEANS: Dict[str, Callable[[Tuple[float, ...]], float]] = {
    "fixed": lambda p: p[0],
    "exponential": lambda p: p[0],
    "lognormal": lambda p: p[2],
    "uniform": lambda p: (p[0] + p[1]) / 2,
}


def parse_distribution(value: Any, field: str) -> Distribution:
    """The distribution a scenario spells at ``field``; a ScenarioError naming the field otherwise."""
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return Distribution("fixed", (parse_duration(value, field),))
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ScenarioError(
            field,
            "expected one of {fixed: s}, {exponential: mean}, {lognormal: {mean: s, sd: s}}, {uniform: [a, b]}, "
            f"got {value!r}",
        )
    ((kind, spec),) = value.items()
    where = f"{field}.{kind}"
    if kind in ("fixed", "exponential"):
        return Distribution(kind, (parse_duration(spec, where),))
    if kind == "uniform":
        if not isinstance(spec, (list, tuple)) or len(spec) != 2:
            raise ScenarioError(where, f"expected [low, high], got {spec!r}")
        low, high = parse_duration(spec[0], f"{where}[0]"), parse_duration(spec[1], f"{where}[1]")
        if high < low:
            raise ScenarioError(where, f"high must not be below low, got {spec!r}")
        return Distribution(kind, (low, high))
    if kind == "lognormal":
        if not isinstance(spec, Mapping) or set(spec) != {"mean", "sd"}:
            raise ScenarioError(where, f"expected {{mean: s, sd: s}}, got {spec!r}")
        mean, sd = parse_duration(spec["mean"], f"{where}.mean"), parse_duration(spec["sd"], f"{where}.sd")
        if mean <= 0:
            raise ScenarioError(f"{where}.mean", f"must be above 0, got {spec['mean']!r}")
        # The normal's parameters that give this mean and standard deviation.
        sigma2 = math.log(1 + (sd / mean) ** 2)
        return Distribution(kind, (math.log(mean) - sigma2 / 2, math.sqrt(sigma2), mean, sd))
    raise ScenarioError(field, f"unknown distribution {kind!r}; use fixed, exponential, lognormal or uniform")
