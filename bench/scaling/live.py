"""The simulator against a real Duckshift: a time-compressed slice of the benchmark day, live.

Starts ``duckshift serve`` on a fresh copy of TPC-H SF1 with one workgroup at a
price-performance target (BALANCED, max 256 RPUs: its scaling loop runs every 10 s), then:

1. **Host parallelism.** One statement of each class (point, dashboard, ad hoc, ETL), alone and
   four copies at once: how many of them this machine runs at a time at full speed. The
   median over the dashboard, ad hoc and ETL statements is the simulator's
   ``host_parallelism`` (the host in statements that keep every core busy); a class that runs
   more at once uses less of it (the simulator's ``demand``: a point query keeps one core
   busy, not both).
2. **Query forecaster on real executions.** ``--accuracy`` statements of the trace run one at a
   time; each is predicted (fingerprint history, plan regression over the calibration's plan
   features, prior) before it runs and learned from after. Median relative error and Spearman
   rank correlation over the second half (held out: predicted before being seen), for
   statements with a history and for one-off ones. The same executions recalibrate the
   simulator's costs for this run: each template's work is scaled by its median time here over
   ``policies/calibration.json``'s (the machine's load and the server's code change; the
   trace's shape and spread stay).
3. **Priority.** Point queries alone, then while one-off statements (never seen, so not
   predicted short: they run on the engine's lower-priority threads) run one after another
   (one at a time: the smallest workgroup has one main slot): the
   slowdown gives the share a long statement gets against a short one, the simulator's
   ``long_weight``.
4. **The host under a mixed load.** Copies of one statement leave out what a mix served over
   64 connections adds (the client's and the server's own per-statement work beside the
   running statements): another slice of the day (``--fit-start``, ``--fit-minutes``, the same
   compression) runs live, and the simulator's host is scaled by the one factor (the host's
   efficiency under the mix) that makes its mean latency the live one. It is fitted on that
   slice only; the slice below then tests it.
5. **The slice.** ``--minutes`` of the benchmark day (data scale 1: the calibrated SF1 costs)
   from ``--start``, compressed ``--compress`` times into 10 minutes, sent at their arrival
   times over 64 asyncpg connections. Latency is measured from the scheduled arrival to the
   last row; RPU-seconds from the capacity timeline the server recorded in
   SYS_SERVERLESS_SCALING and the seconds some statement ran, with the 60-second minimum, as
   the simulator bills. The same slice is then simulated (same policy, cold forecasters, the
   measured host parallelism, costs and priority) and the two compared: target within 20% on
   p95 latency and RPU-seconds.
6. **Short statements under load.** Point queries alone, then while four streams of ETL
   statements run: their p99 latency (target: within 2x). Twice: on the same server, whose
   short-query limit (0.5 s) is the simulator's for a warehouse of 50 times this data, so
   that at SF1 the ETL statements (about 0.25 s) are short too and share the lane; then on a
   server whose ``short_query_max_seconds`` tells them apart at SF1 (``SF1_SHORT_LIMIT``).

    .venv/bin/python bench/scaling/live.py [--start 10:00] [--compress 4]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
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

import asyncpg
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
import servers  # noqa: E402
import tpch_data  # noqa: E402

from policies.fingerprint import fingerprint  # noqa: E402
from policies.query_forecast import QueryForecaster  # noqa: E402
from policies.scaler import Scaler  # noqa: E402
from policies.simulator import SimConfig, simulate  # noqa: E402
from policies.trace import (  # noqa: E402
    CLASSES,
    DEFAULT_CALIBRATION,
    TEMPLATES,
    Calibration,
    Trace,
    generate,
    load_calibration,
)
from proxy import scaling_report as report  # noqa: E402
from proxy.replay import replay_live  # noqa: E402
from proxy.scaling_loop import candidates  # noqa: E402

CONFIG = """
[[namespace]]
name = "default"
[[workgroup]]
name = "scaled"
namespace = "default"
port = {port}
price_performance_target = "BALANCED"
max_capacity = {max_capacity}
{extra}
"""
CONNECTIONS = 64
MAX_CAPACITY = 256
# A short-query limit that sorts the statements at SF1 as 0.5 s sorts them in the simulator's
# warehouse of 50 times the data: the ETL statements (about 0.25 s here) are not short, the
# point queries (2-10 ms: they do not grow with the data) are. 0.5 s / 50 would be 0.01 s,
# which a point query on a busy machine passes.
SF1_SHORT_LIMIT = 0.05


class Live:
    """The server process and connections to it."""

    def __init__(self, exe: Path, port: int) -> None:
        self.exe, self.port = exe, port
        self.password = "Bench-" + secrets.token_hex(8)
        self.data_dir = ROOT / "bench" / ".data" / "scaling-live"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, tpch_public: Path, extra: str = "") -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        db_dir = self.data_dir / "namespaces" / "default"
        db_dir.mkdir(parents=True)
        shutil.copyfile(tpch_public, db_dir / "dev.duckdb")
        config = self.data_dir.parent / "scaling-live.toml"
        config.write_text(CONFIG.format(port=self.port, max_capacity=MAX_CAPACITY,
                                        extra=extra))
        log = ROOT / "bench" / "results" / "scaling-live-server.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [str(self.exe), "serve", "--data-dir", str(self.data_dir), "--config",
                 str(config)], stdout=out, stderr=subprocess.STDOUT,
                env=dict(os.environ, DUCKSHIFT_ADMIN_PASSWORD=self.password),
                start_new_session=True)
        servers.wait_for_port(self.port, self.proc, 120, log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(host="127.0.0.1", port=self.port, user="admin",
                                     password=self.password, database="dev", ssl=False,
                                     statement_cache_size=0)


async def timed(con: asyncpg.Connection, sql: str) -> float:
    started = time.perf_counter()
    await con.fetch(sql)
    return time.perf_counter() - started


# Per class: the template whose copies measure the class's parallelism, and how many times
# each connection runs it per measurement (a point query alone takes a few milliseconds).
PARALLELISM_PROBES = {"point": ("order_by_key", 20), "dashboard": ("revenue_forecast", 1),
                      "adhoc": ("pricing_summary", 1), "etl": ("daily_rollup", 1)}


async def host_parallelism(live: Live, reps: int = 5) -> dict[str, float]:
    """How many statements of each class the machine runs at once at full speed: 4 x the
    median time of the class's probe alone over the median time of four copies at once."""
    cons = [await live.connect() for _ in range(4)]
    out = {}
    for klass, (name, batch) in PARALLELISM_PROBES.items():
        template = next(t for t in TEMPLATES if t.name == name)
        sql = template.render(np.random.default_rng(0))

        async def run(c: asyncpg.Connection, sql: str = sql, batch: int = batch) -> None:
            for _ in range(batch):
                await c.fetch(sql)

        async def seconds(runs: list[asyncpg.Connection]) -> float:
            started = time.perf_counter()
            await asyncio.gather(*(run(c) for c in runs))
            return time.perf_counter() - started

        await run(cons[0])
        alone = statistics.median([await seconds(cons[:1]) for _ in range(reps)])
        together = statistics.median([await seconds(cons) for _ in range(reps)])
        out[klass] = float(np.clip(4 * alone / together, 1.0, 4.0))
    for c in cons:
        await c.close()
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


async def query_accuracy(live: Live, trace: Trace, n: int, seed: int
                         ) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Predict-then-run over ``n`` statements of the trace, one at a time: the accuracy, and
    the seconds each template took."""
    cal = load_calibration(DEFAULT_CALIBRATION)
    features = {t.name: cal[t.name].features for t in TEMPLATES}
    rng = np.random.default_rng(seed)
    # Every class represented: a third point queries, the rest spread over the others.
    klass = trace.klass()
    picks = np.concatenate([rng.choice(np.nonzero(klass == k)[0], n // 4, replace=False)
                            for k in range(len(CLASSES))])
    picks = rng.permutation(picks)
    con = await live.connect()
    qf = QueryForecaster()
    predicted, actual, unseen = [], [], []
    taken: dict[str, list[float]] = {}
    for i in picks:
        sql = trace.sql(int(i))
        fp = fingerprint(sql)
        feat = features[trace.templates[int(trace.template[i])].name]
        seen = qf.predict(fp, feat).samples > 0
        predicted.append(qf.predict(fp, feat).seconds)
        seconds = await timed(con, sql)
        actual.append(seconds)
        unseen.append(not seen)
        taken.setdefault(trace.templates[int(trace.template[i])].name, []).append(seconds)
        qf.observe(fp, feat, seconds)
    await con.close()
    half = len(picks) // 2
    p, a, u = (np.array(x[half:]) for x in (predicted, actual, unseen))
    out: dict[str, float] = {}
    for name, sel in (("all", np.ones(len(p), bool)), ("seen", ~u), ("unseen", u)):
        if sel.sum() >= 3:
            out[f"{name}_n"] = float(sel.sum())
            out[f"{name}_median_rel_error"] = float(np.median(np.abs(p[sel] - a[sel]) / a[sel]))
            out[f"{name}_spearman"] = spearman(p[sel], a[sel])
    return out, taken


def recalibrated(trace: Trace, cal: dict[str, Calibration], taken: dict[str, list[float]]
                 ) -> tuple[Trace, dict[str, float]]:
    """``trace`` with each template's work scaled by its median seconds in ``taken`` over
    its calibration's (a template not run: the median factor of the others)."""
    factors = {name: statistics.median(s) / cal[name].seconds for name, s in taken.items()}
    typical = statistics.median(factors.values())
    scale = np.array([factors.get(t.name, typical) for t in trace.templates])
    return dataclasses.replace(trace, work=trace.work * scale[trace.template]), factors


async def teach(con: asyncpg.Connection, trace: Trace, statements: np.ndarray) -> None:
    """Run ``statements`` of ``trace`` once and wait past a scaling tick: the server's
    forecaster learns them from its log."""
    for i in statements:
        await timed(con, trace.sql(int(i)))
    await asyncio.sleep(12.0)


async def long_weight(live: Live, trace: Trace, points_at_once: float, reps: int = 40
                      ) -> float:
    """The share of the host a long statement gets against a short one (see the module
    docstring): beside a long statement, a point query runs at ``P / (1 + w)`` of its speed
    alone (at most 1), where ``P`` point queries run at once at full speed."""
    klass = trace.klass()
    points = np.nonzero(klass == CLASSES.index("point"))[0]
    heavy = [t for t in TEMPLATES if t.klass == "etl"]
    con = await live.connect()
    await teach(con, trace, points[:30])

    async def point_times() -> list[float]:
        out = []
        for k in range(reps):
            out.append(await timed(con, trace.sql(int(points[k % len(points)]))))
            await asyncio.sleep(0.05)
        return out

    alone = statistics.median(await point_times())
    other = await live.connect()
    stop = asyncio.Event()

    async def one_offs() -> None:
        rng, k = np.random.default_rng(0), 0
        while not stop.is_set():
            # A new alias is a new fingerprint: the forecaster has no history, so not short.
            sql = heavy[k % len(heavy)].render(rng)
            await other.fetch(f"SELECT * FROM ({sql}) AS priority_probe_{k}")
            k += 1

    loop = asyncio.create_task(one_offs())
    await asyncio.sleep(1.0)
    loaded = statistics.median(await point_times())
    stop.set()
    await loop
    for c in (con, other):
        await c.close()
    slowdown = max(loaded / alone, 1.0)
    print(f"priority: point query {alone * 1000:.1f} ms alone, {loaded * 1000:.1f} ms beside "
          "a long statement", flush=True)
    return float(np.clip(points_at_once * slowdown - 1.0, 0.05, 1.0))


# The host's efficiency under a mixed load (see the module docstring) is looked for here.
EFFICIENCY_GRID = np.round(np.arange(0.5, 1.5001, 0.025), 3)


def fit_efficiency(trace: Trace, live_latency: np.ndarray, cal: dict[str, Calibration],
                   config: SimConfig) -> tuple[float, float]:
    """The factor of ``config.host_parallelism`` whose simulation of ``trace`` has the mean
    latency nearest (in ratio) to ``live_latency``'s, and that simulation's mean."""
    assert config.host_parallelism is not None
    target = float(np.mean(live_latency))
    best: tuple[float, float, float] | None = None
    for e in EFFICIENCY_GRID:
        sim = simulate(trace, Scaler(50, candidates(MAX_CAPACITY)), report.shape, cal,
                       config=dataclasses.replace(
                           config, host_parallelism=config.host_parallelism * float(e)))
        mean = float(np.mean(sim.latency))
        miss = abs(math.log(mean / target))
        if best is None or miss < best[0]:
            best = (miss, float(e), mean)
    assert best is not None
    return best[1], best[2]


async def capacity_timeline(live: Live, began: float) -> tuple[np.ndarray, np.ndarray]:
    """(seconds since the replay began, capacity) of every recorded scaling change."""
    con = await live.connect()
    rows = await con.fetch(
        "select extract(epoch from event_time) as t, from_capacity, to_capacity "
        "from sys_serverless_scaling order by event_time")
    await con.close()
    times, caps = [0.0], [int(rows[0]["from_capacity"]) if rows else 128]
    for r in rows:
        t = float(r["t"]) - began
        if r["to_capacity"] != r["from_capacity"]:
            times.append(max(t, 0.0))
            caps.append(int(r["to_capacity"]))
    return np.array(times), np.array(caps)


def billed(start: np.ndarray, end: np.ndarray, times: np.ndarray, caps: np.ndarray,
           minimum: float = 60.0) -> float:
    """RPU-seconds as the simulator bills them (busy seconds x capacity, 60-s minimum)."""
    order = np.argsort(start)
    busy, s0, e0 = [], None, 0.0
    for s, e in zip(start[order], end[order], strict=True):
        if s0 is None or s > e0:
            if s0 is not None:
                busy.append((s0, e0))
            s0, e0 = s, e
        else:
            e0 = max(e0, e)
    if s0 is not None:
        busy.append((s0, e0))
    horizon = math.ceil(max(end.max(), times[-1])) + int(minimum) + 2
    mark = np.zeros(horizon, bool)
    for s, e in busy:
        mark[int(s):math.ceil(e)] = True
        mark[int(s):int(s) + int(minimum)] = True
    seconds = np.nonzero(mark)[0].astype(float)
    idx = np.searchsorted(times, seconds, side="right") - 1
    return float(caps[np.maximum(idx, 0)].sum())


async def short_under_load(live: Live, trace: Trace, seconds: float) -> tuple[float, float]:
    """p99 of point queries alone, then with four ETL streams running."""
    klass = trace.klass()
    points = np.nonzero(klass == CLASSES.index("point"))[0]
    etl = np.nonzero(klass == CLASSES.index("etl"))[0]
    con = await live.connect()
    await teach(con, trace, points[:50])

    async def point_stream(stop: float) -> list[float]:
        out, k = [], 50
        while time.perf_counter() < stop:
            out.append(await timed(con, trace.sql(int(points[k % len(points)]))))
            k += 1
            await asyncio.sleep(0.05)
        return out

    idle = await point_stream(time.perf_counter() + seconds)
    streams = [await live.connect() for _ in range(4)]
    stop = time.perf_counter() + seconds

    async def etl_stream(c: asyncpg.Connection, offset: int) -> None:
        k = offset
        while time.perf_counter() < stop:
            await c.fetch(trace.sql(int(etl[k % len(etl)])))
            k += 4

    loaded, *_ = await asyncio.gather(point_stream(stop),
                                      *(etl_stream(c, j) for j, c in enumerate(streams)))
    for c in [con, *streams]:
        await c.close()
    return float(np.percentile(idle, 99)), float(np.percentile(loaded, 99))


async def main_async(a: argparse.Namespace) -> dict[str, object]:
    cal = load_calibration(DEFAULT_CALIBRATION)
    day = (a.days - 1) * report.DAY_S
    full = generate(cal, days=a.days, seed=a.seed, data_scale=1.0)
    h, m = (int(x) for x in a.start.split(":"))
    begin = day + h * 3600 + m * 60
    trace = full.slice(begin, begin + a.minutes * 60.0).compressed(a.compress)
    public, _ = tpch_data.ensure_tpch(ROOT / "bench" / ".data", 1)
    live = Live(a.exe, servers.free_port())
    live.start(public)
    results: dict[str, object] = {"slice": f"{a.start} + {a.minutes} min / {a.compress}",
                                  "statements": len(trace)}
    try:
        at_once = await host_parallelism(live)
        parallel = statistics.median([at_once[k] for k in ("dashboard", "adhoc", "etl")])
        demand = tuple(parallel / at_once[k] for k in CLASSES)
        results["at_once"], results["host_parallelism"] = at_once, parallel
        print("statements at once at full speed:", json.dumps(
            {k: round(v, 2) for k, v in at_once.items()}), flush=True)
        acc, taken = await query_accuracy(live, full.slice(day, day + report.DAY_S),
                                          a.accuracy, a.seed)
        results["query_accuracy"] = acc
        print("query forecaster on real executions (held-out half):", json.dumps(acc),
              flush=True)
        simulated, factors = recalibrated(trace, cal, taken)
        results["cost_factors"] = factors
        print("costs here / calibration:", json.dumps({k: round(v, 2)
                                                       for k, v in factors.items()}), flush=True)
        weight = await long_weight(live, full.slice(day, day + report.DAY_S),
                                   at_once["point"])
        results["long_weight"] = weight
        print(f"long statements' share against a short one: {weight:.2f}", flush=True)
        config = SimConfig(short_lane=True, host_parallelism=parallel, long_weight=weight,
                           demand=demand, initial_capacity=128)
        # A fresh scaling history for each replay: the runs before left statements in the
        # log, which the server's forecaster has learned, as the simulator's cold start has
        # not. Restart.
        h, m = (int(x) for x in a.fit_start.split(":"))
        fit_begin = day + h * 3600 + m * 60
        fit_trace = full.slice(fit_begin, fit_begin + a.fit_minutes * 60.0).compressed(
            a.compress)
        live.stop()
        live.start(public)
        _, fit_done, _, _ = await replay_live(fit_trace, live.connect, CONNECTIONS)
        fit_live = fit_done - fit_trace.arrival
        fit_simulated, _ = recalibrated(fit_trace, cal, taken)
        efficiency, fit_mean = fit_efficiency(fit_simulated, fit_live, cal, config)
        config = dataclasses.replace(config, host_parallelism=parallel * efficiency)
        results["host_fit"] = {
            "slice": f"{a.fit_start} + {a.fit_minutes} min / {a.compress}",
            "statements": len(fit_trace), "live_mean_s": float(np.mean(fit_live)),
            "sim_mean_s": fit_mean, "efficiency": efficiency,
        }
        print(f"host under a mixed load: efficiency {efficiency:.3f} (mean latency live "
              f"{np.mean(fit_live):.4f} s, simulated {fit_mean:.4f} s)", flush=True)
        live.stop()
        live.start(public)
        sent, done, began, waited = await replay_live(trace, live.connect, CONNECTIONS)
        await asyncio.sleep(11.0)  # the last decisions reach the log
        # Server and client share the machine's clock: event times line up with ``began``.
        times, caps = await capacity_timeline(live, began)
        latency = done - trace.arrival
        live_rpu_s = billed(sent, done, times, caps)
        sim = simulate(simulated, Scaler(50, candidates(MAX_CAPACITY)), report.shape, cal,
                       config=config)
        sim_p95 = float(np.percentile(sim.latency, 95))
        sim_rpu_s = sim.billed_rpu_seconds()
        klass = trace.klass()
        # Where live and simulated latencies part: per statement class.
        results["per_class"] = {name: {
            "n": int((klass == k).sum()),
            "live_p50_s": float(np.percentile(latency[klass == k], 50)),
            "live_p95_s": float(np.percentile(latency[klass == k], 95)),
            "sim_p50_s": float(np.percentile(sim.latency[sim.klass == k], 50)),
            "sim_p95_s": float(np.percentile(sim.latency[sim.klass == k], 95)),
        } for k, name in enumerate(CLASSES) if (klass == k).any()}
        results.update({
            "live_p95_s": float(np.percentile(latency, 95)),
            "live_p50_s": float(np.percentile(latency, 50)),
            "sim_p95_s": sim_p95, "sim_p50_s": float(np.percentile(sim.latency, 50)),
            "live_rpu_seconds": live_rpu_s, "sim_rpu_seconds": sim_rpu_s,
            "live_scale_events": int(len(times) - 1), "sim_scale_events": len(sim.decisions),
            "waited_for_connection": waited,
            "live_capacity_max": int(caps.max()), "sim_capacity_max": int(sim.capacities.max()),
        })
        day_trace = full.slice(day, day + report.DAY_S)
        p_idle, p_load = await short_under_load(live, day_trace, a.isolation_seconds)
        results["short_p99_idle_s"], results["short_p99_etl_s"] = p_idle, p_load
        live.stop()
        live.start(public, f"short_query_max_seconds = {SF1_SHORT_LIMIT}")
        p_idle, p_load = await short_under_load(live, day_trace, a.isolation_seconds)
        results["scaled_limit_s"] = SF1_SHORT_LIMIT
        results["scaled_short_p99_idle_s"] = p_idle
        results["scaled_short_p99_etl_s"] = p_load
    finally:
        live.stop()
    return results


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--days", type=int, default=16)
    p.add_argument("--start", default="10:00", help="slice start, hh:mm of the measured day")
    p.add_argument("--minutes", type=float, default=40.0, help="trace minutes in the slice")
    p.add_argument("--fit-start", default="14:00",
                   help="start of the slice that fits the host's efficiency under a mix")
    p.add_argument("--fit-minutes", type=float, default=12.0,
                   help="trace minutes in that slice")
    p.add_argument("--compress", type=float, default=4.0, help="time compression factor")
    p.add_argument("--accuracy", type=int, default=240, help="statements for the accuracy run")
    p.add_argument("--isolation-seconds", type=float, default=30.0)
    p.add_argument("--exe", type=Path, default=ROOT / ".venv" / "bin" / "duckshift")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "scaling" / "results")
    a = p.parse_args()
    results = asyncio.run(main_async(a))
    lp, sp = results["live_p95_s"], results["sim_p95_s"]
    lr, sr = results["live_rpu_seconds"], results["sim_rpu_seconds"]
    assert isinstance(lp, float) and isinstance(sp, float)
    assert isinstance(lr, float) and isinstance(sr, float)
    short = []
    for prefix, label in (("", "limit 0.5 s"), ("scaled_", f"limit {SF1_SHORT_LIMIT} s")):
        idle, etl = results[f"{prefix}short_p99_idle_s"], results[f"{prefix}short_p99_etl_s"]
        assert isinstance(idle, float) and isinstance(etl, float)
        short.append(f"| short p99 with 4 ETL streams / alone ({label}), ms | "
                     f"{etl * 1000:.1f} / {idle * 1000:.1f} | | {etl / idle:.2f} | <= 2x | "
                     f"{'yes' if etl <= 2 * idle else 'no'} |")
    lines = [
        "| measure | live | simulator | live / simulator | target | met |",
        "|---|---|---|---|---|---|",
        f"| p95 latency, s | {lp:.3f} | {sp:.3f} | {lp / sp:.2f} | within 20% | "
        f"{'yes' if abs(lp / sp - 1) <= 0.2 else 'no'} |",
        f"| RPU-seconds | {lr:,.0f} | {sr:,.0f} | {lr / sr:.2f} | within 20% | "
        f"{'yes' if abs(lr / sr - 1) <= 0.2 else 'no'} |",
        *short,
    ]
    text = json.dumps(results, indent=1) + "\n\n" + "\n".join(lines) + "\n"
    print(text)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "live.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
