"""The closed forms themselves, against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from jobrouter_emulator.simulation.theory import ErlangA, ErlangC, agents_for_service_level, erlang_b, erlang_c


def test_erlang_b_and_c_by_hand() -> None:
    # a = 2 Erlangs, c = 3: B = (8/6) / (1 + 2 + 2 + 8/6) = 4/19; C = (8/6 · 3) / (1 + 2 + 2 + 4) = 4/9.
    assert erlang_b(3, 2.0) == pytest.approx(4 / 19)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    queue = ErlangC(3, 2.0, 1.0)  # λ = 2/s, handle 1 s
    assert queue.average_speed_of_answer == pytest.approx(4 / 9)  # C / (cμ − λ) = (4/9) / 1
    assert queue.service_level(0.5) == pytest.approx(1 - 4 / 9 * math.exp(-0.5))


def test_erlang_c_refuses_an_overloaded_queue() -> None:
    with pytest.raises(ValueError, match="load below the number of agents"):
        erlang_c(5, 5.0)


def test_staffing_for_80_20_at_600_calls_an_hour() -> None:
    agents = agents_for_service_level(600 / 3600, 180, 0.8, 20)
    assert ErlangC(agents, 600 / 3600, 180).service_level(20) >= 0.8
    assert ErlangC(agents - 1, 600 / 3600, 180).service_level(20) < 0.8
    assert agents == 35


def test_erlang_a_by_hand_and_in_its_limits() -> None:
    # Patience as long as a call (θ = μ): the chain is M/M/∞, N ~ Poisson(a). c = 1, a = 1: the abandonment rate is
    # θ·E[max(N − 1, 0)] = E[N] − P(N ≥ 1) = 1 − (1 − e⁻¹) = e⁻¹, per arrival (λ = 1).
    assert ErlangA(1, 1.0, 1.0, 1.0).abandonment_share == pytest.approx(math.exp(-1))
    # Endless patience: nobody hangs up and the waiting probability is Erlang C's.
    endless = ErlangA(20, 20 * 0.95 / 180, 180, 1e12)
    assert endless.abandonment_share == pytest.approx(0, abs=1e-6)
    assert endless.wait_probability == pytest.approx(erlang_c(20, 19.0), rel=1e-5)
    # An overloaded queue is stable with abandonment: the share lost is at least the excess load.
    overloaded = ErlangA(10, 12 / 180, 180, 60)
    assert 1 - 10 / 12 < overloaded.abandonment_share < 1
