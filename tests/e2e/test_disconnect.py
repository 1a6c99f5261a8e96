"""A client that leaves or cancels mid-statement, running or queued: the statement stops, its
slot and its transaction are freed."""

from __future__ import annotations

import socket
import struct
import threading
import time
import urllib.request
from collections.abc import Callable

import psycopg
from psycopg import errors

from tests.e2e import rawpg
from tests.e2e.server import ADMIN_PASSWORD, RunningServer, free_port

LONG_QUERY = "select max(md5(x::varchar)) from range(1000000000000) t(x)"
# Ample for a statement that runs as soon as a slot is free, on a loaded machine.
PROMPTLY_S = 60


def _one_slot_server(fresh_server: Callable[..., RunningServer]) -> tuple[RunningServer, int]:
    port, metrics = free_port(), free_port()
    config = f"""
[server.wlm]
metrics_port = {metrics}
[[namespace]]
name = "gone"
admin_password = "{ADMIN_PASSWORD}"
[[workgroup]]
name = "gone-wg"
namespace = "gone"
port = {port}
base_capacity = 8
max_capacity = 8
"""
    return fresh_server(config=config, ports={"gone-wg": port}), metrics


def _wait_for_gauge(metrics: int, name: str, value: int) -> None:
    """Wait until the workgroup's pool gauge shows ``value`` (watched from outside: any
    statement would queue behind the one slot)."""
    line = f'duckshift_{name}{{workgroup="gone-wg"}} {float(value)}'
    deadline = time.monotonic() + PROMPTLY_S
    while line not in urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics").read().decode():
        assert time.monotonic() < deadline, f"{name} never reached {value}"
        time.sleep(0.05)


def _raw(srv: RunningServer) -> rawpg.RawConn:
    return rawpg.connect(srv.host, srv.port, srv.user, srv.password, srv.database)


def _reset(sock: socket.socket) -> None:
    """Close with a reset (RST), as a killed process with unread data does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _in_thread(fn: Callable[[], object]) -> object:
    """``fn()`` on a thread; fails (instead of hanging the test) if it does not end promptly."""
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    thread.join(PROMPTLY_S)
    assert not thread.is_alive(), "still waiting: the slot was not freed"
    assert out, "the statement failed (see the traceback above)"
    return out[0]


def test_disconnect_frees_the_slot_and_the_transaction(
        fresh_server: Callable[..., RunningServer]) -> None:
    srv, metrics = _one_slot_server(fresh_server)
    with psycopg.connect(srv.dsn, autocommit=True) as setup:
        setup.execute("create table gone_t (x int)")
        setup.execute("insert into gone_t values (1)")
    # A changes the row in a transaction, then runs a long statement the way drivers send it
    # (Parse/Bind/Execute/Sync at once), so its Sync is still unread when it dies.
    running = _raw(srv)
    for sql in ("begin", "update gone_t set x = 2"):
        assert running.simple(sql)[1] is None
    running.sock.sendall(rawpg.extended_query(f"{LONG_QUERY} /* gone-running */"))
    _wait_for_gauge(metrics, "running_queries", 1)
    # B waits for the one slot behind it.
    queued = _raw(srv)
    queued.sock.sendall(rawpg.query(f"{LONG_QUERY} /* gone-queued */"))
    _wait_for_gauge(metrics, "queue_length", 1)
    # A's end is a FIN behind its unread Sync, B's a reset.
    running.sock.shutdown(socket.SHUT_WR)
    _reset(queued.sock)

    def another_session() -> object:
        with psycopg.connect(srv.dsn, autocommit=True) as conn:
            # A's transaction was rolled back: its row lock is gone and its change undone.
            while True:
                try:
                    conn.execute("update gone_t set x = x + 10")
                    break
                except errors.SerializationFailure:
                    time.sleep(0.1)
            return (
                conn.execute("select x from gone_t").fetchall(),
                conn.execute(
                    "select query_text, status, error_message from sys_query_history "
                    "where query_text like 'select max(md5%' order by query_id").fetchall(),
            )

    rows, records = _in_thread(another_session)  # type: ignore[misc]
    assert rows == [(11,)]
    lost = "canceling statement because the connection to the client was lost"
    assert [(text.split("/* ")[1], status, msg) for text, status, msg in records] == [
        ("gone-running */", "canceled", lost),
        ("gone-queued */", "canceled", lost),
    ]
    _wait_for_gauge(metrics, "running_queries", 0)
    _wait_for_gauge(metrics, "queue_length", 0)
    running.sock.close()


def test_statements_sent_before_a_terminate_still_run(
        fresh_server: Callable[..., RunningServer]) -> None:
    srv, _ = _one_slot_server(fresh_server)
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("create table gone_bye (x int)")
        # A client that sends its statement and says goodbye without waiting for the answer.
        polite = _raw(srv)
        polite.sock.sendall(rawpg.query("insert into gone_bye select 7 from range(3000000) "
                                        "where md5(range::varchar) = ''") + rawpg.message(b"X"))
        polite.sock.close()
        deadline = time.monotonic() + PROMPTLY_S
        while conn.execute(
                "select count(*) from sys_query_history where query_text like "
                "'insert into gone_bye%' and status <> 'running'").fetchone() != (1,):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert conn.execute(
            "select status from sys_query_history where query_text like 'insert into gone_bye%'"
        ).fetchone() == ("success",)


def test_cancel_request_ends_the_wait_for_a_slot(
        fresh_server: Callable[..., RunningServer]) -> None:
    srv, metrics = _one_slot_server(fresh_server)
    with psycopg.connect(srv.dsn, autocommit=True) as blocker, \
            psycopg.connect(srv.dsn, autocommit=True) as waiter:
        failures: list[BaseException] = []

        def run(conn: psycopg.Connection[tuple[object, ...]], sql: str) -> None:
            try:
                conn.execute(sql)
            except psycopg.Error as exc:
                failures.append(exc)

        blocking = threading.Thread(target=run, args=(blocker, LONG_QUERY))
        waiting = threading.Thread(target=run, args=(waiter, "select 42 /* waits */"))
        blocking.start()
        try:
            _wait_for_gauge(metrics, "running_queries", 1)
            waiting.start()
            _wait_for_gauge(metrics, "queue_length", 1)
            waiter.cancel()
            waiting.join(PROMPTLY_S)
            assert not waiting.is_alive(), "the cancelled statement still waits for the slot"
        finally:
            # The slot freed, whatever happened above: no thread is left holding a connection.
            blocker.cancel()
            blocking.join(PROMPTLY_S)
            if waiting.is_alive():
                waiting.join(PROMPTLY_S)
        assert [type(f) for f in failures] == [errors.QueryCanceled, errors.QueryCanceled]
        assert "canceling statement due to user request" in str(failures[0])
        _wait_for_gauge(metrics, "queue_length", 0)
        assert waiter.execute("select 1").fetchone() == (1,)
