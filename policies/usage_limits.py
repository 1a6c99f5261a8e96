"""Usage limits (CreateUsageLimit): RPU-hours per period for a workgroup, and what a breach does.

A limit caps a workgroup's ``serverless-compute`` (RPU-hours) per ``daily``, ``weekly`` (weeks
start on Sunday) or ``monthly`` period, all in UTC. When the period's usage reaches the amount
the breach action applies: ``log`` (SYS_QUERY_HISTORY.usage_limit and STL_USAGE_CONTROL),
``emit-metric`` (a metric and a log line, besides the log), ``deactivate`` (new user queries are
refused until the period rolls over or the limit is raised). Pure: usage is handed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from catalog.errors import ConfigError

USAGE_TYPES = ("serverless-compute",)
PERIODS = ("daily", "weekly", "monthly")
BREACH_ACTIONS = ("log", "emit-metric", "deactivate")


@dataclass(frozen=True, slots=True)
class UsageLimit:
    """One limit of one workgroup (amount in RPU-hours)."""

    limit_id: str
    workgroup: str
    amount: int
    period: str = "monthly"
    breach_action: str = "log"
    usage_type: str = "serverless-compute"


def check(workgroup: str, usage_type: str, amount: object, period: str,
          breach_action: str) -> None:
    """Refuse a limit CreateUsageLimit would refuse.

    Raises:
        ConfigError: naming the field.
    """
    if not workgroup:
        raise ConfigError("workgroup: missing")
    if usage_type not in USAGE_TYPES:
        raise ConfigError(f"usage_type: must be one of {', '.join(USAGE_TYPES)}")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ConfigError("amount: must be a positive whole number of RPU-hours")
    if period not in PERIODS:
        raise ConfigError(f"period: must be one of {', '.join(PERIODS)}")
    if breach_action not in BREACH_ACTIONS:
        raise ConfigError(f"breach_action: must be one of {', '.join(BREACH_ACTIONS)}")


def period_bounds(period: str, now: datetime) -> tuple[datetime, datetime]:
    """The [start, end) of the period containing ``now`` (naive UTC).

    >>> period_bounds("weekly", datetime(2024, 5, 15, 13, 0))  # a Wednesday
    (datetime.datetime(2024, 5, 12, 0, 0), datetime.datetime(2024, 5, 19, 0, 0))
    >>> period_bounds("monthly", datetime(2024, 12, 31, 23, 59))[1]
    datetime.datetime(2025, 1, 1, 0, 0)
    """
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "daily":
        return day, day + timedelta(days=1)
    if period == "weekly":
        # Python counts Monday as 0; Redshift's weeks start on Sunday.
        start = day - timedelta(days=(day.weekday() + 1) % 7)
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    end = (start.replace(year=start.year + 1, month=1) if start.month == 12
           else start.replace(month=start.month + 1))
    return start, end


def breached(limit: UsageLimit, used_rpu_seconds: float) -> bool:
    """Whether a period's usage has reached the limit.

    >>> breached(UsageLimit("x", "wg", 1), 3600.0), breached(UsageLimit("x", "wg", 1), 3599.0)
    (True, False)
    """
    return used_rpu_seconds >= limit.amount * 3600.0
