"""The [server.limits] table with real clients: each limit is hit, named in a clear error, and
the session (or, after a fatal one, a new session) keeps working."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import psycopg
import pytest
from psycopg import errors

from tests.e2e import rawpg
from tests.e2e.server import ADMIN_PASSWORD, RunningServer, free_port, start

CONFIG = f"""
[server.limits]
max_message_bytes = 4096
max_statement_length = 1000
max_bind_parameters = 10
max_prepared_statements = 3
max_portals = 2
auth_timeout_seconds = {{auth_timeout}}

[[namespace]]
name = "limits"
admin_password = "{ADMIN_PASSWORD}"

[[workgroup]]
name = "limits"
namespace = "limits"
port = {{port}}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    port = free_port()
    srv = start(tmp_path_factory.mktemp("limits") / "data",
                config=CONFIG.format(port=port, auth_timeout=3), ports={"limits": port})
    yield srv
    srv.stop()


def asyncpg_connect(srv: RunningServer, **kwargs: object) -> asyncpg.Connection:
    return asyncpg.connect(host=srv.host, port=srv.port, user=srv.user,
                           password=srv.password, database="dev", ssl=False, **kwargs)


def test_message_size(server: RunningServer) -> None:
    with psycopg.connect(server.dsn) as c:
        with pytest.raises(psycopg.OperationalError) as info:
            c.execute("select '" + "x" * 5000 + "'")
        assert "exceeds the limit of 4096 bytes" in str(info.value)
        assert c.closed  # the frame cannot be skipped: the connection ends, as in PostgreSQL
    with psycopg.connect(server.dsn) as c:
        assert c.execute("select 1").fetchone() == (1,)


@pytest.mark.parametrize("protocol", ["simple", "extended"])
def test_statement_length(server: RunningServer, protocol: str) -> None:
    at_limit = "select '" + "é" * 991 + "'"  # 1000 characters, more bytes
    assert len(at_limit) == 1000
    with psycopg.connect(server.dsn, autocommit=True) as c:
        # ClientCursor sends a Query message; a prepared execution sends Parse.
        cur = psycopg.ClientCursor(c) if protocol == "simple" else c.cursor()
        prepare = protocol == "extended"
        assert cur.execute(at_limit, prepare=prepare).fetchone() == ("é" * 991,)
        with pytest.raises(errors.ProgramLimitExceeded) as info:
            cur.execute(at_limit + " ", prepare=prepare)
        diag = info.value.diag
        assert diag.message_primary == "statement is too long: 1001 characters (the limit is 1000)"
        assert diag.message_hint == "Raise max_statement_length in [server.limits]."
        assert cur.execute("select 2", prepare=prepare).fetchone() == (2,)


def test_bind_parameters(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as c:
        ten = "select " + ", ".join(["%s::int"] * 10)
        assert c.execute(ten, list(range(10))).fetchone() == tuple(range(10))
        with pytest.raises(errors.ProgramLimitExceeded) as info:
            c.execute(ten + ", %s::int", list(range(11)))
        assert info.value.diag.message_primary == "too many parameters: 11 (the limit is 10)"
        assert info.value.diag.message_hint == "Raise max_bind_parameters in [server.limits]."
        assert c.execute("select %s::int", (5,)).fetchone() == (5,)


async def test_prepared_statements(server: RunningServer) -> None:
    conn = await asyncpg_connect(server, statement_cache_size=0)
    try:
        kept = [await conn.prepare(f"select {i}", name=f"s{i}") for i in range(3)]
        with pytest.raises(asyncpg.exceptions.ConfigurationLimitExceededError) as info:
            await conn.prepare("select 3", name="s3")
        assert info.value.message == "too many prepared statements: the limit is 3"
        assert "max_prepared_statements" in (info.value.hint or "")
        # The session goes on: unnamed statements, and the prepared ones, still run.
        assert await conn.fetchval("select $1::int", 7) == 7
        assert [await s.fetchval() for s in kept] == [0, 1, 2]
    finally:
        await conn.close()


async def test_portals(server: RunningServer) -> None:
    conn = await asyncpg_connect(server)
    try:
        with pytest.raises(asyncpg.exceptions.ConfigurationLimitExceededError) as info:
            async with conn.transaction():
                cursors = [await conn.cursor("select 1 union all select 2") for _ in range(2)]
                assert [await c.fetchrow() for c in cursors] == [(1,), (1,)]
                await conn.cursor("select 3")
        assert info.value.message == "too many open portals: the limit is 2"
        assert "max_portals" in (info.value.hint or "")
        async with conn.transaction():  # the failed block was rolled back; new portals open
            cursors = [await conn.cursor("select 4") for _ in range(2)]
            assert [await c.fetchrow() for c in cursors] == [(4,), (4,)]
    finally:
        await conn.close()


def test_portals_outside_a_block_end_at_sync(server: RunningServer) -> None:
    # Outside a transaction block every Sync closes the portals, so a client that binds a
    # named portal per batch never approaches the limit.
    conn = rawpg.connect(server.host, server.port, server.user, server.password, "dev")
    try:
        for i in range(5):
            conn.sock.sendall(
                rawpg.message(b"P", b"\0select 1\0\0\0")
                + rawpg.message(b"B", f"p{i}".encode() + b"\0\0\0\0\0\0\0\0")
                + rawpg.message(b"S")
            )
            kinds = []
            while not kinds or kinds[-1] != b"Z":
                kinds.append(rawpg.read_message(conn.sock)[0])
            assert kinds == [b"1", b"2", b"Z"]
    finally:
        conn.close()


def test_authentication_timeout(server: RunningServer) -> None:
    # A client that connects and never finishes its startup is dropped (auth_timeout 3 s).
    with socket.create_connection((server.host, server.port), timeout=15) as s:
        s.sendall(rawpg.startup_packet({"user": "admin", "database": "dev"})[:6])
        assert s.recv(1) == b""  # closed without a word, as PostgreSQL does
    with psycopg.connect(server.dsn) as c:
        assert c.execute("select 1").fetchone() == (1,)


# -- failed authentication back-off --------------------------------------------------------

BACKOFF_CONFIG = f"""
[server.limits]
auth_failures_before_backoff = 5
auth_backoff_seconds = 1
auth_backoff_max_seconds = 1

[[namespace]]
name = "limits"
admin_password = "{ADMIN_PASSWORD}"

[[workgroup]]
name = "limits"
namespace = "limits"
port = {{port}}
"""


async def login(srv: RunningServer, user: str, password: str) -> asyncpg.PostgresError | None:
    """Log in and out; the error if the server refused."""
    try:
        conn = await asyncpg.connect(host=srv.host, port=srv.port, user=user, password=password,
                                     database="dev", ssl=False)
    except asyncpg.PostgresError as exc:
        return exc
    await conn.close()
    return None


async def sqlstate(attempt: Awaitable[asyncpg.PostgresError | None]) -> str | None:
    error = await attempt
    return None if error is None else error.sqlstate


async def test_backoff_after_failed_logins(fresh_server: Callable[..., RunningServer]) -> None:
    port = free_port()
    srv = fresh_server(config=BACKOFF_CONFIG.format(port=port), ports={"limits": port})
    for _ in range(5):
        assert await sqlstate(login(srv, "admin", "Wrong-pw-1")) == "28P01"
    # Now even the right password is refused, and an unknown user gets the very same answer.
    refused = await login(srv, "admin", ADMIN_PASSWORD)
    unknown = await login(srv, "nobody", "Wrong-pw-1")
    assert refused is not None and unknown is not None
    assert (refused.sqlstate, refused.message) == (
        "28000", "too many failed authentication attempts"
    )
    assert refused.detail == "Authentication from this address is refused for 1 s."
    # Nothing tells whether the user exists.
    assert (unknown.sqlstate, unknown.message, unknown.detail) == (
        refused.sqlstate, refused.message, refused.detail
    )
    # After the back-off the right password works (bounded wait for the 1 s back-off).
    deadline = time.monotonic() + 15
    while (error := await login(srv, "admin", ADMIN_PASSWORD)) is not None:
        assert error.sqlstate == "28000"
        assert time.monotonic() < deadline, "still refused long after the back-off"
        await asyncio.sleep(0.2)
    # The success reset the count: four more failures do not start a back-off.
    for _ in range(4):
        assert await sqlstate(login(srv, "admin", "Wrong-pw-1")) == "28P01"
    assert await login(srv, "admin", ADMIN_PASSWORD) is None


async def test_backoff_refuses_a_login_that_finishes_during_it(
    fresh_server: Callable[..., RunningServer],
) -> None:
    # Guesses sent in parallel all pass the check at the start. A login whose exchange began
    # before five other attempts failed is refused at its end, even with the right password,
    # so a burst of parallel guesses learns no more than five answers.
    port = free_port()
    srv = fresh_server(config=BACKOFF_CONFIG.format(port=port), ports={"limits": port})
    with socket.create_connection((srv.host, srv.port), timeout=15) as s:
        s.sendall(rawpg.startup_packet({"user": "admin", "database": "dev"}))
        assert rawpg.read_message(s)[0] == b"R"  # AuthenticationSASL
        proof = _scram_first(s, ADMIN_PASSWORD)
        for _ in range(5):
            assert await sqlstate(login(srv, "admin", "Wrong-pw-1")) == "28P01"
        s.sendall(rawpg.message(b"p", proof))
        fields = rawpg.read_until_closed_or_error(s)
    assert fields is not None
    assert (fields["C"], fields["M"]) == ("28000", "too many failed authentication attempts")


def _scram_first(sock: socket.socket, password: str) -> bytes:
    """Send SCRAM's client-first-message; return the client-final-message proving ``password``."""
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f"n=,r={nonce}"
    first = b"n,," + first_bare.encode()
    sock.sendall(rawpg.message(b"p", b"SCRAM-SHA-256\0" + struct.pack("!I", len(first)) + first))
    kind, payload = rawpg.read_message(sock)
    assert kind == b"R", rawpg.parse_fields(payload)
    server_first = payload[4:].decode()
    attrs = dict(item.split("=", 1) for item in server_first.split(","))
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"])
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    without_proof = f"c=biws,r={attrs['r']}"
    auth_message = f"{first_bare},{server_first},{without_proof}".encode()
    signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()
