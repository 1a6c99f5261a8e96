"""Tests for policies/query_forecast.py: history, plan regression, prior, plan features."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from policies.query_forecast import PlanFeatures, QueryForecaster, plan_features


def features(rows: float, joins: int = 0) -> PlanFeatures:
    return PlanFeatures(operators=2 + joins, scans=1 + joins, joins=joins, scan_rows=rows,
                        max_rows=rows, table_rows=rows)


def test_unknown_statement_gets_the_prior() -> None:
    qf = QueryForecaster(prior_seconds=2.0)
    f = qf.predict("fp")
    assert (f.seconds, f.source, f.samples) == (2.0, "prior", 0)
    assert f.p90_seconds > f.seconds


def test_history_wins_and_ignores_an_outlier() -> None:
    qf = QueryForecaster(window=16)
    for _ in range(15):
        qf.observe("fp", None, 0.2)
    qf.observe("fp", None, 50.0)  # one cold run
    f = qf.predict("fp")
    assert f.source == "history" and f.samples == 16
    assert f.seconds == pytest.approx(0.2, rel=0.1)


def test_history_adapts_to_drift_within_half_a_window() -> None:
    qf = QueryForecaster(window=16)
    for _ in range(16):
        qf.observe("fp", None, 1.0)
    for _ in range(9):
        qf.observe("fp", None, 4.0)  # the table grew
    assert qf.predict("fp").seconds == pytest.approx(4.0, rel=0.1)


def test_plan_regression_answers_for_unseen_fingerprints() -> None:
    rng = np.random.default_rng(0)
    qf = QueryForecaster()
    # Seconds proportional to rows scanned, joins doubling the cost.
    for i in range(400):
        rows = float(10 ** rng.uniform(3, 8))
        joins = int(rng.integers(0, 4))
        qf.observe(f"seen-{i % 40}", features(rows, joins), rows * 1e-7 * 2 ** joins)
    f = qf.predict("never-seen", features(1e7, 1))
    assert f.source == "plan"
    assert f.seconds == pytest.approx(2.0, rel=0.3)
    assert qf.predict("never-seen", features(1e4)).seconds < 0.01


def test_a_few_executions_blend_with_the_plan() -> None:
    qf = QueryForecaster()
    for i in range(100):
        qf.observe(f"other-{i}", features(1e6), 1.0)
    qf.observe("fp", features(1e6), 4.0)
    f = qf.predict("fp", features(1e6))
    assert f.source == "blend" and 1.0 < f.seconds < 4.0


def test_rank_of_predictions_follows_cost() -> None:
    qf = QueryForecaster()
    truth = {f"fp{i}": 0.01 * 2 ** i for i in range(10)}
    for _ in range(5):
        for fp, seconds in truth.items():
            qf.observe(fp, None, seconds)
    predicted = [qf.predict(fp).seconds for fp in truth]
    assert predicted == sorted(predicted)


def test_fingerprints_are_bounded() -> None:
    qf = QueryForecaster(max_fingerprints=3)
    for i in range(5):
        qf.observe(f"fp{i}", None, 1.0)
    assert qf.fingerprints == 3
    assert qf.predict("fp0").samples == 0 and qf.predict("fp4").samples == 1


def test_plan_features_of_a_duckdb_plan() -> None:
    plan = [{"name": "TOP_N", "children": [{"name": "HASH_JOIN", "extra_info": {
        "Estimated Cardinality": "5000"}, "children": [
            {"name": "SEQ_SCAN ", "children": [], "extra_info": {
                "Table": '"db".main.lineitem', "Estimated Cardinality": "6001215"}},
            {"name": "PERFECT_HASH_GROUP_BY", "children": [
                {"name": "SEQ_SCAN ", "children": [], "extra_info": {
                    "Table": "db.main.orders", "Estimated Cardinality": "1500000"}}]},
        ]}, {"name": "WINDOW", "children": []}]}]
    f = plan_features(json.dumps(plan), {"lineitem": 6e6, "db.main.orders": 1.5e6})
    assert (f.operators, f.scans, f.joins, f.aggregates, f.sorts, f.windows) == (6, 2, 1, 1, 1, 1)
    assert (f.scan_rows, f.max_rows, f.table_rows) == (7501215.0, 6001215.0, 7.5e6)
    assert f.vector()[1] == pytest.approx(math.log1p(7501215.0))
