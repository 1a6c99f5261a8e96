"""SQL UDFs: our grammar for CREATE/DROP FUNCTION, the body's translation, and the macro
overloads made when the statement runs (on DuckDB with a database attached as a session's)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog.errors import (
    DuplicateFunction,
    FeatureNotSupported,
    SyntaxError_,
    UndefinedFunction,
)
from engine import macros, table_metadata
from proxy.late_ddl import function_sql
from proxy.sql import udfs
from proxy.sql.context import Context
from proxy.sql.late import CreateFunction, DropFunction
from proxy.sql.pipeline import StatementCache
from proxy.sql.split import split

ALIAS = "__ds_ns__dev"
CTX = Context("ns", "dev", "alice", {"dev": ALIAS})


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)
    con.execute(f"ATTACH ':memory:' AS {ALIAS}")
    con.execute(f"CREATE SCHEMA {ALIAS}.public")
    con.execute(f"USE {ALIAS}.public")
    con.execute(f"SET search_path = '{ALIAS}.public'")
    table_metadata.ensure(con, ALIAS)
    yield con
    con.close()


def run(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    text = stmt.duck_sql
    if isinstance(stmt.late, CreateFunction | DropFunction):
        text = function_sql(con, stmt.late)
    result = con.execute(text)
    return result.fetchall() if result.description else []


def test_grammar() -> None:
    spec = udfs.recognize(split(
        'create or replace function public."F_x" (varchar(10), numeric(5,2)) returns '
        "character varying(5) immutable as $$ select $1 $$ language sql")[0])
    assert spec == udfs.FunctionSpec("public", "F_x", ("varchar(10)", "numeric(5,2)"),
                                     "character varying(5)", " select $1 ", True, "IMMUTABLE")
    assert udfs.recognize(split("drop function if exists f_x (int) cascade")[0]) == (
        udfs.DropSpec(None, "f_x", ("int",), True))
    assert udfs.recognize(split("create table t (a int)")[0]) is None
    assert udfs.recognize(split("drop table t")[0]) is None
    with pytest.raises(SyntaxError_):
        udfs.recognize(split("create function f_x (int) returns int")[0])


def test_types_follow_redshift() -> None:
    assert udfs.duck_type("numeric", CTX) == "DECIMAL(18, 0)"
    assert udfs.duck_type("varchar(10)", CTX) == "TEXT"
    assert udfs.duck_type("super", CTX) == "JSON"
    assert udfs.duck_type("float", CTX) == "DOUBLE"


def test_body_is_translated_with_cast_arguments() -> None:
    late = StatementCache().get(
        "create function f_x (int, varchar) returns varchar stable as "
        "$$ select substring($2, -2, $1) || $1 / 0 $$ language sql", CTX)[0].late
    assert isinstance(late, CreateFunction)
    assert 'CAST("$1" AS INT)' in late.body and 'CAST("$2" AS TEXT)' in late.body
    assert "division by zero" in late.body  # the dialect's rewrites ran over the body


def test_overloads_by_arity_and_metadata(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create function f_g (float, float) returns float stable as "
             "$$ select greatest($1, $2) $$ language sql")
    run(con, "create function f_g (int) returns int stable as $$ select $1 * 2 $$ language sql")
    assert run(con, "select f_g(1, 2.5), f_g(4)") == [(2.5, 8)]
    rows = con.execute(
        "SELECT function_name, arg_types, return_type, volatility, body FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.FUNCTIONS)} ORDER BY len(arg_types)"
    ).fetchall()
    assert rows == [("f_g", ["INTEGER"], "INTEGER", "STABLE", "select $1 * 2"),
                    ("f_g", ["DOUBLE", "DOUBLE"], "DOUBLE", "STABLE",
                     "select greatest($1, $2)")]
    run(con, "drop function f_g (double precision, float8)")
    assert run(con, "select f_g(4)") == [(8,)]
    with pytest.raises(duckdb.BinderException):
        run(con, "select f_g(1, 2)")
    run(con, "drop function f_g (int)")
    assert con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'f_g'"
                       ).fetchall() == [(0,)]
    assert con.execute(
        f"SELECT count(*) FROM {table_metadata.qualified(ALIAS, table_metadata.FUNCTIONS)}"
    ).fetchall() == [(0,)]


def test_create_and_drop_refusals(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create function f_h (int) returns int stable as $$ select 1 $$ language sql")
    with pytest.raises(DuplicateFunction):
        run(con, "create function f_h (int) returns int stable as $$ select 2 $$ language sql")
    with pytest.raises(FeatureNotSupported):
        run(con, "create function f_h (bigint) returns int stable as $$ select 2 $$ language sql")
    with pytest.raises(FeatureNotSupported):
        run(con, "create function f_h (super) returns int stable as $$ select 2 $$ language sql")
    with pytest.raises(DuplicateFunction):
        run(con, "create function lower (int) returns int stable as $$ select 2 $$ language sql")
    with pytest.raises(UndefinedFunction):
        run(con, "drop function f_h (date)")
    assert run(con, "drop function if exists f_h (date)") == []
    assert run(con, "select f_h(2::bigint)") == [(1,)]
    run(con, "create or replace function f_h (int) returns int stable as "
             "$$ select 3 $$ language sql")
    assert run(con, "select f_h(0)") == [(3,)]


@pytest.mark.parametrize(
    "body",
    ["select 1 from t", "select 1, 2", "select (select 1)", "select 1 where true", "select a",
     "select $3", "update t set a = 1"],
)
def test_bodies_refused(body: str) -> None:
    with pytest.raises(Exception) as info:
        StatementCache().get(
            f"create function f_b (int, int) returns int stable as $$ {body} $$ language sql",
            CTX)
    assert getattr(info.value, "sqlstate", "") in ("0A000", "42703", "42P02")


def test_function_names_are_checked() -> None:
    with pytest.raises(FeatureNotSupported):
        StatementCache().get(
            "create function __ds_x () returns int stable as $$ select 1 $$ language sql", CTX)


def test_overloads_by_argument_type(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create function f_k (int) returns int stable as $$ select $1 * 2 $$ language sql")
    run(con, "create function f_k (varchar) returns varchar stable as "
             "$$ select $1 || '!' $$ language sql")
    run(con, "create function f_k (int, int) returns int stable as $$ select $1 + $2 $$ "
             "language sql")
    assert run(con, "select f_k(21), f_k('a'), f_k(2::smallint), f_k(1, 2)") == [
        (42, "a!", 4, 3)]
    assert run(con, "select typeof(f_k(null))") == [("VARCHAR",)]
    with pytest.raises(duckdb.BinderException):
        run(con, "select f_k(1.5)")
    run(con, "drop function f_k (int)")
    # The one overload left of its arity is untyped again: its argument is cast.
    assert run(con, "select f_k(21), f_k(1, 2)") == [("21!", 3)]
    assert con.execute(
        "SELECT parameter_types FROM duckdb_functions() WHERE function_name = 'f_k' "
        "ORDER BY len(parameters)").fetchall() == [([None],), ([None, None],)]


def test_null_arguments_of_udfs_are_character_strings() -> None:
    sql = StatementCache().get("select f_x(null), lower(null)", CTX)[0].duck_sql or ""
    assert "F_X(CAST(NULL AS TEXT))" in sql and "LOWER(NULL)" in sql
