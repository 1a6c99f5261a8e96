"""Workload-management overhead: the 22 TPC-H queries over the wire with monitoring on and off.

Two Duckshift servers on copies of the same TPC-H database: one with ``[server.wlm] enabled =
false`` (no DuckDB profiling, no rule evaluation; metering stays on), one with monitoring on,
a 1 s evaluation period (ten times Redshift's rate) and a queue whose rules cover every metric
family (live: execution time, rows returned, CPU; at completion: rows scanned, joined, blocks
read, spill) with thresholds no TPC-H query reaches, so every rule is evaluated and none acts.
Runs alternate off/on per repetition, so drift on a noisy machine hits both alike. Prints the
per-query medians and the on/off ratios (target: total at most 1.03).

    .venv/bin/python bench/wlm_overhead.py [--sf 1] [--reps 5] [--queries 1,6,14]
"""

from __future__ import annotations

import argparse
import json
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
_BIG = 10**12
RULES = [
    {"rule_name": name, "action": "log",
     "predicate": [{"metric_name": metric, "operator": ">", "value": value}]}
    for name, metric, value in (
        ("long_running", "query_execution_time", 86_000), ("many_rows", "return_row_count", _BIG),
        ("cpu_heavy", "query_cpu_time", 900_000), ("big_scan", "scan_row_count", _BIG),
        ("big_join", "join_row_count", _BIG), ("nested_loops", "nested_loop_join_row_count", _BIG),
        ("many_blocks", "query_blocks_read", 1_000_000), ("spill", "query_temp_blocks_to_disk",
                                                          300_000_000),
    )
]
CONFIG = """
[server.wlm]
enabled = {enabled}
evaluation_interval_seconds = 1
[[namespace]]
name = "default"
[[workgroup]]
name = "bench-wg"
namespace = "default"
port = {port}
{parameters}
"""


def _start(name: str, public_file: Path, data: Path, enabled: bool,
           password: str) -> tuple[subprocess.Popen[bytes], int]:
    data_dir = data / f"wlm-{name}"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "namespaces" / "default").mkdir(parents=True)
    shutil.copyfile(public_file, data_dir / "namespaces" / "default" / "dev.duckdb")
    port = servers.free_port()
    parameters = ""
    if enabled:
        wlm_json = json.dumps([{"rules": RULES}])
        parameters = ("[workgroup.config_parameters]\nwlm_json_configuration = "
                      + json.dumps(wlm_json))
    config = data / f"wlm-{name}.toml"
    config.write_text(CONFIG.format(enabled=str(enabled).lower(), port=port,
                                    parameters=parameters))
    log = HERE / "results" / f"wlm-{name}-server.log"
    log.parent.mkdir(exist_ok=True)
    exe = Path(sys.executable).parent / "duckshift"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--data-dir", str(data_dir), "--config", str(config)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env=dict(os.environ, DUCKSHIFT_ADMIN_PASSWORD=password))
    servers.wait_for_port(port, proc, 120, log)
    return proc, port


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
    password = "Bench-" + secrets.token_hex(8)
    procs = []
    try:
        off_proc, off_port = _start("off", public_file, a.data, False, password)
        procs.append(off_proc)
        on_proc, on_port = _start("on", public_file, a.data, True, password)
        procs.append(on_proc)
        conns = [psycopg.connect(host="127.0.0.1", port=port, user="admin", password=password,
                                 dbname="dev", sslmode="disable", autocommit=True)
                 for port in (off_port, on_port)]
        off, on = conns
        rows = []
        for n in [int(x) for x in a.queries.split(",")]:
            sql = (QUERIES / f"q{n:02d}.sql").read_text()
            _timed(off, sql)  # warm both once
            _timed(on, sql)
            t_off, t_on = [], []
            for _ in range(a.reps):
                t_off.append(_timed(off, sql))
                t_on.append(_timed(on, sql))
            m_off, m_on = statistics.median(t_off), statistics.median(t_on)
            rows.append((n, m_off, m_on, m_on / m_off))
        fired = on.execute("select count(*) from stl_wlm_rule_action").fetchone()
        profiled = on.execute("select count(*) from svl_query_metrics_summary "
                              "where scan_row_count > 0").fetchone()
        print(f"# WLM overhead, TPC-H SF{tpch_data.sf_tag(a.sf)}, {a.reps} reps "
              "(medians, seconds)\n")
        print("| query | monitoring off | monitoring on | on/off |\n|---|---|---|---|")
        for n, m_off, m_on, r in rows:
            print(f"| Q{n} | {m_off:.4f} | {m_on:.4f} | {r:.3f} |")
        geo = math.exp(sum(math.log(r) for *_, r in rows) / len(rows))
        total_off = sum(r[1] for r in rows)
        total_on = sum(r[2] for r in rows)
        print(f"\ngeometric mean of ratios: {geo:.3f}; total {total_on:.3f} s / "
              f"{total_off:.3f} s = {total_on / total_off:.3f} (target: at most 1.03)")
        print(f"{len(RULES)} rules evaluated on every statement; rule actions: "
              f"{fired[0] if fired else '?'}; statements with a profile: "
              f"{profiled[0] if profiled else '?'}")
        for c in conns:
            c.close()
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
