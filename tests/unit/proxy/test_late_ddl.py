"""DDL made from the catalog when it runs: LIKE copies, ALTER COLUMN TYPE rebuilds (on DuckDB
with a database attached as a session's, search path and all)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog.directory import read_char_columns
from catalog.errors import DuplicateColumn, FeatureNotSupported, UndefinedTable
from engine import macros, table_metadata
from proxy.late_ddl import (
    add_column_sql,
    create_as_char_sql,
    create_like_sql,
    find_table,
    rebuild_with_varchar,
)
from proxy.sql.late import AddColumn, AlterVarchar, CreateAsChar, CreateLike, Place
from proxy.sql.pipeline import StatementCache
from tests.unit.session_database import ALIAS, CTX, session_database


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = session_database("public, other")
    yield con
    con.close()


def run(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    text = stmt.duck_sql
    if isinstance(stmt.late, CreateLike):
        text = create_like_sql(con, stmt.late)
    elif isinstance(stmt.late, AlterVarchar):
        rebuild_with_varchar(con, stmt.late)
        text = "COMMIT"
    elif isinstance(stmt.late, CreateAsChar):
        text = create_as_char_sql(con, stmt.late, text)
    elif isinstance(stmt.late, AddColumn):
        text = add_column_sql(con, stmt.late, text, in_block=False)
    result = con.execute(text)
    return result.fetchall() if result.description else []


def test_find_table_follows_temp_then_search_path(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE other.t (a INT)")
    assert find_table(con, Place(ALIAS, None, "T")).schema == "other"
    con.execute("CREATE TABLE public.t (a INT)")
    assert find_table(con, Place(ALIAS, None, "t")).schema == "public"
    assert find_table(con, Place(ALIAS, "other", "t")).schema == "other"
    con.execute("CREATE TEMP TABLE t (a INT)")
    assert find_table(con, Place(ALIAS, None, "t")).temporary
    with pytest.raises(UndefinedTable):
        find_table(con, Place(ALIAS, None, "nosuch"))


def test_like_inherits_attributes_and_encodings(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create table p (id int identity(5, 5), a varchar(3) encode zstd) "
             "diststyle key distkey(a) sortkey(id) backup no")
    run(con, "create table other.c (like p including defaults)")
    rows = con.execute(
        "SELECT schema_name, table_name, diststyle, distkey, sortkey_type, sortkey, backup "
        f"FROM {table_metadata.qualified(ALIAS, table_metadata.TABLE_ATTRIBUTES)} "
        "ORDER BY schema_name").fetchall()
    assert rows == [("other", "c", "KEY", "a", "COMPOUND", ["id"], False),
                    ("public", "p", "KEY", "a", "COMPOUND", ["id"], False)]
    columns = con.execute(
        "SELECT table_name, column_name, encoding, identity_seed, identity_sequence "
        f"FROM {table_metadata.qualified(ALIAS, table_metadata.COLUMN_ATTRIBUTES)} "
        "ORDER BY table_name, column_name").fetchall()
    assert [c[:4] for c in columns] == [
        ("c", "a", "zstd", None), ("c", "id", None, 5), ("p", "a", "zstd", None),
        ("p", "id", None, 5),
    ]
    assert columns[1][4] != columns[3][4]  # a sequence of its own
    run(con, "insert into other.c (a) values ('x')")
    run(con, "insert into p (a) values ('y')")
    assert run(con, "select id from other.c") == [(5,)]
    assert run(con, "select id from p") == [(5,)]


def test_like_without_defaults_copies_no_identity(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create table p (id int identity(1, 1), a int default 3)")
    run(con, "create table c (like p)")
    run(con, "insert into c (a) values (1)")
    assert run(con, "select id, a from c") == [(None, 1)]
    assert con.execute("SELECT count(*) FROM duckdb_sequences()").fetchall() == [(1,)]


def test_rebuild_keeps_keys_defaults_comments_and_identity(
    con: duckdb.DuckDBPyConnection
) -> None:
    run(con, "create table t (id int identity(1, 1), k int primary key, "
             "v varchar(4), w varchar(2) default 'z') sortkey (k)")
    run(con, "insert into t (k, v) values (1, 'abcd')")
    con.execute("COMMENT ON TABLE t IS 'the table'")
    con.execute("COMMENT ON COLUMN t.v IS 'the column'")
    run(con, "alter table t alter column v type varchar(6)")
    run(con, "insert into t (k, v) values (2, 'abcdef')")
    assert run(con, "select id, k, v, w from t order by k") == [
        (1, 1, "abcd", "z"), (2, 2, "abcdef", "z")
    ]
    assert con.execute(
        "SELECT constraint_name, column_names FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.TABLE_KEYS)}").fetchall() == [
        ("t_pkey", ["k"])
    ]
    with pytest.raises(duckdb.ConstraintException, match="character varying\\(2\\)"):
        run(con, "insert into t (k, w) values (3, 'xyz')")
    assert con.execute(
        "SELECT comment FROM duckdb_tables() WHERE table_name = 't'").fetchall() == [
        ("the table",)
    ]
    assert con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 't' AND column_name = 'v'"
    ).fetchall() == [("the column",)]
    assert con.execute(
        "SELECT sortkey FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.TABLE_ATTRIBUTES)}").fetchall() == [
        (["k"],)
    ]
    assert [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            if not r[0].startswith("__ds_")] == ["t"]


@pytest.mark.parametrize(
    ("ddl", "alter"),
    [("create table t (v varchar(4) encode bytedict)", "alter column v type varchar(8)"),
     ("create table t (v varchar(4) default 'x')", "alter column v type varchar(8)"),
     ("create table t (v varchar(4) unique)", "alter column v type varchar(8)"),
     ("create table t (v char(4))", "alter column v type varchar(8)")],
)
def test_rebuild_refusals(con: duckdb.DuckDBPyConnection, ddl: str, alter: str) -> None:
    run(con, ddl)
    with pytest.raises(FeatureNotSupported):
        run(con, f"alter table t {alter}")
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE "
                       "'__ds_rebuild%'").fetchall() == [(0,)]


def test_failed_rebuild_rolls_back(con: duckdb.DuckDBPyConnection) -> None:
    # Tables made before keys were kept as metadata: DuckDB enforces their keys.
    con.execute("CREATE TABLE p (id INT PRIMARY KEY, v VARCHAR)")
    con.execute("CREATE TABLE t (id INT REFERENCES p (id))")
    run(con, "insert into p values (1, 'abcd')")
    late = StatementCache().get("alter table p alter column v type varchar(8)", CTX)[0].late
    assert isinstance(late, AlterVarchar)
    with pytest.raises(duckdb.Error):
        rebuild_with_varchar(con, late)  # DuckDB cannot drop a table a foreign key names
    run(con, "insert into p values (2, 'wxyz')")  # not inside a failed transaction
    assert run(con, "select count(*) from p") == [(2,)]
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE "
                       "'__ds_rebuild%'").fetchall() == [(0,)]


def test_create_as_with_names_or_if_not_exists_makes_char_columns(
    con: duckdb.DuckDBPyConnection
) -> None:
    macros.install(con)
    run(con, "create table t (n, code) as select 1, 'ab'::char(3)")
    assert read_char_columns(con)[(ALIAS, "public", "t")] == {"code": 3}
    run(con, "create table if not exists u as select 'x'::char(2) as c")
    assert read_char_columns(con)[(ALIAS, "public", "u")] == {"c": 2}
    # Over an existing table it does nothing: no rows go into it.
    run(con, "create table if not exists u as select 'y'::char(2) as c")
    run(con, "create temp table if not exists u as select 'z'::char(2) as c")
    run(con, "create temp table if not exists u as select 'w'::char(2) as c")
    assert con.execute(f"SELECT c FROM {ALIAS}.public.u").fetchall() == [("x",)]
    assert con.execute("SELECT c FROM temp.main.u").fetchall() == [("z",)]


def test_add_column_rebuilds_with_a_char_column(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create table t (id int primary key, v varchar(4) default 'q')")
    run(con, "insert into t (id) values (1)")
    con.execute("COMMENT ON COLUMN t.v IS 'the column'")
    run(con, "alter table t add column c char(3) default 'x' not null")
    assert read_char_columns(con)[(ALIAS, "public", "t")] == {"c": 3}
    assert run(con, "select id, v, c from t") == [(1, "q", "x")]
    with pytest.raises(duckdb.ConstraintException, match="character\\(3\\)"):
        run(con, "insert into t (id, c) values (2, 'abcd')")
    run(con, "insert into t (id) values (1)")  # a key informs, as in Redshift
    assert con.execute(
        "SELECT constraint_name FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.TABLE_KEYS)}").fetchall() == [
        ("t_pkey",)
    ]
    assert con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 't' "
                       "AND column_name = 'v'").fetchall() == [("the column",)]
    with pytest.raises(DuplicateColumn):
        run(con, "alter table t add column c char(2)")
    run(con, "alter table t add column if not exists c char(2)")
    with pytest.raises(FeatureNotSupported, match="non-null default"):
        run(con, "alter table t add column d char(2) not null")
    assert [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            if not r[0].startswith("__ds_")] == ["t"]


def test_add_column_in_a_block_runs_in_its_transaction(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create table t (id int)")
    late = StatementCache().get("alter table t add column c char(2)", CTX)[0]
    assert isinstance(late.late, AddColumn) and late.duck_sql is not None
    con.execute("BEGIN TRANSACTION")
    con.execute(add_column_sql(con, late.late, late.duck_sql, in_block=True))
    assert read_char_columns(con)[(ALIAS, "public", "t")] == {"c": 2}
    con.execute("ROLLBACK")
    assert (ALIAS, "public", "t") not in read_char_columns(con)


def test_add_column_to_a_referenced_table_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    # Tables made before keys were kept as metadata: DuckDB cannot drop p for the rebuild.
    con.execute("CREATE TABLE p (id INT PRIMARY KEY)")
    con.execute("CREATE TABLE r (id INT REFERENCES p (id))")
    with pytest.raises(FeatureNotSupported, match="foreign key"):
        run(con, "alter table p add column c char(2)")
