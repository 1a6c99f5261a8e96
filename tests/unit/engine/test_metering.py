"""The RPU-second meter, driven by a fake clock: capacity x time, the 60 s minimum, shares."""

from __future__ import annotations

import pytest

from engine.metering import Attribution, Meter

ANN = Attribution("ns", "ann", "default")
BOB = Attribution("ns", "bob", "etl", consumer="ns", producer="other")


class Clock:
    """A settable clock (epoch seconds), starting on a minute boundary."""

    def __init__(self) -> None:
        self.t = 1_700_000_040.0

    def __call__(self) -> float:
        return self.t


def _meter(capacity: list[int], minimum: float = 60.0) -> tuple[Meter, Clock]:
    clock = Clock()
    return Meter(lambda: capacity[0], minimum, clock), clock


def test_long_query_charges_capacity_times_seconds() -> None:
    meter, clock = _meter([32])
    meter.query_started(1, 10, ANN)
    clock.t += 90
    assert meter.query_finished(1) == pytest.approx(2880.0)
    minutes, charges = meter.drain()
    assert sum(m.compute for m in minutes) == pytest.approx(2880.0)
    assert sum(m.charged for m in minutes) == pytest.approx(2880.0)
    assert sum(c.charged for c in charges) == pytest.approx(2880.0)
    # Spread over the minutes it ran in: 60 s and 30 s.
    assert sorted(m.active_s for m in minutes) == pytest.approx([30.0, 60.0])


def test_short_query_is_charged_the_minimum() -> None:
    meter, clock = _meter([32])
    meter.query_started(1, 10, ANN)
    clock.t += 5
    assert meter.query_finished(1) == pytest.approx(160.0)  # its compute, real time
    minutes, charges = meter.drain()
    assert sum(m.compute for m in minutes) == pytest.approx(160.0)
    assert sum(m.charged for m in minutes) == pytest.approx(1920.0)
    assert [(c.attribution, c.charged) for c in charges] == [(ANN, pytest.approx(1920.0))]


def test_a_query_that_takes_no_time_is_still_charged_the_minimum() -> None:
    meter, _ = _meter([8])
    meter.query_started(1, 10, ANN)
    meter.query_finished(1)
    assert sum(c.charged for c in meter.drain()[1]) == pytest.approx(480.0)


def test_concurrent_queries_share_seconds_and_the_minimum() -> None:
    meter, clock = _meter([16])
    meter.query_started(1, 10, ANN)
    clock.t += 2
    meter.query_started(2, 11, BOB)
    clock.t += 2
    assert meter.query_finished(1) == pytest.approx(32 + 16)
    clock.t += 2
    assert meter.query_finished(2) == pytest.approx(16 + 32)
    charges = {c.attribution: c for c in meter.drain()[1]}
    # 6 s active of a 60 s minimum: 960 RPU-seconds, split in proportion (48 : 48).
    assert charges[ANN].charged == pytest.approx(480.0)
    assert charges[BOB].charged == pytest.approx(480.0)
    assert (charges[BOB].attribution.consumer, charges[BOB].attribution.producer) == (
        "ns", "other")


def test_open_transaction_is_billed_while_idle() -> None:
    meter, clock = _meter([8], minimum=0.0)
    meter.tx_began(10, ANN)
    clock.t += 3
    meter.query_started(1, 10, ANN)  # the statement is what the session does now
    clock.t += 1
    assert meter.query_finished(1) == pytest.approx(8.0)
    clock.t += 2
    meter.tx_ended(10)
    assert sum(m.compute for m in meter.drain()[0]) == pytest.approx(48.0)
    assert not meter.active


def test_capacity_changes_are_billed_from_the_next_event() -> None:
    capacity = [8]
    meter, clock = _meter(capacity, minimum=0.0)
    meter.query_started(1, 10, ANN)
    clock.t += 10
    meter.advance()
    capacity[0] = 64
    meter.advance()
    clock.t += 10
    assert meter.query_finished(1) == pytest.approx(80 + 640)


def test_long_period_settles_as_it_goes() -> None:
    meter, clock = _meter([4])
    meter.query_started(1, 10, ANN)
    clock.t += 61
    meter.advance()
    assert meter.pending() == 0.0
    assert sum(c.charged for c in meter.drain()[1]) == pytest.approx(244.0)
    clock.t += 1
    meter.query_finished(1)
    assert sum(c.charged for c in meter.drain()[1]) == pytest.approx(4.0)
