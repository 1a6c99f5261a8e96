"""What workload management records: operator details, rule actions, usage, limits, sessions.

These tables live in the system database beside ``query_history`` and feed the SYS_*, STL_*,
STV_* and SVL_* views. Rows are appended in memory and written in one insert per table by
``flush()``, which the server calls with the query log's flush, so no statement waits on a
catalog write. ``purge`` applies the retention periods.
Usage limits are few and changed by hand: they are written at once.

The store's one DuckDB connection is used from the engine's executor (flush, purge) and from
the event loop (usage limits). A DuckDB connection must not run two statements at once (the
second fails, or both hang), so every use of it holds ``_using``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.query_detail (
    query_id BIGINT, namespace_guid VARCHAR, user_name VARCHAR, step_id INTEGER,
    segment_id INTEGER, operator VARCHAR, step_name VARCHAR, table_name VARCHAR,
    start_time TIMESTAMP, end_time TIMESTAMP, duration_us BIGINT, input_rows BIGINT,
    output_rows BIGINT, output_bytes BIGINT, rows_scanned BIGINT);
CREATE TABLE IF NOT EXISTS {s}.wlm_rule_actions (
    query_id BIGINT, namespace_guid VARCHAR, user_name VARCHAR, workgroup VARCHAR,
    service_class INTEGER, service_class_name VARCHAR, rule VARCHAR, action VARCHAR,
    recordtime TIMESTAMP);
CREATE TABLE IF NOT EXISTS {s}.serverless_usage (
    workgroup VARCHAR, namespace_guid VARCHAR, start_time TIMESTAMP, compute_seconds DOUBLE,
    active_seconds DOUBLE, charged_seconds DOUBLE, seq BIGINT);
CREATE TABLE IF NOT EXISTS {s}.usage_charges (
    minute TIMESTAMP, workgroup VARCHAR, namespace_guid VARCHAR, user_name VARCHAR,
    query_group VARCHAR, consumer_namespace VARCHAR, producer_namespace VARCHAR,
    compute_seconds DOUBLE, charged_seconds DOUBLE, seq BIGINT);
CREATE TABLE IF NOT EXISTS {s}.usage_limits (
    limit_id VARCHAR PRIMARY KEY, workgroup VARCHAR NOT NULL, usage_type VARCHAR NOT NULL,
    amount BIGINT NOT NULL, period VARCHAR NOT NULL, breach_action VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.usage_control (
    eventtime TIMESTAMP, query_id BIGINT, xid BIGINT, pid INTEGER, usage_limit_id VARCHAR,
    feature_type VARCHAR, workgroup VARCHAR, namespace_guid VARCHAR);
CREATE TABLE IF NOT EXISTS {s}.session_history (
    session_id INTEGER, namespace_guid VARCHAR, user_name VARCHAR, database VARCHAR,
    workgroup VARCHAR, status VARCHAR, session_timeout INTEGER, start_time TIMESTAMP,
    end_time TIMESTAMP);
"""

# The server's function that the system views call for what is only in memory (running
# statements, rows not yet written): kind -> JSON array of rows (``proxy.wlm.Wlm.live``).
LIVE_FUNCTION = "__ds_wlm_live"
# The DuckDB variable holding the pid of the session whose connection runs a statement
# (pg_backend_pid, pg_cursors).
PID_VARIABLE = "__ds_pid"

# Each buffered table and its columns, in insert order.
TABLES: dict[str, tuple[str, ...]] = {
    "query_detail": ("query_id", "namespace_guid", "user_name", "step_id", "segment_id",
                     "operator", "step_name", "table_name", "start_time", "end_time",
                     "duration_us", "input_rows", "output_rows", "output_bytes", "rows_scanned"),
    "wlm_rule_actions": ("query_id", "namespace_guid", "user_name", "workgroup",
                         "service_class", "service_class_name", "rule", "action", "recordtime"),
    # Per-minute figures and charges are deltas, summed by the views; ``seq`` tells a row
    # read from memory from the same row already written.
    "serverless_usage": ("workgroup", "namespace_guid", "start_time", "compute_seconds",
                         "active_seconds", "charged_seconds", "seq"),
    "usage_charges": ("minute", "workgroup", "namespace_guid", "user_name", "query_group",
                      "consumer_namespace", "producer_namespace", "compute_seconds",
                      "charged_seconds", "seq"),
    "usage_control": ("eventtime", "query_id", "xid", "pid", "usage_limit_id", "feature_type",
                      "workgroup", "namespace_guid"),
    "session_history": ("session_id", "namespace_guid", "user_name", "database", "workgroup",
                        "status", "session_timeout", "start_time", "end_time"),
}
# Retention: which time column each table ages by; serverless_usage keeps Redshift's 7 days.
_AGE_COLUMN = {
    "query_history": "start_time", "query_detail": "start_time",
    "wlm_rule_actions": "recordtime", "usage_control": "eventtime",
    "session_history": "start_time",
}
USAGE_RETENTION_DAYS = 7


@dataclass(frozen=True, slots=True)
class StoredLimit:
    """A usage limit row."""

    limit_id: str
    workgroup: str
    usage_type: str
    amount: int
    period: str
    breach_action: str


class MonitoringStore:
    """The buffered writer of the WLM tables, and the usage-limit table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        self._con = con
        self.schema = schema
        self._lock = threading.Lock()
        # Held by every use of ``_con``; apart from ``_lock``, so appends never wait on a write.
        self._using = threading.Lock()
        con.execute(_SCHEMA.format(s=schema))
        self._pending: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
        # Rows written by the last flush: views read them from memory too, because a view's
        # snapshot may predate the insert (see ``recent``).
        self._recent: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}

    def append(self, table: str, row: tuple[Any, ...]) -> None:
        """Queue one row of a buffered table for the next flush."""
        with self._lock:
            self._pending[table].append(row)

    def unwritten(self, table: str) -> list[tuple[Any, ...]]:
        """Rows queued or written by the last flush (views dedupe against the table)."""
        with self._lock:
            return [*self._recent[table], *self._pending[table]]

    def flush(self) -> int:
        """Write every queued row, one insert per table; returns how many were written."""
        with self._lock:
            batches, self._pending = self._pending, {t: [] for t in TABLES}
            # Until the insert commits, the batch is in neither place: keep it in view.
            self._recent = {t: [*self._recent[t], *batches[t]] for t in TABLES}
        written = 0
        for table, rows in batches.items():
            if not rows:
                continue
            columns = TABLES[table]
            data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
            name = f"__ds_mon_{table}"
            with self._using:
                self._con.register(name, data)
                try:
                    cols = ", ".join(columns)
                    self._con.execute(
                        f"INSERT INTO {self.schema}.{table} ({cols}) SELECT {cols} FROM {name}")
                finally:
                    self._con.unregister(name)
            written += len(rows)
        with self._lock:
            self._recent = batches
        return written

    def purge(self, now: datetime, history_days: float) -> None:
        """Delete what is older than the retention: history tables after ``history_days``,
        per-minute usage after seven days (charges stay, for chargeback reports)."""
        cutoff = now - timedelta(days=history_days)
        for table, column in _AGE_COLUMN.items():
            self._rows(f"DELETE FROM {self.schema}.{table} WHERE {column} < ?", [cutoff])
        self._rows(f"DELETE FROM {self.schema}.serverless_usage WHERE start_time < ?",
                   [now - timedelta(days=USAGE_RETENTION_DAYS)])

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self._using:
            return self._con.execute(sql, params).fetchall()

    # -- usage limits ---------------------------------------------------------------------
    def limits(self) -> list[StoredLimit]:
        """Every usage limit, oldest first."""
        rows = self._rows(
            "SELECT limit_id, workgroup, usage_type, amount, period, breach_action "
            f"FROM {self.schema}.usage_limits ORDER BY created_at, limit_id", [])
        return [StoredLimit(*row) for row in rows]

    def put_limit(self, limit: StoredLimit, now: datetime) -> None:
        """Create or replace a usage limit."""
        self._rows(
            f"INSERT OR REPLACE INTO {self.schema}.usage_limits VALUES (?, ?, ?, ?, ?, ?, ?)",
            [limit.limit_id, limit.workgroup, limit.usage_type, limit.amount, limit.period,
             limit.breach_action, now])

    def drop_limit(self, limit_id: str) -> bool:
        """Delete a usage limit; whether it existed."""
        return bool(self._rows(
            f"DELETE FROM {self.schema}.usage_limits WHERE limit_id = ? RETURNING limit_id",
            [limit_id]))

    def charges_by_minute(self, workgroup: str, since: datetime) -> list[tuple[datetime, float]]:
        """RPU-seconds charged to a workgroup per minute from ``since`` on (written rows)."""
        return [(m, float(c)) for m, c in self._rows(
            f"SELECT minute, sum(charged_seconds) FROM {self.schema}.usage_charges "
            "WHERE workgroup = ? AND minute >= ? GROUP BY minute", [workgroup, since])]
