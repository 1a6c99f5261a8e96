"""Redshift's answers where DuckDB's differ: NUMERIC defaults, integer AVG, SUBSTRING before
the string, truncating casts, CBRT, DEXP/DLOG1/DLOG10 (run on DuckDB with the engine's macros).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pytest

from catalog.errors import InsufficientPrivilege, SQLError
from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)
    con.execute("CREATE TABLE t (g INT, i INT, s SMALLINT, b BIGINT, d DECIMAL(8, 2), f DOUBLE)")
    con.execute(
        "INSERT INTO t VALUES (1, 1, 1, 1, 1.25, 1.5), (1, 2, 2, 2, 2.50, 2.5), "
        "(2, -1, -1, -1, 3.00, 3.0), (2, -2, -2, -2, NULL, NULL)"
    )
    yield con
    con.close()


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


def typed(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, object]]:
    """(DuckDB type, value) of each column of the single row ``sql`` returns."""
    result = con.execute(duck(sql))
    row = result.fetchone()
    assert row is not None
    return [(str(d[1]), v) for d, v in zip(result.description, row, strict=True)]


def test_numeric_without_precision_is_18_0(con: duckdb.DuckDBPyConnection) -> None:
    assert typed(con, "select '12.345'::numeric, 1.5::decimal") == [
        ("DECIMAL(18,0)", 12), ("DECIMAL(18,0)", 2)
    ]
    assert "DECIMAL(18, 0)" in duck("create table n (a numeric)")


@pytest.mark.parametrize("column", ["i", "s", "b"])
def test_avg_of_integers_is_a_truncated_bigint(
    con: duckdb.DuckDBPyConnection, column: str
) -> None:
    assert typed(con, f"select avg({column}) from t where g = 1") == [("BIGINT", 1)]
    assert typed(con, f"select avg({column}) from t where g = 2") == [("BIGINT", -1)]


def test_avg_of_floating_point_keeps_fractions(con: duckdb.DuckDBPyConnection) -> None:
    assert typed(con, "select avg(f) from t where g = 1") == [("DOUBLE", 2.0)]


def test_avg_of_a_decimal_keeps_its_scale_truncated(con: duckdb.DuckDBPyConnection) -> None:
    # (1.25 + 2.50) / 2 = 1.875: DECIMAL(38, 2), truncated as the integer average is.
    assert typed(con, "select avg(d) from t where g = 1") == [
        ("DECIMAL(38,2)", Decimal("1.87"))
    ]
    assert typed(con, "select avg(-d) from t where g = 1") == [
        ("DECIMAL(38,2)", Decimal("-1.87"))
    ]
    assert typed(con, "select avg(distinct d) from t where g = 3") == [("DECIMAL(38,2)", None)]


def test_avg_distinct_filter_and_empty(con: duckdb.DuckDBPyConnection) -> None:
    assert typed(con, "select avg(distinct g) from t") == [("BIGINT", 1)]
    assert typed(con, "select avg(i) filter (where g = 1) from t") == [("BIGINT", 1)]
    assert typed(con, "select avg(i) from t where g = 3") == [("BIGINT", None)]


def test_avg_windows_pick_by_the_argument_type(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(duck(
        "select g, avg(i) over (partition by g), avg(f) over (partition by g) from t "
        "order by g, i"
    )).fetchall()
    assert rows == [(1, 1, 2.0), (1, 1, 2.0), (2, -1, 3.0), (2, -1, 3.0)]


def test_avg_window_over_an_aggregate(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(duck(
        "select g, avg(sum(i)) over (), avg(sum(f)) over () from t group by g order by g"
    )).fetchall()
    assert rows == [(1, 0, 3.5), (2, 0, 3.5)]


def test_avg_window_keeps_its_output_name() -> None:
    assert duck("select avg(i) over () from t").endswith('AS "avg" FROM t')


@pytest.mark.parametrize(
    ("expr", "expected"),
    [("substring('caterpillar', 6, 4)", "pill"), ("substring('caterpillar', -2, 6)", "cat"),
     ("substring('caterpillar', -5, 4)", ""), ("substring('caterpillar', 0, 2)", "c"),
     ("substr('caterpillar', -3)", "caterpillar"), ("substring('caterpillar', 8)", "llar"),
     ("substring('caterpillar', g - 3, 5)", "ca"), ("substring('caterpillar', null::int, 2)", None),
     ("substring('caterpillar', 2, g)", "a")],
)
def test_substring(con: duckdb.DuckDBPyConnection, expr: str, expected: str | None) -> None:
    assert con.execute(duck(f"select {expr} from t where i = 1")).fetchall() == [(expected,)]


def test_substring_negative_length_fails(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(duckdb.InvalidInputException, match="negative substring length"):
        con.execute(duck("select substring('abc', 1, g - 2) from t where i = 1")).fetchall()


def test_literal_substrings_are_folded() -> None:
    assert "SUBSTRING('caterpillar', 1, 3)" in duck("select substring('caterpillar', -2, 6)")
    assert "CASE" not in duck("select substring(a, 2, 3) from t")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [("'abcdef'::varchar(3)", "abc"), ("cast(12345 as varchar(2))", "12"),
     ("'äbc'::varchar(1)", ""), ("'äbc'::varchar(2)", "ä"), ("'日本語'::varchar(7)", "日本"),
     ("'abcdef'::char(2)", "ab"), ("'ab'::varchar(10)", "ab"), ("null::varchar(1)", None),
     ("convert(varchar(4), 'abcdef')", "abcd")],
)
def test_explicit_casts_truncate_by_bytes(
    con: duckdb.DuckDBPyConnection, expr: str, expected: str | None
) -> None:
    assert con.execute(duck(f"select {expr}")).fetchall() == [(expected,)]


def test_len_of_a_truncated_char_ignores_trailing_blanks(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute(duck("select len('ab   '::char(5))")).fetchall() == [(2,)]


def test_math_functions(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute(duck(
        "select cbrt(27.0), cbrt(-27), cbrt(2) = cbrt(2::float8), dexp(0), dlog1(1), dlog10(100)"
    )).fetchall() == [(3.0, -3.0, True, 1.0, 0.0, 2.0)]


def test_engine_macros_are_not_callable_from_user_sql() -> None:
    with pytest.raises(SQLError):
        duck("select memory.main.__ds_cbrt(8)")
    with pytest.raises(InsufficientPrivilege):
        duck("select memory.main.cbrt(8)")


@pytest.mark.parametrize(
    ("sql", "error", "message"),
    [
        ("select '1e400'::float8", "NumericValueOutOfRange",
         '"1e400" is out of range for type double precision'),
        ("select '-1e-400'::double precision", "NumericValueOutOfRange",
         '"-1e-400" is out of range for type double precision'),
        ("select 1e39::real", "NumericValueOutOfRange",
         f'"1{"0" * 39}" is out of range for type real'),
        ("select '1e-50'::float4", "NumericValueOutOfRange",
         '"1e-50" is out of range for type real'),
        ("select '12.5'::int", "InvalidTextRepresentation",
         'invalid input syntax for type integer: "12.5"'),
        ("select '1e3'::bigint", "InvalidTextRepresentation",
         'invalid input syntax for type bigint: "1e3"'),
        ("select ''::smallint", "InvalidTextRepresentation",
         'invalid input syntax for type smallint: ""'),
    ],
)
def test_literal_casts_postgresql_refuses(sql: str, error: str, message: str) -> None:
    with pytest.raises(SQLError) as info:
        duck(sql)
    assert (type(info.value).__name__, info.value.message) == (error, message)


def test_literal_casts_postgresql_reads(con: duckdb.DuckDBPyConnection) -> None:
    assert typed(con, "select ' 12 '::int, '-inf'::float8, '1e-40'::real, ' true '::bool") == [
        ("INTEGER", 12), ("DOUBLE", float("-inf")), ("FLOAT", pytest.approx(1e-40)),
        ("BOOLEAN", True),
    ]
