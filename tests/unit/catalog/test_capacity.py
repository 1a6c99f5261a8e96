"""Tests for catalog/capacity.py: RPU steps, levels and UpdateWorkgroup's rules."""

from __future__ import annotations

import pytest

from catalog.capacity import (
    CapacitySettings,
    capacities,
    level_name,
    parse_level,
    settings_problem,
    update_problem,
)


def test_capacity_steps() -> None:
    steps = capacities(4, 1024)
    assert steps[:4] == [4, 8, 16, 24]
    assert steps[steps.index(512) + 1] == 544
    assert steps[-1] == 1024
    assert len(steps) == 1 + 64 + 16
    assert capacities(9, 15) == []


@pytest.mark.parametrize(("level", "name"), [(1, "LOW_COST"), (25, "ECONOMICAL"),
                                             (50, "BALANCED"), (75, "RESOURCEFUL"),
                                             (100, "HIGH_PERFORMANCE"), (99, "99")])
def test_level_names(level: int, name: str) -> None:
    assert level_name(level) == name
    assert parse_level(name if not name.isdigit() else level) == level


@pytest.mark.parametrize("bad", [0, 101, -5, 50.0, None, "fastest"])
def test_bad_levels(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_level(bad)


def test_settings_rules() -> None:
    assert settings_problem(CapacitySettings(32, 256)) is None
    assert settings_problem(CapacitySettings(12, 256)) == (
        "base capacity 12 RPUs is not allowed (4, or 8 to 512 in steps of 8, or 512 to 1024 "
        "in steps of 32)")
    assert settings_problem(CapacitySettings(32, 16)) == "max capacity 16 is below base capacity 32"
    # With a target the base capacity is only a starting point, so it may exceed the ceiling.
    assert settings_problem(CapacitySettings(128, 64, 50)) is None
    assert settings_problem(CapacitySettings(32, 64, 0)) == (
        "level 0 is out of range: the valid range is 1 to 100")


def test_updates() -> None:
    fixed = CapacitySettings(32, 256)
    assert update_problem(fixed, base_capacity=64) == (CapacitySettings(64, 256), None)
    assert update_problem(fixed, max_capacity=16) == (
        fixed, "max capacity 16 is below base capacity 32")
    assert update_problem(fixed, target_enabled=True) == (CapacitySettings(32, 256, 50), None)
    assert update_problem(fixed, target_level=75) == (CapacitySettings(32, 256, 75), None)
    target = CapacitySettings(32, 256, 75)
    assert update_problem(target, base_capacity=64) == (
        target, "Base capacity cannot be updated when PerformanceTarget is Enabled")
    assert update_problem(target, target_level=1) == (CapacitySettings(32, 256, 1), None)
    assert update_problem(target, target_enabled=False) == (CapacitySettings(32, 256), None)
    assert update_problem(target, max_capacity=64) == (CapacitySettings(32, 64, 75), None)
    # Disabling the target and setting a base capacity together is allowed.
    assert update_problem(target, target_enabled=False, base_capacity=8) == (
        CapacitySettings(8, 256), None)
