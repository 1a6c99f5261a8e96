"""Workload traces: the statements a workgroup receives, when, and how much work each is.

``generate`` makes a deterministic multi-day trace from a seed: a daily cycle of dashboard
queries, ad hoc analytics with random bursts, a nightly ETL window of heavy TPC-H queries, a
steady stream of point queries, weekends quieter than weekdays and a slow upward trend. The
statements come from ``TEMPLATES`` (TPC-H, Redshift SQL); each has a measured execution time
at TPC-H scale factor 1 and its plan features (``Calibration``, made by
``bench/scaling/calibrate.py`` against a real Duckshift). A trace's work per statement is the
measured time times the trace's data scale (analytic work grows linearly with the data; point
lookups do not) times log-normal noise of the measured spread.

A trace is columns (numpy arrays), so a day of 100,000 statements costs milliseconds to make;
``sql(i)`` renders statement ``i`` with its own literals for a live replay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from policies.fingerprint import fingerprint
from policies.query_forecast import PlanFeatures

CLASSES = ("point", "dashboard", "adhoc", "etl")
MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class Template:
    """A statement shape: its class, SQL with ``{name}`` holes, and how each hole is filled:
    ``("int", low, high)``, ``("date", first, days)`` or ``("choice", (values...))``."""

    name: str
    klass: str
    sql: str
    params: tuple[tuple[str, tuple[object, ...]], ...] = ()

    def render(self, rng: np.random.Generator) -> str:
        """The SQL with every hole filled from ``rng``."""
        values: dict[str, object] = {}
        for name, spec in self.params:
            kind = spec[0]
            if kind == "int":
                values[name] = int(rng.integers(int(spec[1]), int(spec[2]) + 1))  # type: ignore[call-overload]
            elif kind == "date":
                first = date.fromisoformat(str(spec[1]))
                values[name] = (first + timedelta(days=int(rng.integers(0, int(spec[2])))))  # type: ignore[call-overload]
            else:
                choices = spec[1]
                assert isinstance(choices, tuple)
                values[name] = choices[int(rng.integers(0, len(choices)))]
        return self.sql.format(**values)


TEMPLATES: tuple[Template, ...] = (
    Template("order_by_key", "point", "SELECT * FROM orders WHERE o_orderkey = {k}",
             (("k", ("int", 1, 6_000_000)),)),
    Template("customer_by_key", "point",
             "SELECT c_name, c_acctbal FROM customer WHERE c_custkey = {k}",
             (("k", ("int", 1, 150_000)),)),
    Template("revenue_forecast", "dashboard",
             "SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem "
             "WHERE l_shipdate >= DATE '{d}' AND l_shipdate < DATE '{d}' + INTERVAL '1 year' "
             "AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < {q}",
             (("d", ("date", "1993-01-01", 1460)), ("q", ("int", 20, 30)))),
    Template("promo_effect", "dashboard",
             "SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * "
             "(1 - l_discount) ELSE 0 END) / sum(l_extendedprice * (1 - l_discount)) "
             "FROM lineitem, part WHERE l_partkey = p_partkey AND l_shipdate >= DATE '{d}' "
             "AND l_shipdate < DATE '{d}' + INTERVAL '1 month'",
             (("d", ("date", "1993-01-01", 1800)),)),
    Template("orders_by_month", "dashboard",
             "SELECT date_trunc('month', o_orderdate) AS m, count(*), sum(o_totalprice) "
             "FROM orders WHERE o_orderdate >= DATE '{d}' AND o_orderdate < DATE '{d}' + "
             "INTERVAL '6 months' GROUP BY 1 ORDER BY 1",
             (("d", ("date", "1992-01-01", 2000)),)),
    Template("priority_check", "dashboard",
             "SELECT o_orderpriority, count(*) FROM orders WHERE o_orderdate >= DATE '{d}' "
             "AND o_orderdate < DATE '{d}' + INTERVAL '3 months' GROUP BY 1 ORDER BY 1",
             (("d", ("date", "1993-01-01", 1600)),)),
    Template("pricing_summary", "adhoc",
             "SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice), "
             "sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)), avg(l_discount), count(*) "
             "FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '{n} days' "
             "GROUP BY 1, 2 ORDER BY 1, 2",
             (("n", ("int", 60, 120)),)),
    Template("shipping_priority", "adhoc",
             "SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, "
             "o_orderdate, o_shippriority FROM customer, orders, lineitem "
             "WHERE c_mktsegment = '{s}' AND c_custkey = o_custkey AND l_orderkey = o_orderkey "
             "AND o_orderdate < DATE '{d}' AND l_shipdate > DATE '{d}' GROUP BY 1, 3, 4 "
             "ORDER BY revenue DESC, o_orderdate LIMIT 10",
             (("s", ("choice", ("BUILDING", "AUTOMOBILE", "MACHINERY", "HOUSEHOLD",
                                "FURNITURE"))),
              ("d", ("date", "1995-03-01", 31)))),
    Template("local_supplier_volume", "adhoc",
             "SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue "
             "FROM customer, orders, lineitem, supplier, nation, region "
             "WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey "
             "AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey "
             "AND n_regionkey = r_regionkey AND r_name = '{r}' AND o_orderdate >= DATE '{d}' "
             "AND o_orderdate < DATE '{d}' + INTERVAL '1 year' GROUP BY 1 ORDER BY 2 DESC",
             (("r", ("choice", ("ASIA", "AMERICA", "EUROPE", "AFRICA", "MIDDLE EAST"))),
              ("d", ("date", "1993-01-01", 1460)))),
    Template("returned_items", "adhoc",
             "SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, "
             "c_acctbal, n_name FROM customer, orders, lineitem, nation "
             "WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey "
             "AND o_orderdate >= DATE '{d}' AND o_orderdate < DATE '{d}' + INTERVAL '3 months' "
             "AND l_returnflag = 'R' AND c_nationkey = n_nationkey "
             "GROUP BY 1, 2, 4, 5 ORDER BY revenue DESC LIMIT 20",
             (("d", ("date", "1993-01-01", 700)),)),
    Template("customer_distribution", "adhoc",
             "SELECT c_count, count(*) AS custdist FROM (SELECT c_custkey, count(o_orderkey) "
             "AS c_count FROM customer LEFT OUTER JOIN orders ON c_custkey = o_custkey "
             "AND o_comment NOT LIKE '%{w}%requests%' GROUP BY c_custkey) c "
             "GROUP BY c_count ORDER BY custdist DESC, c_count DESC",
             (("w", ("choice", ("special", "pending", "unusual", "express"))),)),
    Template("product_profit", "etl",
             "SELECT nation, o_year, sum(amount) AS sum_profit FROM (SELECT n_name AS nation, "
             "extract(year FROM o_orderdate) AS o_year, l_extendedprice * (1 - l_discount) - "
             "ps_supplycost * l_quantity AS amount FROM part, supplier, lineitem, partsupp, "
             "orders, nation WHERE s_suppkey = l_suppkey AND ps_suppkey = l_suppkey "
             "AND ps_partkey = l_partkey AND p_partkey = l_partkey AND o_orderkey = l_orderkey "
             "AND s_nationkey = n_nationkey AND p_name LIKE '%{c}%') AS profit "
             "GROUP BY nation, o_year ORDER BY nation, o_year DESC",
             (("c", ("choice", ("green", "red", "blue", "almond", "ivory"))),)),
    Template("large_volume_customer", "etl",
             "SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) "
             "FROM customer, orders, lineitem WHERE o_orderkey IN (SELECT l_orderkey "
             "FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > {q}) "
             "AND c_custkey = o_custkey AND o_orderkey = l_orderkey "
             "GROUP BY 1, 2, 3, 4, 5 ORDER BY o_totalprice DESC, o_orderdate LIMIT 100",
             (("q", ("int", 312, 315)),)),
    Template("suppliers_kept_waiting", "etl",
             "SELECT s_name, count(*) AS numwait FROM supplier, lineitem l1, orders, nation "
             "WHERE s_suppkey = l1.l_suppkey AND o_orderkey = l1.l_orderkey "
             "AND o_orderstatus = 'F' AND l1.l_receiptdate > l1.l_commitdate "
             "AND EXISTS (SELECT * FROM lineitem l2 WHERE l2.l_orderkey = l1.l_orderkey "
             "AND l2.l_suppkey <> l1.l_suppkey) AND NOT EXISTS (SELECT * FROM lineitem l3 "
             "WHERE l3.l_orderkey = l1.l_orderkey AND l3.l_suppkey <> l1.l_suppkey "
             "AND l3.l_receiptdate > l3.l_commitdate) AND s_nationkey = n_nationkey "
             "AND n_name = '{n}' GROUP BY s_name ORDER BY numwait DESC, s_name LIMIT 100",
             (("n", ("choice", ("SAUDI ARABIA", "GERMANY", "JAPAN", "BRAZIL", "CANADA"))),)),
    Template("daily_rollup", "etl",
             "SELECT o_orderdate, l_shipmode, count(*), sum(l_quantity), "
             "sum(l_extendedprice * (1 - l_discount)), avg(l_tax) FROM orders, lineitem "
             "WHERE o_orderkey = l_orderkey AND o_orderdate >= DATE '{d}' "
             "GROUP BY 1, 2 ORDER BY 1, 2",
             (("d", ("date", "1992-01-01", 365)),)),
)


@dataclass(frozen=True, slots=True)
class Calibration:
    """One template's measured cost at scale factor 1: median seconds, the spread of log
    seconds across literals and runs, and its plan's features."""

    seconds: float
    sigma: float
    features: PlanFeatures = field(default_factory=PlanFeatures)


def load_calibration(path: Path) -> dict[str, Calibration]:
    """Read a calibration file written by ``bench/scaling/calibrate.py``."""
    raw = json.loads(path.read_text())
    return {
        name: Calibration(float(c["seconds"]), float(c["sigma"]),
                          PlanFeatures(**c.get("features", {})))
        for name, c in raw["templates"].items()
    }


DEFAULT_CALIBRATION = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class WorkloadShape:
    """Rates per minute of each class and how they vary; the defaults make a workgroup that
    needs about 8 RPUs at night and 100-200 during a weekday afternoon burst at data scale
    100."""

    point_per_min: float = 30.0
    dashboard_peak_per_min: float = 60.0
    dashboard_night_per_min: float = 3.0
    adhoc_peak_per_min: float = 6.0
    adhoc_night_per_min: float = 0.3
    # The nightly ETL window: a scheduled batch every 15 minutes from 01:00 to 03:00, its
    # statements submitted within the batch's first 30 seconds.
    etl_window: tuple[int, int] = (60, 180)  # minutes of the day
    etl_every_min: int = 15
    etl_batch: float = 10.0  # statements per batch (Poisson mean; half on weekends)
    weekend_factor: float = 0.25
    bursts_per_weekday: float = 3.0
    burst_factor: float = 8.0  # ad hoc rate multiplier during a burst
    weekly_growth: float = 0.03
    novel_fraction: float = 0.15  # ad hoc statements whose fingerprint is new


@dataclass
class Trace:
    """Statements in arrival order: seconds since the trace began, template index, work in
    slot-seconds, and whether the statement's fingerprint is new (a one-off query)."""

    arrival: np.ndarray
    template: np.ndarray
    work: np.ndarray
    novel: np.ndarray
    templates: tuple[Template, ...]
    start_minute: int  # the absolute minute (Unix epoch) the trace begins at
    seed: int
    fingerprints: list[str] = field(default_factory=list)
    texts: list[str] | None = None  # each statement's SQL as logged (a replayed query log)

    def __len__(self) -> int:
        return len(self.arrival)

    def klass(self) -> np.ndarray:
        """Each statement's class index into ``CLASSES``."""
        by_template = np.array([CLASSES.index(t.klass) for t in self.templates])
        return by_template[self.template]

    def fingerprint_of(self, i: int) -> str:
        """Statement ``i``'s fingerprint (a one-off statement has its own)."""
        base = self.fingerprints[int(self.template[i])]
        return f"{base}-{i}" if self.novel[i] else base

    def sql(self, i: int) -> str:
        """Statement ``i`` as SQL: as logged, or with literals drawn from the trace's seed
        and ``i``."""
        if self.texts is not None:
            return self.texts[i]
        rng = np.random.default_rng((self.seed, i))
        text = self.templates[int(self.template[i])].render(rng)
        # A one-off statement differs in shape, not just literals: a comment is not enough
        # (normalizing drops it), a distinct alias is.
        return f"SELECT * FROM ({text}) AS adhoc_{i}" if self.novel[i] else text

    def slice(self, begin_s: float, end_s: float) -> Trace:
        """The statements arriving in [begin_s, end_s), times shifted to start at 0."""
        keep = (self.arrival >= begin_s) & (self.arrival < end_s)
        texts = None if self.texts is None else [
            t for t, k in zip(self.texts, keep, strict=True) if k]
        return Trace(self.arrival[keep] - begin_s, self.template[keep], self.work[keep],
                     self.novel[keep], self.templates, self.start_minute + int(begin_s // 60),
                     self.seed, self.fingerprints, texts)

    def compressed(self, factor: float) -> Trace:
        """The same statements arriving ``factor`` times faster (work unchanged)."""
        return Trace(self.arrival / factor, self.template, self.work, self.novel,
                     self.templates, self.start_minute, self.seed, self.fingerprints,
                     self.texts)


def rates(shape: WorkloadShape, minute_of_day: np.ndarray, weekend: np.ndarray,
          week: np.ndarray) -> dict[str, np.ndarray]:
    """Expected statements per minute of the steady classes (before bursts; ETL comes in
    scheduled batches, see ``_etl``)."""
    h = minute_of_day / 60.0
    business = np.exp(-0.5 * ((h - 10.5) / 1.6) ** 2) + 0.8 * np.exp(-0.5 * ((h - 14.5) / 1.8) ** 2)
    office = np.exp(-0.5 * ((h - 13.0) / 3.0) ** 2)
    day_factor = np.where(weekend, shape.weekend_factor, 1.0)
    growth = 1.0 + shape.weekly_growth * week
    return {
        "point": np.full(len(h), shape.point_per_min) * growth,
        "dashboard": (shape.dashboard_night_per_min
                      + shape.dashboard_peak_per_min * business * day_factor) * growth,
        "adhoc": (shape.adhoc_night_per_min + shape.adhoc_peak_per_min * office * day_factor)
        * growth,
    }


def generate(
    calibration: dict[str, Calibration],
    *,
    days: int = 16,
    seed: int = 42,
    data_scale: float = 100.0,
    shape: WorkloadShape | None = None,
    start_minute: int = 4 * MINUTES_PER_DAY,  # 1970-01-05, a Monday
) -> Trace:
    """A deterministic trace of ``days`` days from ``seed``.

    Args:
        calibration: measured cost per template name (every template needs one).
        data_scale: how many times the calibration's data the traced warehouse holds.
        shape: rates and their variation (``WorkloadShape()`` by default).
        start_minute: the absolute minute the trace starts at (a day boundary).
    """
    shape = shape or WorkloadShape()
    rng = np.random.default_rng(seed)
    minutes = np.arange(days * MINUTES_PER_DAY)
    absolute = start_minute + minutes
    weekday = (absolute // MINUTES_PER_DAY + 3) % 7  # the Unix epoch was a Thursday
    weekend = weekday >= 5
    week = minutes / (7 * MINUTES_PER_DAY)
    per_class = rates(shape, minutes % MINUTES_PER_DAY, weekend, week)
    burst = _bursts(rng, days, weekend, shape)
    per_class["adhoc"] = per_class["adhoc"] * (1.0 + (shape.burst_factor - 1.0) * burst)
    per_class["dashboard"] = per_class["dashboard"] * (1.0 + burst)
    by_class = {k: [i for i, t in enumerate(TEMPLATES) if t.klass == k] for k in CLASSES}
    arrivals, templates = [], []
    for klass in CLASSES:
        if klass == "etl":
            start, spread = _etl(rng, minutes, weekend, week, shape)
        else:
            counts = rng.poisson(per_class[klass])
            start, spread = np.repeat(minutes * 60.0, counts), 60.0
        arrivals.append(start + rng.uniform(0.0, spread, len(start)))
        choices = by_class[klass]
        templates.append(np.asarray(choices)[rng.integers(0, len(choices), len(start))])
    order = np.argsort(np.concatenate(arrivals), kind="stable")
    arrival = np.concatenate(arrivals)[order]
    template = np.concatenate(templates)[order].astype(np.int16)
    cal = [calibration[t.name] for t in TEMPLATES]
    median = np.array([c.seconds for c in cal])
    sigma = np.array([c.sigma for c in cal])
    scale = np.array([1.0 if t.klass == "point" else data_scale for t in TEMPLATES])
    work = median[template] * scale[template] * np.exp(sigma[template] *
                                                        rng.standard_normal(len(template)))
    is_adhoc = np.array([t.klass == "adhoc" for t in TEMPLATES])[template]
    novel = is_adhoc & (rng.random(len(template)) < shape.novel_fraction)
    fingerprints = [fingerprint(t.render(np.random.default_rng(0))) for t in TEMPLATES]
    return Trace(arrival, template, work, novel, TEMPLATES, start_minute, seed, fingerprints)


def _etl(rng: np.random.Generator, minutes: np.ndarray, weekend: np.ndarray,
         week: np.ndarray, shape: WorkloadShape) -> tuple[np.ndarray, float]:
    """Start seconds of the ETL statements (each batch's minute, repeated per statement) and
    the spread within which they are submitted."""
    lo, hi = shape.etl_window
    of_day = minutes % MINUTES_PER_DAY
    batch = (of_day >= lo) & (of_day < hi) & ((of_day - lo) % shape.etl_every_min == 0)
    mean = shape.etl_batch * np.where(weekend, 0.5, 1.0) * (1.0 + shape.weekly_growth * week)
    counts = np.where(batch, rng.poisson(mean), 0)
    return np.repeat(minutes * 60.0, counts), 30.0


def _bursts(rng: np.random.Generator, days: int, weekend: np.ndarray,
            shape: WorkloadShape) -> np.ndarray:
    """1 during a burst minute, else 0: Poisson-many bursts a day between 08:00 and 19:00,
    5 to 15 minutes each (weekends a third as many)."""
    out = np.zeros(days * MINUTES_PER_DAY)
    for d in range(days):
        mean = shape.bursts_per_weekday * (1 / 3 if weekend[d * MINUTES_PER_DAY] else 1)
        for _ in range(rng.poisson(mean)):
            start = d * MINUTES_PER_DAY + int(rng.integers(8 * 60, 19 * 60))
            out[start:start + int(rng.integers(5, 16))] = 1.0
    return out


def per_minute(trace: Trace, values: np.ndarray | None = None, *,
               mask: np.ndarray | None = None) -> np.ndarray:
    """Per-minute sums over the trace (counts if ``values`` is None), from its first minute
    to its last, optionally of the statements in ``mask`` only."""
    minute = (trace.arrival // 60).astype(np.int64)
    n = int(minute.max()) + 1 if len(minute) else 0
    weights = np.ones(len(minute)) if values is None else values
    if mask is not None:
        minute, weights = minute[mask], weights[mask]
    return np.bincount(minute, weights=weights, minlength=n)
