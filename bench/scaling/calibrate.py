"""Measure the trace templates' cost on a real Duckshift: the calibration of the simulator.

Starts ``duckshift serve`` on a fresh copy of TPC-H (scale factor 1, bench/.data), runs every
template of ``policies.trace.TEMPLATES`` alone, ``--reps`` times with different literals after
one warm-up, through psycopg, timing each statement from send to last row. Plan features come
from DuckDB's ``EXPLAIN (FORMAT JSON)`` of the same SQL on the same data, in process, with the
tables' row counts. Writes ``policies/calibration.json``: per template the median seconds, the
standard deviation of log seconds, and the plan features.

    .venv/bin/python bench/scaling/calibrate.py [--reps 7]
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

import duckdb
import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
import servers  # noqa: E402
import tpch_data  # noqa: E402

from policies.query_forecast import plan_features  # noqa: E402
from policies.trace import DEFAULT_CALIBRATION, TEMPLATES  # noqa: E402


def explain_features(main_file: Path) -> dict[str, dict[str, float]]:
    """Plan features of every template (with its first literals) from in-process DuckDB."""
    con = duckdb.connect(str(main_file), read_only=True)
    rows = {name: float(n) for name, n in con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables()").fetchall()}
    out = {}
    for t in TEMPLATES:
        sql = t.render(np.random.default_rng(0))
        plan = con.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchall()[0][1]
        out[t.name] = asdict(plan_features(plan, rows))
    con.close()
    return out


def measure(port: int, password: str, reps: int) -> dict[str, list[float]]:
    """Seconds of each template's runs, literals drawn per run."""
    con = psycopg.connect(host="127.0.0.1", port=port, user="admin", password=password,
                          dbname="dev", sslmode="disable", autocommit=True)
    times: dict[str, list[float]] = {}
    for t in TEMPLATES:
        rng = np.random.default_rng(1)
        con.execute(t.render(rng)).fetchall()  # warm-up
        runs = []
        for _ in range(reps):
            sql = t.render(rng)
            started = time.perf_counter()
            con.execute(sql).fetchall()
            runs.append(time.perf_counter() - started)
        times[t.name] = runs
        print(f"{t.name:24} {t.klass:10} median {statistics.median(runs) * 1000:8.1f} ms",
              flush=True)
    con.close()
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--out", type=Path, default=DEFAULT_CALIBRATION)
    p.add_argument("--exe", type=Path, default=ROOT / ".venv" / "bin" / "duckshift",
                   help="the duckshift command to start (default: the project's)")
    a = p.parse_args()
    public, main_file = tpch_data.ensure_tpch(ROOT / "bench" / ".data", 1)
    features = explain_features(main_file)
    password = "Bench-" + secrets.token_hex(8)
    port = servers.free_port()
    data_dir = ROOT / "bench" / ".data" / "scaling-calibrate"
    srv = servers.DuckshiftServer(a.exe, data_dir, port,
                                  password, ROOT / "bench" / "results" / "scaling-calibrate.log")
    try:
        srv.start(public)
        times = measure(port, password, a.reps)
    finally:
        srv.stop()
    templates = {}
    for name, runs in times.items():
        logs = [math.log(x) for x in runs]
        templates[name] = {"seconds": statistics.median(runs),
                           "sigma": statistics.stdev(logs), "features": features[name]}
    a.out.write_text(json.dumps({"scale_factor": 1, "reps": a.reps, "templates": templates},
                                indent=1) + "\n")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
