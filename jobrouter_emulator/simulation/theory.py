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

import math
from dataclasses import dataclass


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


@dataclass(frozen=True)
class ErlangA:
    agents: int
    arrivals_per_second: float
    handle_seconds: float
    patience_seconds: float

    def _states(self) -> list[float]:
        lam, mu, theta = self.arrivals_per_second, 1 / self.handle_seconds, 1 / self.patience_seconds
        weights = [1.0]
        n = 0
        while True:
            n += 1
            death = min(n, self.agents) * mu + max(n - self.agents, 0) * theta
            weights.append(weights[-1] * lam / death)
            if weights[-1] > 1e250:  # rescale: far from overflow, ratios unchanged
                weights = [w * 1e-250 for w in weights]
            if n > self.agents and weights[-1] < 1e-16 * sum(weights):
                break
        total = sum(weights)
        return [w / total for w in weights]

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
