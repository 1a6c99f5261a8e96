"""Tests for proxy/sql/param_types.py: the probes that reveal each ``$n`` parameter's type.

Each probe query is also described on a real in-memory DuckDB, the way the session does at
Bind time, so a probe that does not bind is caught here rather than by a client.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pytest

from engine.describe import column_types
from proxy.sql.context import Context
from proxy.sql.param_types import (
    Probe,
    decimal_type,
    divided_params,
    operand_params,
    parameter_types,
    probes,
)
from proxy.sql.pipeline import parse, translate
from proxy.sql.split import split

CTX = Context("ns", "memory", "alice", {"dev": "memory"})


@pytest.fixture(scope="module")
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (a INTEGER, b VARCHAR, d DATE);"
        "CREATE TABLE u (id BIGINT, x DOUBLE)"
    )
    yield con
    con.close()


def probes_of(sql: str) -> tuple[Probe, ...]:
    return translate(split(sql)[0], CTX).param_probes


def resolve(cursor: duckdb.DuckDBPyConnection, probe: Probe) -> str:
    """The DuckDB type a probe reveals (as the session computes it)."""
    if probe.type_name is not None:
        return probe.type_name
    assert probe.query is not None
    return column_types(cursor, probe.query)[probe.column]


def types_of(cursor: duckdb.DuckDBPyConnection, sql: str) -> dict[int, str]:
    return {p.index: resolve(cursor, p) for p in probes_of(sql)}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t WHERE a = $1", {0: "INTEGER"}),
        ("SELECT * FROM t WHERE $1 = a", {0: "INTEGER"}),
        ("SELECT * FROM t WHERE a = $1 AND b = $2 AND d > $3",
         {0: "INTEGER", 1: "VARCHAR", 2: "DATE"}),
        ("SELECT * FROM t WHERE a <> $1 OR a <= $2 OR a >= $3 OR a < $4",
         {0: "INTEGER", 1: "INTEGER", 2: "INTEGER", 3: "INTEGER"}),
        ("SELECT * FROM t WHERE b LIKE $1", {0: "VARCHAR"}),
        ("SELECT * FROM t WHERE b ILIKE $1", {0: "VARCHAR"}),
        ("SELECT a + $1 FROM t", {0: "INTEGER"}),
        # Through parentheses, as PostgreSQL types ``($1) * x``.
        ("SELECT ($1) * x, ((($2))) - id FROM u", {0: "DOUBLE", 1: "BIGINT"}),
        # A divisor's guard against zero is not a comparison of the statement's.
        ("SELECT x / $1, 10.00 / $2, $3 / 3.0 FROM u",
         {0: "DOUBLE", 1: "DECIMAL(4,2)", 2: "DECIMAL(2,1)"}),
        ("SELECT * FROM t WHERE a + 1 = $1", {0: "INTEGER"}),
        ("SELECT * FROM t WHERE a IN ($1, $2)", {0: "INTEGER", 1: "INTEGER"}),
        ("SELECT * FROM t WHERE d BETWEEN $1 AND $2", {0: "DATE", 1: "DATE"}),
        ("SELECT $1::date, CAST($2 AS SMALLINT)", {0: "DATE", 1: "SMALLINT"}),
        ("SELECT CAST($1 AS VARCHAR(10))", {0: "VARCHAR"}),
        ("SELECT $1::int", {0: "INTEGER"}),
        ("SELECT * FROM t LIMIT $1", {0: "BIGINT"}),
        ("SELECT * FROM t LIMIT $1 OFFSET $2", {0: "BIGINT", 1: "BIGINT"}),
        ("INSERT INTO t VALUES ($1, $2, $3)", {0: "INTEGER", 1: "VARCHAR", 2: "DATE"}),
        ("INSERT INTO t (d, a) VALUES ($1, $2)", {0: "DATE", 1: "INTEGER"}),
        ("UPDATE t SET b = $1 WHERE a = $2", {0: "VARCHAR", 1: "INTEGER"}),
        ("DELETE FROM t WHERE d = $1", {0: "DATE"}),
        ("SELECT * FROM t JOIN u ON t.a = u.id WHERE u.x > $1", {0: "DOUBLE"}),
        ("SELECT * FROM t WHERE a IN (SELECT id FROM u WHERE x = $1)", {0: "DOUBLE"}),
        ("WITH w AS (SELECT id FROM u) SELECT * FROM w WHERE id = $1", {0: "BIGINT"}),
        ("WITH w AS (SELECT id FROM u) SELECT * FROM t WHERE a IN "
         "(SELECT id FROM w WHERE id = $1)", {0: "BIGINT"}),
        ("SELECT * FROM (SELECT a AS z FROM t) s WHERE z = $1", {0: "INTEGER"}),
        ("SELECT * FROM t WHERE a = $1 UNION SELECT * FROM t WHERE b = $2",
         {0: "INTEGER", 1: "VARCHAR"}),
        ("SELECT * FROM dev.main.t WHERE a = $1", {0: "INTEGER"}),
        # A parameter used twice is probed once.
        ("SELECT * FROM t WHERE a = $1 OR a + 1 = $1", {0: "INTEGER"}),
    ],
)
def test_probe_types(cursor: duckdb.DuckDBPyConnection, sql: str,
                     expected: dict[int, str]) -> None:
    assert types_of(cursor, sql) == expected


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT $1",
        "SELECT $1 = $2",
        "SELECT $1 FROM t",
        "SELECT coalesce($1, 'x')",
    ],
)
def test_parameters_without_context_have_no_probe(sql: str) -> None:
    # The session then reports them as text, like PostgreSQL's unknown literal.
    assert probes_of(sql) == ()


def test_unmatched_insert_value_has_no_probe() -> None:
    assert [p.index for p in probes_of("INSERT INTO t (b) VALUES ($1, $2)")] == [0]


def test_limit_is_a_fixed_type_without_a_query() -> None:
    assert probes_of("SELECT * FROM t LIMIT $1") == (Probe(0, type_name="BIGINT"),)


def test_insert_without_columns_probes_by_position() -> None:
    assert probes_of("INSERT INTO t VALUES ($1, $2)") == (
        Probe(0, query="SELECT * FROM t LIMIT 0", column=0),
        Probe(1, query="SELECT * FROM t LIMIT 0", column=1),
    )


def test_probes_are_ordered_by_index() -> None:
    assert [p.index for p in probes_of("SELECT * FROM t WHERE b = $2 AND a = $1")] == [0, 1]


def test_probe_queries_never_contain_parameters() -> None:
    sql = "SELECT * FROM t WHERE a = $1 + $2 AND b = $3 AND a IN ($4, $5)"
    for p in probes(parse(sql)):
        assert p.query is None or "$" not in p.query


def test_probes_follow_database_aliases() -> None:
    ctx = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})
    st = translate(split("SELECT * FROM dev.public.t WHERE a = $1")[0], ctx)
    assert st.param_probes == (
        Probe(0, query='SELECT a FROM "__ds_ns__dev".public.t LIMIT 0'),
    )


def test_statements_without_parameters_have_no_probes() -> None:
    assert translate(split("SELECT * FROM t WHERE a = 1")[0], CTX).param_probes == ()


@pytest.mark.xfail(strict=True, reason="bug: probe for a correlated outer column does not bind")
def test_correlated_subquery_parameter(cursor: duckdb.DuckDBPyConnection) -> None:
    # The probe may be dropped (text) but must not be a query DuckDB cannot bind.
    sql = "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.a AND t.b = $1)"
    assert types_of(cursor, sql).get(0, "VARCHAR") == "VARCHAR"


@pytest.mark.xfail(strict=True, reason="bug: UPDATE ... FROM probe ignores the FROM tables")
def test_update_from_parameter(cursor: duckdb.DuckDBPyConnection) -> None:
    sql = "UPDATE t SET a = 1 FROM u WHERE u.id = t.a AND u.x = $1"
    assert types_of(cursor, sql).get(0, "DOUBLE") == "DOUBLE"


def test_parameter_types_of_a_division() -> None:
    # Floats wherever they stand; integers and NUMERIC (by the value's digits) in a division.
    assert parameter_types([701, 23, 23, 1700, 1700], (3, 4, 5),
                           [1.5, 1, 2, Decimal("12.50"), None]) == (
        (1, "DOUBLE"), (3, "INTEGER"), (4, "DECIMAL(4,2)"), (5, "DECIMAL(1,0)"))
    assert decimal_type(Decimal("1E+40")) is None and decimal_type(Decimal("NaN")) is None
    assert divided_params(parse("select $1 / ($2 + 1), $3 * 2")) == (1, 2)


def test_operand_params() -> None:
    # The parameters an operator of arithmetic takes (through parentheses and signs): bound
    # untyped, their types are inferred at Bind.
    assert operand_params(parse("select $1 * 10, -($2) + x, f($3), $4 = 1, ($5 / 2)")) == (
        1, 2, 5)
