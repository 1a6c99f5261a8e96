"""Tests for policies/scaler.py: the queueing model, the objective, levels and hysteresis."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.capacity import capacities
from policies.scaler import (
    Candidate,
    Demand,
    Observation,
    Scaler,
    erlang_c,
    expected_waiting,
    latency_weight,
)

CANDIDATES = [Candidate(c, max(1, c // 8)) for c in capacities(8, 256)]


def demand(work_per_s: float, mean_s: float = 2.0, minutes: int = 15) -> Demand:
    """A flat forecast: ``work_per_s`` slot-seconds per second of ``mean_s`` statements."""
    work = np.full(minutes, work_per_s * 60.0)
    return Demand(work / mean_s, work, 1.0)


def idle(now: float = 0.0, capacity: int = 64) -> Observation:
    return Observation(now, capacity, 0, 0)


def test_erlang_c_known_values() -> None:
    # M/M/1: P(wait) = rho; M/M/2 at 1 Erlang: 1/3.
    assert float(erlang_c(np.array(1), np.array(0.5))) == pytest.approx(0.5)
    assert float(erlang_c(np.array(2), np.array(1.0))) == pytest.approx(1 / 3)
    assert float(erlang_c(np.array(3), np.array(5.0))) == 1.0  # overloaded
    column = erlang_c(np.array([[1], [2], [4]]), np.array([0.9, 0.9]))
    assert column.shape == (3, 2) and column[0, 0] > column[1, 0] > column[2, 0]


def test_waiting_falls_with_slots_and_rises_with_load() -> None:
    slots = np.array([2, 4, 8, 16])
    light = expected_waiting(slots, idle(), demand(1.0))
    heavy = expected_waiting(slots, idle(), demand(3.0))
    assert np.all(np.diff(light[:, 0]) <= 0) and np.all(heavy[:, 0] >= light[:, 0])
    assert heavy[0, 0] > 100 * heavy[3, 0]  # 2 slots at 3 Erlangs: the queue explodes


def test_a_backlog_costs_waiting_until_drained() -> None:
    obs = Observation(0.0, 64, 8, 20, 30.0, queued_work_s=2400.0, running_work_s=480.0)
    w = expected_waiting(np.array([8, 32]), obs, demand(0.5))
    assert w[0, 0] > w[1, 0] > 0
    assert w[1, 5] == pytest.approx(expected_waiting(np.array([32]), idle(), demand(0.5))[0, 5])


def test_levels_order_capacity() -> None:
    chosen = [Scaler(level, CANDIDATES).decide(idle(), demand(6.0)).capacity
              for level in (1, 25, 50, 75, 100)]
    assert chosen == sorted(chosen) and chosen[0] < chosen[-1]
    assert all(c >= 56 for c in chosen)  # 6 Erlangs need at least 7 slots at any level


def test_weight_grows_with_level() -> None:
    weights = [latency_weight(level) for level in range(1, 101)]
    assert weights == sorted(weights)


def test_never_above_the_ceiling() -> None:
    d = Scaler(100, CANDIDATES[:8]).decide(idle(), demand(100.0))
    assert d.capacity == CANDIDATES[7].rpus


def test_scales_up_before_a_forecast_burst() -> None:
    work = np.array([0.5] + [20.0] * 14) * 60.0  # the burst starts next minute
    d = Scaler(50, CANDIDATES).decide(idle(capacity=8), Demand(work / 2.0, work, 1.0))
    assert d.capacity >= 168 and "forecast" in d.reason


def test_scales_up_for_a_queue_and_says_so() -> None:
    obs = Observation(0.0, 16, 2, 30, 20.0, queued_work_s=3000.0, running_work_s=100.0)
    d = Scaler(50, CANDIDATES).decide(obs, demand(0.5))
    assert d.capacity > 16 and "30 queued" in d.reason


def test_scale_down_waits_and_holds_after_an_up() -> None:
    s = Scaler(50, CANDIDATES, down_after_s=120, hold_s=300)
    up = s.decide(idle(0.0, 8), demand(8.0)).capacity
    assert up > 64
    quiet = demand(0.2)
    assert s.decide(idle(10.0, up), quiet).capacity == up  # a lower capacity just became best
    assert s.decide(idle(200.0, up), quiet).capacity == up  # still within hold_s of the up
    down = s.decide(idle(400.0, up), quiet)
    assert down.capacity < up and down.reason.startswith("scale down")


def test_a_brief_lull_does_not_flap() -> None:
    s = Scaler(50, CANDIDATES, down_after_s=120, hold_s=0)
    busy, lull = demand(8.0), demand(0.2)
    cap = s.decide(idle(0.0, 8), busy).capacity
    for t in range(10, 600, 10):
        # A lull of 60 s every 3 minutes never lasts long enough to scale down.
        d = lull if (t // 60) % 3 == 0 else busy
        assert s.decide(idle(float(t), cap), d).capacity == cap


def test_down_horizon_keeps_capacity_for_a_coming_peak() -> None:
    s = Scaler(50, CANDIDATES, down_after_s=0, hold_s=0)
    work = np.array([0.2] * 5 + [8.0] * 10) * 60.0  # quiet now, busy in five minutes
    d = s.decide(idle(0.0, 128), Demand(work / 2.0, work, 1.0))
    d = s.decide(idle(10.0, 128), Demand(work / 2.0, work, 1.0))
    assert d.capacity >= 80
