"""Workload management at run time: queues, query monitoring rules, metering, usage limits.

``Wlm`` follows every statement a connection runs through ``Connection._run``: ``admit``
(refused while a ``deactivate`` usage limit holds; the statement gets its queue and its record
its WLM columns), ``wait`` (the slot; a queue-time rule can abort the wait), ``started``,
``completed`` (on a worker thread, the moment DuckDB has finished: its profile is read and the
rules on completion metrics are evaluated, an abort failing the statement before its last rows
go out) and ``finished``. A loop checks the running statements against their queue's rules every
``evaluation_interval_seconds`` and acts: ``log`` records, ``hop`` moves a statement to the next
matching queue (or cancels a read-only one when none matches), ``abort`` interrupts it with
Redshift's message and SQLSTATE 57014; COPY, ANALYZE and VACUUM are never stopped.

Metrics and when they are known (Redshift samples once a second and decides every 10 s):

==============================  ===========================================================
query_queue_time                live: time waiting for a slot
query_execution_time            live: time since the slot was granted
segment_execution_time          live: the execution time (DuckDB has no segments)
return_row_count                live: rows sent to the client so far; at completion every
                                row DuckDB returns (before the last ones are sent)
query_cpu_time                  live: the process's CPU time (kernel counters) shared among
                                the statements running in it; at completion DuckDB's profile
query_cpu_usage_percent         live: query_cpu_time over execution time, percent of a CPU
cpu_skew, io_skew               live: busiest thread over the average thread (CPU seconds,
                                bytes read) since the statement started, from /proc
scan_row_count, join_row_count, at completion: DuckDB's profile (rows scanned, rows fed to
nested_loop_join_row_count,     join operators, to non-equality joins, 1 MB blocks read from
query_blocks_read,              storage, 1 MB blocks of temporary files at the peak)
query_temp_blocks_to_disk
==============================  ===========================================================

The meter of each workgroup (``engine.metering``) is told when statements start and finish and
when transactions open and end; the loop advances it every second, writes its per-minute
figures and charges, and checks the usage limits against the period's charges.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from catalog import errors as err
from catalog.model import QueryRecord
from catalog.monitoring import LIVE_FUNCTION, TABLES, MonitoringStore, StoredLimit
from catalog.query_log import COLUMNS, QueryLog
from catalog.security import Grantee
from engine import os_metrics, profile
from engine.admission import WorkgroupPool
from engine.metering import Attribution, Meter
from policies import usage_limits, wlm
from policies.usage_limits import UsageLimit
from proxy.sql.transforms.wlm_functions import PID_VARIABLE
from proxy.wlm_config import WlmSettings

if TYPE_CHECKING:
    from proxy.connection import Connection
    from proxy.metrics import Metrics
    from proxy.session import Session
    from proxy.sql.pipeline import Statement

log = logging.getLogger("duckshift.wlm")
T = TypeVar("T")

# Statements that hop (Redshift: read-only queries and CTAS); others continue when no queue
# matches.
_HOPPABLE = frozenset({"SELECT", "CTAS"})
_METER_PERIOD_S = 1.0
# Minutes of charges kept in memory for the usage limits' periods (32 days).
_KEPT_MINUTES = 32 * 24 * 60


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(eq=False)
class Running:
    """A statement WLM follows from admission until its result is closed."""

    record: QueryRecord
    conn: Connection
    wg: WorkgroupWlm
    queue: wlm.Queue
    roles: tuple[str, ...]
    kind: str  # statement type, or ANALYZE/VACUUM/COPY
    queued_at: float
    who: Attribution
    started_at: float | None = None
    state: str = "queued"  # queued, running, returning
    result: Any = None  # the streaming.Result, once rows flow
    task: asyncio.Task[Any] | None = None  # the connection's task while it waits for a slot
    abort: err.SQLError | None = None
    fired: set[str] = field(default_factory=set)
    cpu_s: float = 0.0
    cpu_skew: float = 0.0
    io_skew: float = 0.0
    since: os_metrics.Sample | None = None  # per-thread counters when first seen running
    prof: profile.QueryProfile | None = None
    # The profile as DuckDB gave it, when no rule of the queue needed it parsed at completion.
    prof_text: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def profiled(self) -> bool:
        """Whether DuckDB has finished the statement and its profile was taken."""
        return self.prof is not None or self.prof_text is not None

    def profile(self) -> profile.QueryProfile | None:
        """The completed statement's profile, parsed now if it was kept unparsed.

        ``prof_text`` stays set, so ``Wlm.finished`` on the loop finds one or the other even
        while a view on a worker parses it."""
        if self.prof is None and self.prof_text is not None:
            self.prof = profile.parse(self.prof_text)
        return self.prof

    def metrics(self, now: float) -> dict[str, float]:
        """Every metric known right now (see the module docstring)."""
        queue_s = (self.started_at or now) - self.queued_at
        m = {"query_queue_time": queue_s}
        if self.started_at is None:
            return m
        exec_s = now - self.started_at
        rows = self.result.rows_sent if self.result is not None else self.record.rows_returned
        cpu = self.cpu_s
        prof = self.profile()
        if prof is not None:
            cpu = prof.cpu_time_s
            m.update(prof.metrics())
            # At completion DuckDB knows every row the statement returns, sent or not.
            rows = max(rows, prof.returned_rows)
        m.update({
            "query_execution_time": exec_s,
            # DuckDB runs a plan as one parallel pipeline set, not segments: the whole.
            "segment_execution_time": exec_s,
            "return_row_count": float(rows),
            "query_cpu_time": cpu,
            "query_cpu_usage_percent": 100.0 * cpu / exec_s if exec_s > 0 else 0.0,
            "cpu_skew": self.cpu_skew,
            "io_skew": self.io_skew,
        })
        return m

    def completed(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """DuckDB finished the statement (runs on the worker thread that saw it finish): read
        its profile and apply the rules on completion metrics; raises an abort."""
        text = profile.raw(cursor)
        if text is None:
            return
        if self.result is not None:
            self.state = "returning"
        self.prof_text = text
        if not self.queue.rules:
            # No rule can act on it (a queue changes only when one fires): the profile is
            # parsed when its metrics are first read, not while the client waits for the
            # rows (about 100 us of CPU per statement).
            return
        self.wg.wlm.decide(self, time.monotonic())
        if self.abort is not None:
            raise self.abort


@dataclass(eq=False)
class WorkgroupWlm:
    """One workgroup's WLM state."""

    wlm: Wlm
    name: str
    namespace: str
    pool: WorkgroupPool
    config: wlm.WlmConfig
    meter: Meter
    limits: list[UsageLimit] = field(default_factory=list)
    running: dict[int, Running] = field(default_factory=dict)
    breached: dict[str, datetime] = field(default_factory=dict)  # limit id -> period start
    deactivated_by: UsageLimit | None = None
    # RPU-seconds charged per minute start (epoch s), for the usage limits' periods.
    charged: dict[int, float] = field(default_factory=dict)

    def used_since(self, start: datetime) -> float:
        """RPU-seconds charged from ``start`` on, plus what is consumed and not yet settled."""
        t0 = start.replace(tzinfo=UTC).timestamp()
        return sum(v for m, v in self.charged.items() if m >= t0) + self.meter.pending()


class Wlm:
    """Workload management of every workgroup of the server."""

    def __init__(self, settings: WlmSettings, store: MonitoringStore, query_log: QueryLog,
                 metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.store = store
        self.query_log = query_log
        self.metrics = metrics
        self.workgroups: dict[str, WorkgroupWlm] = {}
        self.sessions: dict[int, tuple[Connection, datetime]] = {}
        self._seq = itertools.count(int(time.time() * 1000) * 1000)
        self._sample: os_metrics.Sample | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._profile_lock = threading.Lock()
        query_log.complete = self.complete_records

    # -- set-up -------------------------------------------------------------------------
    def add_workgroup(self, name: str, namespace: str, pool: WorkgroupPool,
                      parameters: Iterable[tuple[str, str]]) -> WorkgroupWlm:
        """Follow a workgroup with its configured parameters."""
        wg = WorkgroupWlm(self, name, namespace, pool, wlm.parse(dict(parameters)),
                          Meter(lambda: pool.capacity, self.settings.minimum_charge_seconds))
        self.workgroups[name] = wg
        return wg

    def load(self, configured: Iterable[Any], now: datetime) -> None:
        """Usage limits: the configured ones (re)written, all of them loaded, and each
        workgroup's charges of the last month read back for the limits' periods."""
        for c in configured:
            self.store.put_limit(StoredLimit(c.limit_id, c.workgroup, c.usage_type, c.amount,
                                             c.period, c.breach_action), now)
        self._reload_limits()
        since = usage_limits.period_bounds("monthly", now)[0]
        since = min(since, usage_limits.period_bounds("weekly", now)[0])
        for wg in self.workgroups.values():
            for minute, charged in self.store.charges_by_minute(wg.name, since):
                wg.charged[int(minute.replace(tzinfo=UTC).timestamp())] = charged

    def _reload_limits(self) -> None:
        for wg in self.workgroups.values():
            wg.limits = []
        for s in self.store.limits():
            wg = self.workgroups.get(s.workgroup)
            if wg is not None:
                wg.limits.append(UsageLimit(s.limit_id, s.workgroup, s.amount, s.period,
                                            s.breach_action, s.usage_type))

    def set_parameters(self, workgroup: str, parameters: dict[str, object]) -> None:
        """Replace a workgroup's config_parameters at run time (validated first)."""
        wg = self._workgroup(workgroup)
        wg.config = wlm.parse(parameters)

    def _workgroup(self, name: str) -> WorkgroupWlm:
        wg = self.workgroups.get(name)
        if wg is None:
            raise err.UndefinedObject(f'workgroup "{name}" does not exist')
        return wg

    # -- statements -----------------------------------------------------------------------
    def admit(self, conn: Connection, session: Session, stmt: Statement,
              record: QueryRecord) -> Running:
        """A statement arrives: refused while user queries are turned off, else queued."""
        wg = self._workgroup(session.workgroup)
        if wg.deactivated_by is not None and not _system_views_only(stmt):
            limit = wg.deactivated_by
            raise err.ConfigurationLimitExceeded(
                f"Query rejected: usage limit {limit.limit_id} of workgroup {wg.name} "
                f"({limit.amount} RPU-hours {limit.period}) has been reached and user queries "
                "are turned off",
                hint="They resume when the period rolls over or the limit is raised "
                     "(duckshift usage-limit update).",
            )
        server = conn.server
        # Roles are looked up only when some queue is assigned by them (every statement pays).
        roles = tuple(server.security.roles_of(
            session.namespace.guid, Grantee("user", session.user.name))) if any(
            q.user_roles for q in wg.config.queues) else ()
        group = session.values.get("query_group", "default")
        queue = wlm.assign(wg.config, roles, group, session.user.superuser)
        consumer = producer = ""
        shared = server.authorizer.shared
        for ref in stmt.refs:
            cdb = shared.consumer_database(session, ref)
            if cdb is not None:
                consumer, producer = session.namespace.guid, cdb.producer
                break
        record.user_id = session.user.usesysid
        record.query_group = group
        record.service_class = queue.service_class
        record.service_class_name = queue.name
        record.consumer_namespace = consumer or None
        record.producer_namespace = producer or None
        verb = stmt.tag.split()[0]
        kind = verb if verb in ("ANALYZE", "VACUUM") else stmt.statement_type
        who = Attribution(session.namespace.guid, session.user.name, group, consumer, producer)
        run = Running(record, conn, wg, queue, roles, kind, time.monotonic(), who)
        wg.running[record.query_id] = run
        conn._abort = None
        return run

    async def wait(self, run: Running, acquire: Awaitable[T]) -> T:
        """Wait for the workgroup's slot; a queue-time rule may abort the wait."""
        run.task = asyncio.current_task()
        try:
            return await acquire
        except asyncio.CancelledError:
            if run.abort is None or run.task is None:
                raise
            run.task.uncancel()
            raise run.abort from None
        except BaseException:
            self._forget(run)
            raise
        finally:
            run.task = None

    def started(self, run: Running) -> None:
        """The statement holds its slot and runs."""
        run.started_at = time.monotonic()
        run.state = "running"
        run.wg.meter.query_started(run.record.query_id, run.record.session_pid, run.who)

    def prepare_cursor(self, session: Session) -> None:
        """Set up a new session's DuckDB connection (worker thread): its pid for the signal
        functions, and profiling when rules are evaluated."""
        session.cursor.execute(f"SET VARIABLE {PID_VARIABLE} = {int(session.pid)}")
        if self.settings.enabled:
            profile.enable(session.cursor)

    def profiling(self) -> bool:
        """Whether statements are profiled and their completion rules applied."""
        return self.settings.enabled

    def finished(self, run: Running, record: QueryRecord) -> None:
        """The statement is over (its result closed): fill the record's WLM columns."""
        wg = run.wg
        self._forget(run)
        if run.started_at is not None:
            record.compute_rpu_seconds = wg.meter.query_finished(record.query_id)
        if run.prof is not None:
            self._fill_profile(record, run.prof)
        elif run.prof_text is not None:
            # Parsed when the record is written or read (``complete_records``).
            record.profile_text = run.prof_text
        elif run.started_at is not None:
            record.cpu_time_us = int(run.cpu_s * 1e6)
        record.cpu_skew = run.cpu_skew
        record.io_skew = run.io_skew
        if wg.breached:
            record.usage_limit = ",".join(sorted(wg.breached))
        if record.service_class != run.queue.service_class:
            record.service_class = run.queue.service_class
            record.service_class_name = run.queue.name
        if self.metrics is not None:
            self.metrics.query_done(wg.name, record)

    def running_of(self, conn: Connection) -> Running | None:
        """The statement connection ``conn`` has queued or running, if any."""
        return next((r for wg in self.workgroups.values() for r in wg.running.values()
                     if r.conn is conn), None)

    def complete_records(self, records: list[QueryRecord]) -> None:
        """Fill the profile columns (and SYS_QUERY_DETAIL's rows) of records whose profile was
        kept unparsed; the query log calls this before it writes or shows records. One lock
        for the whole: a flush must not write a record another thread is still filling."""
        with self._profile_lock:
            for record in records:
                text, record.profile_text = record.profile_text, None
                prof = profile.parse(text) if text is not None else None
                if prof is not None:
                    self._fill_profile(record, prof)

    def _fill_profile(self, record: QueryRecord, prof: profile.QueryProfile) -> None:
        record.cpu_time_us = int(prof.cpu_time_s * 1e6)
        record.blocks_read = prof.blocks_read
        record.temp_blocks = prof.temp_blocks
        record.scan_rows = prof.scan_rows
        record.join_rows = prof.join_rows
        record.nl_join_rows = prof.nested_loop_join_rows
        for op in prof.operators:
            self.store.append("query_detail", (
                record.query_id, record.namespace_guid, record.user_name, op.step_id,
                op.segment_id, op.operator, op.step_name, op.table_name, record.start_time,
                record.end_time, op.duration_us, op.input_rows, op.output_rows,
                op.output_bytes, op.rows_scanned))

    def _forget(self, run: Running) -> None:
        run.wg.running.pop(run.record.query_id, None)

    # -- transactions ---------------------------------------------------------------------
    def tx_began(self, session: Session) -> None:
        """The session opened a transaction: its workgroup is billed until it ends."""
        wg = self.workgroups.get(session.workgroup)
        if wg is not None:
            wg.meter.tx_began(session.pid, Attribution(
                session.namespace.guid, session.user.name,
                session.values.get("query_group", "default")))

    def tx_ended(self, session: Session) -> None:
        """The session's transaction ended."""
        wg = self.workgroups.get(session.workgroup)
        if wg is not None:
            wg.meter.tx_ended(session.pid)

    # -- sessions ---------------------------------------------------------------------------
    def session_started(self, conn: Connection) -> None:
        """A client logged in (SYS_SESSION_HISTORY)."""
        assert conn.session is not None
        self.sessions[conn.session.pid] = (conn, _now())

    def session_ended(self, conn: Connection) -> None:
        """A client went away."""
        session = conn.session
        if session is None:
            return
        entry = self.sessions.pop(session.pid, None)
        if entry is None:
            return
        self.tx_ended(session)
        self.store.append("session_history", (
            session.pid, session.namespace.guid, session.user.name, session.database,
            session.workgroup, "closed", session.user.session_timeout or 0, entry[1], _now()))

    # -- rules ----------------------------------------------------------------------------
    def decide(self, run: Running, now: float) -> None:
        """Evaluate the statement's queue rules on its metrics now and act on what fires.

        Called from the loop and, at completion, from a worker thread: the statement's lock
        makes each rule fire once. After a hop the new queue's rules apply at once."""
        with run.lock:
            for _ in wlm.QUEUE_RANGE:
                if run.abort is not None:
                    return
                fired = wlm.evaluate(run.queue.rules, run.metrics(now), run.fired)
                if not fired:
                    return
                for f in fired:
                    run.fired.add(f.rule.name)
                top = fired[0]
                queue = run.queue  # where the rules fired, before a hop moves on
                action = top.action
                if action == "abort" and run.kind in wlm.NEVER_ABORTED:
                    action = "log"
                elif action == "hop":
                    action = self._hop(run, top.rule.name)
                elif action == "abort":
                    run.abort = err.QueryCanceled(
                        wlm.abort_message(run.record.query_id, top.rule.name))
                for f in fired:
                    self._log_action(run, queue, f.rule.name, action if f is top else "none")
                if action != "hop(reassign)":
                    return

    def _hop(self, run: Running, rule: str) -> str:
        """Move the statement to the next matching queue; cancel a read-only one when none."""
        if run.kind in wlm.NEVER_ABORTED:
            return "log"
        target = wlm.next_queue(run.wg.config, run.queue, run.roles,
                                run.record.query_group or "")
        if target is not None:
            run.queue = target
            return "hop(reassign)"
        if run.kind in _HOPPABLE:
            run.abort = err.QueryCanceled(
                wlm.abort_message(run.record.query_id, rule, "hop"))
            return "hop"
        return "hop"

    def _log_action(self, run: Running, queue: wlm.Queue, rule: str, action: str) -> None:
        r = run.record
        self.store.append("wlm_rule_actions", (
            r.query_id, r.namespace_guid, r.user_name, run.wg.name, queue.service_class,
            queue.name, rule, action, _now()))
        if self.metrics is not None:
            self.metrics.rule_action(run.wg.name, rule, action)

    def interrupt(self, run: Running) -> None:
        """Carry out ``run.abort`` (event loop): stop the wait, or the running call."""
        conn = run.conn
        conn._abort = run.abort
        if run.task is not None:
            run.task.cancel()
        elif conn._running and conn.session is not None:
            conn.session.cursor.interrupt()

    # -- the loop ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the evaluation and metering loop."""
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop the loop and settle the meters."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._meter_tick()

    async def _run(self) -> None:
        interval = self.settings.evaluation_interval_seconds
        period = min(interval, _METER_PERIOD_S)
        last_rules = time.monotonic()
        while True:
            await asyncio.sleep(period)
            try:
                self._meter_tick()
                now = time.monotonic()
                if self.settings.enabled and now - last_rules >= interval - 1e-3:
                    last_rules = now
                    self.evaluate_all(now)
            except Exception:
                log.exception("workload management tick failed")

    def evaluate_all(self, now: float) -> None:
        """One evaluation period: sample the CPU, then every running statement's rules."""
        running = [r for wg in self.workgroups.values() for r in list(wg.running.values())]
        if not running:
            self._sample = None
            return
        sample = os_metrics.sample()
        if self._sample is not None:
            work = os_metrics.between(self._sample, sample)
            busy = [r for r in running if r.state == "running" and not r.profiled]
            for r in busy:
                r.cpu_s += work.cpu_s / len(busy)
        self._sample = sample
        for r in running:
            if r.started_at is not None and not r.profiled:
                if r.since is None:
                    r.since = sample
                else:
                    w = os_metrics.between(r.since, sample)
                    r.cpu_skew, r.io_skew = w.cpu_skew, w.io_skew
            self.decide(r, now)
            if r.abort is not None:
                self.interrupt(r)

    def _meter_tick(self) -> None:
        now = _now()
        for wg in self.workgroups.values():
            wg.meter.advance()
            minutes, charges = wg.meter.drain()
            for m in minutes:
                self.store.append("serverless_usage", (
                    wg.name, wg.namespace, datetime.fromtimestamp(m.start, UTC).replace(
                        tzinfo=None), m.compute, m.active_s, m.charged, next(self._seq)))
                wg.charged[m.start] = wg.charged.get(m.start, 0.0) + m.charged
                if len(wg.charged) > _KEPT_MINUTES:
                    # No period is longer than a month: older minutes no longer count.
                    oldest = m.start - _KEPT_MINUTES * 60
                    wg.charged = {k: v for k, v in wg.charged.items() if k >= oldest}
                if self.metrics is not None:
                    self.metrics.rpu_seconds(wg.name, m.compute, m.charged)
            for c in charges:
                a = c.attribution
                self.store.append("usage_charges", (
                    datetime.fromtimestamp(c.minute, UTC).replace(tzinfo=None), wg.name,
                    a.namespace, a.user, a.query_group, a.consumer or None,
                    a.producer or None, c.compute, c.charged, next(self._seq)))
            self._check_limits(wg, now)

    def _check_limits(self, wg: WorkgroupWlm, now: datetime) -> None:
        deactivated: UsageLimit | None = None
        for limit in wg.limits:
            start, _ = usage_limits.period_bounds(limit.period, now)
            if not usage_limits.breached(limit, wg.used_since(start)):
                wg.breached.pop(limit.limit_id, None)
                continue
            if limit.breach_action == "deactivate" and deactivated is None:
                deactivated = limit
            if wg.breached.get(limit.limit_id) == start:
                continue
            wg.breached[limit.limit_id] = start
            self._breach(wg, limit, now)
        if deactivated is None and wg.deactivated_by is not None:
            log.warning("workgroup %s: user queries are on again", wg.name)
        wg.deactivated_by = deactivated

    def _breach(self, wg: WorkgroupWlm, limit: UsageLimit, now: datetime) -> None:
        run = next(iter(wg.running.values()), None)
        query, xid, pid = ((run.record.query_id, run.record.transaction_id,
                            run.record.session_pid) if run else (-1, -1, -1))
        self.store.append("usage_control", (
            now, query, xid, pid, limit.limit_id, "SERVERLESS_COMPUTE", wg.name, wg.namespace))
        if limit.breach_action in ("emit-metric", "deactivate"):
            log.warning("workgroup %s: usage limit %s reached (%d RPU-hours %s), action %s",
                        wg.name, limit.limit_id, limit.amount, limit.period,
                        limit.breach_action)
        if self.metrics is not None:
            self.metrics.breach(wg.name, limit.limit_id, limit.breach_action)

    # -- usage limits at run time --------------------------------------------------------------
    def create_limit(self, workgroup: str, amount: int, period: str, breach_action: str,
                     usage_type: str = "serverless-compute") -> str:
        """CreateUsageLimit; returns the new limit's id."""
        self._workgroup(workgroup)
        self._check_limit(workgroup, usage_type, amount, period, breach_action)
        limit_id = str(uuid.uuid4())
        self.store.put_limit(StoredLimit(limit_id, workgroup, usage_type, amount, period,
                                         breach_action), _now())
        self._limits_changed()
        return limit_id

    def update_limit(self, limit_id: str, amount: int | None,
                     breach_action: str | None) -> None:
        """UpdateUsageLimit: a new amount or breach action (takes effect at once)."""
        old = next((s for s in self.store.limits() if s.limit_id == limit_id), None)
        if old is None:
            raise err.UndefinedObject(f'usage limit "{limit_id}" does not exist')
        new = StoredLimit(old.limit_id, old.workgroup, old.usage_type,
                          old.amount if amount is None else amount, old.period,
                          old.breach_action if breach_action is None else breach_action)
        self._check_limit(new.workgroup, new.usage_type, new.amount, new.period,
                          new.breach_action)
        self.store.put_limit(new, _now())
        self._limits_changed()

    def delete_limit(self, limit_id: str) -> None:
        """DeleteUsageLimit."""
        if not self.store.drop_limit(limit_id):
            raise err.UndefinedObject(f'usage limit "{limit_id}" does not exist')
        self._limits_changed()

    def _check_limit(self, *args: Any) -> None:
        try:
            usage_limits.check(*args)
        except err.ConfigError as exc:
            raise err.InvalidParameterValue(str(exc)) from None

    def _limits_changed(self) -> None:
        self._reload_limits()
        now = _now()
        for wg in self.workgroups.values():
            wg.breached = {k: v for k, v in wg.breached.items()
                           if any(lim.limit_id == k for lim in wg.limits)}
            self._check_limits(wg, now)

    # -- cancel and terminate ---------------------------------------------------------------
    def signal(self, conn: Connection, pid: int, terminate: bool, message: str = "") -> bool:
        """CANCEL / pg_cancel_backend / pg_terminate_backend from session ``conn`` (event loop).

        Superusers may signal any session of their namespace, others only their own user's.
        Returns whether a session was signalled."""
        me = conn._session()
        target = conn.server.sessions.get(pid)
        if target is None or target.session is None or (
                target.session.namespace.guid != me.namespace.guid):
            return False
        if not me.user.superuser and target.session.user.name != me.user.name:
            raise err.InsufficientPrivilege(
                "must be superuser to cancel or terminate another user's query")
        if terminate:
            target.terminate()
        else:
            target.cancel_by_user(message)
        return True

    def signal_threadsafe(self, conn: Connection, pid: int, terminate: bool) -> bool:
        """``signal`` called from a DuckDB worker thread (the SQL functions)."""
        assert self._loop is not None
        fut = asyncio.run_coroutine_threadsafe(
            _call(lambda: self.signal(conn, pid, terminate)), self._loop)
        return fut.result(timeout=10)

    # -- live rows for the system views -------------------------------------------------------
    def live(self, kind: str) -> str:
        """JSON rows of what the system views read from memory (``LIVE_FUNCTION``)."""
        rows: list[dict[str, Any]]
        if kind == "queries":
            now = time.monotonic()
            records = self.query_log.unwritten()
            self.complete_records(records)
            rows = [_record_row(r) for r in records]
            for wg in self.workgroups.values():
                for run in list(wg.running.values()):
                    row = _record_row(run.record)
                    m = run.metrics(now)
                    row.update(
                        status=run.state, queue_us=int(m["query_queue_time"] * 1e6),
                        execution_us=int(m.get("query_execution_time", 0.0) * 1e6),
                        rows_returned=int(m.get("return_row_count", 0)),
                        service_class=run.queue.service_class,
                        service_class_name=run.queue.name)
                    rows.append(row)
        elif kind == "sessions":
            rows = []
            for pid, (conn, started) in list(self.sessions.items()):
                s = conn.session
                if s is not None:
                    rows.append(dict(
                        session_id=pid, namespace_guid=s.namespace.guid,
                        user_name=s.user.name, database=s.database, workgroup=s.workgroup,
                        status="active", session_timeout=s.user.session_timeout or 0,
                        start_time=started, end_time=None))
            rows += _rows("session_history", self.store.unwritten("session_history"))
        elif kind == "cursors":
            rows = [
                dict(session_id=pid, namespace_guid=conn.session.namespace.guid,
                     name=c.name, statement=c.statement, is_holdable=c.hold,
                     creation_time=c.created)
                for pid, (conn, _) in list(self.sessions.items()) if conn.session is not None
                for c in list(conn.session.cursors.values())
            ]
        elif kind == "qmr_config":
            rows = []
            for wg in self.workgroups.values():
                for q, r in wg.config.rules:
                    for p in r.predicates:
                        rows.append(dict(
                            namespace_guid=wg.namespace, workgroup=wg.name,
                            service_class=q.service_class, rule_name=r.name, action=r.action,
                            metric_name=p.metric, metric_operator=p.operator,
                            metric_value=p.value, queue_name=q.name))
        elif kind == "usage_limits":
            rows = []
            for wg in self.workgroups.values():
                for lim in wg.limits:
                    start, end = usage_limits.period_bounds(lim.period, _now())
                    rows.append(dict(
                        namespace_guid=wg.namespace, limit_id=lim.limit_id, workgroup=wg.name,
                        usage_type=lim.usage_type, amount=lim.amount, period=lim.period,
                        breach_action=lim.breach_action, period_start=start, period_end=end,
                        used_rpu_hours=wg.used_since(start) / 3600.0,
                        breached=lim.limit_id in wg.breached))
        elif kind == "serverless_usage":
            rows = _rows(kind, self.store.unwritten(kind))
            for wg in self.workgroups.values():
                for m in wg.meter.peek():
                    rows.append(dict(
                        workgroup=wg.name, namespace_guid=wg.namespace,
                        start_time=datetime.fromtimestamp(m.start, UTC).replace(tzinfo=None),
                        compute_seconds=m.compute, active_seconds=m.active_s,
                        charged_seconds=m.charged, seq=-1))
        elif kind == "usage_charges":
            rows = _rows(kind, self.store.unwritten(kind))
            for wg in self.workgroups.values():
                for c in wg.meter.peek_charges():
                    a = c.attribution
                    rows.append(dict(
                        minute=datetime.fromtimestamp(c.minute, UTC).replace(tzinfo=None),
                        workgroup=wg.name, namespace_guid=a.namespace, user_name=a.user,
                        query_group=a.query_group, consumer_namespace=a.consumer or None,
                        producer_namespace=a.producer or None, compute_seconds=c.compute,
                        charged_seconds=c.charged, seq=-1))
        else:
            if kind == "query_detail":
                # The rows of records whose profile is still unparsed are made now.
                self.complete_records(self.query_log.unwritten())
            rows = _rows(kind, self.store.unwritten(kind))
        return json.dumps(rows, default=_json_default)


def _system_views_only(stmt: Statement) -> bool:
    """Whether a statement reads the workload-management views and no table (they stay
    readable while user queries are turned off, so an operator can see why)."""
    return (stmt.duck_sql is not None and LIVE_FUNCTION in stmt.duck_sql.lower()
            and not any(r.kind == "relation" for r in stmt.refs))


async def _call(fn: Callable[[], T]) -> T:
    return fn()


def _record_row(r: QueryRecord) -> dict[str, Any]:
    return {c: getattr(r, c) for c in COLUMNS}


def _rows(table: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    columns = TABLES[table]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _json_default(v: object) -> object:
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    raise TypeError(type(v).__name__)
