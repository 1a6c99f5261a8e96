"""The prefix @ operator read as an ABS call with PostgreSQL's operand extent."""

from __future__ import annotations

import pytest

from proxy.sql.pipeline import parse


@pytest.mark.parametrize(("sql", "expected"), [
    ("select @ -5", "SELECT ABS(-5)"),
    ("select @-5.5 + 3, @x::int", "SELECT ABS(-5.5 + 3), ABS(CAST(x AS INT))"),
    ("select @ case when a then -1 end", "SELECT ABS(CASE WHEN a THEN -1 END)"),
    ("select @ null", "SELECT ABS(NULL)"),
    ("select @ -5 || 'a'", "SELECT ABS(-5) || 'a'"),
    ("select @ @ -3", "SELECT ABS(ABS(-3))"),
    ("select a from t where @ a > 1 and b = 2", "SELECT a FROM t WHERE ABS(a) > 1 AND b = 2"),
    ("select @ f(-1) * 2", "SELECT ABS(F(-1) * 2)"),
    ("select @ -t.x::double precision", "SELECT ABS(-CAST(t.x AS DOUBLE PRECISION))"),
    ("select @(-3) - 1 as y", "SELECT ABS((-3) - 1) AS y"),
])
def test_operand(sql: str, expected: str) -> None:
    assert parse(sql).sql("postgres") == expected


def test_no_operator_leaves_the_tokens() -> None:
    assert parse("select a @> b").sql("postgres") == "SELECT a @> b"
