"""engine.prepared_plans: a kept plan runs like the statement and the values it came from."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import duckdb
import pytest

from engine import streaming
from engine.prepared_plans import PreparedPlans, literal


@pytest.fixture
def cursor() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t AS SELECT range::INTEGER AS k, 'v' || range AS v FROM range(10)")
    return con.cursor()


def _rows(result: streaming.Result) -> list[tuple[object, ...]]:
    return [row for batch in result.pending for row in zip(*batch.to_pydict().values(),
                                                           strict=True)]


def _plans(cursor: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in cursor.execute("SELECT name FROM duckdb_prepared_statements() "
                                         "ORDER BY name").fetchall()]


def test_repeated_statement_runs_from_one_plan(cursor: duckdb.DuckDBPyConnection) -> None:
    plans = PreparedPlans()
    sql = "SELECT k, v FROM t WHERE k = CAST($1 AS INTEGER)"
    first = streaming.execute(cursor, sql, [3], returns_rows=True, plans=plans)
    again = streaming.execute(cursor, sql, [7], returns_rows=True, plans=plans)
    assert (_rows(first), _rows(again)) == ([(3, "v3")], [(7, "v7")])
    assert _plans(cursor) == ["__ds_plan_1"]


def test_rows_counted_through_a_plan(cursor: duckdb.DuckDBPyConnection) -> None:
    plans = PreparedPlans()
    sql = "DELETE FROM t WHERE k < CAST($1 AS INTEGER)"
    assert streaming.execute(cursor, sql, [4], returns_rows=False, plans=plans).rowcount == 4
    assert streaming.execute(cursor, sql, [6], returns_rows=False, plans=plans).rowcount == 2


@pytest.mark.parametrize(("cast", "value"), [
    ("VARCHAR", "it's \\n 'quoted' ✓"),
    ("VARCHAR", ""),
    ("DECIMAL(10,2)", Decimal("12.345")),
    ("DECIMAL(38,9)", Decimal("12345678901234567890.123456789")),
    ("REAL", 0.1),
    ("DOUBLE", 1e300),
    ("DOUBLE", -0.0),
    ("BIGINT", -(2**63)),
    ("HUGEINT", 2**100),
    ("BOOLEAN", False),
    ("DATE", dt.date(2024, 2, 29)),
    ("TIMESTAMP", dt.datetime(2024, 1, 2, 3, 4, 5, 678901)),
    ("TIMESTAMPTZ", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-7)))),
    ("TIME", dt.time(23, 59, 59, 999999)),
    ("UUID", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("INTEGER", None),
])
def test_literal_converts_as_the_bound_value(
    cursor: duckdb.DuckDBPyConnection, cast: str, value: object
) -> None:
    sql = f"SELECT CAST($1 AS {cast}) AS x"
    bound = cursor.execute(sql, [value]).fetchall()
    planned = PreparedPlans().execute_text(cursor, sql, [value])
    assert planned is not None
    assert cursor.execute(planned).fetchall() == bound


def test_decimal_with_an_exponent_keeps_its_digits(cursor: duckdb.DuckDBPyConnection) -> None:
    # DuckDB's own binding of Decimal("1E+5") gives 1 (the wire codec hands it 100000).
    planned = PreparedPlans().execute_text(cursor, "SELECT CAST($1 AS DECIMAL(10,0))",
                                           [Decimal("1E+5")])
    assert planned is not None
    assert cursor.execute(planned).fetchall() == [(Decimal(100000),)]


@pytest.mark.parametrize("value", [b"\x00", float("nan"), float("inf"), Decimal("NaN"),
                                   dt.timedelta(days=1), [1, 2], "nul\x00byte",
                                   Decimal("1" * 39)])
def test_values_without_an_exact_literal_take_the_ordinary_path(
    cursor: duckdb.DuckDBPyConnection, value: object
) -> None:
    assert literal(value) is None
    plans = PreparedPlans()
    assert plans.execute_text(cursor, "SELECT $1 AS x", [value]) is None
    assert _plans(cursor) == []


def test_invalidate_drops_every_plan(cursor: duckdb.DuckDBPyConnection) -> None:
    cursor.execute("SET VARIABLE z = 'a'")
    plans = PreparedPlans()
    sql = "SELECT getvariable('z') || CAST($1 AS VARCHAR) AS x"
    assert _rows(streaming.execute(cursor, sql, ["1"], returns_rows=True, plans=plans)) == [
        ("a1",)]
    # DuckDB read the variable when it planned the statement ...
    cursor.execute("SET VARIABLE z = 'b'")
    assert _rows(streaming.execute(cursor, sql, ["1"], returns_rows=True, plans=plans)) == [
        ("a1",)]
    # ... so whoever changes it drops the plans.
    plans.invalidate()
    assert _rows(streaming.execute(cursor, sql, ["1"], returns_rows=True, plans=plans)) == [
        ("b1",)]
    assert _plans(cursor) == ["__ds_plan_2"]


def test_oldest_plan_is_deallocated(cursor: duckdb.DuckDBPyConnection) -> None:
    plans = PreparedPlans(size=2)
    for n in range(3):
        streaming.execute(cursor, f"SELECT CAST($1 AS INTEGER) + {n} AS x", [1],
                          returns_rows=True, plans=plans)
    assert _plans(cursor) == ["__ds_plan_2", "__ds_plan_3"]


def test_statement_that_does_not_bind_raises_its_own_error(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    plans = PreparedPlans()
    with pytest.raises(duckdb.CatalogException, match="nosuch"):
        streaming.execute(cursor, "SELECT * FROM nosuch WHERE k = CAST($1 AS INTEGER)", [1],
                          returns_rows=True, plans=plans)
    assert _plans(cursor) == []


def test_catalog_change_rebinds(cursor: duckdb.DuckDBPyConnection) -> None:
    plans = PreparedPlans()
    sql = "SELECT * FROM t WHERE k = CAST($1 AS INTEGER)"
    streaming.execute(cursor, sql, [1], returns_rows=True, plans=plans)
    cursor.execute("ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 7")
    assert _rows(streaming.execute(cursor, sql, [1], returns_rows=True, plans=plans)) == [
        (1, "v1", 7)]


def test_statements_before_the_planned_one_run_each_time(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    # Companion checks (identity_writes) come first in the same text; PREPARE of the whole
    # text would prepare the first statement and run the rest without the values.
    plans = PreparedPlans()
    sql = ("SELECT error('refused') FROM t WHERE k = 99; "
           "INSERT INTO t VALUES (CAST($1 AS INTEGER), 'x')")
    assert streaming.execute(cursor, sql, [42], returns_rows=False, plans=plans).rowcount == 1
    assert _plans(cursor) == ["__ds_plan_1"]
    cursor.execute("INSERT INTO t VALUES (99, 'y')")
    with pytest.raises(duckdb.InvalidInputException, match="refused"):
        streaming.execute(cursor, sql, [43], returns_rows=False, plans=plans)
    assert cursor.execute("SELECT count(*) FROM t WHERE k IN (42, 43)").fetchall() == [(1,)]


def test_parameters_before_the_last_statement_are_not_planned(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    plans = PreparedPlans()
    cursor.execute("BEGIN")
    sql = "SELECT CAST($1 AS INTEGER) WHERE false; INSERT INTO t VALUES (CAST($1 AS INTEGER), 'x')"
    assert plans.execute_text(cursor, sql, [42]) is None
    assert plans.execute_text(cursor, sql, [42]) is None
    assert _plans(cursor) == []
    assert cursor.execute("SELECT count(*) FROM t").fetchall() == [(10,)]
    cursor.execute("COMMIT")


def test_statement_that_did_not_bind_is_planned_once_it_does(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    plans = PreparedPlans()
    sql = "SELECT count(*) FROM later WHERE k = CAST($1 AS INTEGER)"
    assert plans.execute_text(cursor, sql, [1]) is None
    cursor.execute("CREATE TABLE later (k INTEGER)")
    assert plans.execute_text(cursor, sql, [1]) is not None
