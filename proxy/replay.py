"""``duckshift replay`` ("Test Drive"): a query log or a generated trace, replayed in the
simulator under several scaling configurations, or live against a Duckshift endpoint.

Input: a CSV exported from SYS_QUERY_HISTORY (Duckshift's or Redshift's; the columns
``start_time``, ``query_text`` and ``execution_time`` in microseconds, or ``elapsed_time`` and
``queue_time``), for example::

    psql -c "\\copy (select start_time, execution_time, query_text from sys_query_history
             where status = 'success' order by start_time) to 'log.csv' csv header"

or ``--generate``: the benchmark's deterministic trace (``policies.trace.generate``).

``--mode sim`` (default) replays the last day of the input (the days before it, if any, are
the forecasters' history) under static, reactive, multi-cluster and the forecast scaler at the
five price-performance levels, and writes ``report.md`` (table and targets) and the two plots
(capacity vs demand vs forecast; the cost-latency frontier) into ``--out``.

``--mode live`` sends the statements to a running endpoint at their arrival times divided by
``--speedup``, for at most ``--max-seconds`` or ``--limit`` statements, over ``--connections``
connections, and reports the latency percentiles next to what the simulator predicts for the
same statements under the BALANCED scaler.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import math
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from catalog.capacity import LEVELS
from policies.fingerprint import fingerprint
from policies.query_forecast import PlanFeatures
from policies.scaler import Scaler
from policies.simulator import SimConfig, simulate
from policies.trace import (
    DEFAULT_CALIBRATION,
    Calibration,
    Template,
    Trace,
    WorkloadShape,
    generate,
    load_calibration,
)
from proxy import scaling_report as report

COMMAND = "replay"
# Execution-time bounds of the classes a logged statement is put in (for the per-class rows).
_CLASS_BOUNDS = ((0.05, "point"), (2.0, "dashboard"), (30.0, "adhoc"), (math.inf, "etl"))


def add_command(sub: Any) -> None:
    """Add ``replay`` to ``duckshift``'s parser."""
    r = sub.add_parser(COMMAND, help="replay a query log or a generated trace, simulated or "
                                     "live, and compare scaling policies")
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--log", type=Path, help="CSV exported from SYS_QUERY_HISTORY")
    src.add_argument("--generate", action="store_true", help="the benchmark's generated trace")
    r.add_argument("--mode", choices=["sim", "live"], default="sim")
    r.add_argument("--seed", type=int, default=42, help="--generate: the seed")
    r.add_argument("--days", type=int, default=16, help="--generate: days (the last is replayed)")
    r.add_argument("--data-scale", type=float, default=50.0,
                   help="--generate: the warehouse's size over the SF1 calibration")
    r.add_argument("--base", type=int, default=32, help="base capacity (RPUs)")
    r.add_argument("--max-capacity", type=int, default=256, help="max capacity (RPUs)")
    r.add_argument("--out", type=Path, default=Path("replay-report"),
                   help="--mode sim: where the report and plots go")
    r.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    r.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5439")))
    r.add_argument("--user", default=os.environ.get("PGUSER", "admin"))
    r.add_argument("--dbname", default=os.environ.get("PGDATABASE", "dev"))
    r.add_argument("--speedup", type=float, default=1.0, help="--mode live: time compression")
    r.add_argument("--max-seconds", type=float, default=600.0,
                   help="--mode live: replay at most this long (after compression)")
    r.add_argument("--limit", type=int, help="--mode live: at most this many statements")
    r.add_argument("--connections", type=int, default=32, help="--mode live: connections")


def run(args: argparse.Namespace) -> int:
    """Run ``duckshift replay``."""
    if args.generate:
        cal = load_calibration(DEFAULT_CALIBRATION)
        trace = generate(cal, days=args.days, seed=args.seed, data_scale=args.data_scale)
        etl = WorkloadShape().etl_window
        etl_window: tuple[float, float] | None = (etl[0] * 60.0, etl[1] * 60.0)
    else:
        trace, cal = load_log(args.log)
        etl_window = None
    if len(trace) == 0:
        print("duckshift replay: no statements to replay", file=sys.stderr)
        return 2
    if args.mode == "live":
        return asyncio.run(_live(args, trace, cal))
    day_start = max(0.0, (math.ceil(float(trace.arrival[-1]) / report.DAY_S) - 1) * report.DAY_S)
    setup = report.Setup(base=args.base, max_capacity=args.max_capacity)
    runs, peak = report.compare(trace, cal, setup, day_start_s=day_start,
                                etl_window_s=etl_window,
                                progress=lambda line: print("  " + line, flush=True))
    args.out.mkdir(parents=True, exist_ok=True)
    checks = report.targets(runs) if etl_window is not None else []
    lines = [f"Replayed {len(trace.slice(day_start, day_start + report.DAY_S)):,} statements "
             f"(static peak {peak} RPUs)", "", report.table(runs), ""]
    if checks:
        lines += ["| target | measured | met |", "|---|---|---|"]
        lines += [f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in checks]
    text = "\n".join(lines) + "\n"
    (args.out / "report.md").write_text(text)
    test = trace.slice(day_start, day_start + report.DAY_S)
    names = [r.name for r in runs if r.kind in ("reactive", "static") or (
        r.kind == "forecast" and r.level == LEVELS["BALANCED"])]
    report.plot_capacity(runs, test, args.out / "capacity.png", names)
    report.plot_frontier(runs, args.out / "frontier.png")
    print(text + f"wrote {args.out}/report.md, capacity.png, frontier.png")
    return 0


def load_log(path: Path) -> tuple[Trace, dict[str, Calibration]]:
    """A trace from a SYS_QUERY_HISTORY export: one template per fingerprint, its cost the
    median of its logged executions (and their spread), arrival times from ``start_time``."""
    starts: list[datetime] = []
    seconds: list[float] = []
    texts: list[str] = []
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            text = row.get("query_text") or ""
            if not text.strip():
                continue
            if row.get("execution_time"):
                us = float(row["execution_time"])
            else:
                us = float(row.get("elapsed_time") or 0) - float(row.get("queue_time") or 0)
            starts.append(datetime.fromisoformat(row["start_time"].strip()))
            seconds.append(max(us / 1e6, 1e-4))
            texts.append(text.strip())
    order = sorted(range(len(starts)), key=starts.__getitem__)
    starts = [starts[i] for i in order]
    work = np.array([seconds[i] for i in order])
    texts = [texts[i] for i in order]
    fps = [fingerprint(t) for t in texts]
    names = sorted(set(fps))
    index = {fp: k for k, fp in enumerate(names)}
    template = np.array([index[fp] for fp in fps], dtype=np.int32)
    cal: dict[str, Calibration] = {}
    templates = []
    for k, fp in enumerate(names):
        logs = np.log(work[template == k])
        median = float(np.exp(np.median(logs)))
        klass = next(name for bound, name in _CLASS_BOUNDS if median < bound)
        first = texts[fps.index(fp)].replace("{", "{{").replace("}", "}}")
        templates.append(Template(fp, klass, first))
        cal[fp] = Calibration(median, float(logs.std()), PlanFeatures())
    first_time = starts[0] if starts else datetime(1970, 1, 5)
    day0 = first_time.replace(hour=0, minute=0, second=0, microsecond=0)
    arrival = np.array([(s - day0).total_seconds() for s in starts])
    start_minute = int((day0 - datetime(1970, 1, 1)).total_seconds() // 60)
    return Trace(arrival, template, work, np.zeros(len(work), bool), tuple(templates),
                 start_minute, 0, names, texts), cal


async def replay_live(
    trace: Trace, connect: Any, connections: int
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Send every statement of ``trace`` at its arrival time over ``connections`` connections
    made by ``connect()`` (asyncpg). Returns when each was sent and finished (seconds since
    the replay began), the Unix time it began, and how many waited for a free connection."""
    pool: asyncio.Queue[Any] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await connect())
    n = len(trace)
    sent, done = np.full(n, np.nan), np.full(n, np.nan)
    waited = 0
    wall0, t0 = time.time(), time.perf_counter()

    async def one(i: int) -> None:
        nonlocal waited
        await asyncio.sleep(max(0.0, float(trace.arrival[i]) - (time.perf_counter() - t0)))
        if pool.empty():
            waited += 1
        con = await pool.get()
        sent[i] = time.perf_counter() - t0
        try:
            await con.fetch(trace.sql(i))
        except Exception as exc:  # a failing statement is part of the workload, not fatal
            print(f"statement {i} failed: {exc}", file=sys.stderr)
        finally:
            done[i] = time.perf_counter() - t0
            pool.put_nowait(con)

    await asyncio.gather(*(one(i) for i in range(n)))
    while not pool.empty():
        await pool.get_nowait().close()
    return sent, done, wall0, waited


async def _live(args: argparse.Namespace, trace: Trace, cal: dict[str, Calibration]) -> int:
    import asyncpg

    day_start = max(0.0, (math.ceil(float(trace.arrival[-1]) / report.DAY_S) - 1) * report.DAY_S)
    part = trace.slice(day_start, day_start + report.DAY_S).compressed(args.speedup)
    part = part.slice(0.0, args.max_seconds)
    if args.limit is not None and len(part) > args.limit:
        part = part.slice(0.0, float(part.arrival[args.limit]))
    password = os.environ.get("PGPASSWORD")

    async def connect() -> Any:
        return await asyncpg.connect(host=args.host, port=args.port, user=args.user,
                                     password=password, database=args.dbname, ssl=False,
                                     statement_cache_size=0)

    print(f"replaying {len(part):,} statements against {args.host}:{args.port} "
          f"({args.speedup:g}x faster) ...", flush=True)
    _, done, _, waited = await replay_live(part, connect, args.connections)
    latency = done - part.arrival
    sim = simulate(part, Scaler(LEVELS["BALANCED"], report.candidates(8, args.max_capacity)),
                   report.shape, cal, config=SimConfig(short_lane=True))
    rows = [("live", latency), ("simulated, BALANCED", sim.latency)]
    print("| run | statements | p50 s | p95 s | p99 s |\n|---|---|---|---|---|")
    for name, lat in rows:
        p50, p95, p99 = (float(np.percentile(lat, q)) for q in (50, 95, 99))
        print(f"| {name} | {len(lat):,} | {p50:.3f} | {p95:.3f} | {p99:.3f} |")
    if waited:
        print(f"{waited} statements waited for a free client connection "
              f"(raise --connections)")
    return 0
