"""The query forecaster: a statement's execution time (and so the slot-seconds it will hold)
before it runs.

Three sources of evidence, combined in log-seconds (execution times are roughly log-normal):

1. The fingerprint's own history: the last ``window`` executions, summarised by median and MAD,
   so one outlier (a cold cache, a lock wait) moves nothing and a drift (a table that grew)
   takes over within half a window.
2. A ridge regression over plan features, learned online from every execution with
   exponential forgetting: DuckDB's EXPLAIN (operators, estimated cardinalities) and the
   catalog's table sizes. It answers for fingerprints never seen and steadies those seen
   once or twice.
3. A prior (the running median of everything seen) when neither has anything to say.

Each statement holds one slot while it runs, so predicted seconds are also its predicted
resource use in slot-seconds. Everything here is data in, numbers out: the caller runs
EXPLAIN and reads table sizes from the catalog.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

# Operator families of DuckDB's physical plan, by the operator names EXPLAIN prints.
_JOINS = ("JOIN", "CROSS_PRODUCT", "IE_JOIN", "POSITIONAL_SCAN")
_AGGREGATES = ("GROUP_BY", "AGGREGATE")
_SORTS = ("ORDER_BY", "TOP_N")
_WINDOWS = ("WINDOW",)
_SCANS = ("SCAN",)
# MAD of a normal sample times this estimates its standard deviation.
_MAD_TO_SIGMA = 1.4826
# z of the 90th percentile of a normal distribution.
_Z90 = 1.2816


@dataclass(frozen=True, slots=True)
class PlanFeatures:
    """What a plan says about a statement's cost before it runs."""

    operators: int = 0
    scans: int = 0
    joins: int = 0
    aggregates: int = 0
    sorts: int = 0
    windows: int = 0
    scan_rows: float = 0.0  # sum of the scans' estimated output rows
    max_rows: float = 0.0  # the largest estimated cardinality of any operator
    table_rows: float = 0.0  # rows of the scanned tables (catalog statistics)

    def vector(self) -> np.ndarray:
        """The regression's inputs: a constant, log sizes and operator counts."""
        return np.array([
            1.0, math.log1p(self.scan_rows), math.log1p(self.max_rows),
            math.log1p(self.table_rows), self.joins, self.aggregates, self.sorts,
            self.windows, self.scans,
        ])


N_FEATURES = len(PlanFeatures().vector())


def plan_features(explain_json: str, table_rows: Mapping[str, float] | None = None) -> PlanFeatures:
    """Features of DuckDB's ``EXPLAIN (FORMAT JSON)`` output (the text of its plan column).

    ``table_rows`` gives the catalog's row count per table, keyed by the name EXPLAIN prints
    (quotes removed) or by the bare table name.

    >>> plan = '[{"name": "HASH_GROUP_BY", "children": [{"name": "SEQ_SCAN", "children": [],'
    >>> plan += ' "extra_info": {"Table": "db.main.t", "Estimated Cardinality": "1000"}}],'
    >>> plan += ' "extra_info": {"Estimated Cardinality": "10"}}]'
    >>> f = plan_features(plan, {"t": 5000})
    >>> (f.operators, f.scans, f.aggregates, f.scan_rows, f.max_rows, f.table_rows)
    (2, 1, 1, 1000.0, 1000.0, 5000.0)
    """
    counts = {"operators": 0, "scans": 0, "joins": 0, "aggregates": 0, "sorts": 0,
              "windows": 0}
    sizes = {"scan_rows": 0.0, "max_rows": 0.0, "table_rows": 0.0}
    rows = table_rows or {}

    def visit(node: dict[str, Any]) -> None:
        name = str(node.get("name", "")).upper()
        info = node.get("extra_info") or {}
        counts["operators"] += 1
        for key, family in (("joins", _JOINS), ("aggregates", _AGGREGATES),
                            ("sorts", _SORTS), ("windows", _WINDOWS), ("scans", _SCANS)):
            if any(part in name for part in family):
                counts[key] += 1
                break
        estimate = _number(info.get("Estimated Cardinality")) if isinstance(info, dict) else 0.0
        sizes["max_rows"] = max(sizes["max_rows"], estimate)
        if "SCAN" in name:
            sizes["scan_rows"] += estimate
            table = str(info.get("Table", "")).replace('"', "") if isinstance(info, dict) else ""
            if table:
                sizes["table_rows"] += float(rows.get(table, rows.get(table.split(".")[-1], 0)))
        for child in node.get("children") or []:
            visit(child)

    for root in json.loads(explain_json):
        visit(root)
    return PlanFeatures(**counts, **sizes)


def _number(value: object) -> float:
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return 0.0


@dataclass(frozen=True, slots=True)
class QueryForecast:
    """A predicted execution: median and 90th-percentile seconds, and what it rests on
    (``history``, ``blend`` of history and plan, ``plan`` or ``prior``)."""

    seconds: float
    p90_seconds: float
    source: str
    samples: int


class _History:
    """One fingerprint's last executions (log seconds) and their cached median and spread."""

    __slots__ = ("_stats", "logs")

    def __init__(self, window: int) -> None:
        self.logs: deque[float] = deque(maxlen=window)
        self._stats: tuple[float, float] | None = None

    def add(self, log_seconds: float) -> None:
        self.logs.append(log_seconds)
        self._stats = None

    def stats(self) -> tuple[float, float]:
        """(median, robust sigma) of the window."""
        if self._stats is None:
            a = np.fromiter(self.logs, float, len(self.logs))
            med = float(np.median(a))
            self._stats = (med, _MAD_TO_SIGMA * float(np.median(np.abs(a - med))))
        return self._stats


class QueryForecaster:
    """Execution-time forecasts that learn from every completed statement.

    Args:
        window: executions kept per fingerprint (the history adapts within half of it).
        prior_seconds: the answer before anything has been seen.
        ridge: L2 penalty of the plan regression (in units of observations).
        forgetting: per-observation decay of the regression's memory (0.999: the last few
            thousand executions count).
        plan_weight: how many executions of a fingerprint the plan regression is worth when
            blending the two.
        max_fingerprints: histories kept; the least recently seen go first.
    """

    def __init__(
        self,
        *,
        window: int = 32,
        prior_seconds: float = 1.0,
        ridge: float = 1.0,
        forgetting: float = 0.999,
        plan_weight: float = 1.0,
        max_fingerprints: int = 10_000,
    ) -> None:
        self.window = window
        self.ridge = ridge
        self.forgetting = forgetting
        self.plan_weight = plan_weight
        self.max_fingerprints = max_fingerprints
        self._histories: dict[str, _History] = {}
        self._xtx = np.zeros((N_FEATURES, N_FEATURES))
        self._xty = np.zeros(N_FEATURES)
        self._weight = 0.0
        self._coef: np.ndarray | None = None
        self._unfitted = 0  # observations since the regression was last solved
        self._resid_var = 1.0  # log-seconds variance of the regression's errors
        self._prior_log = math.log(prior_seconds)
        self._prior_var = 1.0

    @property
    def fingerprints(self) -> int:
        """How many fingerprints have a history."""
        return len(self._histories)

    def predict(self, fingerprint: str, features: PlanFeatures | None = None) -> QueryForecast:
        """The forecast for one statement (its fingerprint and, if known, its plan)."""
        hist = self._histories.get(fingerprint)
        plan = self._plan_estimate(features)
        if plan is None:
            base_log, base_sigma, base = self._prior_log, math.sqrt(self._prior_var), "prior"
        else:
            base_log, base_sigma, base = plan[0], plan[1], "plan"
        if hist is None or not hist.logs:
            return _forecast(base_log, base_sigma, base, 0)
        n = len(hist.logs)
        med, sigma = hist.stats()
        # Shrink the history toward the plan (or prior) by how much evidence each carries.
        w = n / (n + self.plan_weight)
        log = w * med + (1.0 - w) * base_log
        # A single execution says nothing of spread: borrow the base's until there are more.
        spread = (sigma * (n - 1) + base_sigma) / n
        return _forecast(log, spread, "history" if n >= self.window // 2 else "blend", n)

    def observe(self, fingerprint: str, features: PlanFeatures | None, seconds: float) -> None:
        """Learn from one completed execution."""
        y = math.log(max(seconds, 1e-6))
        hist = self._histories.pop(fingerprint, None) or _History(self.window)
        hist.add(y)
        self._histories[fingerprint] = hist  # re-inserted: dicts keep recency order
        if len(self._histories) > self.max_fingerprints:
            del self._histories[next(iter(self._histories))]
        # Prior: a running median (stochastic approximation) and variance of log seconds.
        step = 0.05
        self._prior_log += step * (1.0 if y > self._prior_log else -1.0)
        self._prior_var += step * ((y - self._prior_log) ** 2 - self._prior_var)
        if features is None:
            return
        x = features.vector()
        if self._coef is not None and self._weight > N_FEATURES:
            err = y - float(x @ self._coef)
            self._resid_var += 0.02 * (err * err - self._resid_var)
        f = self.forgetting
        self._xtx = f * self._xtx + np.outer(x, x)
        self._xty = f * self._xty + x * y
        self._weight = f * self._weight + 1.0
        self._unfitted += 1

    def _plan_estimate(self, features: PlanFeatures | None) -> tuple[float, float] | None:
        """(log seconds, sigma) from the plan regression, once it has seen enough."""
        if features is None or self._weight < 2:
            return None
        # Re-solving after every execution would cost more than it changes; every 16 is enough.
        if self._coef is None or self._unfitted >= 16:
            self._unfitted = 0
            penalty = self.ridge * np.eye(N_FEATURES)
            penalty[0, 0] = 1e-6  # the intercept is not shrunk
            self._coef = np.linalg.solve(self._xtx + penalty, self._xty)
        return float(features.vector() @ self._coef), math.sqrt(self._resid_var)


def _forecast(log: float, sigma: float, source: str, samples: int) -> QueryForecast:
    return QueryForecast(math.exp(log), math.exp(log + _Z90 * sigma), source, samples)
