"""The per-statement record, kept cheaply: appended in memory, written in batches.

Every statement gets a query id (unique across restarts) and leaves a ``QueryRecord``. Records
are buffered and written to the system database by ``flush()``, which the server calls from a
worker thread on a timer and at shutdown, so no statement waits on a catalog write or an fsync.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import duckdb
import pyarrow as pa

from catalog.model import QueryRecord

COLUMNS = [
    "query_id", "session_pid", "transaction_id", "namespace_guid", "database", "user_name",
    "workgroup", "statement_type", "query_text", "start_time", "end_time", "queue_us",
    "execution_us", "rows_returned", "bytes_returned", "status", "error_code", "error_message",
    "user_id", "query_group", "service_class", "service_class_name", "cpu_time_us",
    "blocks_read", "temp_blocks", "scan_rows", "join_rows", "nl_join_rows", "cpu_skew",
    "io_skew", "compute_rpu_seconds", "consumer_namespace", "producer_namespace", "usage_limit",
    "short_query_accelerated",
]


class QueryLog:
    """Query ids and the buffered history writer."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        self._con = con
        self.schema = schema
        (last,) = con.execute(
            f"SELECT coalesce(max(query_id), 0) FROM {schema}.query_history"
        ).fetchone() or (0,)
        self._ids = itertools.count(int(last) + 1)
        self._pending: list[QueryRecord] = []
        # The last batch written: system views read it from memory too, since a view's
        # snapshot may predate its insert.
        self._recent: list[QueryRecord] = []
        self._lock = threading.Lock()
        # Held while ``_con`` writes: the server's last flush at shutdown may meet one still
        # running on the executor, and a DuckDB connection must not run two statements at once.
        self._writing = threading.Lock()
        # Fills what records leave to be computed later (their profile columns) before they are
        # written; set by whoever computes it (workload management, which also calls it before
        # it shows unwritten records).
        self.complete: Callable[[list[QueryRecord]], None] | None = None

    def next_id(self) -> int:
        """A new query id (itertools.count is atomic under the GIL)."""
        return next(self._ids)

    def append(self, record: QueryRecord) -> None:
        """Queue a finished statement's record for the next flush."""
        with self._lock:
            self._pending.append(record)

    def unwritten(self) -> list[QueryRecord]:
        """Records queued or written by the last flush (views dedupe them by query id)."""
        with self._lock:
            return [*self._recent, *self._pending]

    def flush(self) -> int:
        """Write queued records in one insert; returns how many were written."""
        with self._lock:
            batch, self._pending = self._pending, []
            # Until the insert commits, the batch is in neither place: keep it in view.
            self._recent = [*self._recent, *batch]
        if not batch:
            return 0
        if self.complete is not None:
            self.complete(batch)
        table = pa.table({c: [getattr(r, c) for r in batch] for c in COLUMNS})
        cols = ", ".join(COLUMNS)
        with self._writing:
            self._con.register("__ds_qlog_batch", table)
            try:
                self._con.execute(
                    f"INSERT INTO {self.schema}.query_history ({cols}) "
                    f"SELECT {cols} FROM __ds_qlog_batch"
                )
            finally:
                self._con.unregister("__ds_qlog_batch")
        with self._lock:
            self._recent = batch
        return len(batch)
