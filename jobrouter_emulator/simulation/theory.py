"""Closed forms the simulator is checked against (and that a staffing sample can start from).

- **Erlang C** (M/M/c: Poisson arrivals at rate λ, exponential handle time of mean 1/μ, c agents, nobody hangs
  up), offered load a = λ/μ < c: the probability of waiting C(c, a) = c·B / (c − a(1 − B)) with B the Erlang B
  blocking probability (computed by its recursion B₀ = 1, Bₖ = a·Bₖ₋₁ / (k + a·Bₖ₋₁)); service level
  P(wait ≤ T) = 1 − C·e^(−(cμ − λ)T); average speed of answer ASA = C / (cμ − λ).
- **Erlang A** (M/M/c+M: as Erlang C, and each caller hangs up after an exponential patience of mean 1/θ): the
  stationary distribution of the birth-death chain with birth rate λ and death rate min(n, c)·μ + max(n − c, 0)·θ
  in state n; the abandonment share = Σₙ πₙ·max(n − c, 0)·θ / λ, the probability of waiting = Σ_{n≥c} πₙ (an arrival
  sees the stationary state, PASTA).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass
from typing import List, Sequence


def erlang_b(agents: int, load: float) -> float:
    """The Erlang B blocking probability of ``agents`` servers under ``load`` Erlangs."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(agents: int, load: float) -> float:
    """The probability that a caller waits (M/M/c), ``load`` = λ/μ in Erlangs, below ``agents``."""
    if not 0 <= load < agents:
        raise ValueError(f"Erlang C needs a load below the number of agents ({agents}), got {load!r}")
    blocking = erlang_b(agents, load)
    return agents * blocking / (agents - load * (1 - blocking))


@dataclass(frozen=True)
class ErlangC:
    agents: int
    arrivals_per_second: float
    handle_seconds: float

    @property
    def load(self) -> float:
        return self.arrivals_per_second * self.handle_seconds

    @property
    def wait_probability(self) -> float:
        return erlang_c(self.agents, self.load)

    def _drain_rate(self) -> float:
        return self.agents / self.handle_seconds - self.arrivals_per_second

    def service_level(self, threshold_seconds: float) -> float:
        """P(wait ≤ T)."""
        return 1 - self.wait_probability * math.exp(-self._drain_rate() * threshold_seconds)

    @property
    def average_speed_of_answer(self) -> float:
        """The mean wait, in seconds."""
        return self.wait_probability / self._drain_rate()


def agents_for_service_level(
    arrivals_per_second: float, handle_seconds: float, target: float, threshold_seconds: float
) -> int:
    """The fewest agents whose Erlang C service level at ``threshold_seconds`` reaches ``target``."""
    agents = int(arrivals_per_second * handle_seconds) + 1
    while ErlangC(agents, arrivals_per_second, handle_seconds).service_level(threshold_seconds) < target:
        agents += 1
    return agents


def stationary_distribution(
    agents: int, arrivals_per_second: float, handle_seconds: float, patience_seconds: float
) -> List[float]:
    """P(n calls in the system), n = 0, 1, ...: the birth-death chain above (``patience_seconds`` = inf for Erlang
    C, whose load must then be below ``agents``), cut where the rest is below 1e-16."""
    lam, mu = arrivals_per_second, 1 / handle_seconds
    theta = 0.0 if math.isinf(patience_seconds) else 1 / patience_seconds
    if theta == 0 and lam * handle_seconds >= agents:
        raise ValueError("without abandonment the load must be below the number of agents")
    weights = [1.0]
    n = 0
    while True:
        n += 1
        death = min(n, agents) * mu + max(n - agents, 0) * theta
        weights.append(weights[-1] * lam / death)
        if weights[-1] > 1e250:  # rescale: far from overflow, ratios unchanged
            weights = [w * 1e-250 for w in weights]
        if n > agents and weights[-1] < 1e-16 * sum(weights):
            break
    total = sum(weights)
    return [w / total for w in weights]


def sample_stationary(distribution: Sequence[float], rng: random.Random) -> int:
    """A number of calls in the system drawn from ``distribution`` (to start a run in steady state)."""
    return bisect.bisect_left(list(itertools.accumulate(distribution)), rng.random() * sum(distribution))


@dataclass(frozen=True)
class ErlangA:
    agents: int
    arrivals_per_second: float
    handle_seconds: float
    patience_seconds: float

    def _states(self) -> List[float]:
        return stationary_distribution(
            self.agents, self.arrivals_per_second, self.handle_seconds, self.patience_seconds
        )

    @property
    def abandonment_share(self) -> float:
        """The share of callers who hang up before an answer."""
        theta = 1 / self.patience_seconds
        states = self._states()
        lost = sum(p * max(n - self.agents, 0) * theta for n, p in enumerate(states))
        return lost / self.arrivals_per_second

    @property
    def wait_probability(self) -> float:
        return sum(p for n, p in enumerate(self._states()) if n >= self.agents)
