"""engine.streaming: a session's kept parses run like the texts they came from."""

from __future__ import annotations

import duckdb
import pytest

from engine import streaming


@pytest.fixture
def cursor() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t AS SELECT range AS k, 'v' || range AS v FROM range(10)")
    return con.cursor()


def _rows(result: streaming.Result) -> list[tuple[object, ...]]:
    return [row for batch in result.pending for row in zip(*batch.to_pydict().values(),
                                                           strict=True)]


def test_repeated_text_runs_from_its_parse_with_new_parameters(
    cursor: duckdb.DuckDBPyConnection,
) -> None:
    parsed = streaming.ParsedStatements()
    sql = "SELECT k, v FROM t WHERE k = $1"
    first = streaming.execute(cursor, sql, [3], returns_rows=True, parsed=parsed)
    again = streaming.execute(cursor, sql, [7], returns_rows=True, parsed=parsed)
    assert _rows(first) == [(3, "v3")]
    assert _rows(again) == [(7, "v7")]
    assert parsed.get(cursor, sql) is parsed.get(cursor, sql)


def test_kept_parse_sees_catalog_changes(cursor: duckdb.DuckDBPyConnection) -> None:
    # Only parsing is kept: binding happens at every execution.
    parsed = streaming.ParsedStatements()
    sql = "SELECT count(*) AS n FROM t"
    assert _rows(streaming.execute(cursor, sql, [], returns_rows=True, parsed=parsed)) == [(10,)]
    cursor.execute("DROP TABLE t")
    cursor.execute("CREATE TABLE t AS SELECT 1 AS k")
    assert _rows(streaming.execute(cursor, sql, [], returns_rows=True, parsed=parsed)) == [(1,)]
    cursor.execute("DROP TABLE t")
    with pytest.raises(duckdb.CatalogException):
        streaming.execute(cursor, sql, [], returns_rows=True, parsed=parsed)


def test_statement_without_rows_counts_them(cursor: duckdb.DuckDBPyConnection) -> None:
    parsed = streaming.ParsedStatements()
    sql = "DELETE FROM t WHERE k < $1"
    result = streaming.execute(cursor, sql, [4], returns_rows=False, parsed=parsed)
    assert result.rowcount == 4
    assert streaming.execute(cursor, sql, [6], returns_rows=False, parsed=parsed).rowcount == 2


def test_parse_error_is_the_execution_error(cursor: duckdb.DuckDBPyConnection) -> None:
    parsed = streaming.ParsedStatements()
    with pytest.raises(duckdb.ParserException) as kept:
        streaming.execute(cursor, "SELEC 1", [], returns_rows=True, parsed=parsed)
    with pytest.raises(duckdb.ParserException) as plain:
        cursor.execute("SELEC 1")
    assert str(kept.value) == str(plain.value)


def test_several_statements_or_none_are_not_kept(cursor: duckdb.DuckDBPyConnection) -> None:
    parsed = streaming.ParsedStatements()
    assert parsed.get(cursor, "SELECT 1; SELECT 2") == "SELECT 1; SELECT 2"
    assert parsed.get(cursor, "-- nothing") == "-- nothing"


def test_long_text_is_not_kept(cursor: duckdb.DuckDBPyConnection) -> None:
    parsed = streaming.ParsedStatements(max_chars=20)
    long_sql = "SELECT k FROM t WHERE k = 1"
    assert parsed.get(cursor, long_sql) == long_sql
    result = streaming.execute(cursor, long_sql, [], returns_rows=True, parsed=parsed)
    assert _rows(result) == [(1,)]


def test_least_recently_used_parse_is_dropped(cursor: duckdb.DuckDBPyConnection) -> None:
    parsed = streaming.ParsedStatements(size=2)
    one = parsed.get(cursor, "SELECT 1")
    parsed.get(cursor, "SELECT 2")
    assert parsed.get(cursor, "SELECT 1") is one  # now the most recent
    parsed.get(cursor, "SELECT 3")  # drops SELECT 2
    two = parsed.get(cursor, "SELECT 2")
    assert parsed.get(cursor, "SELECT 2") is two
    assert parsed.get(cursor, "SELECT 1") is not one
