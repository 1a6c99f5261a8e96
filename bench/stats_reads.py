"""How often Duckshift reads DuckDB's column statistics over a repeated TPC-H run, and the
server's CPU time per query: the cost of choosing a DECIMAL product's form
(``Connection._sized_form``), counted rather than timed (wall-clock ratios on a shared machine
say little about a cost of a millisecond).

    .venv/bin/python bench/stats_reads.py [--repo DIR] [--sf 0.01] [--reps 5]

``--repo`` is the checkout whose server runs (another worktree, to compare with its code). The
server runs in a process of its own, with ``engine.column_stats.measured`` wrapped to count its
calls; its CPU time (all threads, DuckDB's too) comes from /proc. A small scale factor keeps
DuckDB's own work small beside the per-statement costs being counted.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import free_port, wait_for_port
from tpch_data import ensure_tpch

# Runs the server with the statistics reads counted; SIGUSR1 writes the count to a file.
_WRAPPER = """
import signal, sys
from engine import column_stats
from proxy.cli import main
count = 0
measured = column_stats.measured
def counted(*args, **kwargs):
    global count
    count += 1
    return measured(*args, **kwargs)
column_stats.measured = counted
signal.signal(signal.SIGUSR1, lambda *_: open(COUNT_FILE, "w").write(str(count)))
sys.exit(main(sys.argv[1:]))
"""

PASSWORD = "Bench-pw-1"
TINY = "SELECT sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) FROM tiny"
TINY_RUNS = 1000


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _reads(proc: subprocess.Popen[bytes], count_file: Path) -> int:
    count_file.unlink(missing_ok=True)
    proc.send_signal(signal.SIGUSR1)
    for _ in range(100):
        if count_file.exists() and count_file.read_text():
            return int(count_file.read_text())
        time.sleep(0.02)
    raise SystemExit("the server did not report its count")


def main() -> None:
    """Run the queries, print reads and CPU per query."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--sf", type=float, default=0.01)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--queries", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared/bench/queries")
    args = parser.parse_args()
    public, _ = ensure_tpch(Path(tempfile.gettempdir()) / "duckshift-stats-reads", args.sf)
    queries = [q.read_text() for q in sorted(args.queries.glob("q*.sql"))]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        (data / "namespaces" / "default").mkdir(parents=True)
        (data / "namespaces" / "default" / "dev.duckdb").write_bytes(public.read_bytes())
        count_file = Path(tmp) / "count"
        port = free_port()
        log = Path(tmp) / "server.log"
        wrapper = _WRAPPER.replace("COUNT_FILE", repr(str(count_file)))
        env = dict(os.environ, DUCKSHIFT_ADMIN_PASSWORD=PASSWORD, PYTHONPATH=str(args.repo))
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-c", wrapper, "serve", "--data-dir", str(data),
                 "--port", str(port)], cwd=args.repo, env=env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_port(port, proc, 120, log)
            dsn = f"host=127.0.0.1 port={port} user=admin password={PASSWORD} dbname=dev"
            with psycopg.connect(dsn, autocommit=True) as conn:
                for query in queries:  # warm: translations cached, files read
                    conn.execute(query).fetchall()
                first = reads = _reads(proc, count_file)
                cpu = _cpu_seconds(proc.pid)
                for _ in range(args.reps):
                    for query in queries:
                        conn.execute(query).fetchall()
                reads, cpu = _reads(proc, count_file) - reads, _cpu_seconds(proc.pid) - cpu
                # Q1's product over a table of ten rows: the per-statement costs alone.
                conn.execute("CREATE TABLE tiny AS SELECT * FROM lineitem LIMIT 10")
                conn.execute(TINY).fetchall()
                tiny_reads, tiny_cpu = _reads(proc, count_file), _cpu_seconds(proc.pid)
                for _ in range(TINY_RUNS):
                    conn.execute(TINY).fetchall()
                tiny_reads = _reads(proc, count_file) - tiny_reads
                tiny_cpu = _cpu_seconds(proc.pid) - tiny_cpu
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
    runs = args.reps * len(queries)
    print(f"{args.repo}: {runs} queries ({args.reps} x {len(queries)}, SF{args.sf:g}): "
          f"{reads} statistics reads ({reads / args.reps:.1f} per pass; {first} in the first "
          "pass), "
          f"server CPU {cpu * 1000 / runs:.2f} ms per query; {TINY_RUNS} products over 10 rows: "
          f"{tiny_reads} reads, server CPU {tiny_cpu * 1000 / TINY_RUNS:.2f} ms per query")


if __name__ == "__main__":
    main()
