"""A DOUBLE PRECISION made text reads as PostgreSQL and Redshift write it: the translation run
on DuckDB (whose own cast writes ``2.0``, ``1000000000000000.0``, ``nan``)."""

from __future__ import annotations

import duckdb
import pytest

from catalog.directory import DOUBLE, Number
from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}, numeric_columns={
    ("__ds_ns__dev", "public", "t"): {"k": Number(10, 0, True), "x": DOUBLE},
    ("__ds_ns__dev", "public", "u"): {"k": Number(10, 0, True)}})


def run(sql: str) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    macros.install(con)
    con.execute("ATTACH ':memory:' AS __ds_ns__dev")
    con.execute("CREATE SCHEMA __ds_ns__dev.public")
    con.execute("USE __ds_ns__dev.public")
    con.execute("CREATE TABLE t (k INTEGER, x DOUBLE)")
    con.execute("CREATE TABLE u (k INTEGER, w VARCHAR)")
    con.execute("INSERT INTO t VALUES (1, 2), (2, 1e15)")
    con.execute("INSERT INTO u VALUES (1, 'p')")
    return con.execute(stmt.duck_sql).fetchall()


@pytest.mark.parametrize(("value", "text"), [
    ("2", "2"), ("-7", "-7"), ("0", "0"), ("'-0'", "-0"), ("2.5", "2.5"), ("1e6", "1000000"),
    ("123456789012345.67", "123456789012345.67"), ("1e15", "1e+15"), ("-1e16", "-1e+16"),
    ("1234567890123456.8", "1.2345678901234568e+15"), ("9007199254740993", "9.007199254740992e+15"),
    ("1.5e-7", "1.5e-07"), ("0.0001", "0.0001"), ("1e300", "1e+300"), ("'nan'", "NaN"),
    ("'inf'", "Infinity"), ("'-inf'", "-Infinity"),
])
def test_double_as_text(value: str, text: str) -> None:
    assert run(f"select cast({value}::float8 as varchar), {value}::float8 || ''") == [
        (text, text)]


def test_double_expression_as_operand_of_concatenation() -> None:
    assert run("select 'x=' || (x * 2) from (select 1.5::float8 as x) t") == [("x=3",)]


def test_double_column_as_text() -> None:
    assert run("select cast(x as varchar), x || '!' from t order by k") == [
        ("2", "2!"), ("1e+15", "1e+15!")]


def test_integer_and_decimal_text_unchanged() -> None:
    assert run("select 2 || '', cast(2.50 as varchar), 'a' || 'b'") == [("2", "2.50", "ab")]


def test_a_cte_named_like_its_column_beside_a_star_is_typed() -> None:
    # Resolving w (not a numeric column of t) led back to the CTE w: translation recursed.
    sql = ("with w as (select t.*, w from t join u on t.k = u.k) "
           "select k, '[' || w || ']' from (select distinct * from w) x")
    assert run(sql) == [(1, "[p]")]
