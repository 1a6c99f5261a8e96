"""Tests for policies/trace.py: determinism, the daily shape, ETL batches, rendering."""

from __future__ import annotations

import numpy as np
import pytest

from policies.fingerprint import fingerprint
from policies.trace import (
    CLASSES,
    DEFAULT_CALIBRATION,
    TEMPLATES,
    Calibration,
    generate,
    load_calibration,
    per_minute,
)

DAY = 86_400.0


@pytest.fixture(scope="module")
def calibration() -> dict[str, Calibration]:
    return load_calibration(DEFAULT_CALIBRATION)


def test_the_calibration_covers_every_template(calibration: dict[str, Calibration]) -> None:
    assert set(calibration) == {t.name for t in TEMPLATES}
    assert all(c.seconds > 0 and c.sigma >= 0 for c in calibration.values())


def test_deterministic_by_seed(calibration: dict[str, Calibration]) -> None:
    a = generate(calibration, days=2, seed=7)
    b = generate(calibration, days=2, seed=7)
    c = generate(calibration, days=2, seed=8)
    assert np.array_equal(a.arrival, b.arrival) and np.array_equal(a.work, b.work)
    assert a.sql(123) == b.sql(123)
    assert len(a) != len(c) or not np.array_equal(a.arrival, c.arrival)


def test_shape_of_a_weekday_and_a_weekend(calibration: dict[str, Calibration]) -> None:
    trace = generate(calibration, days=7, seed=1)  # Monday to Sunday
    klass = trace.klass()
    assert np.all(np.diff(trace.arrival) >= 0)
    monday = trace.slice(0, DAY)
    saturday = trace.slice(5 * DAY, 6 * DAY)
    dash = CLASSES.index("dashboard")
    assert np.sum(monday.klass() == dash) > 2.5 * np.sum(saturday.klass() == dash)
    counts = per_minute(monday, mask=monday.klass() == dash)
    assert counts[10 * 60:11 * 60].mean() > 5 * counts[3 * 60:4 * 60].mean()  # daily cycle
    etl = trace.arrival[klass == CLASSES.index("etl")] % DAY / 60.0
    assert etl.min() >= 60 and etl.max() < 180  # 01:00-03:00
    minutes = np.unique(np.floor(etl)).astype(int)
    assert set(minutes) <= set(range(60, 180, 15))  # batches every 15 minutes
    point = per_minute(monday, mask=monday.klass() == CLASSES.index("point"))
    assert 20 < point.mean() < 40  # a steady stream


def test_work_follows_the_calibration(calibration: dict[str, Calibration]) -> None:
    trace = generate(calibration, days=1, seed=2, data_scale=10)
    point = trace.klass() == CLASSES.index("point")
    etl = trace.klass() == CLASSES.index("etl")
    assert np.median(trace.work[point]) < 0.02
    assert np.median(trace.work[etl]) > 10 * 0.3


def test_statements_render_with_their_own_literals(calibration: dict[str, Calibration]) -> None:
    trace = generate(calibration, days=1, seed=3)
    same = [i for i in range(len(trace)) if trace.template[i] == 0 and not trace.novel[i]][:2]
    a, b = (trace.sql(i) for i in same)
    assert a != b and fingerprint(a) == fingerprint(b) == trace.fingerprint_of(same[0])
    novel = int(np.nonzero(trace.novel)[0][0])
    text = trace.sql(novel)
    assert fingerprint(text) != trace.fingerprints[int(trace.template[novel])]
    assert trace.fingerprint_of(novel) != trace.fingerprint_of(int(np.nonzero(
        trace.novel)[0][1]))


def test_slice_shifts_time_and_minutes(calibration: dict[str, Calibration]) -> None:
    trace = generate(calibration, days=2, seed=4)
    day2 = trace.slice(DAY, 2 * DAY)
    assert day2.arrival.min() >= 0 and day2.arrival.max() < DAY
    assert day2.start_minute == trace.start_minute + 1440
