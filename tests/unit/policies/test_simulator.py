"""Tests for policies/simulator.py: queueing, lanes, processor sharing, billing, scaling."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.capacity import capacities
from policies.baselines import StaticPolicy
from policies.query_forecast import QueryForecaster
from policies.scaler import Candidate, Scaler
from policies.simulator import SimConfig, simulate
from policies.trace import TEMPLATES, Calibration, Trace
from policies.workload_forecast import WorkloadForecaster

CAL = {t.name: Calibration(1.0, 0.1) for t in TEMPLATES}
POINT = 0  # order_by_key
ETL = next(i for i, t in enumerate(TEMPLATES) if t.klass == "etl")
START = 4 * 1440


def shape(rpus: int, lane: bool) -> tuple[int, int]:
    slots = max(1, rpus // 8)
    return slots, (1 + slots // 8) if lane else 0


def trace(arrival: list[float], work: list[float], template: list[int] | None = None) -> Trace:
    n = len(arrival)
    return Trace(np.array(arrival), np.array(template or [ETL] * n, dtype=np.int16),
                 np.array(work), np.zeros(n, bool), TEMPLATES, START, 0,
                 [t.name for t in TEMPLATES])


def test_fifo_queueing_on_one_slot() -> None:
    r = simulate(trace([0.0, 0.1, 0.2], [1.0, 1.0, 1.0]), StaticPolicy(8), shape, CAL,
                 config=SimConfig(initial_capacity=8))
    assert r.start.tolist() == pytest.approx([0.0, 1.0, 2.0])
    assert r.latency.tolist() == pytest.approx([1.0, 1.9, 2.8])


def test_more_capacity_runs_them_together() -> None:
    r = simulate(trace([0.0, 0.1, 0.2], [1.0, 1.0, 1.0]), StaticPolicy(24), shape, CAL,
                 config=SimConfig(initial_capacity=24))
    assert r.wait.tolist() == pytest.approx([0.0, 0.0, 0.0])


def test_short_statements_take_the_lane_past_a_long_one() -> None:
    qf = QueryForecaster()
    for _ in range(20):
        qf.observe(TEMPLATES[POINT].name, None, 0.005)
    t = trace([0.0, 0.5, 1.0], [100.0, 100.0, 0.005], [ETL, ETL, POINT])
    r = simulate(t, StaticPolicy(8), shape, CAL,
                 config=SimConfig(initial_capacity=8, short_lane=True),
                 forecasters=(qf, WorkloadForecaster(), WorkloadForecaster()))
    assert r.accelerated.tolist() == [False, False, True]
    assert r.latency[2] == pytest.approx(0.005)
    assert r.start[1] == pytest.approx(100.0)  # the second long one waited for the slot


def test_without_a_lane_the_short_one_waits() -> None:
    t = trace([0.0, 1.0], [100.0, 0.005], [ETL, POINT])
    r = simulate(t, StaticPolicy(8), shape, CAL, config=SimConfig(initial_capacity=8))
    assert r.wait[1] == pytest.approx(99.0)


def test_processor_sharing_on_a_small_host() -> None:
    t = trace([0.0, 0.0], [1.0, 1.0])
    r = simulate(t, StaticPolicy(16), shape, CAL,
                 config=SimConfig(initial_capacity=16, host_parallelism=1.0))
    assert r.end.tolist() == pytest.approx([2.0, 2.0])
    unshared = simulate(t, StaticPolicy(16), shape, CAL, config=SimConfig(initial_capacity=16))
    assert unshared.end.tolist() == pytest.approx([1.0, 1.0])


def test_weighted_sharing_favours_short_statements() -> None:
    # One host: a long statement (unknown to the forecaster, so not short) runs alone for 1 s,
    # then a short one arrives. At weight 0.25 the short one gets 0.8 of the host, so its
    # 0.04 s of work take 0.05 s; the long one gets the 0.2 left meanwhile and finishes later
    # by the short one's work.
    qf = QueryForecaster()
    for _ in range(20):
        qf.observe(TEMPLATES[POINT].name, None, 0.04)
    t = trace([0.0, 1.0], [2.0, 0.04], [ETL, POINT])

    def run(weight: float) -> np.ndarray:
        r = simulate(t, StaticPolicy(16), shape, CAL,
                     config=SimConfig(initial_capacity=16, short_lane=True,
                                      host_parallelism=1.0, long_weight=weight),
                     forecasters=(qf, WorkloadForecaster(), WorkloadForecaster()))
        return r.end
    assert run(0.25).tolist() == pytest.approx([2.04, 1.05])
    assert run(1.0).tolist() == pytest.approx([2.04, 1.08])  # equal sharing: 0.5 each


def test_short_statements_are_never_faster_than_alone() -> None:
    qf = QueryForecaster()
    for _ in range(20):
        qf.observe(TEMPLATES[POINT].name, None, 0.3)
    # Two hosts' worth of compute, one short and three long statements: the short one runs
    # at rate 1, the long ones share the other 1.
    t = trace([0.0, 0.0, 0.0, 0.0], [0.3, 3.0, 3.0, 3.0], [POINT, ETL, ETL, ETL])
    r = simulate(t, StaticPolicy(32), shape, CAL,
                 config=SimConfig(initial_capacity=32, short_lane=True, host_parallelism=2.0,
                                  long_weight=0.1),
                 forecasters=(qf, WorkloadForecaster(), WorkloadForecaster()))
    assert r.end[0] == pytest.approx(0.3)
    # Until 0.3 s the long ones get 1/3 each; then 2/3 each for the remaining 3 - 0.1.
    assert r.end[1:].tolist() == pytest.approx([0.3 + (3.0 - 0.1) * 1.5] * 3)


def test_a_small_statement_demands_part_of_the_host() -> None:
    # A point query that keeps one of two cores busy (demand 0.5 of a host of 1) beside an
    # ETL statement that keeps both busy (demand 1): equal weights give each 0.5, all the point
    # query wants, so it runs at full speed and the ETL statement at half until it is done.
    t = trace([0.0, 0.0], [0.2, 1.0], [POINT, ETL])
    r = simulate(t, StaticPolicy(16), shape, CAL,
                 config=SimConfig(initial_capacity=16, host_parallelism=1.0,
                                  demand=(0.5, 1.0, 1.0, 1.0)))
    assert r.end.tolist() == pytest.approx([0.2, 1.1])
    # Two point queries fit the host together: neither slows down.
    two = simulate(trace([0.0, 0.0], [0.2, 0.2], [POINT, POINT]), StaticPolicy(16), shape,
                   CAL, config=SimConfig(initial_capacity=16, host_parallelism=1.0,
                                         demand=(0.5, 1.0, 1.0, 1.0)))
    assert two.end.tolist() == pytest.approx([0.2, 0.2])


def test_long_weight_is_validated() -> None:
    with pytest.raises(ValueError, match="long_weight"):
        SimConfig(long_weight=0.0)
    with pytest.raises(ValueError, match="demand"):
        SimConfig(demand=(1.0, 1.0))


def test_billing_charges_busy_seconds_with_a_minimum() -> None:
    t = trace([0.0, 200.0], [5.0, 90.0])
    r = simulate(t, StaticPolicy(32), shape, CAL, config=SimConfig(initial_capacity=32))
    assert r.busy == [(0.0, 5.0), (200.0, 290.0)]
    assert r.billed_rpu_seconds() == pytest.approx(32 * (60 + 90))
    s = r.summary()
    assert s["rpu_hours"] == pytest.approx(32 * 150 / 3600)
    assert s["cost_usd"] == pytest.approx(s["rpu_hours"] * 0.375)


def test_the_scaler_grows_the_pool_for_a_queue_and_shrinks_after() -> None:
    arrivals = [0.5 + 0.01 * i for i in range(40)] + [900.0]
    t = trace(arrivals, [30.0] * 40 + [1.0])
    cands = [Candidate(c, max(1, c // 8)) for c in capacities(8, 512)]
    qf = QueryForecaster()
    for _ in range(10):
        qf.observe(TEMPLATES[ETL].name, None, 30.0)  # the statements' history is known
    r = simulate(t, Scaler(50, cands, down_after_s=60, hold_s=60), shape, CAL,
                 config=SimConfig(initial_capacity=8, tick_s=10.0),
                 forecasters=(qf, WorkloadForecaster(), WorkloadForecaster()))
    assert r.capacities.max() >= 160
    assert r.capacities[-1] < r.capacities.max()
    assert r.decisions[0][2] > r.decisions[0][1] and "queued" in r.decisions[0][3]
    assert r.wait.max() < 10.0  # queued until the next tick, not behind one another


def test_an_unknown_workload_is_sized_by_what_it_learns() -> None:
    t = trace([0.5 + 0.01 * i for i in range(40)], [30.0] * 40)
    cands = [Candidate(c, max(1, c // 8)) for c in capacities(8, 512)]
    r = simulate(t, Scaler(50, cands), shape, CAL, config=SimConfig(initial_capacity=8))
    # The prior (1 s) undersizes the first step; the first completions correct it.
    assert 10.0 < r.wait.max() < 120.0
