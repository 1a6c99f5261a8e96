"""Differential tests: generated queries on Duckshift and on a real PostgreSQL 15, same data.

Where Redshift and PostgreSQL agree (arithmetic, comparisons, CASE, string functions,
aggregates with GROUP BY, joins, ORDER BY with NULLs, window functions), Duckshift must give
PostgreSQL's answer. Hypothesis builds the queries from a small grammar that stays inside that
common ground: no AVG of integers (Redshift truncates it), no bare NUMERIC (Redshift's scale is
0), no CHAR (blank padding), ASCII strings (both compare bytes with the C locale). Results are
compared with explicit options: rows as multisets unless the ORDER BY fixes their order,
numbers of any type by value, floating point within a relative 1e-9.

PostgreSQL runs as a throwaway cluster (``tests/e2e/postgres.py``); if it cannot be started
(binaries missing, no permission), the tests are skipped. The examples are
derandomized, so CI sees the same queries every run; ``DIFFERENTIAL_EXAMPLES`` sets how many
(default: about a minute in all).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.postgres import start_postgres
from tests.e2e.server import RunningServer

EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "150"))
REL_TOLERANCE = 1e-9

# The data: small, with NULLs, negatives, duplicates, empty strings and ties.
T1_ROWS = [
    (1, 3, -2, 1.5, "apple", "a", date(2020, 1, 31)),
    (2, -7, 4, -0.25, "Banana", "b", date(2021, 2, 28)),
    (3, 0, None, 2.0, "cherry pie", "a", None),
    (4, 12, 5, None, "", "c", date(2019, 12, 1)),
    (5, None, -9, 3.75, "date", "b", date(2020, 1, 31)),
    (6, 3, 3, 1e6, None, None, date(2024, 2, 29)),
    (7, 100, -100, -7.5, "apple", "c", date(2000, 6, 15)),
    (8, -1, 0, 0.1, "Eclair", "a", date(2020, 1, 1)),
    (9, 7, 7, 2.5, "fig", None, None),
    (10, 42, -3, -1e-3, "  grape  ", "b", date(1999, 12, 31)),
    (11, 5, None, 5.0, "kiwi%", "c", date(2022, 8, 8)),
    (12, None, None, None, None, "a", None),
]
T2_ROWS = [
    (1, 10, Decimal("1.50"), "x"), (2, 20, Decimal("-2.25"), "y"), (2, 21, None, "y"),
    (4, 40, Decimal("100.00"), None), (7, 70, Decimal("0.01"), "z"),
    (13, 130, Decimal("3.33"), "w"), (None, 0, Decimal("9.99"), "n"),
]
DDL = [
    "create table diff_t1 (id int, a int, b int, x double precision, s varchar(20), "
    "g varchar(5), d date)",
    "create table diff_t2 (id int, k int, y decimal(10,2), s varchar(10))",
]


# -- PostgreSQL ---------------------------------------------------------------------------------
def _load(conn: psycopg.Connection[Any]) -> None:
    conn.execute("drop table if exists diff_t1")
    conn.execute("drop table if exists diff_t2")
    for ddl in DDL:
        conn.execute(ddl)
    with conn.cursor() as cur:
        cur.executemany("insert into diff_t1 values (%s, %s, %s, %s, %s, %s, %s)", T1_ROWS)
        cur.executemany("insert into diff_t2 values (%s, %s, %s, %s)", T2_ROWS)


@pytest.fixture(scope="module")
def pair(server: RunningServer) -> Iterator[tuple[psycopg.Connection[Any],
                                                  psycopg.Connection[Any]]]:
    """(Duckshift, PostgreSQL) connections over the same tables and rows."""
    pg = start_postgres()
    try:
        with psycopg.connect(server.dsn, autocommit=True) as ours, \
                psycopg.connect(pg.dsn, autocommit=True) as theirs:
            _load(ours)
            _load(theirs)
            yield ours, theirs
            ours.execute("drop table diff_t1")
            ours.execute("drop table diff_t2")
    finally:
        pg.stop()


# -- the grammar --------------------------------------------------------------------------------
INT_COLUMNS = ["id", "a", "b"]
STR_COLUMNS = ["s", "g"]


def _ints(depth: int = 2) -> st.SearchStrategy[str]:
    leaf = st.one_of(st.sampled_from(INT_COLUMNS), st.integers(-20, 20).map(str))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            # Integer division and modulo truncate in both; divisors are non-zero literals.
            st.tuples(inner, st.sampled_from(["/", "%"]),
                      st.integers(1, 9).flatmap(lambda n: st.sampled_from([n, -n]))).map(
                lambda t: f"({t[0]} {t[1]} ({t[2]}))"),
            st.tuples(inner, inner).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
            st.tuples(inner).map(lambda t: f"abs({t[0]})"),
            st.tuples(_bools_leaf(), inner, inner).map(
                lambda t: f"case when {t[0]} then {t[1]} else {t[2]} end"),
            st.tuples(inner, inner).map(lambda t: f"nullif({t[0]}, {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"greatest({t[0]}, {t[1]})"),
            _strs_leaf().map(lambda s: f"length({s})"),
        )

    return st.recursive(leaf, extend, max_leaves=depth * 3)


def _strs_leaf() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(STR_COLUMNS),
        st.sampled_from(["'abc'", "''", "'Apple'", "'x y'"]),
    )


def _strs() -> st.SearchStrategy[str]:
    leaf = _strs_leaf()

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            inner.map(lambda s: f"upper({s})"),
            inner.map(lambda s: f"lower({s})"),
            inner.map(lambda s: f"trim({s})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} || {t[1]})"),
            st.tuples(inner, st.integers(-3, 6), st.integers(0, 5)).map(
                lambda t: f"substring({t[0]}, {t[1]}, {t[2]})"),
            st.tuples(inner, st.sampled_from(["'a'", "'p'", "' '"]),
                      st.sampled_from(["'A'", "''", "'--'"])).map(
                lambda t: f"replace({t[0]}, {t[1]}, {t[2]})"),
            st.tuples(inner, inner).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
            st.tuples(inner, st.integers(0, 4)).map(lambda t: f"left({t[0]}, {t[1]})"),
            st.sampled_from(INT_COLUMNS).map(lambda c: f"cast({c} as varchar(12))"),
        )

    return st.recursive(leaf, extend, max_leaves=4)


def _bools_leaf() -> st.SearchStrategy[str]:
    ints = st.one_of(st.sampled_from(INT_COLUMNS), st.integers(-10, 10).map(str))
    return st.one_of(
        st.tuples(ints, st.sampled_from(["=", "<>", "<", "<=", ">", ">="]), ints).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.sampled_from(INT_COLUMNS + STR_COLUMNS + ["x", "d"]).flatmap(
            lambda c: st.sampled_from([f"{c} is null", f"{c} is not null"])),
        st.tuples(st.sampled_from(STR_COLUMNS),
                  st.sampled_from(["'a%'", "'%e%'", "'_'", "'%'", "'A%'"])).map(
            lambda t: f"{t[0]} like {t[1]}"),
        st.tuples(st.sampled_from(INT_COLUMNS), st.integers(-5, 5), st.integers(0, 10)).map(
            lambda t: f"{t[0]} between {t[1]} and {t[1] + t[2]}"),
        st.tuples(st.sampled_from(INT_COLUMNS), st.lists(st.integers(-10, 12), min_size=1,
                                                          max_size=4)).map(
            lambda t: f"{t[0]} in ({', '.join(map(str, t[1]))})"),
        st.sampled_from(["d > date '2020-01-31'", "x < 2.5", "s < 'b'", "g = 'a'"]),
    )


def _bools() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            inner.map(lambda b: f"(not {b})"),
        )

    return st.recursive(_bools_leaf(), extend, max_leaves=3)


@dataclass(frozen=True)
class Query:
    """A generated query and whether its ORDER BY fixes the order of its rows."""

    sql: str
    ordered: bool = False


def _where() -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), _bools().map(lambda b: f" where {b}"))


@st.composite
def _projection(draw: st.DrawFn) -> Query:
    exprs = draw(st.lists(st.one_of(_ints(), _strs(), _bools()), min_size=1, max_size=3))
    cols = ", ".join(exprs)
    return Query(f"select id, {cols} from diff_t1{draw(_where())}")


@st.composite
def _grouped(draw: st.DrawFn) -> Query:
    key = draw(st.sampled_from(["g", "a % 3", "b is null", "extract(year from d)"]))
    value = draw(_ints())
    aggs = draw(st.lists(st.sampled_from([
        "count(*)", f"count({value})", f"sum({value})", f"min({value})", f"max({value})",
        "count(distinct a)", "min(s)", "max(s)", "sum(x)", "avg(x)", "min(d)", "max(d)",
        "bool_or(a > 0)", "bool_and(b < 5)",
    ]), min_size=1, max_size=4))
    having = draw(st.sampled_from(["", " having count(*) > 1", f" having sum({value}) > 0"]))
    return Query(f"select {key}, {', '.join(aggs)} from diff_t1{draw(_where())} "
                 f"group by {key}{having}")


@st.composite
def _joined(draw: st.DrawFn) -> Query:
    kind = draw(st.sampled_from(["join", "left join", "right join", "full join"]))
    on = draw(st.sampled_from(["t1.id = t2.id", "t1.a = t2.id", "t1.id = t2.id and t2.k > 15"]))
    cols = draw(st.sampled_from([
        "t1.id, t1.s, t2.k, t2.y", "t1.id, t2.s, t1.a + t2.k", "t2.id, t1.g, t2.y * 2",
    ]))
    where = draw(st.sampled_from(["", " where t2.k is not null", " where t1.a > 0"]))
    return Query(f"select {cols} from diff_t1 t1 {kind} diff_t2 t2 on {on}{where}")


@st.composite
def _ordered(draw: st.DrawFn) -> Query:
    col = draw(st.sampled_from(["a", "b", "x", "s", "g", "d", "a + b", "upper(s)"]))
    direction = draw(st.sampled_from(["", " asc", " desc"]))
    nulls = draw(st.sampled_from(["", " nulls first", " nulls last"]))
    limit = draw(st.sampled_from(["", " limit 5", " limit 3 offset 2"]))
    # id last: a total order, so the rows' order can be compared.
    return Query(f"select id, {col} from diff_t1 order by {col}{direction}{nulls}, id{limit}",
                 ordered=True)


@st.composite
def _windowed(draw: st.DrawFn) -> Query:
    part = draw(st.sampled_from(["", "partition by g ", "partition by a % 2 "]))
    order = draw(st.sampled_from(["order by id", "order by a nulls first, id",
                                  "order by s desc, id", "order by x, id"]))
    func = draw(st.sampled_from([
        "row_number()", "rank()", "dense_rank()", "lag(a)", "lead(s, 2)", "sum(a)",
        "count(b)", "min(x)", "max(s)", "first_value(s)", "ntile(3)", "lag(a, 1, 0)",
    ]))
    frame = ""
    if func.startswith(("sum", "count", "min", "max")):
        frame = draw(st.sampled_from([
            "", " rows between unbounded preceding and current row",
            " rows between 1 preceding and 1 following",
        ]))
    return Query(f"select id, {func} over ({part}{order}{frame}) from diff_t1")


QUERIES = st.one_of(_projection(), _grouped(), _joined(), _ordered(), _windowed())


# -- comparing ----------------------------------------------------------------------------------
def _normal(value: object) -> object:
    """A value in the form both sides are compared in: exact numbers as Decimal (integral ones
    without a scale), floating point as float."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return Decimal(int(value))
    return value


def _same(ours: object, theirs: object) -> bool:
    if isinstance(ours, float) or isinstance(theirs, float):
        if ours is None or theirs is None:
            return ours is theirs
        a, b = float(ours), float(theirs)  # type: ignore[arg-type]
        return a == b or math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=1e-12)
    if isinstance(ours, Decimal) and isinstance(theirs, Decimal):
        return ours == theirs
    return ours == theirs


def _key(row: tuple[object, ...]) -> tuple[tuple[int, str, object], ...]:
    """A total order over rows of mixed values (numbers by value, NULLs last), to compare rows
    as multisets."""
    def one(v: object) -> tuple[int, str, object]:
        if v is None:
            return (1, "", "")
        if isinstance(v, Decimal | float | int) and not isinstance(v, bool):
            return (0, "number", float(v))
        return (0, type(v).__name__, str(v))
    return tuple(one(v) for v in row)


def _rows(conn: psycopg.Connection[Any], sql: str) -> list[tuple[object, ...]] | str:
    """The rows (normalized), or the error class (first two characters of the SQLSTATE)."""
    try:
        return [tuple(_normal(v) for v in row) for row in conn.execute(sql).fetchall()]
    except psycopg.Error as exc:
        return f"error class {(exc.sqlstate or '')[:2]}"


def _compare(ours: list[tuple[object, ...]] | str, theirs: list[tuple[object, ...]] | str,
             ordered: bool) -> bool:
    if isinstance(ours, str) or isinstance(theirs, str):
        return ours == theirs
    if len(ours) != len(theirs):
        return False
    if not ordered:
        # Rounding can move a float between sort positions: sort each side the same way.
        ours, theirs = sorted(ours, key=_key), sorted(theirs, key=_key)
    return all(len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
               for a, b in zip(ours, theirs, strict=True))


@pytest.mark.e2e
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=QUERIES)
def test_same_answers_as_postgresql(
    pair: tuple[psycopg.Connection[Any], psycopg.Connection[Any]], query: Query
) -> None:
    ours, theirs = pair
    expected = _rows(theirs, query.sql)
    actual = _rows(ours, query.sql)
    assert _compare(actual, expected, query.ordered), (
        f"{query.sql}\nDuckshift:  {actual}\nPostgreSQL: {expected}"
    )


@pytest.mark.e2e
def test_the_comparison_is_not_vacuous(
    pair: tuple[psycopg.Connection[Any], psycopg.Connection[Any]]
) -> None:
    ours, theirs = pair
    sql = "select g, count(*), sum(a) from diff_t1 group by g"
    assert _compare(_rows(ours, sql), _rows(theirs, sql), ordered=False)
    assert not _compare(_rows(ours, sql), _rows(theirs, sql + " having count(*) > 3"),
                        ordered=False)
    assert _rows(theirs, "select 1/0") == _rows(ours, "select 1/0") == "error class 22"
