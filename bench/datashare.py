"""Datashare overhead: the 22 TPC-H queries run by the producer on its own data and by a
consumer through a datashare, on one Duckshift server (same run, same machine).

The producer namespace holds TPC-H in ``dev.public`` and shares the schema; the consumer mounts
the share as ``tpch_db`` and runs the same query text after ``USE tpch_db``. Runs alternate
producer/consumer per repetition, so drift on a noisy machine hits both alike. Prints per-query
medians and the consumer/producer ratios (target: geometric mean at most 1.05).

    .venv/bin/python bench/datashare.py [--sf 1] [--reps 5] [--queries 1,6,14]
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers
import tpch_data

HERE = Path(__file__).resolve().parent
QUERIES = HERE.parent.parent / "shared" / "bench" / "queries"
CONFIG = """
[[namespace]]
name = "default"
[[namespace]]
name = "consumer"
[[workgroup]]
name = "producer-wg"
namespace = "default"
port = {p1}
[[workgroup]]
name = "consumer-wg"
namespace = "consumer"
port = {p2}
"""


def _connect(port: int, password: str) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=port, user="admin", password=password,
                           dbname="dev", sslmode="disable", autocommit=True)


def _timed(con: psycopg.Connection, sql: str) -> float:
    started = time.perf_counter()
    con.execute(sql).fetchall()
    return time.perf_counter() - started


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sf", type=float, default=1.0)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--queries", default=",".join(str(i) for i in range(1, 23)))
    p.add_argument("--data", type=Path, default=HERE / ".data")
    a = p.parse_args()
    public_file, _ = tpch_data.ensure_tpch(a.data, a.sf)
    data_dir = a.data / "datashare"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "namespaces" / "default").mkdir(parents=True)
    shutil.copyfile(public_file, data_dir / "namespaces" / "default" / "dev.duckdb")
    p1, p2 = servers.free_port(), servers.free_port()
    config = data_dir.parent / "datashare.toml"
    config.write_text(CONFIG.format(p1=p1, p2=p2))
    password = "Bench-" + secrets.token_hex(8)
    log = HERE / "results" / "datashare-server.log"
    log.parent.mkdir(exist_ok=True)
    exe = Path(sys.executable).parent / "duckshift"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--data-dir", str(data_dir), "--config", str(config)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env=dict(os.environ, DUCKSHIFT_ADMIN_PASSWORD=password))
    try:
        servers.wait_for_port(p1, proc, 120, log)
        servers.wait_for_port(p2, proc, 120, log)
        prod, cons = _connect(p1, password), _connect(p2, password)
        prod_ns = prod.execute("SELECT current_namespace").fetchone()[0]  # type: ignore[index]
        cons_ns = cons.execute("SELECT current_namespace").fetchone()[0]  # type: ignore[index]
        prod.execute("CREATE DATASHARE tpch_share")
        prod.execute("ALTER DATASHARE tpch_share ADD SCHEMA public")
        prod.execute("ALTER DATASHARE tpch_share ADD ALL TABLES IN SCHEMA public")
        prod.execute(f"GRANT USAGE ON DATASHARE tpch_share TO NAMESPACE '{cons_ns}'")
        cons.execute(f"CREATE DATABASE tpch_db FROM DATASHARE tpch_share OF NAMESPACE '{prod_ns}'")
        cons.execute("USE tpch_db")
        rows = []
        for n in [int(x) for x in a.queries.split(",")]:
            sql = (QUERIES / f"q{n:02d}.sql").read_text()
            _timed(prod, sql)  # warm both sides once
            _timed(cons, sql)
            t_prod, t_cons = [], []
            for _ in range(a.reps):
                t_prod.append(_timed(prod, sql))
                t_cons.append(_timed(cons, sql))
            mp, mc = statistics.median(t_prod), statistics.median(t_cons)
            rows.append((n, mp, mc, mc / mp))
        print(f"# Datashare overhead, TPC-H SF{tpch_data.sf_tag(a.sf)}, {a.reps} reps "
              "(medians, seconds)\n")
        print("| query | producer | consumer | consumer/producer |\n|---|---|---|---|")
        for n, mp, mc, r in rows:
            print(f"| Q{n} | {mp:.4f} | {mc:.4f} | {r:.3f} |")
        geo = math.exp(sum(math.log(r) for *_, r in rows) / len(rows))
        total_p = sum(r[1] for r in rows)
        total_c = sum(r[2] for r in rows)
        print(f"\ngeometric mean of ratios: {geo:.3f}; total {total_c:.3f} s / {total_p:.3f} s "
              f"= {total_c / total_p:.3f} (target: at most 1.05)")
        prod.close()
        cons.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
