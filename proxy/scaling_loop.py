"""The live scaling loop: every workgroup with a price-performance target gets the policies of
``policies/`` fed from the query log and the pool, and its pool resized by their decisions.

Every ``tick_s`` seconds the loop reads the statements finished since its last look from the
system database's query history, teaches each workgroup's query forecaster their execution
times (by fingerprint) and adds them to its per-minute workload series (arrivals and demanded
slot-seconds, by the minute each statement arrived), then asks the workgroup's ``Scaler`` for a
capacity given the pool's snapshot and the workload forecast, resizes the pool, and records
the decision (``catalog.scaling_log``; the SYS_SERVERLESS_SCALING view) when the capacity or
the reason changes. At start it loads the last four weeks of history per minute and the last
executions per workgroup, so forecasts survive restarts.

Statements the query forecaster predicts short run in the pool's short-query lane
(``short_statement``), and short statements are left out of the workload the scaler sizes the
main slots for, as in the simulator.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import duckdb
import numpy as np

from catalog.capacity import CapacitySettings, capacities
from catalog.model import Namespace
from catalog.scaling_log import ScalingEvent, ScalingLog
from engine.admission import WorkgroupPool, shape_for_capacity
from policies.fingerprint import fingerprint
from policies.query_forecast import QueryForecaster
from policies.scaler import Candidate, Demand, Observation, Scaler
from policies.sqa import DEFAULT_MAX_SECONDS, is_short
from policies.workload_forecast import WorkloadForecaster

log = logging.getLogger("duckshift.scaling")

# The scaler's floor: the smallest capacity with one full slot.
FLOOR_CAPACITY = 8
HISTORY_DAYS = 28
WARM_STATEMENTS = 5000
HORIZON_MINUTES = 15


class Scaled(Protocol):
    """What the loop needs of a workgroup (``proxy.server.WorkgroupRuntime``)."""

    name: str
    namespace: Namespace
    pool: WorkgroupPool
    capacity: CapacitySettings


def epoch_minute(t: datetime) -> int:
    """Minutes since the Unix epoch of a naive UTC timestamp."""
    return int(t.replace(tzinfo=UTC).timestamp() // 60)


def candidates(max_capacity: int) -> list[Candidate]:
    """The capacities the scaler may choose, with the slots each buys."""
    return [Candidate(c, shape_for_capacity(c).slots)
            for c in capacities(FLOOR_CAPACITY, max_capacity)]


@dataclass
class WorkgroupPolicies:
    """One workgroup's forecasters and scaler, and what they learned."""

    level: int
    max_capacity: int
    sqa_max_seconds: float = DEFAULT_MAX_SECONDS
    queries: QueryForecaster = field(default_factory=QueryForecaster)
    arrivals: WorkloadForecaster = field(default_factory=WorkloadForecaster)
    work: WorkloadForecaster = field(default_factory=WorkloadForecaster)
    service_mean: float = 1.0  # EWMA of main-lane execution seconds
    service_sq: float = 2.0  # and of their squares
    last_reason: str = ""
    scaler: Scaler = field(init=False)

    def __post_init__(self) -> None:
        self.scaler = Scaler(self.level, candidates(self.max_capacity))

    def retarget(self, settings: CapacitySettings) -> None:
        """Follow a changed level, ceiling or short-query limit (the forecasts are kept)."""
        assert settings.target_level is not None
        self.sqa_max_seconds = settings.short_query_max_seconds or DEFAULT_MAX_SECONDS
        if (settings.target_level, settings.max_capacity) != (self.level, self.max_capacity):
            self.level, self.max_capacity = settings.target_level, settings.max_capacity
            self.scaler = Scaler(self.level, candidates(self.max_capacity))

    def learn(self, text: str, arrived: datetime, seconds: float) -> None:
        """One finished statement."""
        self.queries.observe(fingerprint(text), None, seconds)
        if seconds <= self.sqa_max_seconds:
            return  # short statements do not load the main slots
        minute = epoch_minute(arrived)
        self.arrivals.add(minute, 1.0)
        self.work.add(minute, seconds)
        a = 0.01
        self.service_mean += a * (seconds - self.service_mean)
        self.service_sq += a * (seconds * seconds - self.service_sq)

    def observation(self, now: datetime, pool: WorkgroupPool) -> Observation:
        """The pool's snapshot, its queue and running statements valued at the mean
        main-lane execution time (the pool does not know which statements wait)."""
        snap = pool.snapshot()
        return Observation(
            now.timestamp(), snap.capacity, snap.running, snap.queued, snap.max_wait_ms / 1e3,
            queued_work_s=snap.queued * self.service_mean,
            running_work_s=snap.running * self.service_mean / 2.0)

    def demand(self, now: datetime) -> Demand:
        """The workload forecast from the current minute on."""
        minute = epoch_minute(now)
        var = max(self.service_sq - self.service_mean ** 2, 0.0)
        return Demand(self.arrivals.forecast(minute, HORIZON_MINUTES),
                      self.work.forecast(minute, HORIZON_MINUTES),
                      var / max(self.service_mean ** 2, 1e-9))


class ScalingLoop:
    """The scaling of every target workgroup of one server.

    Args:
        con: a cursor on the system database (used from worker threads, one call at a time).
        schema: the system database's schema (``catalog.store.SYSTEM_SCHEMA``).
        scaling_log: where decisions are recorded.
        workgroups: the server's workgroups by name (their settings may change at run time).
        run: runs a blocking call on a worker thread (``Engine.run``).
        tick_s: seconds between decisions.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        schema: str,
        scaling_log: ScalingLog,
        workgroups: Mapping[str, Scaled],
        run: Callable[..., Awaitable[Any]],
        *,
        tick_s: float = 10.0,
    ) -> None:
        self._con = con
        self._schema = schema
        self.scaling_log = scaling_log
        self.workgroups = workgroups
        self._run = run
        self.tick_s = tick_s
        self.policies: dict[str, WorkgroupPolicies] = {}
        self._seen_until: datetime | None = None

    def short_statement(self, workgroup: str, text: str) -> bool:
        """Whether a statement may use the workgroup's short-query lane."""
        p = self.policies.get(workgroup)
        return p is not None and is_short(p.queries.predict(fingerprint(text)),
                                          p.sqa_max_seconds)

    async def run_forever(self) -> None:
        """Tick until cancelled; a failing tick is logged and the next one tries again."""
        await self._run(self.bootstrap)
        while True:
            await asyncio.sleep(self.tick_s)
            try:
                await self.tick()
            except Exception:
                log.exception("scaling tick failed")

    async def tick(self, now: datetime | None = None) -> None:
        """Learn from the statements finished since the last tick, then decide."""
        self._learn(await self._run(self._finished_since))
        now = now or datetime.now(UTC).replace(tzinfo=None)
        for wg in self.workgroups.values():
            p = self._policies(wg)
            if p is None:
                continue
            obs = p.observation(now.replace(tzinfo=UTC), wg.pool)
            decision = p.scaler.decide(obs, p.demand(now.replace(tzinfo=UTC)))
            before = wg.pool.capacity
            if decision.capacity != before:
                wg.pool.resize(decision.capacity)
            if decision.capacity != before or decision.reason != p.last_reason:
                p.last_reason = decision.reason
                event = ScalingEvent(
                    now, wg.name, wg.namespace.guid, before, decision.capacity, p.level,
                    decision.forecast_work, decision.forecast_arrivals, obs.running, obs.queued,
                    obs.queued_work_s, decision.reason)
                await self._run(self.scaling_log.append, event)

    def _policies(self, wg: Scaled) -> WorkgroupPolicies | None:
        """The workgroup's policies, made when its target is first seen, dropped when the
        target is disabled."""
        settings = wg.capacity
        if not settings.target_enabled:
            self.policies.pop(wg.name, None)
            return None
        p = self.policies.get(wg.name)
        if p is None:
            assert settings.target_level is not None
            p = self.policies[wg.name] = WorkgroupPolicies(settings.target_level,
                                                           settings.max_capacity)
        p.retarget(settings)
        return p

    # -- the query log --------------------------------------------------------------------
    def bootstrap(self) -> None:
        """Load each target workgroup's history: per-minute workload of the last four weeks
        and its last executions (runs on a worker thread)."""
        s = self._schema
        for wg in self.workgroups.values():
            p = self._policies(wg)
            if p is None:
                continue
            rows = self._con.execute(
                "SELECT epoch(date_trunc('minute', start_time))::BIGINT // 60 AS m, count(*), "
                f"sum(execution_us) / 1e6 FROM {s}.query_history WHERE workgroup = ? "
                "AND execution_us > ? AND start_time > now()::TIMESTAMP - INTERVAL "
                f"'{HISTORY_DAYS} days' GROUP BY 1 ORDER BY 1",
                [wg.name, int(p.sqa_max_seconds * 1e6)]).fetchall()
            if rows:
                first = int(rows[0][0])
                span = int(rows[-1][0]) - first + 1
                counts, work = np.zeros(span), np.zeros(span)
                for m, n, w in rows:
                    counts[int(m) - first], work[int(m) - first] = n, w
                p.arrivals.load(first, counts)
                p.work.load(first, work)
            recent = self._con.execute(
                f"SELECT query_text, execution_us FROM {s}.query_history WHERE workgroup = ? "
                "AND execution_us > 0 ORDER BY end_time DESC LIMIT ?",
                [wg.name, WARM_STATEMENTS]).fetchall()
            for text, us in reversed(recent):
                p.queries.observe(fingerprint(text or ""), None, us / 1e6)
        (last,) = self._con.execute(
            f"SELECT max(end_time) FROM {s}.query_history").fetchone() or (None,)
        self._seen_until = last

    def _finished_since(self) -> list[tuple[str, str, datetime, int, datetime]]:
        """Statements recorded since the last look (runs on a worker thread)."""
        since = self._seen_until or datetime(1970, 1, 1)
        rows = self._con.execute(
            "SELECT workgroup, query_text, start_time, execution_us, end_time "
            f"FROM {self._schema}.query_history WHERE end_time > ? AND execution_us > 0 "
            "ORDER BY end_time", [since]).fetchall()
        if rows:
            self._seen_until = rows[-1][4]
        return rows

    def _learn(self, rows: list[tuple[str, str, datetime, int, datetime]]) -> None:
        for workgroup, text, arrived, us, _ in rows:
            p = self.policies.get(workgroup)
            if p is not None:
                p.learn(text or "", arrived, us / 1e6)
