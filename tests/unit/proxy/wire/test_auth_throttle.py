"""Tests for proxy/wire/auth.py's AuthThrottle: back-off after failed logins, per address."""

from __future__ import annotations

import pytest

from proxy.wire.auth import AuthThrottle


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def throttle(clock: Clock, **kwargs: float) -> AuthThrottle:
    args = {"failures": 3, "window": 60.0, "backoff": 10.0, "max_backoff": 40.0, **kwargs}
    return AuthThrottle(clock=clock, **args)  # type: ignore[arg-type]


def fail(t: AuthThrottle, address: str, times: int) -> None:
    for _ in range(times):
        t.failed(address)


def test_backoff_after_the_threshold(clock: Clock) -> None:
    t = throttle(clock)
    fail(t, "10.0.0.1", 2)
    assert t.blocked("10.0.0.1") == 0.0
    t.failed("10.0.0.1")
    assert t.blocked("10.0.0.1") == 10.0
    clock.now += 4
    assert t.blocked("10.0.0.1") == 6.0
    clock.now += 6
    assert t.blocked("10.0.0.1") == 0.0


def test_other_addresses_are_not_affected(clock: Clock) -> None:
    t = throttle(clock)
    fail(t, "10.0.0.1", 3)
    assert t.blocked("10.0.0.2") == 0.0
    assert t.blocked("") == 0.0


def test_each_failure_after_a_backoff_doubles_it_up_to_the_maximum(clock: Clock) -> None:
    t = throttle(clock)
    fail(t, "10.0.0.1", 3)
    waits = []
    for _ in range(4):
        clock.now += t.blocked("10.0.0.1")
        t.failed("10.0.0.1")
        waits.append(t.blocked("10.0.0.1"))
    assert waits == [20.0, 40.0, 40.0, 40.0]


def test_success_forgets_the_address(clock: Clock) -> None:
    t = throttle(clock)
    fail(t, "10.0.0.1", 3)
    clock.now += 10
    t.succeeded("10.0.0.1")
    fail(t, "10.0.0.1", 2)
    assert t.blocked("10.0.0.1") == 0.0
    assert len(t) == 1


def test_failures_further_apart_than_the_window_start_over(clock: Clock) -> None:
    t = throttle(clock)
    fail(t, "10.0.0.1", 2)
    clock.now += 61
    fail(t, "10.0.0.1", 2)
    assert t.blocked("10.0.0.1") == 0.0
    t.failed("10.0.0.1")
    assert t.blocked("10.0.0.1") == 10.0


def test_the_window_runs_from_the_end_of_a_backoff(clock: Clock) -> None:
    t = throttle(clock)
    fail(t, "10.0.0.1", 3)
    # Long after the last failure but within the window after the back-off ended: doubled.
    clock.now += 10 + 59
    t.failed("10.0.0.1")
    assert t.blocked("10.0.0.1") == 20.0
    # A whole window after that back-off: a fresh start, three more tries.
    clock.now += 20 + 61
    fail(t, "10.0.0.1", 2)
    assert t.blocked("10.0.0.1") == 0.0


def test_zero_failures_turns_it_off(clock: Clock) -> None:
    t = throttle(clock, failures=0)
    fail(t, "10.0.0.1", 100)
    assert t.blocked("10.0.0.1") == 0.0
    assert len(t) == 0


def test_the_table_is_bounded(clock: Clock) -> None:
    t = AuthThrottle(1, 60.0, 10.0, 10.0, clock=clock, max_addresses=100)
    for i in range(1000):
        t.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(t) == 100
    # The least recently failing are forgotten; the most recent are still refused.
    assert t.blocked("10.0.0.0") == 0.0
    assert t.blocked("10.0.3.231") == 10.0


def test_ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4(clock: Clock) -> None:
    t = throttle(clock)
    t.failed("2001:db8:1:2::1")
    t.failed("2001:db8:1:2:ffff::9")
    t.failed("2001:db8:1:2:abcd:ef01:2345:6789")
    assert t.blocked("2001:db8:1:2::77") == 10.0
    assert t.blocked("2001:db8:1:3::1") == 0.0
    fail(t, "::ffff:192.0.2.7", 3)
    assert t.blocked("192.0.2.7") == 10.0
