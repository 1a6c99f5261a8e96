"""The benchmark's verdict: medians per system and the ratios the performance targets are set on.

Reads the JSON lines written by the shared workload scripts (one file per system label) and
renders one markdown table: a row per metric with the value of each system, the ratio the
target is expressed in, the target and whether it is met.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DUCKDB = "duckdb-inprocess"
PG = "postgres15"
DUCKSHIFT = "duckshift"
SYSTEMS = (DUCKDB, PG, DUCKSHIFT)
GIB = 1 << 30

Records = dict[str, list[dict[str, Any]]]


def load(results_dir: Path) -> Records:
    recs: Records = {}
    for label in SYSTEMS:
        path = results_dir / f"{label}.jsonl"
        if path.exists():
            with open(path) as f:
                recs[label] = [json.loads(line) for line in f if line.startswith("{")]
    return recs


def append(path: Path, record: dict[str, Any]) -> None:
    """Add a record of our own (server memory) beside the shared scripts' records."""
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def _median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def _pick(recs: Records, label: str, **match: Any) -> list[dict[str, Any]]:
    return [r for r in recs.get(label, []) if all(r.get(k) == v for k, v in match.items())]


def tpch_total(recs: Records, label: str) -> float | None:
    """Sum of per-query medians over the queries Duckshift ran (duckdb_inproc.py always runs
    all 22, the others may run a --tpch-queries subset); None if any of them failed."""
    ours = {r["q"] for r in _pick(recs, DUCKSHIFT, workload="tpch")}
    rs = [r for r in _pick(recs, label, workload="tpch") if not ours or r["q"] in ours]
    if not rs or any(r["status"] != "ok" for r in rs) or (ours and len(rs) < len(ours)):
        return None
    return sum(r["median_s"] for r in rs)


def tpch_finished(recs: Records, label: str) -> float | None:
    """Sum of per-query medians of the queries that finished (PostgreSQL times out on some)."""
    tot = _pick(recs, label, workload="tpch_total")
    return tot[-1]["total_median_s"] if tot else None


def stream_rate(method: str) -> Callable[[Records, str], float | None]:
    """Median rows/s of a lineitem stream method; None if a run failed or timed out."""

    def get(recs: Records, label: str) -> float | None:
        rs = _pick(recs, label, workload="stream", method=method)
        if not rs or any(r.get("error") or r.get("timed_out") for r in rs):
            return None
        return _median([r["rows_per_s"] for r in rs])

    return get


def qps(workload: str, driver: str, conns: int) -> Callable[[Records, str], float | None]:
    """Median queries/s; in-process DuckDB's records carry driver "duckdb"."""

    def get(recs: Records, label: str) -> float | None:
        drv = "duckdb" if label == DUCKDB else driver
        rs = _pick(recs, label, workload=workload, driver=drv, conns=conns)
        if not rs or any("failed" in r or r.get("n_errors") for r in rs):
            return None
        return _median([r["qps"] for r in rs])

    return get


def concurrency_p99(recs: Records, label: str) -> float | None:
    drv = "duckdb" if label == DUCKDB else "asyncpg"
    rs = [r for r in _pick(recs, label, workload="concurrency", driver=drv) if "failed" not in r]
    return _median([r.get("point_p99_ms") for r in rs])


def peak_rss(recs: Records, label: str) -> float | None:
    """Median of the peaks; None unless some stream method fetched all its rows (a server that
    fails at once proves nothing about its memory)."""
    streams = _pick(recs, label, workload="stream")
    if not any(r["rows"] and not (r.get("error") or r.get("timed_out")) for r in streams):
        return None
    return _median([r["peak_rss_bytes"] for r in _pick(recs, label, workload="server_rss")])


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    workload: str  # records that tell "failed" (present) from "not run" (absent)
    get: Callable[[Records, str], float | None]
    baseline: str | None = None  # ratio = Duckshift / baseline
    op: str = ""  # "<=" or ">=" for ratio targets, "<" for absolute ones
    target: float | None = None


def _rss_gib(recs: Records, label: str) -> float | None:
    peak = peak_rss(recs, label)
    return None if peak is None else peak / GIB


METRICS = (
    Metric("TPC-H, sum of query medians", "s", "tpch", tpch_total, DUCKDB, "<=", 1.10),
    Metric("lineitem, asyncpg cursor", "rows/s", "stream", stream_rate("asyncpg_cursor"),
           PG, ">=", 1.0),
    Metric("lineitem, psycopg named cursor", "rows/s", "stream", stream_rate("psycopg_named"),
           PG, ">=", 1.0),
    Metric("lineitem, psycopg stream()", "rows/s", "stream", stream_rate("psycopg_stream"),
           PG, ">=", 1.0),
    Metric("lineitem, psql COPY TO STDOUT", "rows/s", "stream", stream_rate("psql_copy"),
           PG, ">=", 1.0),
    Metric("point query, asyncpg, 1 conn", "q/s", "point", qps("point", "asyncpg", 1),
           DUCKDB, ">=", 0.85),
    Metric("point query, asyncpg, 8 conns", "q/s", "point", qps("point", "asyncpg", 8),
           DUCKDB, ">=", 0.85),
    Metric("SELECT 1, asyncpg, 1 conn", "q/s", "select1", qps("select1", "asyncpg", 1),
           DUCKDB, ">=", 0.5),
    Metric("peak server RSS streaming lineitem", "GiB", "stream", _rss_gib, None, "<", 1.0),
    # No targets, for context.
    Metric("TPC-H, sum of medians of queries that finished", "s", "tpch", tpch_finished),
    Metric("point query, psycopg, 1 conn", "q/s", "point", qps("point", "psycopg", 1)),
    Metric("point query, asyncpg, 32 conns", "q/s", "point", qps("point", "asyncpg", 32)),
    Metric("32 conns mixed, point p99", "ms", "concurrency", concurrency_p99),
)


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if v < 10 else f"{v:.1f}"


def _verdict(value: float | None, op: str, target: float) -> str:
    met = value is not None and {"<=": value <= target, ">=": value >= target,
                                 "<": value < target}[op]
    return "met" if met else "NOT MET"


def render(recs: Records) -> str:
    head = ["metric", "unit", "in-process DuckDB", "PostgreSQL 15", "Duckshift", "ratio",
            "target", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in METRICS:
        vals = {label: m.get(recs, label) if label in recs else None for label in SYSTEMS}
        ratio = target = verdict = ""
        if m.target is not None:
            base_name = {DUCKDB: "Duckshift/DuckDB ", PG: "Duckshift/PostgreSQL "}
            unit = "" if m.baseline else f" {m.unit}"
            target = f"{base_name.get(m.baseline or '', '')}{m.op} {m.target:g}{unit}"
            ran = [lb for lb in (DUCKSHIFT, m.baseline) if lb is not None]
            if not all(_pick(recs, lb, workload=m.workload) for lb in ran):
                verdict = "not measured"
            elif m.baseline is not None:
                base, ours = vals[m.baseline], vals[DUCKSHIFT]
                r = ours / base if ours is not None and base else None
                ratio = "-" if r is None else f"{r:.2f}"
                verdict = _verdict(r, m.op, m.target)
            else:
                verdict = _verdict(vals[DUCKSHIFT], m.op, m.target)
        cells = [m.name, m.unit, *(_fmt(vals[s]) for s in SYSTEMS), ratio, target, verdict]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
