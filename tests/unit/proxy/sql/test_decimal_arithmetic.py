"""Redshift's DECIMAL division: the result type rule, and which divisions become exact."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal, localcontext

import duckdb
import pytest
import sqlglot

from catalog.directory import DOUBLE, REAL, Number, read_typed_columns
from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.table_keys import CatalogColumns
from proxy.sql.transforms.decimal_arithmetic import quotient_type

ALIAS = "__ds_ns__dev"
CTX = Context("ns", "dev", "alice", {"dev": ALIAS}, numeric_columns={
    (ALIAS, "public", "sales"): {
        "pricepaid": Number(8, 2, False), "commission": Number(8, 2, False),
        "qtysold": Number(5, 0, True), "n": Number(10, 0, True),
    },
})


@pytest.mark.parametrize(("operands", "expected"), [
    ((8, 2, 8, 2), (17, 9)),  # the documentation's PRICEPAID / COMMISSION
    ((8, 2, 5, 0), (14, 8)),  # DECIMAL(8,2) / SMALLINT
    ((10, 2, 10, 0), (21, 13)),  # DECIMAL(10,2) / INTEGER
    ((4, 1, 10, 0), (15, 12)),  # 100.0 / 3
    ((19, 0, 19, 0), (38, 19)),  # BIGINT-sized DECIMALs: capped at 38, scale reduced
    ((19, 2, 38, 19), (38, 4)),  # the scale never goes below 4
    ((38, 2, 19, 0), (38, 4)),  # SUM(DECIMAL(p,2)) / COUNT(*)
    ((38, 37, 10, 0), (38, 37)),
    ((5, 4, 1, 0), (7, 6)),
])
def test_quotient_type(operands: tuple[int, int, int, int], expected: tuple[int, int]) -> None:
    assert quotient_type(*operands) == expected


def _run(sql: str, ctx: Context = CTX) -> tuple[str, list[tuple[object, ...]]]:
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)
    return stmt.duck_sql, con.execute(stmt.duck_sql).fetchall()


@pytest.mark.parametrize(("expr", "expected", "type_"), [
    ("10::decimal(10,2) / 3", Decimal("3.3333333333333"), "DECIMAL(21,13)"),
    ("2::decimal(5,0) / -3", Decimal("-0.66666666667"), "DECIMAL(16,11)"),
    ("1::decimal(1,0) / 32::decimal(2,0)", Decimal("0.0313"), "DECIMAL(5,4)"),  # half away
    ("-1::decimal(1,0) / 32::decimal(2,0)", Decimal("-0.0313"), "DECIMAL(5,4)"),
    ("100.0 / 3", Decimal("33.333333333333"), "DECIMAL(15,12)"),
    ("1::numeric / 3", Decimal("0.33333333333"), "DECIMAL(29,11)"),  # bare NUMERIC: (18,0)
    ("(1.0 + 2.50) / 2::smallint", Decimal("1.75000000"), "DECIMAL(10,8)"),
    ("1::decimal(19,2) / (7::decimal(19,0) / 3::decimal(19,0))", Decimal("0.4286"),
     "DECIMAL(38,4)"),
    ("1.5 / null::int", None, "DECIMAL(13,12)"),
])
def test_exact_division(expr: str, expected: object, type_: str) -> None:
    _, rows = _run(f"select {expr}, typeof({expr})")
    assert rows == [(expected, type_)]


@pytest.mark.parametrize("expr", [
    "7 / 2",  # integers divide as integers
    "1.5 / 2::float8",  # a floating-point operand keeps DuckDB's division
    "1.5 / 2e0",
    "x / 2.0",  # a column the catalog does not know
])
def test_other_divisions_are_left_to_duckdb(expr: str) -> None:
    sql, _ = _run(f"select {expr} from (select 1 as x) t")
    assert macros.DIVIDE not in sql


def test_catalog_columns_are_typed() -> None:
    stmt = StatementCache().get(
        "select pricepaid / commission, s.commission / s.qtysold, n / 2, sum(pricepaid) / "
        "count(*) from sales s group by 1, 2, 3", CTX)[0]
    assert stmt.duck_sql is not None
    # n / 2 stays an integer division.
    assert stmt.duck_sql.count(macros.DIVIDE) == 3
    for type_ in ("DECIMAL(17, 9)", "DECIMAL(14, 8)", "DECIMAL(38, 4)"):
        assert f"AS {type_})" in stmt.duck_sql


def test_unqualified_columns_beside_a_derived_table_are_not_guessed() -> None:
    stmt = StatementCache().get(
        "select pricepaid / 3 from (select pricepaid * 1.5 as pricepaid from sales) s", CTX)[0]
    assert stmt.duck_sql is not None
    assert macros.DIVIDE not in stmt.duck_sql


def test_zero_divisor_raises() -> None:
    with pytest.raises(duckdb.InvalidInputException, match="division by zero"):
        _run("select 1.5 / x from (select 0 as x) t")


def test_read_typed_columns() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a SMALLINT, b INTEGER, c BIGINT, d DECIMAL(12, 3), "
                "e DOUBLE, f VARCHAR, g JSON, h REAL)")
    supers, numbers = read_typed_columns(con)
    assert supers == {("memory", "main", "t"): {"g": 6}}
    assert numbers == {("memory", "main", "t"): {
        "a": Number(5, 0, True), "b": Number(10, 0, True), "c": Number(19, 0, True),
        "d": Number(12, 3, False), "e": DOUBLE, "h": REAL,
    }}


@pytest.mark.parametrize(("sql", "type_"), [
    ("select 9.9::decimal(2,1) * 9.9::decimal(2,1)", "DECIMAL(5,2)"),  # Redshift: p1 + p2 + 1
    ("select 2::decimal(8,2) * 3 as x", "DECIMAL(19,2)"),  # INTEGER as DECIMAL(10,0)
    ("select 1::decimal(30,2) * 1::decimal(8,2)", "DECIMAL(38,4)"),  # capped, as DuckDB's
    ("select * from (select 9.9::decimal(2,1) * 9.9::decimal(2,1)) t", "DECIMAL(4,2)"),
])
def test_products_shown_get_redshift_precision(sql: str, type_: str) -> None:
    duck_sql, _ = _run(sql)
    con = duckdb.connect()
    assert con.execute(f"select typeof(x) from ({duck_sql}) r(x)").fetchall() == [(type_,)]


@pytest.mark.parametrize("sql", [
    # s is the derived table outside, the catalog's sales inside: its pricepaid is not (8,2).
    "select s.pricepaid / 3 from (select pricepaid * 1.5 as pricepaid from sales s) s",
    # Two tables read by one alias, in two scopes.
    "select x.pricepaid / 3 from sales x where exists (select 1 from other x)",
])
def test_qualifiers_that_may_name_something_else_are_not_guessed(sql: str) -> None:
    ctx = Context("ns", "dev", "alice", {"dev": ALIAS}, numeric_columns={
        **CTX.numeric_columns, (ALIAS, "public", "other"): {"pricepaid": Number(4, 0, True)}})
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None
    assert macros.DIVIDE not in stmt.duck_sql


def test_quotients_match_exact_arithmetic() -> None:
    """Random operands of every width (both the BIGINT and the HUGEINT way), and ties,
    against Python's exact decimal arithmetic rounded half away from zero."""
    rnd = random.Random(5)
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)
    checked = 0
    with localcontext() as exact:
        exact.prec = 100
        for case in range(240):
            p1, p2 = rnd.randint(1, 38), rnd.randint(1, 38)
            s1, s2 = rnd.randint(0, p1), rnd.randint(0, p2)
            p, s = quotient_type(p1, s1, p2, s2)
            b = Decimal(rnd.randint(1, 10 ** rnd.randint(1, p2) - 1)).scaleb(-s2)
            if case % 3 == 0:  # an odd number of half units of the quotient's last digit
                a = Decimal(2 * rnd.randint(0, 10 ** 6) + 1) * Decimal(1).scaleb(-s) / 2 * b
            else:
                a = Decimal(rnd.randint(0, 10 ** rnd.randint(1, p1) - 1)).scaleb(-s1)
            a, b = a * rnd.choice([1, -1]), b * rnd.choice([1, -1])
            if a != a.quantize(Decimal(1).scaleb(-s1)) or abs(a) >= Decimal(10) ** (p1 - s1):
                continue
            expected = (a / b).quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP)
            if abs(expected) >= Decimal(10) ** (p - s) or p1 - s1 + s2 + s > 38:
                continue  # overflows (22003), as in Redshift
            sql = (f"select cast('{a:f}' as decimal({p1},{s1})) "
                   f"/ cast('{b:f}' as decimal({p2},{s2}))")
            duck_sql = StatementCache().get(sql, CTX)[0].duck_sql
            assert duck_sql is not None
            assert con.execute(duck_sql).fetchall() == [(expected,)], sql
            checked += 1
    assert checked > 100


_WIDE = "pricepaid::decimal(12,2) / commission::decimal(10,3)"  # its digits pass a BIGINT


@pytest.mark.parametrize(("sql", "exact"), [
    (f"select sum({_WIDE}) from sales", 0),
    (f"select pricepaid from sales where {_WIDE} > 2", 0),
    (f"select sum({_WIDE}) over () from sales", 0),
    (f"select {_WIDE} from sales", 1),
    # DECIMAL(8,2) / DECIMAL(8,2) is a DECIMAL(17, 9), done in BIGINT: exact everywhere.
    ("select sum(pricepaid / commission) from sales", 1),
    ("select pricepaid from sales where pricepaid / commission > 2", 1),
])
def test_wide_division_stays_duckdbs_where_evaluated_apart(sql: str, exact: int) -> None:
    # In aggregates, windows and conditions DuckDB evaluates each mention of the exact
    # division's arguments apart: 2-10 us a row for a wide one (documented difference).
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    assert stmt.duck_sql.count(macros.DIVIDE) == exact


def test_the_catalog_lookup_is_kept_for_the_next_transform_only() -> None:
    tree = sqlglot.parse_one("select pricepaid * 2 from sales", read="redshift")
    kept = CatalogColumns.of(tree, CTX, keep=True)
    assert CatalogColumns.of(tree, CTX, keep=False) is kept  # taken by the next one
    assert CatalogColumns.of(tree, CTX, keep=False) is not kept
