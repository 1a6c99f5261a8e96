"""Mistakes the front end refuses with PostgreSQL's errors (proxy/sql/parse_errors.py,
proxy/sql/transforms/query_checks.py), and what they must let through."""

from __future__ import annotations

import pytest

from catalog.errors import AmbiguousColumn, SQLError
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


def refused(sql: str) -> SQLError:
    with pytest.raises(SQLError) as info:
        duck(sql)
    return info.value


@pytest.mark.parametrize(
    ("sql", "sqlstate", "message"),
    [
        # Arguments a known function does not take: sqlglot's parser checks them.
        ("select abs(1, 2)", "42883", "function abs does not exist"),
        ("select upper()", "42883", "function upper does not exist"),
        ("select lower(upper(a), 2) from t", "42883", "function lower does not exist"),
        ("select repeat('a')", "42883", "function repeat does not exist"),
        ("select max(a, b) from t", "42883", "function max with 2 arguments does not exist"),
        ("select min(a, b, c) from t", "42883", "function min with 3 arguments does not exist"),
        # Types.
        ("select cast(1 as nosuch)", "42704", 'type "nosuch" does not exist'),
        ("select 1::NoSuch", "42704", 'type "nosuch" does not exist'),
        ("create table t (a int, b nosuch)", "42704", 'type "nosuch" does not exist'),
        ("CREATE TEMP TABLE t (\"a b\" NoSuch(3))", "42704", 'type "nosuch" does not exist'),
        ("create table t (a int, b int nosuch)", "42601", 'syntax error at or near "nosuch"'),
        # Tokens.
        ("select 'abc", "42601", "unterminated quoted string at or near \"'abc\""),
        ("select 'a''b', 'c", "42601", "unterminated quoted string at or near \"'c\""),
        ("select \"abc", "42601", 'unterminated quoted identifier at or near ""abc"'),
        ("select 1 /* x", "42601", 'unterminated /* comment at or near "/* x"'),
        ("select a,, b from t", "42601", 'syntax error at or near ","'),
        ("select f(a,) from t", "42601", 'syntax error at or near ")"'),
        ("select a, from t", "42601", 'syntax error at or near "from"'),
        # Shapes.
        ("select a from t group by 2", "42P10", "GROUP BY position 2 is not in select list"),
        ("select a, count(*) from t group by 0", "42P10",
         "GROUP BY position 0 is not in select list"),
        ("select a from t union select a, b from u", "42601",
         "each UNION query must have the same number of columns"),
        ("select a from t union all (select a, b from u)", "42601",
         "each UNION query must have the same number of columns"),
        ("select a from t intersect select a, b from u", "42601",
         "each INTERSECT query must have the same number of columns"),
        ("select a, b from t except select a from u", "42601",
         "each EXCEPT query must have the same number of columns"),
        ("select a from t union select a from u except select a, b from v", "42601",
         "each EXCEPT query must have the same number of columns"),
        ("select nth_value(a, 0) over (order by a rows unbounded preceding) from t", "22016",
         "argument of nth_value must be greater than zero"),
        ("select nth_value(a, -1) over (order by a rows unbounded preceding) from t", "22016",
         "argument of nth_value must be greater than zero"),
        ("create table t (a int, b int, a int)", "42701", 'column "a" specified more than once'),
        ("select dateadd(nosuch, 1, d) from t", "22023", 'unit "nosuch" not recognized'),
        ("select distinct a from t order by b", "42P10",
         "for SELECT DISTINCT, ORDER BY expressions must appear in select list"),
        ("select distinct upper(a) from t order by a", "42P10",
         "for SELECT DISTINCT, ORDER BY expressions must appear in select list"),
    ],
)
def test_refused(sql: str, sqlstate: str, message: str) -> None:
    err = refused(sql)
    assert (err.sqlstate, err.message) == (sqlstate, message)


@pytest.mark.parametrize(
    "sql",
    [
        # Positions inside the select list, and a * (left to DuckDB, whose error names it).
        "select a, count(*) from t group by 1",
        "select a, b, count(*) from t group by 1, 2",
        "select * from t group by 3",
        "select t.* from t union select a, b from u",
        "select a, b from t union select * from u",
        # Widths that agree, through parentheses and chains.
        "select a, b from t union (select a, b from u)",
        "select a from t union select a from u except select a from v",
        "select max(a), min(b) from t",
        "select nth_value(a, 2) over (order by a rows unbounded preceding) from t",
        "select nth_value(a, b) over (order by a rows unbounded preceding) from t",
        "select nth_value(a, -b) over (order by a rows unbounded preceding) from t",
        "create table t (a int, b int)",
        "select distinct t.a from t order by a",
        "select distinct a as x from t order by a, x",
        "select distinct(a) from t order by a",  # TPC-DS Q41
        "select distinct (a) as x from t order by a",
        "select distinct upper(a) as u from t order by u",
        "select distinct * from t order by b",
        "select distinct a, b from t order by 2",
        "select distinct a from t order by upper(a)",
        "select count(distinct a) from t order by 1",
        "select dateadd(qtr, 1, d), dateadd(ms, 1, d), dateadd(mils, 1, d) from t",
        # Commas that belong: in strings, comments and quoted names.
        "select ',,', 'x,)' from t",
        'select 1 as ",,"',
        "select 1 -- a,, b\n",
        "select trim(both ',' from a) from t",
    ],
)
def test_let_through(sql: str) -> None:
    assert duck(sql)


@pytest.mark.parametrize("sql", [
    "select a from (select 1 as a, 2 as a) x",
    "select x.a from (select 1 as a, 2 as a) x where true",
    "select 1 from (select 1 as a, 2 as a) x order by a",
])
def test_a_name_a_derived_table_gives_twice_is_ambiguous(sql: str) -> None:
    with pytest.raises(AmbiguousColumn, match='column reference "a" is ambiguous'):
        StatementCache().get(sql, CTX)


@pytest.mark.parametrize("sql", [
    "select * from (select 1 as a, 2 as a) x",
    "select b from (select 1 as a, 2 as a, 3 as b) x",
    "select (select a from u) from (select 1 as a, 2 as a) x",
])
def test_names_given_twice_but_not_read_are_taken(sql: str) -> None:
    assert StatementCache().get(sql, CTX)[0].duck_sql
