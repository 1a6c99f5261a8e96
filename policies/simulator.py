"""A discrete-event simulator of one workgroup in virtual time: a trace in; RPU-hours, cost,
queueing and latency percentiles, SLA violations and the capacity timeline out.

It runs the live code: the same policy objects (``Scaler`` or a baseline), the same query and
workload forecasters fed the same way, the same short-query decision, and a pool with the
admission rules of ``engine.admission.WorkgroupPool`` (FIFO main slots, a short-query lane,
short statements falling back to idle main slots). The mapping from RPUs to slots is handed in
(``engine.admission.shape_for_capacity``), as policies may not import the engine.

Execution model: a statement's work (slot-seconds, from the trace's calibrated cost model)
runs in its slot at rate 1, so capacity buys concurrency, as it does in Duckshift. With
``host_parallelism`` set, the running statements share a host of that much compute, which
models a real machine whose cores are fewer than the slots, as the 2-core machine of the live
comparison. A statement of class ``k`` uses ``demand[k]`` of it at full speed (1 by default: a
statement that keeps every core busy on a host measured in statements; a small one that
keeps one of two cores busy uses less of a host measured in cores). The sharing is weighted:
in a pool with a short-query lane, a statement not predicted short runs on lower-priority
threads (``engine.instance.LONG_STATEMENT_NICENESS``) with ``long_weight`` against a short
one's 1. Each statement gets compute in proportion to its weight, never more than its demand
(water-filling), and runs at the rate its share gives it. All the statements of one group
(priority and class) run at the same rate, so each group keeps one virtual clock: the work done
by any one of its statements.

Billing follows Redshift Serverless: capacity x seconds while any statement runs, per second,
each busy period charged at least 60 seconds.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from policies.query_forecast import PlanFeatures, QueryForecaster
from policies.scaler import Decision, Demand, Observation
from policies.sqa import DEFAULT_MAX_SECONDS, is_short
from policies.trace import CLASSES, Calibration, Trace, per_minute
from policies.workload_forecast import WorkloadForecaster

# (rpus, short_lane) -> (main slots, short-lane slots)
ShapeFn = Callable[[int, bool], tuple[int, int]]
PRICE_PER_RPU_HOUR = 0.375  # USD, Redshift Serverless us-east-1


class Policy(Protocol):
    """What the simulator needs of a scaling policy (``Scaler`` and the baselines)."""

    uses_forecast: bool

    def decide(self, obs: Observation, demand: Demand) -> Decision:
        """The capacity for the next tick."""


@dataclass(frozen=True)
class SimConfig:
    """How to simulate.

    Args:
        tick_s: seconds between policy decisions.
        short_lane: the pool has a short-query lane (and statements are classified).
        sqa_max_seconds: the short-query limit (``policies.sqa.is_short``).
        host_parallelism: statement-equivalents of compute shared by all running statements
            (None: each slot is its own compute).
        long_weight: with a short-query lane and ``host_parallelism``, the share of compute
            a statement not predicted short gets against one predicted short (0 < w <= 1;
            1 is equal sharing).
        demand: per class of ``policies.trace.CLASSES``, how much of ``host_parallelism``
            one statement uses at full speed (None: 1 each).
        initial_capacity: the capacity before the first decision.
        horizon: minutes of workload forecast handed to the policy.
        min_charge_s: the minimum billed length of a busy period.
        sla_wait_s: a statement violates the SLA when it waits longer than this and longer
            than its own execution time.
    """

    tick_s: float = 10.0
    short_lane: bool = False
    sqa_max_seconds: float = DEFAULT_MAX_SECONDS
    host_parallelism: float | None = None
    long_weight: float = 1.0
    demand: tuple[float, ...] | None = None
    initial_capacity: int = 128
    horizon: int = 15
    min_charge_s: float = 60.0
    sla_wait_s: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 < self.long_weight <= 1.0:
            raise ValueError(f"long_weight must be in (0, 1], not {self.long_weight}")
        if self.demand is not None and (len(self.demand) != len(CLASSES)
                                        or min(self.demand) <= 0.0):
            raise ValueError(f"demand needs {len(CLASSES)} positive values, not {self.demand}")


@dataclass
class SimResult:
    """Per-statement times and the capacity timeline of one run."""

    arrival: np.ndarray
    start: np.ndarray
    end: np.ndarray
    klass: np.ndarray
    accelerated: np.ndarray  # ran in the short-query lane
    idle_at_arrival: np.ndarray  # nothing ran or queued in the main lane when it arrived
    capacity_times: np.ndarray
    capacities: np.ndarray
    decisions: list[tuple[float, int, int, str]]
    forecast_minutes: np.ndarray  # per minute: forecast main work (slot-s/s) at its start
    busy: list[tuple[float, float]]
    config: SimConfig
    short_predicted: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    predicted: np.ndarray = field(default_factory=lambda: np.zeros(0))  # forecast seconds

    @property
    def latency(self) -> np.ndarray:
        """Seconds from arrival to completion."""
        return self.end - self.arrival

    @property
    def wait(self) -> np.ndarray:
        """Seconds queued."""
        return self.start - self.arrival

    def capacity_at(self, seconds: np.ndarray) -> np.ndarray:
        """The capacity in effect at each time."""
        i = np.searchsorted(self.capacity_times, seconds, side="right") - 1
        return self.capacities[np.maximum(i, 0)]

    def billed_rpu_seconds(self) -> float:
        """RPU-seconds billed: capacity for every second some statement ran, each busy period
        at least ``min_charge_s`` long."""
        horizon = math.ceil(max(self.end.max() if len(self.end) else 0.0,
                                    self.capacity_times[-1])) + 1
        billed = np.zeros(horizon + int(self.config.min_charge_s) + 1, bool)
        for s, e in self.busy:
            lo = int(s)
            billed[lo:math.ceil(e)] = True
            billed[lo:lo + int(self.config.min_charge_s)] = True
        seconds = np.nonzero(billed)[0]
        return float(self.capacity_at(seconds.astype(float)).sum())

    def provisioned_rpu_seconds(self, until_s: float) -> float:
        """Capacity integrated over [0, until_s), busy or not."""
        t = np.append(self.capacity_times, until_s)
        return float((np.diff(np.minimum(t, until_s)) * self.capacities).sum())

    def summary(self, etl_window_s: tuple[float, float] | None = None) -> dict[str, float]:
        """The numbers the benchmark reports."""
        lat, wait = self.latency, self.wait
        exec_s = self.end - self.start
        rpu_h = self.billed_rpu_seconds() / 3600.0
        out = {
            "statements": float(len(lat)),
            "rpu_hours": rpu_h,
            "cost_usd": rpu_h * PRICE_PER_RPU_HOUR,
            "p50_s": _pct(lat, 50), "p95_s": _pct(lat, 95), "p99_s": _pct(lat, 99),
            "wait_p95_s": _pct(wait, 95), "wait_mean_s": float(wait.mean()) if len(wait) else 0,
            "exec_p95_s": _pct(exec_s, 95),
            "sla_violations": float(np.sum((wait > self.config.sla_wait_s) & (wait > exec_s))),
            "scale_events": float(len(self.decisions)),
            "accelerated": float(self.accelerated.sum()),
        }
        for k, name in enumerate(CLASSES):
            sel = self.klass == k
            out[f"{name}_p95_s"] = _pct(lat[sel], 95)
        short = self.klass == CLASSES.index("point")
        out["short_p99_idle_s"] = _pct(lat[short & self.idle_at_arrival], 99)
        if etl_window_s is not None:
            lo, hi = etl_window_s
            during = short & (self.arrival >= lo) & (self.arrival < hi)
            out["short_p99_etl_s"] = _pct(lat[during], 99)
        return out


def _pct(a: np.ndarray, q: float) -> float:
    return float(np.percentile(a, q)) if len(a) else math.nan


def warm_up(
    history: Trace,
    calibration: dict[str, Calibration],
    config: SimConfig,
    *,
    observe_last_s: float = 86_400.0,
) -> tuple[QueryForecaster, WorkloadForecaster, WorkloadForecaster]:
    """Forecasters that have seen ``history``: per-minute main-lane arrivals and work, and the
    executions of its last ``observe_last_s`` seconds (as a live server would have them from
    its query log). With a short-query lane, statements whose work is under the lane's limit
    count as short."""
    features = [calibration[t.name].features for t in history.templates]
    main = history.work > config.sqa_max_seconds if config.short_lane else np.ones(
        len(history), bool)
    arrivals = WorkloadForecaster()
    work = WorkloadForecaster()
    arrivals.load(history.start_minute, per_minute(history, mask=main))
    work.load(history.start_minute, per_minute(history, history.work, mask=main))
    qf = QueryForecaster()
    end = history.arrival[-1] if len(history) else 0.0
    for i in np.nonzero(history.arrival >= end - observe_last_s)[0]:
        qf.observe(history.fingerprint_of(int(i)), features[int(history.template[i])],
                   float(history.work[i]))
    return qf, arrivals, work


class _Pool:
    """The admission rules of ``engine.admission.WorkgroupPool``, in virtual time."""

    def __init__(self, shape: ShapeFn, capacity: int, short_lane: bool) -> None:
        self.shape = shape
        self.short_lane = short_lane
        self.running = self.short_running = 0
        self.queue: deque[int] = deque()
        self.short_queue: deque[int] = deque()
        self.resize(capacity)

    def resize(self, capacity: int) -> None:
        self.capacity = capacity
        self.slots, self.short_slots = self.shape(capacity, self.short_lane)

    def free_lane(self, short: bool) -> str | None:
        if short and not self.short_queue:
            if self.short_running < self.short_slots:
                return "short"
            if self.running < self.slots and not self.queue:
                return "main"
        elif not short and self.running < self.slots and not self.queue:
            return "main"
        return None

    def take(self, lane: str) -> None:
        if lane == "short":
            self.short_running += 1
        else:
            self.running += 1

    def give_back(self, lane: str) -> None:
        if lane == "short":
            self.short_running -= 1
        else:
            self.running -= 1

    def grants(self) -> list[tuple[int, str]]:
        """Statements admitted now that room may have appeared, with their lanes."""
        out = []
        while self.queue and self.running < self.slots:
            out.append((self.queue.popleft(), "main"))
            self.running += 1
        while self.short_queue and self.short_running < self.short_slots:
            out.append((self.short_queue.popleft(), "short"))
            self.short_running += 1
        while self.short_queue and not self.queue and self.running < self.slots:
            out.append((self.short_queue.popleft(), "main"))
            self.running += 1
        return out


def simulate(
    trace: Trace,
    policy: Policy,
    shape: ShapeFn,
    calibration: dict[str, Calibration],
    *,
    config: SimConfig | None = None,
    forecasters: tuple[QueryForecaster, WorkloadForecaster, WorkloadForecaster] | None = None,
) -> SimResult:
    """Replay ``trace`` through ``policy`` (see the module docstring).

    ``forecasters`` (from ``warm_up`` over earlier days) carry history into the run; without
    them the forecasters start empty, as on a new workgroup.
    """
    config = config or SimConfig()
    sim = _Sim(trace, policy, shape, calibration, config, forecasters)
    return sim.run()


class _Sim:
    """One run's state; see ``simulate``."""

    def __init__(self, trace: Trace, policy: Policy, shape: ShapeFn,
                 calibration: dict[str, Calibration], config: SimConfig,
                 forecasters: tuple[QueryForecaster, WorkloadForecaster, WorkloadForecaster]
                 | None) -> None:
        self.trace, self.policy, self.config = trace, policy, config
        self.features: list[PlanFeatures] = [calibration[t.name].features
                                             for t in trace.templates]
        qf, arrivals, work = forecasters or (QueryForecaster(), WorkloadForecaster(),
                                             WorkloadForecaster())
        self.qf, self.wf_arrivals, self.wf_work = qf, arrivals, work
        n = len(trace)
        self.start = np.full(n, np.nan)
        self.end = np.full(n, np.nan)
        self.pred = np.zeros(n)
        self.short = np.zeros(n, bool)
        self.accelerated = np.zeros(n, bool)
        self.idle = np.zeros(n, bool)
        self.pool = _Pool(shape, config.initial_capacity, config.short_lane)
        self.now = 0.0
        # Per group (priority: 0 short or no lane, 1 long; class): the processor-sharing
        # clock (work done by any one running statement of the group) and the completions due.
        self.klass = trace.klass()
        groups = 2 * len(CLASSES)
        self.virtual = [0.0] * groups
        self.heaps: list[list[tuple[float, int]]] = [[] for _ in range(groups)]
        demand = config.demand or (1.0,) * len(CLASSES)
        self.weight = [1.0] * len(CLASSES) + [config.long_weight] * len(CLASSES)
        self.demand = list(demand) * 2
        self.running_main: dict[int, float] = {}  # statement -> start time
        self.lane_of: dict[int, str] = {}
        self.queued_work = 0.0
        self.cap_times = [0.0]
        self.caps = [config.initial_capacity]
        self.decisions: list[tuple[float, int, int, str]] = []
        self.busy: list[tuple[float, float]] = []
        self.busy_since: float | None = None
        self.forecast_minutes: dict[int, float] = {}
        self.demand_cache: tuple[int, Demand] | None = None
        self.service_mean, self.service_sq = 1.0, 2.0  # EWMA of execution seconds, squared

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> SimResult:
        arrival = self.trace.arrival
        n, i = len(arrival), 0
        next_tick = 0.0
        end_s = float(arrival[-1]) if n else 0.0
        while i < n or self._running():
            rates = self._rates()
            t_done = min((self.now + (heap[0][0] - clock) / rate
                          for heap, clock, rate in zip(self.heaps, self.virtual, rates,
                                                       strict=True) if heap and rate > 0.0),
                         default=math.inf)
            t_tick = next_tick if next_tick <= end_s or self._running() else math.inf
            t_arr = float(arrival[i]) if i < n else math.inf
            t = min(t_done, t_tick, t_arr)
            for c, rate in enumerate(rates):
                self.virtual[c] += (t - self.now) * rate
            self.now = t
            if t == t_done:
                self._complete_due()
            elif t == t_tick:
                self._tick()
                next_tick += self.config.tick_s
            else:
                self._arrive(i)
                i += 1
        return SimResult(
            arrival=arrival, start=self.start, end=self.end, klass=self.trace.klass(),
            accelerated=self.accelerated, idle_at_arrival=self.idle,
            capacity_times=np.array(self.cap_times), capacities=np.array(self.caps),
            decisions=self.decisions,
            forecast_minutes=self._forecast_series(end_s), busy=self.busy,
            config=self.config, short_predicted=self.short, predicted=self.pred,
        )

    def _running(self) -> bool:
        return any(self.heaps)

    def _rates(self) -> list[float]:
        """Each group's rate (see the module docstring)."""
        h = self.config.host_parallelism
        rates = [1.0] * len(self.heaps)
        count = [len(heap) for heap in self.heaps]
        busy = [g for g, n in enumerate(count) if n]
        if h is None or sum(count[g] * self.demand[g] for g in busy) <= h:
            return rates
        # Water-filling: compute per unit of weight rises until a group gets all it demands;
        # that group is served and the rest share what is left. In this order the groups
        # served come first.
        order = sorted(busy, key=lambda g: self.demand[g] / self.weight[g])
        left, weight = h, sum(count[g] * self.weight[g] for g in busy)
        for j, g in enumerate(order):
            per_weight = left / weight
            if per_weight * self.weight[g] < self.demand[g]:
                for k in order[j:]:
                    rates[k] = per_weight * self.weight[k] / self.demand[k]
                break
            left -= count[g] * self.demand[g]
            weight -= count[g] * self.weight[g]
        return rates

    def _group_of(self, i: int) -> int:
        long = self.config.short_lane and not self.short[i]
        return int(long) * len(CLASSES) + int(self.klass[i])

    def _minute(self, seconds: float) -> int:
        return self.trace.start_minute + int(seconds // 60)

    # -- events ---------------------------------------------------------------------------
    def _arrive(self, i: int) -> None:
        fp = self.trace.fingerprint_of(i)
        forecast = self.qf.predict(fp, self.features[int(self.trace.template[i])])
        self.pred[i] = forecast.seconds
        short = self.config.short_lane and is_short(forecast, self.config.sqa_max_seconds)
        self.short[i] = short
        pool = self.pool
        self.idle[i] = pool.running == 0 and not pool.queue
        if not short:
            minute = self._minute(self.now)
            self.wf_arrivals.add(minute, 1.0)
            self.wf_work.add(minute, forecast.seconds)
        lane = pool.free_lane(short)
        if lane is not None:
            pool.take(lane)
            self._begin(i, lane)
        elif short:
            pool.short_queue.append(i)
        else:
            pool.queue.append(i)
            self.queued_work += forecast.seconds

    def _begin(self, i: int, lane: str) -> None:
        if self.busy_since is None:
            self.busy_since = self.now
        self.start[i] = self.now
        self.lane_of[i] = lane
        self.accelerated[i] = lane == "short"
        if lane == "main":
            self.running_main[i] = self.now
        c = self._group_of(i)
        heapq.heappush(self.heaps[c], (self.virtual[c] + float(self.trace.work[i]), i))

    def _complete_due(self) -> None:
        for c, heap in enumerate(self.heaps):
            while heap and heap[0][0] <= self.virtual[c] + 1e-9:
                _, i = heapq.heappop(heap)
                self._complete(i)
        self._start_granted()
        if not self._running() and self.busy_since is not None:
            self.busy.append((self.busy_since, self.now))
            self.busy_since = None

    def _complete(self, i: int) -> None:
        self.end[i] = self.now
        lane = self.lane_of.pop(i)
        self.pool.give_back(lane)
        self.running_main.pop(i, None)
        elapsed = self.now - float(self.start[i])
        self.qf.observe(self.trace.fingerprint_of(i),
                        self.features[int(self.trace.template[i])], elapsed)
        if not self.short[i]:
            self.wf_work.add(self._minute(float(self.trace.arrival[i])), elapsed - self.pred[i])
            a = 0.01
            self.service_mean += a * (elapsed - self.service_mean)
            self.service_sq += a * (elapsed * elapsed - self.service_sq)

    def _tick(self) -> None:
        pool = self.pool
        running_work = sum(max(0.0, self.pred[j] - (self.now - s))
                           for j, s in self.running_main.items())
        oldest = self.now - float(self.trace.arrival[pool.queue[0]]) if pool.queue else 0.0
        obs = Observation(self.now, pool.capacity, pool.running, len(pool.queue), oldest,
                          max(self.queued_work, 0.0), running_work)
        decision = self.policy.decide(obs, self._demand())
        if decision.capacity != pool.capacity:
            self.decisions.append((self.now, pool.capacity, decision.capacity, decision.reason))
            pool.resize(decision.capacity)
            self.cap_times.append(self.now)
            self.caps.append(decision.capacity)
            self._start_granted()

    def _start_granted(self) -> None:
        for j, lane in self.pool.grants():
            if not self.short[j]:
                self.queued_work -= self.pred[j]
            self._begin(j, lane)

    def _demand(self) -> Demand:
        minute = self._minute(self.now)
        if self.demand_cache is not None and self.demand_cache[0] == minute:
            return self.demand_cache[1]
        h = self.config.horizon
        if self.policy.uses_forecast:
            arrivals = self.wf_arrivals.forecast(minute, h)
            work = self.wf_work.forecast(minute, h)
        else:
            arrivals = work = np.zeros(h)
        var = max(self.service_sq - self.service_mean ** 2, 0.0)
        demand = Demand(arrivals, work, var / max(self.service_mean ** 2, 1e-9))
        self.demand_cache = (minute, demand)
        self.forecast_minutes[minute - self.trace.start_minute] = float(work[0]) / 60.0
        return demand

    def _forecast_series(self, end_s: float) -> np.ndarray:
        out = np.full(int(end_s // 60) + 1, np.nan)
        for m, v in self.forecast_minutes.items():
            if 0 <= m < len(out):
                out[m] = v
        return out
