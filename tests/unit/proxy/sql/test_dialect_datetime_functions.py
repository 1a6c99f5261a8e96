"""Redshift date/time functions, proved by running the generated SQL on DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def value(expr: str) -> object:
    stmt = StatementCache().get(f"select {expr}", CTX)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    macros.install(con)
    return con.execute(stmt.duck_sql).fetchone()[0]  # type: ignore[index]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("datediff(week, '2024-01-07'::date, '2024-01-08'::date)", 1),
        ("datediff(week, '2024-01-01'::date, '2024-01-07'::date)", 0),
        ("datediff(week, '2009-01-01', '2009-12-31')", 52),
        ("datediff(century, '2000-12-31'::date, '2001-01-01'::date)", 1),
        ("datediff(day, '2020-01-01'::date, '2020-01-05'::date)", 4),
        ("dateadd(year, 1, '2016-02-29')", dt.datetime(2017, 3, 1)),
        ("dateadd(month, 12, '2016-02-29')", dt.datetime(2017, 2, 28)),
        ("trunc('2011-07-21 10:32:38'::timestamp)", dt.date(2011, 7, 21)),
        ("convert_timezone('PST', '2008-06-05 12:25:29')", dt.datetime(2008, 6, 5, 4, 25, 29)),
    ],
)
def test_datetime_functions(expr: str, expected: object) -> None:
    assert value(expr) == expected


def test_trunc_of_a_number_stays_numeric() -> None:
    assert float(value("trunc(1.57, 1)")) == 1.5  # type: ignore[arg-type]
    assert float(value("trunc(-1.57)")) == -1  # type: ignore[arg-type]
    assert value("trunc(7)") == 7
