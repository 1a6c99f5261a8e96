"""Run the shared reference workloads against in-process DuckDB, PostgreSQL 15 and Duckshift.

One command: makes (and caches) TPC-H data, starts each server in turn, runs the workload
scripts of ``<repo>/../shared/bench`` against it, stops it, and prints the medians with the
ratios of the performance targets (also written to ``bench/results/summary.md``). Every server
it starts is stopped on exit, error, Ctrl-C or SIGTERM. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Collection
from contextlib import ExitStack, nullcontext
from pathlib import Path
from types import FrameType

import pg
import report
import servers
import tpch_data

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORKLOADS = ("tpch", "point", "stream", "concurrency")
SYSTEM_NAMES = {"duckdb": report.DUCKDB, "pg": report.PG, "duckshift": report.DUCKSHIFT}

# (run.py option, option of the shared script) passed through only when given, so that the
# scripts' own defaults apply otherwise.
PASS_THROUGH = {
    "tpch": [("tpch_reps", "--reps"), ("tpch_timeout", "--timeout"),
             ("tpch_queries", "--queries")],
    "point": [("point_duration", "--duration"), ("point_conns", "--conns"),
              ("drivers", "--drivers")],
    "stream": [("stream_time_limit", "--time-limit"), ("stream_methods", "--methods"),
               ("stream_reps", "--reps")],
    "concurrency": [("conc_duration", "--duration"), ("conc_conns", "--conns"),
                    ("conc_grace", "--grace"), ("drivers", "--drivers"),
                    ("analytic_frac", "--analytic-frac")],
}
# duckdb_inproc.py takes fewer knobs, under other names.
INPROC_PASS_THROUGH = [("tpch_reps", "--reps"), ("point_duration", "--duration"),
                       ("point_conns", "--conns"), ("conc_duration", "--conc-duration")]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sf", type=float, default=1.0, help="TPC-H scale factor (default 1)")
    p.add_argument("--systems", default="duckdb,pg,duckshift",
                   help="comma list of duckdb, pg, duckshift (default: all three)")
    p.add_argument("--only", default=",".join(WORKLOADS),
                   help="comma list of workloads: tpch,point,stream,concurrency")
    p.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "bench",
                   help="directory of the shared workload scripts (default <repo>/../shared/bench)")
    p.add_argument("--data", type=Path, default=BENCH / ".data", help="cache directory")
    p.add_argument("--results", type=Path, default=BENCH / "results", help="output directory")
    p.add_argument("--duckshift-bin", type=Path, default=Path(sys.executable).parent / "duckshift",
                   help="duckshift executable (default: the one beside this Python)")
    g = p.add_argument_group("passed through to the shared scripts (their defaults if omitted)")
    g.add_argument("--tpch-reps", type=int, help="tpch.py/duckdb_inproc.py --reps (3)")
    g.add_argument("--tpch-timeout", type=float, help="tpch.py --timeout per query, s (60)")
    g.add_argument("--tpch-queries", help="tpch.py --queries, e.g. 1,6,14 (all 22)")
    g.add_argument("--point-duration", type=float,
                   help="point.py/duckdb_inproc.py --duration per run, s (15)")
    g.add_argument("--point-conns", help="point.py/duckdb_inproc.py --conns (1,8,32)")
    g.add_argument("--drivers", help="point.py/concurrency.py --drivers (asyncpg,psycopg)")
    g.add_argument("--stream-time-limit", type=float, help="stream.py --time-limit, s (240)")
    g.add_argument("--stream-methods",
                   help="stream.py --methods (psql_copy,asyncpg_cursor,psycopg_named,"
                        "psycopg_stream)")
    g.add_argument("--stream-reps", type=int, help="stream.py --reps (1)")
    g.add_argument("--conc-duration", type=float,
                   help="concurrency.py --duration / duckdb_inproc.py --conc-duration, s (20)")
    g.add_argument("--conc-conns", type=int, help="concurrency.py --conns (32)")
    g.add_argument("--conc-grace", type=float, help="concurrency.py --grace, s (10)")
    g.add_argument("--analytic-frac", type=float, help="concurrency.py --analytic-frac (0.10)")
    a = p.parse_args()
    a.systems = _split(a.systems, SYSTEM_NAMES, "--systems")
    a.only = _split(a.only, WORKLOADS, "--only")
    return a


def _split(value: str, allowed: Collection[str], option: str) -> list[str]:
    items = [x.strip() for x in value.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad or not items:
        raise SystemExit(f"{option}: unknown {bad or value!r}; choose from {', '.join(allowed)}")
    return items


def _extra(a: argparse.Namespace, pairs: list[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    for attr, flag in pairs:
        value = getattr(a, attr)
        if value is not None:
            out += [flag, str(value)]
    return out


def _timeout(a: argparse.Namespace, workload: str) -> float:
    """Outer bound on a workload script, should a server hang (the scripts bound most waits)."""
    def val(attr: str, default: float) -> float:
        v = getattr(a, attr)
        return default if v is None else float(v)

    if workload == "tpch":
        n_q = len(a.tpch_queries.split(",")) if a.tpch_queries else 22
        return n_q * val("tpch_reps", 3) * (val("tpch_timeout", 60) + 10) + 120
    if workload == "point":
        runs = len((a.point_conns or "1,8,32").split(",")) + 1
        return 2 * runs * (val("point_duration", 15) + 60) + 120
    if workload == "stream":
        return 4 * val("stream_reps", 1) * (val("stream_time_limit", 240) + 40) + 120
    return 2 * (val("conc_duration", 20) + val("conc_grace", 10) + 60) + 120


def run_script(cmd: list[str], cwd: Path, log: Path, timeout: float, password: str = "") -> None:
    """Run one workload script; its JSON lines go to --out, its console output to ``log``."""
    # The shared scripts (and psql) take the password from PGPASSWORD: kept off command lines.
    env = dict(os.environ, PGPASSWORD=password)
    with open(log, "ab") as f:
        try:
            rc = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, env=env,
                                timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            print(f"  !!! killed after {timeout:.0f} s (see {log})", file=sys.stderr)
            return
    if rc != 0:
        print(f"  !!! exited with {rc} (see {log})", file=sys.stderr)


def run_wire_workloads(a: argparse.Namespace, label: str, port: int, user: str, dbname: str,
                       password: str, rss_pid: int | None) -> None:
    out = a.results / f"{label}.jsonl"
    common = ["--host", "127.0.0.1", "--port", str(port), "--user", user, "--dbname", dbname,
              "--label", label, "--out", str(out)]
    for w in a.only:
        print(f"### {label}: {w} ({time.strftime('%H:%M:%S')})", flush=True)
        cmd = [sys.executable, str(a.shared / f"{w}.py"), *common, *_extra(a, PASS_THROUGH[w])]
        sampling = w == "stream" and rss_pid is not None
        with servers.RssSampler(rss_pid) if sampling else nullcontext() as sampler:
            run_script(cmd, a.shared, a.results / f"{label}.log", _timeout(a, w), password)
        if sampler is not None:
            report.append(out, {"workload": "server_rss", "phase": "stream", "label": label,
                                "peak_rss_bytes": sampler.peak})
            print(f"  peak server RSS while streaming: {sampler.peak / 2**20:,.0f} MiB")


def run_duckdb(a: argparse.Namespace, main_file: Path) -> None:
    label = report.DUCKDB
    print(f"### {label}: {','.join(a.only)} ({time.strftime('%H:%M:%S')})", flush=True)
    cmd = [sys.executable, str(a.shared / "duckdb_inproc.py"), "--db", str(main_file),
           "--label", label, "--out", str(a.results / f"{label}.jsonl"),
           "--workloads", ",".join(a.only), *_extra(a, INPROC_PASS_THROUGH)]
    run_script(cmd, a.shared, a.results / f"{label}.log",
               sum(_timeout(a, w) for w in a.only))


def run_pg(a: argparse.Namespace, main_file: Path, stack: ExitStack) -> None:
    pg.ensure_installed()
    server = pg.PostgresServer(a.data / "pg", servers.free_port(), a.results / "postgres.log")
    stack.callback(server.stop)
    server.start()
    dbname = server.load_tpch(main_file, a.sf, a.data / "csv")
    run_wire_workloads(a, report.PG, server.port, server.user, dbname, "", None)
    server.stop()


def run_duckshift(a: argparse.Namespace, public_file: Path, stack: ExitStack) -> None:
    # The server wants an upper-case letter, a lower-case letter and a digit; a random token
    # alone lacks a digit about once in 40 runs.
    password = secrets.token_urlsafe(16) + "Aa1"
    server = servers.DuckshiftServer(a.duckshift_bin, a.data / "duckshift", servers.free_port(),
                                     password, a.results / "duckshift-server.log")
    stack.callback(server.stop)
    server.start(public_file)
    assert server.proc is not None
    run_wire_workloads(a, report.DUCKSHIFT, server.port, servers.ADMIN_USER, servers.DATABASE,
                       password, server.proc.pid)
    server.stop()


def shared_summary(a: argparse.Namespace) -> str:
    """The shared summary.py's detailed tables over every system's results, as markdown."""
    files = [str(p) for label in report.SYSTEMS if (p := a.results / f"{label}.jsonl").exists()]
    if not files:
        return "\n(no results)\n"
    done = subprocess.run([sys.executable, str(a.shared / "summary.py"), *files, "--md"],
                          cwd=a.shared, capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else f"\nsummary.py failed:\n{done.stderr}\n"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM/SIGHUP into the same unwinding as Ctrl-C, so servers get stopped.
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    a = parse_args()
    if not (a.shared / "common.py").exists():
        raise SystemExit(f"shared workload scripts not found in {a.shared} (use --shared DIR)")
    if a.sf != 1 and {"point", "concurrency", "stream"} & set(a.only):
        print("warning: the shared point/concurrency scripts draw SF1 order keys and stream.py "
              "expects SF1's 6,001,215 lineitem rows; at other scale factors expect misses",
              file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    a.results.mkdir(parents=True, exist_ok=True)
    public_file, main_file = tpch_data.ensure_tpch(a.data, a.sf)
    # Fresh results for the systems measured now; other systems' files stay for comparison.
    for key in a.systems:
        for suffix in (".jsonl", ".log"):
            (a.results / f"{SYSTEM_NAMES[key]}{suffix}").unlink(missing_ok=True)
    with ExitStack() as stack:
        for key in a.systems:
            if key == "duckdb":
                run_duckdb(a, main_file)
            elif key == "pg":
                run_pg(a, main_file, stack)
            else:
                run_duckshift(a, public_file, stack)
    table = report.render(report.load(a.results))
    print("\n" + table)
    (a.results / "summary.md").write_text(
        f"# Duckshift benchmark, TPC-H SF{tpch_data.sf_tag(a.sf)}\n\n{table}\n"
        f"## Per workload (shared summary.py)\n{shared_summary(a)}")
    print(f"written to {a.results / 'summary.md'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
