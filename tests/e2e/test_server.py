"""Server-level behaviour: config, restarts, generated passwords, auth, cancel, concurrency."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import stat
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from tests.e2e import rawpg
from tests.e2e.server import REPO, RunningServer, free_port, start, wait_for_port

# hours of work: md5 of every number up to 10**12 (no shortcut like count(*) over range)
LONG_QUERY = "select max(md5(x::varchar)) from range(1000000000000) t(x)"


def dsn(srv: RunningServer, port: int | None = None, **kw: str) -> str:
    parts = {
        "host": srv.host,
        "port": str(port or srv.port),
        "user": srv.user,
        "password": srv.password,
        "dbname": srv.database,
        "sslmode": "disable",
        "connect_timeout": "10",
        **kw,
    }
    return " ".join(f"{k}={v}" for k, v in parts.items())


TWO_NAMESPACES = """
[server]
host = "127.0.0.1"

[[namespace]]
name = "ns-one"
admin_user = "alice"
admin_password = "Alice-pw-1"
databases = ["dev", "sales_db"]

[[namespace]]
name = "ns-two"
admin_user = "bob"
admin_password = "Bob-pw-22"
databases = ["analytics"]

[[workgroup]]
name = "wg-one"
namespace = "ns-one"
port = {p1}
base_capacity = 8
max_capacity = 16

[[workgroup]]
name = "wg-two"
namespace = "ns-two"
port = {p2}
base_capacity = 32
max_capacity = 64
"""


def test_two_namespaces_two_workgroups(fresh_server: Callable[..., RunningServer]) -> None:
    p1, p2 = free_port(), free_port()
    srv = fresh_server(
        config=TWO_NAMESPACES.format(p1=p1, p2=p2), ports={"wg-one": p1, "wg-two": p2}
    )
    alice = dsn(srv, p1, user="alice", password="Alice-pw-1", dbname="dev")
    bob = dsn(srv, p2, user="bob", password="Bob-pw-22", dbname="analytics")
    with psycopg.connect(alice, autocommit=True) as c:
        assert c.execute("select current_user").fetchone() == ("alice",)
        c.execute("create table only_in_one (a int)")
        c.execute("insert into only_in_one values (1)")
    with psycopg.connect(dsn(srv, p1, user="alice", password="Alice-pw-1", dbname="sales_db")) as c:
        assert c.execute("select 1").fetchone() == (1,)
    with psycopg.connect(bob, autocommit=True) as c:
        assert c.execute("select current_user").fetchone() == ("bob",)
        with pytest.raises(errors.UndefinedTable):
            c.execute("select * from only_in_one")
    # users of one namespace cannot log in on the other namespace's workgroup
    for wrong in (
        dsn(srv, p2, user="alice", password="Alice-pw-1", dbname="analytics"),
        dsn(srv, p2, user="alice", password="Alice-pw-1", dbname="dev"),
        dsn(srv, p1, user="bob", password="Bob-pw-22", dbname="dev"),
    ):
        with pytest.raises(psycopg.OperationalError) as ei:
            psycopg.connect(wrong)
        # the user does not exist in that namespace: the same answer as an unknown user
        assert "password authentication failed" in str(ei.value)
    # a database of the namespace that does not exist
    with pytest.raises(psycopg.OperationalError) as ei:
        psycopg.connect(dsn(srv, p2, user="bob", password="Bob-pw-22", dbname="nodb"))
    assert "nodb" in str(ei.value)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[[namespace]]\nname = "ns-one"\n', "[[workgroup]]"),
        (
            '[[namespace]]\nname = "ns-one"\n[[workgroup]]\nname = "wg-one"\n'
            'namespace = "ns-one"\nport = 15999\nbase_capacity = 7\n',
            "base_capacity",
        ),
        (
            '[[namespace]]\nname = "ns-one"\n[[workgroup]]\nname = "wg-one"\n'
            'namespace = "nope-ns"\nport = 15999\n',
            "namespace",
        ),
        ('[server]\nbogus = 1\n[[namespace]]\nname = "ns-one"\n', "server.bogus"),
        (
            '[[namespace]]\nname = "ns-one"\nadmin_password = "short"\n[[workgroup]]\n'
            'name = "wg-one"\nnamespace = "ns-one"\nport = 15999\n',
            "admin_password",
        ),
        ("this is = not toml [", "TOML"),
    ],
    ids=["no-workgroup", "capacity", "unknown-namespace", "unknown-key", "password", "syntax"],
)
def test_invalid_config(tmp_path: Path, toml: str, key: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    data = tmp_path / "data"
    proc = subprocess.run(
        [sys.executable, "-m", "proxy", "serve", "--data-dir", str(data), "--config", str(cfg)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DUCKSHIFT_ADMIN_PASSWORD": "Admin-pw-1"},
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert key in lines[0]
    assert "Traceback" not in proc.stderr
    assert not data.exists() or not any(data.iterdir())


def test_restart_keeps_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    srv = start(data)
    try:
        with psycopg.connect(dsn(srv), autocommit=True) as c:
            c.execute("create table kept (a int, s varchar(10))")
            c.execute("insert into kept values (1, 'one'), (2, 'two')")
            c.execute("create schema other_schema")
            c.execute("create table other_schema.t2 as select 5 as x")
    finally:
        assert srv.stop() is not None
    srv = start(data)
    try:
        with psycopg.connect(dsn(srv)) as c:
            assert c.execute("select * from kept order by a").fetchall() == [
                (1, "one"),
                (2, "two"),
            ]
            assert c.execute("select x from other_schema.t2").fetchall() == [(5,)]
    finally:
        srv.stop()


def test_generated_admin_password(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DUCKSHIFT_ADMIN_PASSWORD"}
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "proxy", "serve", "--data-dir", str(data), "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    srv = RunningServer(data, port, proc)
    try:
        wait_for_port(port, proc)
        pw_file = data / "admin-password"
        assert pw_file.is_file()
        assert stat.S_IMODE(pw_file.stat().st_mode) == 0o600
        password = pw_file.read_text().strip()
        assert len(password) >= 8
        with psycopg.connect(dsn(srv, password=password)) as c:
            assert c.execute("select current_user").fetchone() == ("admin",)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(dsn(srv, password="Admin-pw-1"))
    finally:
        srv.stop()
        log.close()


def _auth_error(srv: RunningServer, user: str, password: str) -> dict[str, str]:
    with pytest.raises(PermissionError) as ei:
        rawpg.connect(srv.host, srv.port, user, password, srv.database)
    fields = ei.value.args[0]
    assert isinstance(fields, dict)
    return fields


def test_wrong_password_and_unknown_user_look_alike(server: RunningServer) -> None:
    wrong = _auth_error(server, "admin", "Wrong-pw-1")
    unknown = _auth_error(server, "nobody_here", "Wrong-pw-1")
    assert wrong["C"] == unknown["C"] == "28P01"
    assert wrong["S"] == unknown["S"] == "FATAL"
    assert wrong["M"].replace("admin", "U") == unknown["M"].replace("nobody_here", "U")
    for dsn_ in (dsn(server, password="Wrong-pw-1"), dsn(server, user="nobody_here")):
        with pytest.raises(psycopg.OperationalError) as ei:
            psycopg.connect(dsn_)
        assert "password authentication failed" in str(ei.value)


def _send_cancel(srv: RunningServer, pid: int, secret: int) -> None:
    with socket.create_connection((srv.host, srv.port), timeout=5) as s:
        s.sendall(rawpg.cancel_request(pid, secret))
        s.settimeout(5)
        with contextlib.suppress(ConnectionResetError):
            assert s.recv(1) == b""  # the server closes a cancel connection without a reply


def test_cancel_request_secret(server: RunningServer) -> None:
    conn = rawpg.connect(server.host, server.port, server.user, server.password, server.database)
    try:
        result: list[object] = []

        def run() -> None:
            result.append(conn.simple(LONG_QUERY))

        t = threading.Thread(target=run)
        t.start()
        # let the query start, then cancel with a wrong secret several times: no effect
        t.join(0.5)
        for bad in (conn.secret ^ 1, 0, conn.secret + 12345):
            _send_cancel(server, conn.pid, bad & 0xFFFFFFFF)
        _send_cancel(server, conn.pid + 1, conn.secret)
        t.join(1.5)
        assert t.is_alive(), f"query ended after a wrong cancel: {result}"
        # the right secret cancels it
        _send_cancel(server, conn.pid, conn.secret)
        t.join(30)
        assert not t.is_alive()
        rows, err = result[0]  # type: ignore[misc]
        assert rows == []
        assert err is not None and err["C"] == "57014"
        assert conn.simple("select 1") == ([[b"1"]], None)
    finally:
        if t.is_alive():
            _send_cancel(server, conn.pid, conn.secret)
            t.join(30)
        conn.close()


def test_disconnect_mid_query(server: RunningServer) -> None:
    conn = rawpg.connect(server.host, server.port, server.user, server.password, server.database)
    conn.sock.sendall(rawpg.query(LONG_QUERY))
    # reset the connection (RST instead of FIN) while the query runs
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    threading.Event().wait(0.3)
    conn.sock.close()
    for _ in range(3):
        with psycopg.connect(server.dsn) as c:
            assert c.execute("select count(*) from category").fetchone() == (11,)
    assert server.proc.poll() is None


def test_long_query_does_not_block_others(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as slow:
        failure: list[BaseException] = []

        def run() -> None:
            try:
                slow.execute(LONG_QUERY)
            except BaseException as exc:  # the cancel below
                failure.append(exc)

        t = threading.Thread(target=run)
        t.start()
        try:
            t.join(0.5)
            for _ in range(5):
                with psycopg.connect(server.dsn) as fast:
                    assert fast.execute("select 1").fetchone() == (1,)
                    assert fast.execute("select count(*) from venue").fetchone() == (202,)
            assert t.is_alive(), "the long query should still be running"
        finally:
            slow.cancel()
            t.join(30)
        assert len(failure) == 1 and isinstance(failure[0], errors.QueryCanceled)
        assert slow.execute("select 2").fetchone() == (2,)


def test_huge_parse_does_not_block_others(server: RunningServer) -> None:
    # A Parse of 8,000 parameters takes seconds to translate; meanwhile another connection's
    # statement is answered (translation runs off the event loop).
    sql = "select " + ", ".join(f"${i}::int4" for i in range(1, 8001))
    huge = rawpg.connect(server.host, server.port, server.user, server.password, "dev",
                         timeout=300)
    other = rawpg.connect(server.host, server.port, server.user, server.password, "dev")
    try:
        huge.sock.sendall(rawpg.message(b"P", b"\0" + sql.encode() + b"\0\0\0")
                          + rawpg.message(b"S"))
        threading.Event().wait(0.5)  # the server reads the Parse and starts translating it
        assert other.simple("select 1") == ([[b"1"]], None)
        readable, _, _ = select.select([huge.sock], [], [], 0)
        assert not readable, "the huge Parse was answered first: it held the event loop"
        assert [rawpg.read_message(huge.sock)[0] for _ in range(2)] == [b"1", b"Z"]
    finally:
        huge.close()
        other.close()


def test_many_concurrent_connections(server: RunningServer) -> None:
    def work(i: int) -> int:
        with psycopg.connect(server.dsn) as c:
            row = c.execute("select count(*) from sales where sellerid %% 20 = %s", (i,)).fetchone()
            assert row is not None
            return int(row[0])

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(work, range(20)))
    assert sum(results) == 172_456


def test_many_connections_held_open(server: RunningServer) -> None:
    conns = [psycopg.connect(server.dsn, autocommit=True) for _ in range(25)]
    try:
        pids = {c.info.backend_pid for c in conns}
        assert len(pids) == 25
        for i, c in enumerate(conns):
            assert c.execute("select %s::int4 * 2", (i,)).fetchone() == (i * 2,)
    finally:
        for c in conns:
            c.close()
