"""Workgroup capacity settings as Redshift Serverless defines them: RPU steps, the
price-performance target and its named levels, and the rules that tie them together.

A workgroup runs either at a fixed base capacity or with a price-performance target (AI-driven
scaling), never both, and ``max_capacity`` is a hard ceiling either way. These rules are shared
by the configuration file (``proxy.config``), run-time changes (``proxy.server``) and the
scaling policy (``policies.scaler``), so they live here, in the bottom layer. Messages follow
Redshift Serverless' ``ValidationException`` texts where Redshift documents one.
"""

from __future__ import annotations

from dataclasses import dataclass

# Redshift Serverless' default base capacity and this project's default ceiling.
DEFAULT_BASE_CAPACITY = 128
DEFAULT_MAX_CAPACITY = 512
# The range of a workgroup's short-query limit, seconds: Redshift's provisioned WLM allows 1 to
# 20; here a millisecond, for statements over small data on one machine.
SHORT_QUERY_MIN_SECONDS = 0.001
SHORT_QUERY_MAX_SECONDS = 20.0
# The largest capacity Redshift offers (us-east-1, us-east-2, us-west-2, eu-west-1,
# eu-central-1; 512 elsewhere).
LARGEST_CAPACITY = 1024

# PerformanceTarget.level: any integer 1..100; the console's five stops have names.
LEVELS: dict[str, int] = {
    "LOW_COST": 1,
    "ECONOMICAL": 25,
    "BALANCED": 50,
    "RESOURCEFUL": 75,
    "HIGH_PERFORMANCE": 100,
}
LEVEL_NAMES: dict[int, str] = {level: name for name, level in LEVELS.items()}
MIN_LEVEL, MAX_LEVEL = 1, 100


def valid_capacity(rpus: int) -> bool:
    """Whether ``rpus`` is an RPU value Redshift Serverless accepts: 4, 8 to 512 in steps of
    8, 512 to 1024 in steps of 32.

    >>> [valid_capacity(x) for x in (4, 8, 12, 16, 512, 544, 1024, 1040)]
    [True, True, False, True, True, True, True, False]
    """
    if rpus == 4:
        return True
    if 8 <= rpus <= 512:
        return rpus % 8 == 0
    if 512 < rpus <= LARGEST_CAPACITY:
        return rpus % 32 == 0
    return False


def capacities(low: int, high: int) -> list[int]:
    """Every allowed capacity from ``low`` to ``high`` inclusive, ascending (the steps a
    scaler may choose from).

    >>> capacities(4, 32)
    [4, 8, 16, 24, 32]
    >>> capacities(500, 600)[:3]
    [504, 512, 544]
    """
    return [c for c in range(max(low, 4), min(high, LARGEST_CAPACITY) + 1) if valid_capacity(c)]


def level_name(level: int) -> str:
    """The console name of a level, or the number itself between the five stops.

    >>> level_name(50), level_name(60)
    ('BALANCED', '60')
    """
    return LEVEL_NAMES.get(level, str(level))


def parse_level(value: object) -> int:
    """A price-performance level from a number 1..100 or one of the five names.

    Raises:
        ValueError: with a one-line message saying what is allowed.

    >>> parse_level("balanced"), parse_level(75)
    (50, 75)
    """
    if isinstance(value, str) and value.upper() in LEVELS:
        return LEVELS[value.upper()]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"{value!r} is not a price-performance level: an integer from {MIN_LEVEL} to "
            f"{MAX_LEVEL} or one of {', '.join(LEVELS)}"
        )
    if not MIN_LEVEL <= value <= MAX_LEVEL:
        raise ValueError(
            f"level {value} is out of range: the valid range is {MIN_LEVEL} to {MAX_LEVEL}"
        )
    return value


@dataclass(frozen=True, slots=True)
class CapacitySettings:
    """A workgroup's capacity settings.

    ``base_capacity`` is the capacity the pool keeps without a target; with a target
    (``target_level`` set, Redshift's PerformanceTarget status ENABLED) it is only where the
    pool starts, and the scaler moves it between the smallest step and ``max_capacity``.
    """

    base_capacity: int = DEFAULT_BASE_CAPACITY
    max_capacity: int = DEFAULT_MAX_CAPACITY
    target_level: int | None = None
    # The short-query lane's limit in seconds (None: the policies' default), a Duckshift
    # setting: Redshift Serverless picks its own, but a warehouse of a thousandth of the data
    # needs a limit of a thousandth of the time to tell its short statements from the rest.
    short_query_max_seconds: float | None = None

    @property
    def target_enabled(self) -> bool:
        """Whether AI-driven scaling (a price-performance target) is on."""
        return self.target_level is not None


def settings_problem(settings: CapacitySettings) -> str | None:
    """What is wrong with a set of capacity settings, or None (the rules of CreateWorkgroup).

    >>> settings_problem(CapacitySettings(64, 32))
    'max capacity 32 is below base capacity 64'
    """
    if not valid_capacity(settings.base_capacity):
        return (f"base capacity {settings.base_capacity} RPUs is not allowed "
                "(4, or 8 to 512 in steps of 8, or 512 to 1024 in steps of 32)")
    if not valid_capacity(settings.max_capacity):
        return f"max capacity {settings.max_capacity} RPUs is not an allowed capacity"
    if settings.target_level is not None:
        try:
            parse_level(settings.target_level)
        except ValueError as exc:
            return str(exc)
    elif settings.max_capacity < settings.base_capacity:
        return (f"max capacity {settings.max_capacity} is below base capacity "
                f"{settings.base_capacity}")
    limit = settings.short_query_max_seconds
    if limit is not None and not SHORT_QUERY_MIN_SECONDS <= limit <= SHORT_QUERY_MAX_SECONDS:
        return (f"short query max seconds {limit:g} is not between "
                f"{SHORT_QUERY_MIN_SECONDS:g} and {SHORT_QUERY_MAX_SECONDS:g}")
    return None


def update_problem(
    current: CapacitySettings,
    *,
    base_capacity: int | None = None,
    max_capacity: int | None = None,
    target_level: int | None = None,
    target_enabled: bool | None = None,
) -> tuple[CapacitySettings, str | None]:
    """Apply an UpdateWorkgroup-style change; returns the new settings and the problem, if
    any (then the settings are the old ones).

    Redshift refuses a base capacity while a target is enabled ("Base capacity cannot be
    updated when PerformanceTarget is Enabled"); disabling the target returns the workgroup to
    its base capacity.

    >>> s = CapacitySettings(32, 256, 50)
    >>> update_problem(s, base_capacity=64)[1]
    'Base capacity cannot be updated when PerformanceTarget is Enabled'
    >>> update_problem(s, target_enabled=False)[0].target_level is None
    True
    """
    level = current.target_level
    if target_enabled is False:
        level = None
    elif target_level is not None or target_enabled:
        level = target_level if target_level is not None else (level or LEVELS["BALANCED"])
    if base_capacity is not None and level is not None:
        return current, "Base capacity cannot be updated when PerformanceTarget is Enabled"
    new = CapacitySettings(
        current.base_capacity if base_capacity is None else base_capacity,
        current.max_capacity if max_capacity is None else max_capacity,
        level,
        current.short_query_max_seconds,
    )
    problem = settings_problem(new)
    return (current, problem) if problem else (new, None)
