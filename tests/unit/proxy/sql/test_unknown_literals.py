"""String literals beside values of one known type take that type (CASE results, set
operation columns), as PostgreSQL and Redshift resolve untyped literals."""

from __future__ import annotations

import pytest

from catalog.errors import InvalidTextRepresentation
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


@pytest.mark.parametrize(("sql", "typed"), [
    ("select 1 union select '2'", "CAST('2' AS INT)"),
    ("select 1 union select '2' union all select null", "CAST('2' AS INT)"),
    ("select case when true then 1 else '0' end", "CAST('0' AS INT)"),
    ("select true union select 'f'", "CAST('f' AS BOOLEAN)"),
    ("select date '2020-01-01' union select '2020-02-01'", "CAST('2020-02-01' AS DATE)"),
])
def test_string_literals_take_the_known_type(sql: str, typed: str) -> None:
    assert typed in duck(sql)


@pytest.mark.parametrize("sql", [
    "select a from t union select 'z'",  # a column: its type is not known here
    "select 1 union select 1::bigint union select '2'",  # two types
    "select case when x then 'a' else 2.5 end from t",  # NUMERIC of unstated precision
    "select 'a' union select 'b'",
])
def test_other_literals_are_left(sql: str) -> None:
    assert "CAST('" not in duck(sql)


def test_a_literal_that_is_no_integer_is_refused() -> None:
    with pytest.raises(InvalidTextRepresentation, match='integer: "a"'):
        duck("select 1 union select 'a'")
