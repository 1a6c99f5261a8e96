"""Scaling policies side by side in the simulator: the runs, the table, the targets, the plots.

``compare`` replays one day of a trace (with the days before it as the forecasters' history)
under static capacity at the base and at the peak, reactive queue-length scaling, Snowflake's
standard and economy multi-cluster rules, and the forecast-driven scaler at the five
price-performance levels (with the short-query lane), plus the BALANCED scaler without the
lane to show what the lane contributes. Used by ``bench/scaling/run.py`` and
``duckshift replay``. This module sits in proxy/ because it wires policies to the engine's
capacity mapping (``engine.admission.shape_for_capacity``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from catalog.capacity import LEVELS, capacities
from engine.admission import shape_for_capacity
from policies.baselines import MultiClusterPolicy, ReactivePolicy, StaticPolicy
from policies.scaler import Candidate, Scaler
from policies.simulator import Policy, SimConfig, SimResult, simulate, warm_up
from policies.trace import CLASSES, Calibration, Trace
from policies.trace import per_minute as trace_per_minute

DAY_S = 86_400.0


def shape(rpus: int, short_lane: bool) -> tuple[int, int]:
    """``shape_for_capacity`` as the simulator takes it."""
    s = shape_for_capacity(rpus, short_lane=short_lane)
    return s.slots, s.short_slots


def candidates(low: int, high: int) -> list[Candidate]:
    """Redshift's RPU steps from ``low`` to ``high`` with the slots each buys."""
    return [Candidate(c, shape_for_capacity(c).slots) for c in capacities(low, high)]


# How many times the calibration's data (TPC-H SF1) the benchmark day's warehouse holds.
DATA_SCALE = 50.0


@dataclass(frozen=True)
class Setup:
    """The simulated workgroup: base capacity (floor of the reactive and multi-cluster rules,
    static at base), max capacity (every scaler's ceiling), the scaler's floor, the tick and
    the short-query limit."""

    base: int = 32
    max_capacity: int = 256
    floor: int = 8
    tick_s: float = 10.0
    sqa_max_seconds: float = 0.5
    host_parallelism: float | None = None


@dataclass
class Run:
    """One policy's simulated day."""

    name: str
    kind: str  # static, reactive, multicluster, forecast
    level: int | None
    result: SimResult
    summary: dict[str, float] = field(default_factory=dict)


def static_peak(test: Trace, calibration: dict[str, Calibration], setup: Setup) -> int:
    """The smallest allowed capacity with a slot for every statement running in the day's
    busiest minute (mean concurrency of that minute, without any queueing)."""
    r = simulate(test, StaticPolicy(1024), shape, calibration,
                 config=SimConfig(initial_capacity=1024, host_parallelism=setup.host_parallelism))
    seconds = math.ceil(r.end.max()) + 1
    running = np.zeros(seconds + 1)
    np.add.at(running, r.start.astype(int), 1.0)
    np.add.at(running, r.end.astype(int), -1.0)
    per_second = np.cumsum(running)[:seconds]
    minutes = per_second[: seconds // 60 * 60].reshape(-1, 60).mean(axis=1)
    need = math.ceil(minutes.max()) * 8
    return next(c for c in capacities(need, 1024) if c >= need)


def policies(setup: Setup, peak: int) -> list[tuple[str, str, int | None, Callable[[], Policy],
                                                     bool]]:
    """(name, kind, level, factory, short lane) of every compared policy."""
    steps = candidates(setup.floor, setup.max_capacity)
    base_steps = candidates(setup.base, setup.max_capacity)
    cluster_slots = shape_for_capacity(setup.base).slots
    clusters = setup.max_capacity // setup.base
    out: list[tuple[str, str, int | None, Callable[[], Policy], bool]] = [
        (f"static at base ({setup.base})", "static", None,
         lambda: StaticPolicy(setup.base), False),
        (f"static at peak ({peak})", "static", None, lambda: StaticPolicy(peak), False),
        ("reactive (queue length)", "reactive", None,
         lambda: ReactivePolicy(setup.base, base_steps), False),
        ("multi-cluster standard", "multicluster", None,
         lambda: MultiClusterPolicy(setup.base, cluster_slots, clusters), False),
        ("multi-cluster economy", "multicluster", None,
         lambda: MultiClusterPolicy(setup.base, cluster_slots, clusters, economy=True), False),
    ]
    for name, level in sorted(LEVELS.items(), key=lambda kv: -kv[1]):
        out.append((f"forecast {name} ({level})", "forecast", level,
                    lambda level=level: Scaler(level, steps), True))
    out.append(("forecast BALANCED, no SQA lane", "forecast-nosqa", LEVELS["BALANCED"],
                lambda: Scaler(LEVELS["BALANCED"], steps), False))
    return out


def compare(
    trace: Trace,
    calibration: dict[str, Calibration],
    setup: Setup,
    *,
    day_start_s: float,
    etl_window_s: tuple[float, float] | None = None,
    only: set[str] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[list[Run], int]:
    """Simulate the day starting at ``day_start_s`` under every policy; returns the runs and
    the static peak capacity. ``etl_window_s`` (seconds into the day) is where short
    statements' p99 under load is measured; ``only`` restricts the policies by kind."""
    history = trace.slice(0, day_start_s)
    test = trace.slice(day_start_s, day_start_s + DAY_S)
    peak = static_peak(test, calibration, setup)
    runs = []
    for name, kind, level, factory, lane in policies(setup, peak):
        if only is not None and kind not in only:
            continue
        config = SimConfig(tick_s=setup.tick_s, short_lane=lane,
                           sqa_max_seconds=setup.sqa_max_seconds,
                           host_parallelism=setup.host_parallelism,
                           initial_capacity=setup.base)
        forecasters = warm_up(history, calibration, config) if len(history) else None
        result = simulate(test, factory(), shape, calibration, config=config,
                          forecasters=forecasters)
        run = Run(name, kind, level, result, result.summary(etl_window_s))
        runs.append(run)
        progress(f"{name}: {run.summary['rpu_hours']:.0f} RPU-h, "
                 f"p95 {run.summary['p95_s']:.2f} s")
    return runs, peak


COLUMNS = (
    ("policy", None), ("RPU-hours", "rpu_hours"), ("cost $", "cost_usd"),
    ("p50 s", "p50_s"), ("p95 s", "p95_s"), ("p99 s", "p99_s"),
    ("wait p95 s", "wait_p95_s"), ("SLA violations", "sla_violations"),
    ("short p99 idle / ETL ms", None), ("scale events", "scale_events"),
)


def table(runs: list[Run]) -> str:
    """The runs as a Markdown table."""
    lines = ["| " + " | ".join(c for c, _ in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for run in runs:
        s = run.summary
        cells = [run.name]
        for _, key in COLUMNS[1:]:
            if key is None:
                etl = s.get("short_p99_etl_s", math.nan)
                cells.append(f"{s['short_p99_idle_s'] * 1000:.0f} / {etl * 1000:.0f}")
            elif key in ("rpu_hours", "sla_violations", "scale_events"):
                cells.append(f"{s[key]:,.0f}")
            else:
                cells.append(f"{s[key]:,.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(runs: list[Run]) -> list[tuple[str, str, bool]]:
    """The issue's targets: (target, what was measured, met)."""
    by_name = {r.name: r.summary for r in runs}
    peak = next(r.summary for r in runs if r.name.startswith("static at peak"))
    reactive = next(r.summary for r in runs if r.kind == "reactive")
    levels = sorted((r for r in runs if r.kind == "forecast"), key=lambda r: r.level or 0)
    balanced = by_name[next(r.name for r in levels if r.level == LEVELS["BALANCED"])]
    out = []
    saving = 1.0 - balanced["rpu_hours"] / peak["rpu_hours"]
    p95_ratio = balanced["p95_s"] / peak["p95_s"]
    out.append(("BALANCED: >= 40% fewer RPU-hours than static peak, p95 <= 1.1x",
                f"{saving:.0%} fewer, p95 {p95_ratio:.2f}x",
                saving >= 0.40 and p95_ratio <= 1.10))
    gain = 1.0 - balanced["p95_s"] / reactive["p95_s"]
    rpu = balanced["rpu_hours"] / reactive["rpu_hours"]
    # Capacity buys concurrency, not speed: no policy's p95 goes below the statements' own.
    bound = 1.0 - balanced["exec_p95_s"] / reactive["p95_s"]
    out.append(("BALANCED: p95 >= 30% better than reactive at no more RPU-hours",
                f"p95 {gain:.0%} better, {rpu:.2f}x the RPU-hours (p95 of execution alone "
                f"{balanced['exec_p95_s']:.2f} s: at most {bound:.0%} better without waiting)",
                gain >= 0.30 and rpu <= 1.0))
    costs = [r.summary["cost_usd"] for r in levels]
    p95s = [r.summary["p95_s"] for r in levels]
    monotone = all(a <= b for a, b in itertools.pairwise(costs)) and all(
        a >= b for a, b in itertools.pairwise(p95s))
    out.append(("cost falls and p95 rises from level 100 to level 1",
                "cost $" + " > ".join(f"{c:,.0f}" for c in reversed(costs)) + "; p95 "
                + " < ".join(f"{p:.2f}" for p in reversed(p95s)) + " s", monotone))
    idle, etl = balanced["short_p99_idle_s"], balanced.get("short_p99_etl_s", math.nan)
    out.append(("BALANCED: short queries' p99 in the ETL window <= 2x idle",
                f"{etl * 1000:.0f} ms vs {idle * 1000:.0f} ms ({etl / idle:.2f}x)",
                etl <= 2.0 * idle))
    return out


def plot_capacity(runs: list[Run], test: Trace, path: Path, names: list[str]) -> None:
    """Capacity vs demand vs forecast over the day, one panel per named run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen = [r for r in runs if r.name in names]
    fig, axes = plt.subplots(len(chosen), 1, figsize=(11, 2.3 * len(chosen)), sharex=True)
    axes = np.atleast_1d(axes)
    klass = test.klass()
    main = klass != CLASSES.index("point")
    demand = trace_per_minute(test, test.work, mask=main) / 60.0 * 8.0
    hours = np.arange(len(demand)) / 60.0
    for ax, run in zip(axes, chosen, strict=True):
        t = np.arange(0, DAY_S, 60.0)
        ax.fill_between(hours, demand, step="post", color="0.8",
                        label="demand (work, in RPUs)")
        ax.step(t / 3600.0, run.result.capacity_at(t), where="post", color="C0",
                label="capacity")
        if run.kind.startswith("forecast"):
            f = run.result.forecast_minutes[: len(hours)] * 8.0
            ax.plot(hours[: len(f)], f, color="C3", lw=0.7, label="forecast (1 min ahead)")
        s = run.summary
        ax.set_title(f"{run.name}: {s['rpu_hours']:,.0f} RPU-h, p95 {s['p95_s']:.1f} s",
                     fontsize=9, loc="left")
        ax.set_ylabel("RPUs")
        ax.set_xlim(0, 24)
    axes[0].legend(loc="upper left", fontsize=8, ncols=3)
    axes[-1].set_xlabel("hour of the day")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_frontier(runs: list[Run], path: Path) -> None:
    """The cost-latency frontier: RPU-hours against p95 latency, the five levels joined."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    levels = sorted((r for r in runs if r.kind == "forecast"), key=lambda r: r.level or 0)
    ax.plot([r.summary["rpu_hours"] for r in levels], [r.summary["p95_s"] for r in levels],
            "o-", color="C3", label="forecast scaler, levels 1-100")
    for r in levels:
        ax.annotate(str(r.level), (r.summary["rpu_hours"], r.summary["p95_s"]),
                    textcoords="offset points", xytext=(4, 4), fontsize=8)
    markers = {"static": "s", "reactive": "^", "multicluster": "D", "forecast-nosqa": "x"}
    for r in runs:
        if r.kind in markers:
            ax.plot(r.summary["rpu_hours"], r.summary["p95_s"], markers[r.kind], ms=7,
                    label=r.name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("RPU-hours for the day (log)")
    ax.set_ylabel("p95 latency, s (log)")
    ax.set_title("Cost-latency frontier", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
