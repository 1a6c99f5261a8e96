"""Usage limits: CreateUsageLimit's validation, periods (weeks start Sunday), breaches."""

from __future__ import annotations

from datetime import datetime

import pytest

from catalog.errors import ConfigError
from policies.usage_limits import UsageLimit, breached, check, period_bounds


def test_periods() -> None:
    now = datetime(2024, 3, 2, 17, 30)  # a Saturday
    assert period_bounds("daily", now) == (datetime(2024, 3, 2), datetime(2024, 3, 3))
    assert period_bounds("weekly", now) == (datetime(2024, 2, 25), datetime(2024, 3, 3))
    assert period_bounds("weekly", datetime(2024, 3, 3)) == (datetime(2024, 3, 3),
                                                             datetime(2024, 3, 10))
    assert period_bounds("monthly", now) == (datetime(2024, 3, 1), datetime(2024, 4, 1))


def test_breach_at_the_amount() -> None:
    limit = UsageLimit("id", "wg", 2, "daily", "deactivate")
    assert not breached(limit, 7199.9)
    assert breached(limit, 7200.0)


@pytest.mark.parametrize(("args", "field"), [
    (("", "serverless-compute", 1, "daily", "log"), "workgroup"),
    (("wg", "cross-region-datasharing", 1, "daily", "log"), "usage_type"),
    (("wg", "serverless-compute", 0, "daily", "log"), "amount"),
    (("wg", "serverless-compute", 1.5, "daily", "log"), "amount"),
    (("wg", "serverless-compute", 1, "yearly", "log"), "period"),
    (("wg", "serverless-compute", 1, "daily", "alert"), "breach_action"),
])
def test_invalid_limits(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        check(*args)  # type: ignore[arg-type]
