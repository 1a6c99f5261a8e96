"""Tests for policies/baselines.py: static, reactive step scaling, multi-cluster."""

from __future__ import annotations

import numpy as np

from catalog.capacity import capacities
from policies.baselines import MultiClusterPolicy, ReactivePolicy, StaticPolicy
from policies.scaler import Candidate, Demand, Observation

CANDIDATES = [Candidate(c, max(1, c // 8)) for c in capacities(8, 256)]
NOTHING = Demand(np.zeros(15), np.zeros(15))


def obs(now: float, capacity: int, running: int = 0, queued: int = 0,
        queued_work: float = 0.0) -> Observation:
    return Observation(now, capacity, running, queued, queued_work_s=queued_work)


def test_static() -> None:
    assert StaticPolicy(96).decide(obs(0, 8, 50, 50), NOTHING).capacity == 96


def test_reactive_doubles_once_a_period_up_to_the_ceiling() -> None:
    p = ReactivePolicy(32, CANDIDATES)
    caps = []
    cap = 32
    for t in range(0, 300, 10):
        cap = p.decide(obs(t, cap, 4, 10), NOTHING).capacity
        caps.append(cap)
    assert caps[0] == 64 and caps[5] == 64 and caps[6] == 128  # one step per 60 s
    assert caps[-1] == 256


def test_reactive_halves_after_a_quiet_cooldown_but_not_below_base() -> None:
    p = ReactivePolicy(32, CANDIDATES)
    cap = p.decide(obs(0, 128, 4, 5), NOTHING).capacity  # queue: up to 256
    assert cap == 256
    assert p.decide(obs(240, cap, 2), NOTHING).capacity == cap  # cool-down not over
    cap = p.decide(obs(360, cap, 2), NOTHING).capacity
    assert cap == 128
    for t in range(420, 3600, 60):
        cap = p.decide(obs(t, cap, 0), NOTHING).capacity
    assert cap == 32


def test_reactive_keeps_capacity_while_half_the_slots_are_busy() -> None:
    p = ReactivePolicy(8, CANDIDATES)
    assert p.decide(obs(1000, 64, running=5), NOTHING).capacity == 64


def test_standard_multicluster() -> None:
    p = MultiClusterPolicy(32, 4, 4)
    assert p.decide(obs(0, 32, 4, 1), NOTHING).capacity == 64  # a queue starts a cluster
    assert p.decide(obs(10, 64, 8, 1), NOTHING).capacity == 64  # at most one per 20 s
    assert p.decide(obs(20, 64, 8, 1), NOTHING).capacity == 96
    caps = [p.decide(obs(t, 96, 3), NOTHING).capacity for t in (80, 140, 200)]
    assert caps == [96, 64, 64]  # two quiet checks stop a cluster


def test_economy_multicluster_waits_for_six_minutes_of_work() -> None:
    p = MultiClusterPolicy(32, 4, 4, economy=True)
    assert p.decide(obs(0, 32, 4, 3, queued_work=300.0), NOTHING).capacity == 32
    assert p.decide(obs(30, 32, 4, 30, queued_work=1500.0), NOTHING).capacity == 64
    caps = [p.decide(obs(60.0 * k + 100, 64, 1), NOTHING).capacity for k in range(7)]
    assert caps[:5] == [64] * 5 and caps[5] == 32
