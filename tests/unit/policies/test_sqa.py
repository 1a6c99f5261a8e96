"""Tests for policies/sqa.py: which forecasts are short."""

from __future__ import annotations

import pytest

from policies.query_forecast import QueryForecast
from policies.sqa import is_short


@pytest.mark.parametrize(
    ("forecast", "limit", "short"),
    [
        (QueryForecast(0.01, 0.02, "history", 30), 0.5, True),
        (QueryForecast(0.1, 0.6, "history", 30), 0.5, False),  # short on a good day only
        (QueryForecast(0.1, 0.6, "history", 30), 1.0, True),
        (QueryForecast(0.01, 0.05, "plan", 0), 0.5, True),
        (QueryForecast(0.01, 0.05, "prior", 0), 0.5, False),  # nothing known: not accelerated
    ],
)
def test_is_short(forecast: QueryForecast, limit: float, short: bool) -> None:
    assert is_short(forecast, limit) is short
