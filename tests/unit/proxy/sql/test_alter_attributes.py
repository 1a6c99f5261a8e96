"""ALTER TABLE's DISTKEY/DISTSTYLE/SORTKEY/ENCODE forms: checked, and kept in the table
metadata CREATE TABLE writes (run on DuckDB with a database attached as the session's)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog.errors import FeatureNotSupported
from engine import table_metadata
from proxy.sql.pipeline import StatementCache
from tests.unit.session_database import ALIAS, CTX, run, session_database


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = session_database()
    run(con, "create table t (a int, b varchar(5) encode zstd, c int) distkey(a) sortkey(b)")
    run(con, "create table plain (a int, b int)")
    run(con, "create table other.o (x int, y int)")
    yield con
    con.close()


def table_row(con: duckdb.DuckDBPyConnection, name: str) -> tuple[object, ...] | None:
    return con.execute(
        "SELECT schema_name, diststyle, distkey, sortkey_type, sortkey FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.TABLE_ATTRIBUTES)} "
        "WHERE table_name = ?", [name]).fetchone()


def encodings(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, object]:
    return dict(con.execute(
        "SELECT column_name, encoding FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.COLUMN_ATTRIBUTES)} "
        "WHERE table_name = ?", [name]).fetchall())


@pytest.mark.parametrize(("sql", "row"), [
    ("alter table t alter distkey c", ("public", "KEY", "c", "COMPOUND", ["b"])),
    ("alter table t alter diststyle key distkey C", ("public", "KEY", "c", "COMPOUND", ["b"])),
    ("alter table t alter diststyle all", ("public", "ALL", None, "COMPOUND", ["b"])),
    ("alter table t alter diststyle even", ("public", "EVEN", None, "COMPOUND", ["b"])),
    ("alter table t alter diststyle auto", ("public", "AUTO", None, "COMPOUND", ["b"])),
    ("alter table t alter compound sortkey (c, a)", ("public", "KEY", "a", "COMPOUND", ["c", "a"])),
    ("alter table t alter sortkey (c)", ("public", "KEY", "a", "COMPOUND", ["c"])),
    ("alter table t alter sortkey auto", ("public", "KEY", "a", "AUTO", [])),
    ("alter table t alter sortkey none", ("public", "KEY", "a", None, [])),
])
def test_table_attributes_change(con: duckdb.DuckDBPyConnection, sql: str,
                                 row: tuple[object, ...]) -> None:
    run(con, sql)
    assert table_row(con, "t") == row


def test_a_table_without_attributes_gets_a_row(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "alter table plain alter distkey b")
    run(con, "alter table other.o alter sortkey (y, x)")
    assert table_row(con, "plain") == ("public", "KEY", "b", None, [])
    assert table_row(con, "o") == ("other", None, None, "COMPOUND", ["y", "x"])


def test_column_encodings_change(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "alter table t alter column b encode az64, alter column c encode lzo")
    assert encodings(con, "t") == {"b": "az64", "c": "lzo"}
    run(con, "alter table t alter encode auto")
    assert encodings(con, "t") == {"b": "az64", "c": "lzo"}


@pytest.mark.parametrize("sql", [
    "alter table t alter distkey nope",
    "alter table t alter sortkey (a, nope)",
    "alter table t alter column nope encode zstd",
])
def test_a_missing_column_is_refused(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match='column "nope" of relation "t"'):
        run(con, sql)
    assert table_row(con, "t") == ("public", "KEY", "a", "COMPOUND", ["b"])


@pytest.mark.parametrize("sql", [
    "alter table nope alter distkey a", "alter table nope alter encode auto",
])
def test_a_missing_table_is_refused(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    with pytest.raises(duckdb.CatalogException, match="nope"):
        run(con, sql)


def test_a_temporary_table_is_checked_and_keeps_nothing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    run(con, "create temp table tt (a int)")
    run(con, "alter table tt alter distkey a")
    assert table_row(con, "tt") is None
    with pytest.raises(duckdb.InvalidInputException):
        run(con, "alter table tt alter distkey b")


def test_the_statement_is_tagged_alter_table() -> None:
    assert StatementCache().get("alter table t alter encode auto", CTX)[0].tag == "ALTER TABLE"


def test_with_other_actions_is_refused() -> None:
    with pytest.raises(FeatureNotSupported):
        StatementCache().get("alter table t alter distkey a, rename to u", CTX)
