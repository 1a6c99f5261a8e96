"""The sessions open now: pg_backend_pid(), STV_SESSIONS, pg_stat_activity and pg_cursors.

On the shared demo server (namespace default, and the consumer namespace on its own port):
a session's pid is its BackendKeyData pid; a superuser sees every session of its namespace,
another user only its own, and no one sees another namespace's; a session running a statement
shows it in pg_stat_activity, an idle one shows ``<IDLE>``; pg_cursors lists the cursors the
session itself has open.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from tests.e2e.server import RunningServer

LONG_QUERY = "select max(md5((a.salesid::int8 * b.salesid)::varchar)) from sales a, sales b"


def _dsn(server: RunningServer, user: str, password: str, port: int | None = None) -> str:
    return (f"host={server.host} port={port or server.port} user={user} "
            f"password={password} dbname=dev sslmode=disable")


@pytest.fixture(scope="module")
def viewer(server: RunningServer) -> Iterator[str]:
    """A user who is not a superuser (its password)."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("CREATE USER session_viewer PASSWORD 'Viewer-pw-1'")
    yield "Viewer-pw-1"
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("DROP USER session_viewer")


def test_backend_pid_is_the_sessions(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as a, \
            psycopg.connect(server.dsn, autocommit=True) as b:
        assert a.execute("SELECT pg_backend_pid()").fetchone() == (a.info.backend_pid,)
        assert b.execute("SELECT pg_catalog.pg_backend_pid()").fetchone() == (
            b.info.backend_pid,)
        cur = a.execute("SELECT pg_backend_pid()")
        assert cur.description is not None and cur.description[0].name == "pg_backend_pid"


def test_stv_sessions_by_who_asks(server: RunningServer, viewer: str) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as admin, \
            psycopg.connect(_dsn(server, "session_viewer", viewer), autocommit=True) as user, \
            psycopg.connect(_dsn(server, "admin", server.password, server.ports["consumer"]),
                            autocommit=True) as elsewhere:
        rows = admin.execute(
            "SELECT process, user_name, db_name, timeout_sec, starttime IS NOT NULL "
            "FROM stv_sessions").fetchall()
        mine = {r[0]: r for r in rows}
        assert mine[admin.info.backend_pid] == (admin.info.backend_pid, "admin", "dev", 0, True)
        assert mine[user.info.backend_pid][1] == "session_viewer"
        assert elsewhere.info.backend_pid not in mine
        own = user.execute("SELECT process, user_name FROM stv_sessions").fetchall()
        assert own == [(user.info.backend_pid, "session_viewer")]
        theirs = elsewhere.execute("SELECT process FROM stv_sessions").fetchall()
        assert admin.info.backend_pid not in {r[0] for r in theirs}


def test_pg_stat_activity_shows_what_runs(server: RunningServer, viewer: str) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as watcher, \
            psycopg.connect(server.dsn, autocommit=True) as busy, \
            psycopg.connect(_dsn(server, "session_viewer", viewer), autocommit=True) as idle:
        failure: list[BaseException] = []

        def run() -> None:
            try:
                busy.execute(LONG_QUERY)
            except psycopg.errors.QueryCanceled:
                pass
            except BaseException as exc:  # reported by the test thread
                failure.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        try:
            state = None
            for _ in range(100):
                state = watcher.execute(
                    "SELECT state, current_query, query, query_start IS NOT NULL, usename, "
                    "datname FROM pg_stat_activity WHERE procpid = %s",
                    [busy.info.backend_pid]).fetchone()
                if state is not None and state[0] == "active":
                    break
                threading.Event().wait(0.05)
            assert state == ("active", LONG_QUERY, LONG_QUERY, True, "admin", "dev")
            assert watcher.execute(
                "SELECT state, current_query, query FROM pg_stat_activity WHERE pid = %s",
                [idle.info.backend_pid]).fetchone() == ("idle", "<IDLE>", None)
            # A user who is not a superuser sees its own session only.
            assert idle.execute("SELECT pid, usename FROM pg_stat_activity").fetchall() == [
                (idle.info.backend_pid, "session_viewer")]
        finally:
            busy.cancel()
            thread.join(30)
        assert not failure


def test_pg_cursors_lists_the_sessions_open_cursors(server: RunningServer) -> None:
    sql = "select name, statement, is_holdable, is_binary, is_scrollable from pg_cursors"
    with psycopg.connect(server.dsn, autocommit=True) as conn, \
            psycopg.connect(server.dsn, autocommit=True) as other:
        assert conn.execute(sql).fetchall() == []
        conn.execute("BEGIN")
        conn.execute("DECLARE c1 CURSOR FOR SELECT 1 UNION ALL SELECT 2")
        assert conn.execute(sql).fetchall() == [
            ("c1", "DECLARE c1 CURSOR FOR SELECT 1 UNION ALL SELECT 2", False, False, False)]
        assert conn.execute("FETCH 1 FROM c1").fetchall() == [(1,)]
        assert other.execute(sql).fetchall() == []  # another session's cursors never show
        # Redshift keeps one cursor open per session.
        with pytest.raises(psycopg.errors.InvalidCursorState) as info:
            conn.execute("DECLARE c2 CURSOR FOR SELECT 3")
        assert info.value.diag.message_primary == (
            "opening multiple cursors from within the same client connection is not allowed.")
        conn.execute("ROLLBACK")
        assert conn.execute(sql).fetchall() == []
        conn.execute("BEGIN")
        conn.execute("DECLARE c2 CURSOR WITH HOLD FOR SELECT 3")
        assert conn.execute(sql).fetchall() == [
            ("c2", "DECLARE c2 CURSOR WITH HOLD FOR SELECT 3", True, False, False)]
        conn.execute("COMMIT")  # c2 is held
        assert conn.execute("select name from pg_cursors").fetchall() == [("c2",)]
        conn.execute("CLOSE c2")
        assert conn.execute(sql).fetchall() == []
