"""The WLM store's one DuckDB connection, used from two threads at once as the server does:
flushes on the engine's executor, usage limits on the event loop."""

from __future__ import annotations

import threading
from datetime import datetime

import duckdb

from catalog.monitoring import MonitoringStore, StoredLimit
from catalog.store import SYSTEM_ALIAS, SYSTEM_SCHEMA

ROW = (datetime(2026, 1, 1), 1, 2, 3, "limit", "SERVERLESS_COMPUTE", "wg", "ns")


def test_limits_written_while_flushes_run() -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH ':memory:' AS {SYSTEM_ALIAS}")
    store = MonitoringStore(con.cursor(), SYSTEM_SCHEMA)
    done = threading.Event()
    failures: list[BaseException] = []
    flushed = 0

    def flusher() -> None:
        nonlocal flushed
        try:
            while not done.is_set():
                for _ in range(200):
                    store.append("usage_control", ROW)
                flushed += store.flush()
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    thread = threading.Thread(target=flusher, daemon=True)
    thread.start()
    try:
        for i in range(300):
            store.put_limit(StoredLimit(f"id{i % 7}", "wg", "serverless-compute", i,
                                        "daily", "log"), datetime(2026, 1, 1))
            assert len(store.limits()) == min(i + 1, 7)
        assert store.drop_limit("id0") and not store.drop_limit("id0")
    finally:
        done.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "a flush hung"
    assert not failures, failures
    (written,) = con.execute(
        f"SELECT count(*) FROM {SYSTEM_SCHEMA}.usage_control").fetchone() or (0,)
    assert written == flushed > 0
