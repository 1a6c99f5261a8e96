"""Division by zero raises, in the generated DuckDB SQL, for every numeric type."""

from __future__ import annotations

import duckdb
import pytest

from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms.arithmetic import DIVISION_BY_ZERO

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def run(sql: str) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)  # a DECIMAL division is the engine's macro
    return con.execute(stmt.duck_sql).fetchall()


@pytest.mark.parametrize(
    "expr", ["1 / 0", "1.5 / 0", "1::float8 / 0", "7 % 0", "x / (x - 1)", "1 / -0"]
)
def test_zero_divisor_raises(expr: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match=DIVISION_BY_ZERO):
        run(f"select {expr} from (select 1 as x) t")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [("7 / 2", 3), ("-7 / 2", -3), ("7 % 3", 1), ("7 / null::int", None), ("x / 2", 0)],
)
def test_other_divisors_are_untouched(expr: str, expected: object) -> None:
    assert run(f"select {expr} from (select 1 as x) t") == [(expected,)]


def test_literal_divisors_are_not_wrapped() -> None:
    stmt = StatementCache().get("select x / 2, x % 3 from t", CTX)[0]
    assert stmt.duck_sql is not None
    assert "error(" not in stmt.duck_sql.lower()
