"""Transforms that need DuckDB to prove them: the rewritten SQL runs and gives Redshift's answer."""

from __future__ import annotations

import duckdb
import pytest

from catalog.errors import InsufficientPrivilege
from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def run(sql: str) -> tuple[list[str], list[tuple[object, ...]]]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    macros.install(con)  # translations call the engine's macros (an integer cast, say)
    cur = con.execute(stmt.duck_sql)
    return [d[0] for d in cur.description], cur.fetchall()


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("quote_literal('O''Reilly')", "'O''Reilly'"),
        ("quote_literal(42)", "'42'"),
        ("quote_literal(null)", None),
        ("quote_ident('abc')", "abc"),
        ("quote_ident('a b')", '"a b"'),
        ("quote_ident('Mixed')", '"Mixed"'),
        ('quote_ident(\'a"b\')', '"a""b"'),
    ],
)
def test_quoting_functions(expr: str, expected: object) -> None:
    assert run(f"select {expr}")[1] == [(expected,)]


@pytest.mark.parametrize(
    ("select_list", "names"),
    [
        ("count(*), sum(x)", ["count", "sum"]),
        ("x, x + 1, 1", ["x", "?column?", "?column?"]),
        ("'1'::int, x::bigint, case when x > 0 then 1 end", ["int4", "x", "case"]),
        ("version(), current_user, current_database()",
         ["version", "current_user", "current_database"]),
        ("x as named, upper('a')", ["named", "upper"]),
        ("listagg(x::varchar, ',') within group (order by x), "
         "percentile_cont(0.5) within group (order by x)", ["listagg", "percentile_cont"]),
        ("nvl(x, 1), decode(x, 1, 2), mod(x, 2), x % 2", ["coalesce", "case", "mod", "?column?"]),
        ("approximate count(distinct x)", ["count"]),
        ("extract(year from date '2008-01-01'), date_part(year, date '2008-01-01'), "
         "trim(' a'), position('a' in 'ba'), sysdate",
         ["date_part", "pgdate_part", "btrim", "position", "timestamp"]),
    ],
)
def test_output_names_follow_postgresql(select_list: str, names: list[str]) -> None:
    assert run(f"select {select_list} from (select 1 as x) t")[0] == names


def test_session_facts_are_literals() -> None:
    _, rows = run("select current_user, current_database(), version()")
    assert rows[0][:2] == ("alice", "dev")
    assert str(rows[0][2]).startswith("PostgreSQL 8.0.2 on ")


@pytest.mark.parametrize(
    "sql",
    [
        "select * from query('select * from __ds_system.main.users')",
        "select query_table('x')",
        "select * from duckdb_databases()",
        "select * from dev.public.duckdb_tables()",
        "select count(*) from (select * from read_csv('/etc/passwd'))",
        "with x as (select * from read_text('/etc/hosts')) select * from x",
        "select 1 where exists (select * from pragma_database_list())",
    ],
)
def test_engine_functions_are_refused(sql: str) -> None:
    with pytest.raises(InsufficientPrivilege) as info:
        StatementCache().get(sql, CTX)
    assert info.value.sqlstate == "42501"
    assert info.value.message.startswith("permission denied for function ")


@pytest.mark.parametrize(
    "sql",
    ["select * from range(3) t(x)", "select * from generate_series(1, 3)",
     "select upper('x'), sum(1)"],
)
def test_redshift_table_functions_are_allowed(sql: str) -> None:
    assert run(sql)[1]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [("3 yrs", "1080 days, 0:00:00"), ("-1 d", "-1 day, 0:00:00"), ("2 hrs", "2:00:00"),
     ("2 weeks", "14 days, 0:00:00")],
)
def test_interval_literals_with_abbreviated_units(literal: str, expected: str) -> None:
    assert str(run(f"select interval '{literal}'")[1][0][0]) == expected


def test_interval_literal_with_an_unknown_unit_reaches_duckdb_as_text() -> None:
    with pytest.raises(duckdb.ConversionException, match='extract specifier "fortnight"'):
        run("select interval '1 fortnight'")
