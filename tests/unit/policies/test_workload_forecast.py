"""Tests for policies/workload_forecast.py: seasonality, level, bursts, cold start, MASE."""

from __future__ import annotations

import numpy as np
import pytest

from policies.workload_forecast import (
    MINUTES_PER_DAY,
    WorkloadForecaster,
    mase,
    seasonal_naive,
)

MONDAY = 4 * MINUTES_PER_DAY  # 1970-01-05


def daily(days: int, *, weekend_factor: float = 0.3, noise: float = 0.0,
          seed: int = 0) -> np.ndarray:
    """A smooth daily cycle (peak at noon), quieter on weekends, starting on a Monday."""
    minute = np.arange(days * MINUTES_PER_DAY)
    h = (minute % MINUTES_PER_DAY) / 60.0
    rate = 5.0 + 50.0 * np.exp(-0.5 * ((h - 12.0) / 2.5) ** 2)
    weekend = (minute // MINUTES_PER_DAY) % 7 >= 5
    rate = rate * np.where(weekend, weekend_factor, 1.0)
    if noise:
        return np.random.default_rng(seed).poisson(rate).astype(float)
    return rate


def test_cold_start_is_the_recent_mean() -> None:
    wf = WorkloadForecaster()
    for m in range(30):
        wf.add(MONDAY + m, 4.0 if m >= 15 else 0.0)
    assert wf.forecast(MONDAY + 30, 5) == pytest.approx([4.0] * 5)


def test_seasonal_profile_predicts_the_daily_cycle() -> None:
    y = daily(15)
    wf = WorkloadForecaster(smooth=0)
    wf.load(MONDAY, y[:14 * MINUTES_PER_DAY])
    now = 14 * MINUTES_PER_DAY + 11 * 60  # a Monday, 11:00
    f = wf.forecast(MONDAY + now, 15)
    assert f == pytest.approx(y[now:now + 15], rel=0.02)


def test_weekends_are_forecast_from_weekends() -> None:
    y = daily(20)
    wf = WorkloadForecaster(smooth=0)
    saturday = 19 * MINUTES_PER_DAY  # day 19 is a Saturday
    wf.load(MONDAY, y[:saturday])
    f = wf.forecast(MONDAY + saturday + 12 * 60, 1)
    assert f[0] == pytest.approx(y[saturday + 12 * 60], rel=0.05)


def test_level_follows_a_busier_day() -> None:
    y = daily(15)
    wf = WorkloadForecaster(smooth=0)
    wf.load(MONDAY, y[:14 * MINUTES_PER_DAY])
    start = 14 * MINUTES_PER_DAY
    for m in range(10 * 60):
        wf.add(MONDAY + start + m, 2.0 * y[start + m])  # today runs at twice the usual
    f = wf.forecast(MONDAY + start + 10 * 60, 1)[0]
    usual = y[start + 10 * 60]
    assert 1.5 * usual < f <= 2.0 * usual


def test_a_burst_lifts_the_next_minutes_and_fades() -> None:
    y = daily(15)
    wf = WorkloadForecaster(smooth=0)
    start = 14 * MINUTES_PER_DAY
    wf.load(MONDAY, y[:start + 3 * 60])
    for m in range(3):
        wf.add(MONDAY + start + 3 * 60 + m, y[start + 3 * 60 + m] + 100.0)
    f = wf.forecast(MONDAY + start + 3 * 60 + 3, 15)
    usual = y[start + 3 * 60 + 3:start + 3 * 60 + 18]
    excess = f - usual
    assert excess[0] > 50.0 and excess[-1] < excess[0] / 5


def test_trend_carries_week_over_week_growth() -> None:
    weeks = 3
    y = daily(7 * weeks + 1)
    growth = 1.0 + 0.1 * np.arange(len(y)) / (7 * MINUTES_PER_DAY)
    y = y * growth
    wf = WorkloadForecaster(smooth=0, level_shrink=0.0)  # the trend alone
    now = 7 * weeks * MINUTES_PER_DAY + 12 * 60
    wf.load(MONDAY, y[:now])
    assert wf.forecast(MONDAY + now, 1)[0] == pytest.approx(y[now], rel=0.03)


def test_idle_minutes_count_as_zero() -> None:
    wf = WorkloadForecaster()
    wf.add(MONDAY, 1.0)
    wf.add(MONDAY + 10, 1.0)
    assert wf.values(np.array([MONDAY + 5, MONDAY + 20])).tolist()[0] == 0.0
    assert np.isnan(wf.values(np.array([MONDAY + 20]))[0])


def test_beats_seasonal_naive_on_noisy_counts() -> None:
    y = daily(16, noise=1.0, seed=3)
    test = 15 * MINUTES_PER_DAY
    wf = WorkloadForecaster()
    wf.load(MONDAY, y[:test])
    preds = np.full(MINUTES_PER_DAY, np.nan)
    for m in range(0, MINUTES_PER_DAY, 5):
        preds[m] = wf.forecast(MONDAY + test + m, 1)[0]
        wf.load(MONDAY + test + m, y[test + m:test + m + 5])
    naive = seasonal_naive(y, MINUTES_PER_DAY)[test:]
    assert mase(y[test:], preds, naive) < 0.8
