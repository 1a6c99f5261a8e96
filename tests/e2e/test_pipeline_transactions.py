"""The extended protocol's implicit transaction: everything up to a Sync commits or rolls back
together, as on PostgreSQL (asyncpg's executemany and pipelines rely on it)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import asyncpg
import psycopg
import pytest

from tests.e2e import rawpg
from tests.e2e.server import RunningServer


@pytest.fixture
def raw(server: RunningServer) -> Iterator[rawpg.RawConn]:
    c = rawpg.connect(server.host, server.port, server.user, server.password, server.database)
    try:
        yield c
    finally:
        c.close()


def statement(sql: str) -> bytes:
    """Parse, Bind and Execute of the unnamed statement, without a Sync."""
    return (
        rawpg.message(b"P", b"\0" + sql.encode() + b"\0\0\0")
        + rawpg.message(b"B", b"\0\0" + b"\0\0" * 3)
        + rawpg.message(b"E", b"\0" + b"\0" * 4)
    )


def until_ready(c: rawpg.RawConn, notices: list[str] | None = None) -> tuple[list[str], str]:
    """The SQLSTATEs of the errors before ReadyForQuery, and its transaction status; the
    notices' SQLSTATEs and texts go to ``notices``."""
    errors: list[str] = []
    while True:
        kind, payload = rawpg.read_message(c.sock)
        if kind == b"E":
            errors.append(rawpg.parse_fields(payload)["C"])
        elif kind == b"N" and notices is not None:
            fields = rawpg.parse_fields(payload)
            notices.append(f"{fields['C']} {fields['M']}")
        elif kind == b"Z":
            return errors, payload.decode()


def ids(c: rawpg.RawConn, table: str) -> list[int]:
    rows, error = c.simple(f"select id from {table} order by id")
    assert error is None, error
    return [int(r[0]) for r in rows]  # type: ignore[arg-type]


async def test_executemany_is_all_or_nothing(apg: asyncpg.Connection) -> None:
    await apg.execute("create table pipe_many (id int, v varchar(3))")
    with pytest.raises(asyncpg.StringDataRightTruncationError):
        await apg.executemany("insert into pipe_many values ($1, $2)",
                               [(1, "a"), (2, "bb"), (3, "toolong"), (4, "d")])
    assert await apg.fetch("select id from pipe_many") == []
    assert not apg.is_in_transaction()
    await apg.executemany("insert into pipe_many values ($1, $2)", [(10, "x"), (11, "y")])
    assert [r["id"] for r in await apg.fetch("select id from pipe_many order by id")] == [10, 11]
    async with apg.transaction():
        await apg.executemany("insert into pipe_many values ($1, $2)", [(12, "z")])
        assert apg.is_in_transaction()
    assert await apg.fetchval("select count(*) from pipe_many") == 3
    # A lone statement still commits on its own.
    await apg.execute("insert into pipe_many values ($1, $2)", 13, "w")
    assert await apg.fetchval("select count(*) from pipe_many") == 4


def test_error_rolls_back_the_statements_before_sync(raw: rawpg.RawConn) -> None:
    raw.simple("create table pipe_err (id int primary key)")
    raw.sock.sendall(statement("insert into pipe_err values (1)")
                     + statement("insert into pipe_err values (2)")
                     + statement("insert into pipe_err values (1/0)")
                     + statement("insert into pipe_err values (3)")
                     + rawpg.message(b"S"))
    assert until_ready(raw) == (["22012"], "I")
    assert ids(raw, "pipe_err") == []
    raw.sock.sendall(statement("insert into pipe_err values (4)")
                     + statement("insert into pipe_err values (5)") + rawpg.message(b"S"))
    assert until_ready(raw) == ([], "I")
    assert ids(raw, "pipe_err") == [4, 5]


def test_sync_arriving_later_still_commits(server: RunningServer, raw: rawpg.RawConn) -> None:
    raw.simple("create table pipe_late (id int)")
    # Execute and Flush without a Sync: the server cannot tell that nothing follows, so it
    # opens the implicit transaction, and the Sync that comes later commits it.
    raw.sock.sendall(statement("insert into pipe_late values (1)") + rawpg.message(b"H"))
    while rawpg.read_message(raw.sock)[0] != b"C":
        pass
    raw.sock.sendall(rawpg.message(b"S"))
    assert until_ready(raw) == ([], "I")
    other = rawpg.connect(server.host, server.port, server.user, server.password,
                          server.database)
    try:
        assert ids(other, "pipe_late") == [1]
    finally:
        other.close()


def test_begin_makes_the_implicit_transaction_a_block(raw: rawpg.RawConn) -> None:
    raw.simple("create table pipe_begin (id int)")
    raw.sock.sendall(statement("insert into pipe_begin values (1)") + statement("begin")
                     + statement("insert into pipe_begin values (2)") + rawpg.message(b"S"))
    # No "already a transaction in progress" warning, and the block is still open.
    assert until_ready(raw) == ([], "T")
    _rows, error = raw.simple("rollback")
    assert error is None
    assert ids(raw, "pipe_begin") == []


def test_commit_inside_the_pipeline(raw: rawpg.RawConn) -> None:
    raw.simple("create table pipe_commit (id int)")
    raw.sock.sendall(statement("insert into pipe_commit values (1)") + statement("commit")
                     + statement("insert into pipe_commit values (1/0)") + rawpg.message(b"S"))
    # The COMMIT ended the first implicit transaction (warning that no BEGIN opened it);
    # the failure after it undoes only what came after.
    notices: list[str] = []
    assert until_ready(raw, notices) == (["22012"], "I")
    assert notices == ["25P01 there is no transaction in progress"]
    assert ids(raw, "pipe_commit") == [1]
    raw.sock.sendall(statement("insert into pipe_commit values (2)") + statement("rollback")
                     + rawpg.message(b"S"))
    assert until_ready(raw) == ([], "I")
    assert ids(raw, "pipe_commit") == [1]


@pytest.mark.parametrize("sql", ["create database pipe_db", "vacuum"])
def test_statements_that_cannot_be_undone(raw: rawpg.RawConn, sql: str) -> None:
    raw.simple("create table if not exists pipe_undo (id int)")
    raw.sock.sendall(statement("insert into pipe_undo values (1)") + statement(sql)
                     + rawpg.message(b"S"))
    assert until_ready(raw) == (["25001"], "I")
    assert ids(raw, "pipe_undo") == []
    # Alone (its own Sync), it runs.
    raw.sock.sendall(statement(sql) + rawpg.message(b"S"))
    assert until_ready(raw) == ([], "I")


def test_psycopg_pipeline(server: RunningServer) -> None:
    with psycopg.connect(host=server.host, port=server.port, user=server.user,
                         password=server.password, dbname=server.database,
                         sslmode="disable", autocommit=True) as c:
        c.execute("create table pipe_psy (id int)")
        with pytest.raises(psycopg.errors.DivisionByZero), c.pipeline():
            c.execute("insert into pipe_psy values (1)")
            c.execute("insert into pipe_psy values (2)")
            c.execute("insert into pipe_psy values (1/0)")
        assert c.execute("select count(*) from pipe_psy").fetchone() == (0,)
        with c.pipeline():
            c.execute("insert into pipe_psy values (%s)", (3,))
            c.execute("insert into pipe_psy values (%s)", (4,))
        assert c.execute("select count(*) from pipe_psy").fetchone() == (2,)
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_reads_before_a_write_are_not_held(raw: rawpg.RawConn) -> None:
    raw.simple("create table pipe_read (id int)")
    raw.sock.sendall(statement("select 1") + statement("insert into pipe_read values (1)")
                     + statement("select count(*) from pipe_read") + rawpg.message(b"S"))
    rows = []
    while True:
        kind, payload = rawpg.read_message(raw.sock)
        if kind == b"D":
            (length,) = struct.unpack("!i", payload[2:6])
            rows.append(payload[6:6 + length].decode())
        elif kind == b"Z":
            assert payload == b"I"
            break
    # The statement after the write sees it (same transaction).
    assert rows == ["1", "1"]
    assert ids(raw, "pipe_read") == [1]


def test_a_decimal_product_past_18_digits_in_the_implicit_transaction(raw: rawpg.RawConn) -> None:
    # DuckDB's BIGINT product of DECIMAL(15,2) values fails past 18 digits, and a statement
    # inside a transaction cannot run again: DuckDB's statistics of the columns choose the
    # wide form up front, so the write answers Redshift's value.
    raw.simple("create table pipe_products (k int, p decimal(15,2), q decimal(15,2))")
    raw.simple("insert into pipe_products values (1, 9999999999999.99, 9999999999999.99)")
    raw.simple("create table pipe_product_sums (k int, s decimal(38,4))")
    raw.sock.sendall(statement("insert into pipe_product_sums select k, sum(p * q) "
                               "from pipe_products where p * q > 0 group by k")
                     + statement("insert into pipe_product_sums values (2, 0)")
                     + rawpg.message(b"S"))
    assert until_ready(raw) == ([], "I")
    rows, error = raw.simple("select k, s from pipe_product_sums order by k")
    assert error is None, error
    assert rows == [[b"1", b"99999999999999800000000000.0001"], [b"2", b"0.0000"]]
