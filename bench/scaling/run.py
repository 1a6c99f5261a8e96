"""The scaling benchmark: a generated day replayed in the simulator under every policy.

Generates a deterministic trace (``--days`` days from ``--seed``; the last day is measured, the
days before it are the forecasters' history), runs static at base and at peak, reactive
queue-length scaling, Snowflake-like multi-cluster (standard, economy) and the forecast-driven
scaler at the five price-performance levels, and prints:

- the policy table (RPU-hours, cost, latency percentiles, queueing, SLA violations, short
  statements' p99 idle and in the ETL window, scale events) and the issue's targets;
- the forecasters' accuracy: the workload forecaster's MASE against seasonal-naive baselines
  (arrivals and work, 1/5/15 minutes ahead) and the query forecaster's median relative error
  and rank correlation on the measured day's statements, each predicted before it ran.

Writes ``bench/scaling/results/scaling.md``, ``scaling.json``, ``scaling-capacity.png`` and
``scaling-frontier.png``.

    .venv/bin/python bench/scaling/run.py [--seed 42] [--days 16] [--data-scale 50]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from policies.trace import (  # noqa: E402
    CLASSES,
    DEFAULT_CALIBRATION,
    WorkloadShape,
    generate,
    load_calibration,
    per_minute,
)
from policies.workload_forecast import (  # noqa: E402
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    WorkloadForecaster,
    mase,
    seasonal_naive,
)
from proxy import scaling_report as report  # noqa: E402

HORIZONS = (1, 5, 15)


def workload_accuracy(series: np.ndarray, test_start: int, first_minute: int) -> dict[str, float]:
    """MASE of the workload forecaster over the measured day, per horizon, against the
    daily and the weekly seasonal-naive forecasts."""
    wf = WorkloadForecaster()
    wf.load(first_minute, series[:test_start])
    preds = {h: np.full(MINUTES_PER_DAY, np.nan) for h in HORIZONS}
    for m in range(MINUTES_PER_DAY):
        now = test_start + m
        f = wf.forecast(first_minute + now, max(HORIZONS))
        for h in HORIZONS:
            if m + h - 1 < MINUTES_PER_DAY:
                preds[h][m + h - 1] = f[h - 1]
        wf.add(first_minute + now, float(series[now]))
    day = slice(test_start, test_start + MINUTES_PER_DAY)
    actual = series[day]
    daily = seasonal_naive(series, MINUTES_PER_DAY)[day]
    weekly = seasonal_naive(series, MINUTES_PER_WEEK)[day]
    out = {}
    for h in HORIZONS:
        out[f"h{h}_vs_daily"] = mase(actual, preds[h], daily)
        out[f"h{h}_vs_weekly"] = mase(actual, preds[h], weekly)
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation (ties broken by order, fine for continuous times)."""
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def query_accuracy(run: report.Run, novel: np.ndarray) -> dict[str, float]:
    """Median relative error and rank correlation of the forecasts made at arrival against
    the executions that followed, for statements with a history and for one-off ones."""
    r = run.result
    actual = r.end - r.start
    out = {}
    for name, sel in (("all", np.ones(len(actual), bool)), ("seen", ~novel), ("unseen", novel)):
        err = np.abs(r.predicted[sel] - actual[sel]) / actual[sel]
        out[f"{name}_median_rel_error"] = float(np.median(err))
        out[f"{name}_spearman"] = spearman(r.predicted[sel], actual[sel])
        out[f"{name}_n"] = float(sel.sum())
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--days", type=int, default=16)
    p.add_argument("--data-scale", type=float, default=report.DATA_SCALE)
    p.add_argument("--base", type=int, default=32)
    p.add_argument("--max", type=int, default=256)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "scaling" / "results")
    a = p.parse_args()
    cal = load_calibration(DEFAULT_CALIBRATION)
    shape = WorkloadShape()
    trace = generate(cal, days=a.days, seed=a.seed, data_scale=a.data_scale, shape=shape)
    day_start = (a.days - 1) * report.DAY_S
    test = trace.slice(day_start, day_start + report.DAY_S)
    etl = (shape.etl_window[0] * 60.0, shape.etl_window[1] * 60.0)
    setup = report.Setup(base=a.base, max_capacity=a.max)
    print(f"trace: {len(trace):,} statements over {a.days} days (seed {a.seed}); measured day: "
          f"{len(test):,} statements, by class "
          + ", ".join(f"{k} {n:,}" for k, n in zip(CLASSES, np.bincount(test.klass(),
                                                                         minlength=4),
                                                    strict=True)), flush=True)
    started = time.perf_counter()
    runs, peak = report.compare(trace, cal, setup, day_start_s=day_start, etl_window_s=etl,
                                progress=lambda line: print("  " + line, flush=True))
    print(f"simulated {len(runs)} policies in {time.perf_counter() - started:.0f} s "
          f"(static peak: {peak} RPUs)\n")
    table = report.table(runs)
    checks = report.targets(runs)
    target_lines = ["| target | measured | met |", "|---|---|---|"] + [
        f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in checks]
    test_start = int(day_start // 60)
    mase_rows = ["| series | " + " | ".join(f"{h} min: vs daily / vs weekly" for h in HORIZONS)
                 + " |", "|---|" + "---|" * len(HORIZONS)]
    main_lane = trace.klass() != CLASSES.index("point")
    accuracy: dict[str, dict[str, float]] = {}
    for name, values in (("arrivals", per_minute(trace)),
                         ("work", per_minute(trace, trace.work)),
                         ("main-lane work", per_minute(trace, trace.work, mask=main_lane))):
        acc = workload_accuracy(values, test_start, trace.start_minute)
        accuracy[name] = acc
        mase_rows.append(f"| {name} | " + " | ".join(
            f"{acc[f'h{h}_vs_daily']:.2f} / {acc[f'h{h}_vs_weekly']:.2f}" for h in HORIZONS)
            + " |")
    balanced = next(r for r in runs if r.kind == "forecast" and r.level == 50)
    qacc = query_accuracy(balanced, test.novel)
    q_rows = ["| statements | n | median relative error | Spearman rank correlation |",
              "|---|---|---|---|"] + [
        f"| {k} | {qacc[f'{k}_n']:,.0f} | {qacc[f'{k}_median_rel_error']:.0%} | "
        f"{qacc[f'{k}_spearman']:.3f} |" for k in ("all", "seen", "unseen")]
    text = "\n".join([
        f"Simulated day {a.days} of seed {a.seed} (data scale {a.data_scale:g}, base {a.base}, "
        f"max {a.max}, static peak {peak} RPUs)", "", table, "", *target_lines, "",
        "Workload forecaster, MASE (forecast MAE / seasonal-naive MAE) on the measured day:",
        "", *mase_rows, "", "Query forecaster, predicted at arrival vs executed:", "",
        *q_rows, ""])
    print(text)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "scaling.md").write_text(text)
    (a.out / "scaling.json").write_text(json.dumps({
        "seed": a.seed, "days": a.days, "data_scale": a.data_scale, "static_peak": peak,
        "runs": {r.name: r.summary for r in runs},
        "targets": [{"target": t, "measured": m, "met": ok} for t, m, ok in checks],
        "workload_mase": accuracy, "query_accuracy": qacc}, indent=1) + "\n")
    names = [r.name for r in runs if r.kind in ("reactive",) or r.name.startswith(
        "static at peak") or r.name == "multi-cluster standard" or (
        r.kind == "forecast" and r.level in (1, 50, 100))]
    report.plot_capacity(runs, test, a.out / "scaling-capacity.png", names)
    report.plot_frontier(runs, a.out / "scaling-frontier.png")
    print(f"wrote {a.out / 'scaling.md'} and the plots")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
