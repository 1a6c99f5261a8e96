"""Row constructors compared pair by pair, as Redshift and PostgreSQL compare them: the
translation run on DuckDB gives SQL's three-valued answers (DuckDB's own STRUCT comparison
takes a NULL field for a value)."""

from __future__ import annotations

import duckdb
import pytest

from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def run(sql: str) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    macros.install(con)
    return con.execute(stmt.duck_sql).fetchall()


@pytest.mark.parametrize(("expr", "expected"), [
    ("(1, null::int) = (1, 2)", None),
    ("(1, null::int) = (2, 2)", False),
    ("(null::int, null::int) <> (3, -2)", None),
    ("(1, null::int) <> (2, 2)", True),
    ("(1, null::int) < (2, 0)", True),
    ("(null::int, 1) < (2, 5)", None),
    ("(1, 5) <= (1, 5)", True),
    ("(2, 1, 0) >= (2, 1, 1)", False),
    ("(1, null::int) in ((1, 2), (3, 4))", None),
    ("(1, null::int) in ((2, 2), (3, 3))", False),
    ("(null::int, null::int) not in ((3, -2), (7, 7))", None),
    ("(1, 2) in (select 1, 2 union all select 3, null::int)", True),
    ("(3, 4) in (select 1, 2 union all select 3, null::int)", None),
    ("(5, 6) not in (select 1, 2 union all select 3, null::int)", True),
    ("(5, 6) = any (select 1, 2 union all select 5, 6)", True),
])
def test_row_comparison(expr: str, expected: object) -> None:
    assert run(f"select {expr}") == [(expected,)]


def test_a_statement_without_rows_compared_is_unchanged() -> None:
    stmt = StatementCache().get("insert into t values (1, 2), (3, 4)", CTX)[0]
    assert stmt.duck_sql is not None and "__ds_rows" not in stmt.duck_sql
