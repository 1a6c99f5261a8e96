"""The record of scaling decisions: one row per decision of a workgroup's scaler, with its
inputs and reason (the raw material of SYS_SERVERLESS_SCALING).

Rows are kept in the system database's ``serverless_scaling`` table. The scaling loop writes
them from a worker thread; decisions come every few seconds at most, so each is one insert.
``recent`` reads a workgroup's history back (for tests and reports).
"""

from __future__ import annotations

import threading
from dataclasses import astuple, dataclass
from datetime import datetime

import duckdb

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.serverless_scaling (
    event_time TIMESTAMP NOT NULL, workgroup VARCHAR NOT NULL, namespace_guid VARCHAR NOT NULL,
    from_capacity INTEGER NOT NULL, to_capacity INTEGER NOT NULL, target_level INTEGER,
    forecast_work DOUBLE, forecast_queries DOUBLE, running INTEGER, queued INTEGER,
    queued_work DOUBLE, reason VARCHAR NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class ScalingEvent:
    """One decision: when, which workgroup, the capacity before and after (equal for a hold),
    the price-performance level, the forecast it used (slot-seconds per second and statements
    per minute over the next minute), the pool it saw and why."""

    event_time: datetime
    workgroup: str
    namespace_guid: str
    from_capacity: int
    to_capacity: int
    target_level: int | None
    forecast_work: float
    forecast_queries: float
    running: int
    queued: int
    queued_work: float
    reason: str


class ScalingLog:
    """Writer and reader of ``serverless_scaling``; thread-safe."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        self._con = con
        self.schema = schema
        self._lock = threading.Lock()
        con.execute(_SCHEMA.format(s=schema))

    def append(self, event: ScalingEvent) -> None:
        """Record one decision."""
        with self._lock:
            self._con.execute(
                f"INSERT INTO {self.schema}.serverless_scaling VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(astuple(event)))

    def recent(self, workgroup: str, limit: int = 100) -> list[ScalingEvent]:
        """A workgroup's last decisions, oldest first."""
        with self._lock:
            rows = self._con.execute(
                f"SELECT * FROM (SELECT * FROM {self.schema}.serverless_scaling "
                "WHERE workgroup = ? ORDER BY event_time DESC LIMIT ?) ORDER BY event_time",
                [workgroup, limit]).fetchall()
        return [ScalingEvent(*row) for row in rows]
