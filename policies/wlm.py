"""Workload management decisions: query limits, queues and query monitoring rules (QMR).

A workgroup's ``config_parameters`` are validated here as Redshift Serverless validates them:
either the serverless query limits (``max_query_execution_time`` ...), each one an abort rule of
the workgroup's single queue, or ``wlm_json_configuration`` with queues (assigned by user role
and query group, with wildcards) and their rules, never both. ``assign`` picks a statement's
queue; ``evaluate`` decides which rules fire on a query's metrics, the most severe action
winning. Everything here is pure: the caller measures, acts and records.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from catalog.errors import ConfigError

# Metric name -> highest allowed predicate value (REDSHIFT-SPEC.md 5.1). Units: seconds for
# times, 1 MB blocks for blocks, rows, percent of one CPU, a ratio for skews.
METRIC_MAX: dict[str, float] = {
    "query_cpu_time": 999_999,
    "query_blocks_read": 1_048_575,
    "scan_row_count": 999_999_999_999_999,
    "query_execution_time": 86_399,
    "query_queue_time": 86_399,
    "query_cpu_usage_percent": 6_399,
    "query_temp_blocks_to_disk": 319_815_679,
    "segment_execution_time": 86_388,
    "cpu_skew": 99,
    "io_skew": 99,
    "join_row_count": 999_999_999_999_999,
    "nested_loop_join_row_count": 999_999_999_999_999,
    "return_row_count": 999_999_999_999_999,
    "spectrum_scan_row_count": 999_999_999_999_999,
    "spectrum_scan_size_mb": 999_999_999_999_999,
}

# The serverless query limits and the metric each one bounds.
QUERY_LIMITS: dict[str, str] = {
    "max_query_execution_time": "query_execution_time",
    "max_query_queue_time": "query_queue_time",
    "max_query_cpu_time": "query_cpu_time",
    "max_query_cpu_usage_percent": "query_cpu_usage_percent",
    "max_scan_row_count": "scan_row_count",
    "max_return_row_count": "return_row_count",
    "max_join_row_count": "join_row_count",
    "max_nested_loop_join_row_count": "nested_loop_join_row_count",
    "max_query_blocks_read": "query_blocks_read",
    "max_query_temp_blocks_to_disk": "query_temp_blocks_to_disk",
    "max_io_skew": "io_skew",
    "max_cpu_skew": "cpu_skew",
}
WLM_JSON = "wlm_json_configuration"
# Every key Redshift Serverless accepts in configParameters, in its error message's order.
SUPPORTED_KEYS: tuple[str, ...] = (
    "max_query_cpu_usage_percent", "max_join_row_count", "auto_mv", "max_query_execution_time",
    "max_query_queue_time", "max_query_blocks_read", "max_return_row_count", "search_path",
    "datestyle", "max_query_cpu_time", "max_io_skew", "max_scan_row_count", "query_group",
    "enable_user_activity_logging", "enable_case_sensitive_identifier",
    "max_nested_loop_join_row_count", "max_query_temp_blocks_to_disk", "max_cpu_skew",
    "require_ssl", "use_fips_ssl", WLM_JSON,
)
MAX_WLM_JSON_CHARS = 8000
MAX_RULES = 25  # per queue and in the whole configuration
MAX_PREDICATES = 3
MAX_QUEUES = 8
QUEUE_RANGE = range(MAX_QUEUES)  # a statement hops at most through every queue once
_RULE_NAME = re.compile(r"^[A-Za-z0-9_]{1,32}$")
# Queue keys of provisioned WLM that Redshift Serverless refuses.
_UNSUPPORTED_QUEUE_KEYS = frozenset({
    "max_execution_time", "short_query_queue", "auto_wlm", "concurrency_scaling", "priority",
    "queue_type", "query_concurrency", "memory_percent_to_use", "user_group",
    "user_group_wild_card",
})
_QUEUE_KEYS = frozenset({
    "name", "user_role", "user_role_wild_card", "query_group", "query_group_wild_card", "rules",
})
ACTIONS = ("log", "hop", "abort")
# Abort beats hop beats log; a superseded rule is logged with action "none".
SEVERITY = {"abort": 3, "hop": 2, "log": 1}
SUPERUSER_SERVICE_CLASS = 5
FIRST_USER_SERVICE_CLASS = 6
SUPERUSER_QUEUE = "Superuser queue"
DEFAULT_QUEUE = "Default queue"
# Statements WLM never stops: Redshift lets COPY and maintenance finish whatever a rule says.
NEVER_ABORTED = frozenset({"COPY", "ANALYZE", "VACUUM"})


@dataclass(frozen=True, slots=True)
class Predicate:
    """``metric operator value``, e.g. ``query_execution_time > 50``."""

    metric: str
    operator: str  # '>', '<' or '='
    value: float

    def holds(self, metrics: Mapping[str, float]) -> bool:
        """Whether the predicate is true of the metrics measured so far (unknown: false).

        >>> Predicate("scan_row_count", ">", 10).holds({"scan_row_count": 11})
        True
        >>> Predicate("scan_row_count", "<", 10).holds({})
        False
        """
        got = metrics.get(self.metric)
        if got is None:
            return False
        if self.operator == ">":
            return got > self.value
        if self.operator == "<":
            return got < self.value
        return got == self.value


@dataclass(frozen=True, slots=True)
class Rule:
    """A query monitoring rule: AND-ed predicates and an action."""

    name: str
    predicates: tuple[Predicate, ...]
    action: str  # log, hop or abort

    def holds(self, metrics: Mapping[str, float]) -> bool:
        """Whether every predicate holds."""
        return all(p.holds(metrics) for p in self.predicates)


@dataclass(frozen=True, slots=True)
class Queue:
    """A WLM queue: who is routed to it, and its rules."""

    name: str
    service_class: int
    user_roles: tuple[str, ...] = ()
    query_groups: tuple[str, ...] = ()
    role_wildcard: bool = False
    group_wildcard: bool = False
    rules: tuple[Rule, ...] = ()

    def matches(self, roles: Iterable[str], query_group: str) -> bool:
        """Whether a statement of a user holding ``roles`` in ``query_group`` belongs here."""
        if _any_match(self.query_groups, [query_group], self.group_wildcard):
            return True
        return _any_match(self.user_roles, roles, self.role_wildcard)


def _any_match(patterns: tuple[str, ...], values: Iterable[str], wildcard: bool) -> bool:
    # Redshift's wildcards: '*' any characters, '?' one; matching is case-insensitive.
    for value in values:
        low = value.lower()
        for pattern in patterns:
            if wildcard and fnmatch.fnmatchcase(low, pattern.lower().replace("[", "[[]")):
                return True
            if not wildcard and low == pattern.lower():
                return True
    return False


SUPERUSER = Queue(SUPERUSER_QUEUE, SUPERUSER_SERVICE_CLASS)


@dataclass(frozen=True, slots=True)
class WlmConfig:
    """A workgroup's queues (the last is the default queue) and its other parameters."""

    queues: tuple[Queue, ...] = (Queue(DEFAULT_QUEUE, FIRST_USER_SERVICE_CLASS),)
    parameters: tuple[tuple[str, str], ...] = ()  # every configParameter as given

    @property
    def rules(self) -> tuple[tuple[Queue, Rule], ...]:
        """Every rule with its queue (STV_WLM_QMR_CONFIG)."""
        return tuple((q, r) for q in self.queues for r in q.rules)


def assign(config: WlmConfig, roles: Iterable[str], query_group: str, superuser: bool) -> Queue:
    """The queue of a statement: the superuser queue for a superuser in query group
    'superuser', else the first matching queue, else the default (last) queue."""
    if superuser and query_group.lower() == "superuser":
        return SUPERUSER
    roles = list(roles)
    for queue in config.queues[:-1]:
        if queue.matches(roles, query_group):
            return queue
    return config.queues[-1]


def next_queue(config: WlmConfig, current: Queue, roles: Iterable[str],
               query_group: str) -> Queue | None:
    """Where a hop sends a query: the next queue after ``current`` that matches it by role or
    query group. Never the default queue by default: with none, the query is cancelled."""
    roles = list(roles)
    later = False
    for queue in config.queues:
        if later and queue.matches(roles, query_group):
            return queue
        later = later or queue is current
    return None


@dataclass(frozen=True, slots=True)
class Fired:
    """A rule whose predicates held, and the action taken for it ('none' when superseded)."""

    rule: Rule
    action: str


def evaluate(rules: Iterable[Rule], metrics: Mapping[str, float],
             done: frozenset[str] | set[str]) -> list[Fired]:
    """The rules that fire now: those holding that have not fired for this query before.

    The most severe (abort > hop > log; ties by rule name) keeps its action, the others are
    logged with action 'none'. A hop on queue time is ignored, as in Redshift.

    >>> r1 = Rule("a_log", (Predicate("return_row_count", ">", 1),), "log")
    >>> r2 = Rule("b_abort", (Predicate("return_row_count", ">", 5),), "abort")
    >>> [(f.rule.name, f.action) for f in evaluate([r1, r2], {"return_row_count": 9}, set())]
    [('b_abort', 'abort'), ('a_log', 'none')]
    """
    fired = [
        r for r in rules
        if r.name not in done and r.holds(metrics)
        and not (r.action == "hop" and any(p.metric == "query_queue_time" for p in r.predicates))
    ]
    if not fired:
        return []
    fired.sort(key=lambda r: (-SEVERITY[r.action], r.name))
    return [Fired(fired[0], fired[0].action), *(Fired(r, "none") for r in fired[1:])]


def abort_message(query_id: int, rule: str, action: str = "abort") -> str:
    """What the client of a query stopped by a rule is told (SQLSTATE 57014).

    >>> abort_message(12345, "long")
    'Query (12345) cancelled by WLM abort action of Query Monitoring Rule "long".'
    """
    return f'Query ({query_id}) cancelled by WLM {action} action of Query Monitoring Rule "{rule}".'


# -- configuration ------------------------------------------------------------------------

def parse(params: Mapping[str, object]) -> WlmConfig:
    """Validate a workgroup's config_parameters (key -> value) as Redshift Serverless does.

    Raises:
        ConfigError: naming the key and what is wrong with it.
    """
    for key in params:
        if key not in SUPPORTED_KEYS:
            supported = ", ".join(SUPPORTED_KEYS)
            raise ConfigError(
                f"The parameter key {key} isn't supported. Supported values: [[{supported}]]"
            )
    limits = {k: v for k, v in params.items() if k in QUERY_LIMITS}
    shown = tuple((k, _shown(v)) for k, v in params.items())
    if limits and WLM_JSON in params:
        raise ConfigError(
            f"{WLM_JSON}: you can use either query limits ({', '.join(sorted(limits))}) "
            f"or {WLM_JSON}, not both"
        )
    if WLM_JSON in params:
        return WlmConfig(_queues(params[WLM_JSON]), shown)
    rules = tuple(
        Rule(key, (Predicate(QUERY_LIMITS[key], ">", _number(value, key, QUERY_LIMITS[key])),),
             "abort")
        for key, value in limits.items()
    )
    return WlmConfig((Queue(DEFAULT_QUEUE, FIRST_USER_SERVICE_CLASS, rules=rules),), shown)


def _shown(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _number(value: object, key: str, metric: str) -> float:
    """A limit or predicate value: a number (or a string of one) within the metric's range."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: {value!r} is not a number")
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            raise ConfigError(f"{key}: {value!r} is not a number") from None
    if not isinstance(value, int | float):
        raise ConfigError(f"{key}: {value!r} is not a number")
    top = METRIC_MAX[metric]
    if not 0 <= value <= top:
        raise ConfigError(f"{key}: {value} is out of range, valid values are 0 to {top:,.0f}")
    return float(value)


def _queues(raw: object) -> tuple[Queue, ...]:
    where = WLM_JSON
    if isinstance(raw, str):
        if len(raw) > MAX_WLM_JSON_CHARS:
            raise ConfigError(f"{where}: longer than {MAX_WLM_JSON_CHARS} characters")
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}: invalid JSON: {exc.msg}") from None
    elif len(json.dumps(raw)) > MAX_WLM_JSON_CHARS:
        raise ConfigError(f"{where}: longer than {MAX_WLM_JSON_CHARS} characters")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(q, dict) for q in raw):
        raise ConfigError(f"{where}: must be a JSON array of queue objects")
    if len(raw) > MAX_QUEUES:
        raise ConfigError(f"{where}: at most {MAX_QUEUES} queues")
    queues: list[Queue] = []
    names: set[str] = set()
    total = 0
    for i, q in enumerate(raw):
        qwhere = f"{where}[{i}]"
        for key in q:
            if key in _UNSUPPORTED_QUEUE_KEYS:
                raise ConfigError(f"{qwhere}.{key}: not supported in Redshift Serverless queues")
            if key not in _QUEUE_KEYS:
                raise ConfigError(f"{qwhere}.{key}: unknown queue property")
        last = i == len(raw) - 1
        default_name = DEFAULT_QUEUE if last else f"Queue {i + 1}"
        name = q.get("name", default_name)
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{qwhere}.name: must be a non-empty string")
        roles = _strings(q.get("user_role", []), f"{qwhere}.user_role")
        groups = _strings(q.get("query_group", []), f"{qwhere}.query_group")
        if last and (roles or groups):
            raise ConfigError(
                f"{qwhere}: the last queue is the default queue and cannot have a user_role "
                "or query_group"
            )
        rules = _rules(q.get("rules", []), f"{qwhere}.rules", names)
        total += len(rules)
        if total > MAX_RULES:
            raise ConfigError(f"{where}: at most {MAX_RULES} rules in all")
        queues.append(Queue(
            name, FIRST_USER_SERVICE_CLASS + i, roles, groups,
            _flag(q.get("user_role_wild_card", 0), f"{qwhere}.user_role_wild_card"),
            _flag(q.get("query_group_wild_card", 0), f"{qwhere}.query_group_wild_card"),
            rules,
        ))
    return tuple(queues)


def _strings(v: object, where: str) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
        raise ConfigError(f"{where}: must be a list of names")
    return tuple(v)


def _flag(v: object, where: str) -> bool:
    if v in (0, 1, True, False, "0", "1", "true", "false"):
        return v in (1, True, "1", "true")
    raise ConfigError(f"{where}: must be 0 or 1")


def _rules(raw: object, where: str, names: set[str]) -> tuple[Rule, ...]:
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ConfigError(f"{where}: must be a list of rule objects")
    if len(raw) > MAX_RULES:
        raise ConfigError(f"{where}: at most {MAX_RULES} rules per queue")
    rules: list[Rule] = []
    for j, r in enumerate(raw):
        rwhere = f"{where}[{j}]"
        unknown = set(r) - {"rule_name", "predicate", "action", "value"}
        if unknown:
            raise ConfigError(f"{rwhere}.{sorted(unknown)[0]}: unknown rule property")
        name = r.get("rule_name")
        if not isinstance(name, str) or not _RULE_NAME.match(name):
            raise ConfigError(
                f"{rwhere}.rule_name: must be 1-32 letters, digits or underscores")
        if name.lower() in names:
            raise ConfigError(f"{rwhere}.rule_name: duplicate rule name {name!r}")
        names.add(name.lower())
        action = r.get("action")
        if action == "change_query_priority":
            raise ConfigError(
                f"{rwhere}.action: change_query_priority is not supported in Redshift Serverless")
        if action not in ACTIONS:
            raise ConfigError(f"{rwhere}.action: must be one of log, hop, abort")
        preds = r.get("predicate")
        if not isinstance(preds, list) or not 1 <= len(preds) <= MAX_PREDICATES:
            raise ConfigError(f"{rwhere}.predicate: 1 to {MAX_PREDICATES} predicates")
        rules.append(Rule(name, tuple(_predicate(p, f"{rwhere}.predicate[{k}]")
                                      for k, p in enumerate(preds)), action))
    return tuple(rules)


def _predicate(p: object, where: str) -> Predicate:
    if not isinstance(p, dict) or set(p) != {"metric_name", "operator", "value"}:
        raise ConfigError(f"{where}: must have metric_name, operator and value")
    metric = p["metric_name"]
    if metric not in METRIC_MAX:
        raise ConfigError(f"{where}.metric_name: unknown metric {metric!r}")
    if p["operator"] not in (">", "<", "="):
        raise ConfigError(f"{where}.operator: must be >, < or =")
    return Predicate(metric, p["operator"], _number(p["value"], f"{where}.value", metric))
