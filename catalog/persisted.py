"""The common shape of the system catalog's stores.

Each store keeps its rows in tables of the system DuckDB database (created on first use) and
serves reads from memory; writes go through one lock, and ``version`` moves on every change so
that callers can memoize decisions and know when they are stale.
"""

from __future__ import annotations

import threading

import duckdb


class Persisted:
    """Base of a store: its connection, its schema, its lock and its version."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str, ddl: str) -> None:
        self._con = con
        self._s = schema
        self._lock = threading.RLock()
        self.version = 0
        con.execute(ddl.format(s=schema))

    def _changed(self) -> None:
        self.version += 1
