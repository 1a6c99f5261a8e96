"""Tests for the capacity keys of proxy/config.py: base capacity or price-performance target."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.errors import ConfigError
from proxy.config import DEFAULT_BASE_CAPACITY, WorkgroupConfig, parse


def config(**workgroup: Any) -> dict[str, Any]:
    """A one-namespace, one-workgroup configuration with ``workgroup`` keys added."""
    return {
        "namespace": [{"name": "sales"}],
        "workgroup": [{"name": "sales-wg", "namespace": "sales", **workgroup}],
    }


def workgroup(**keys: Any) -> WorkgroupConfig:
    return parse(config(**keys)).workgroups[0]


@pytest.mark.parametrize(
    ("value", "level"),
    [(1, 1), (50, 50), (100, 100), (37, 37), ("LOW_COST", 1), ("economical", 25),
     ("BALANCED", 50), ("Resourceful", 75), ("HIGH_PERFORMANCE", 100)],
)
def test_target_levels_by_number_or_name(value: object, level: int) -> None:
    wg = workgroup(price_performance_target=value, max_capacity=256)
    assert (wg.price_performance_target, wg.max_capacity) == (level, 256)
    assert wg.base_capacity == DEFAULT_BASE_CAPACITY  # where the scaler starts


def test_base_capacity_workgroups_have_no_target() -> None:
    assert workgroup(base_capacity=32).price_performance_target is None


def test_target_start_is_held_under_a_small_ceiling() -> None:
    assert workgroup(price_performance_target=50, max_capacity=64).base_capacity == 64


def test_target_default_ceiling() -> None:
    assert workgroup(price_performance_target=1).max_capacity == 512


def test_short_query_limit() -> None:
    assert workgroup(price_performance_target=50).short_query_max_seconds is None
    wg = workgroup(price_performance_target=50, short_query_max_seconds=0.02)
    assert wg.short_query_max_seconds == 0.02


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"price_performance_target": 50, "base_capacity": 32},
         "workgroup[0].base_capacity: a workgroup has either base_capacity or "
         "price_performance_target, not both"),
        ({"price_performance_target": 0},
         "workgroup[0].price_performance_target: level 0 is out of range: "
         "the valid range is 1 to 100"),
        ({"price_performance_target": 101},
         "workgroup[0].price_performance_target: level 101 is out of range: "
         "the valid range is 1 to 100"),
        ({"price_performance_target": "FAST"},
         "workgroup[0].price_performance_target: 'FAST' is not a price-performance level: "
         "an integer from 1 to 100 or one of LOW_COST, ECONOMICAL, BALANCED, RESOURCEFUL, "
         "HIGH_PERFORMANCE"),
        ({"price_performance_target": True},
         "workgroup[0].price_performance_target: True is not a price-performance level: "
         "an integer from 1 to 100 or one of LOW_COST, ECONOMICAL, BALANCED, RESOURCEFUL, "
         "HIGH_PERFORMANCE"),
        ({"price_performance_target": 50, "max_capacity": 100},
         "workgroup[0].max_capacity: 100 RPUs is not an allowed capacity"),
        ({"price_performance_target": 50, "short_query_max_seconds": 0},
         "workgroup[0].short_query_max_seconds: short query max seconds 0 is not between "
         "0.001 and 20"),
        ({"price_performance_target": 50, "short_query_max_seconds": 21},
         "workgroup[0].short_query_max_seconds: short query max seconds 21 is not between "
         "0.001 and 20"),
        ({"price_performance_target": 50, "short_query_max_seconds": "1s"},
         "workgroup[0].short_query_max_seconds: must be a number"),
        ({"base_capacity": 32, "short_query_max_seconds": 1},
         "workgroup[0].short_query_max_seconds: needs price_performance_target (the "
         "short-query lane comes with AI-driven scaling)"),
    ],
)
def test_target_errors(keys: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse(config(**keys))
    assert str(exc.value) == message
