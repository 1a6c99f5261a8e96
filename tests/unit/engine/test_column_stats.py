"""Unit tests for engine/column_stats.py: DuckDB's statistics of table columns."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from engine import column_stats

ITEMS = ("__ds_ns__dev", "public", "items")


def test_magnitudes_of_stats_texts() -> None:
    columns = [(ITEMS, "p"), (ITEMS, "q"), (ITEMS, "n")]
    found = column_stats.magnitudes(columns, [
        "[Min: -2000.25, Max: 100.50][Has Null: false, Has No Null: true]",
        "[Min: NULL, Max: NULL][Has Null: true, Has No Null: true]", None])
    assert found == {(ITEMS, "p"): Decimal("2000.25"), (ITEMS, "q"): None,
                     (ITEMS, "n"): Decimal(0)}


def test_duckdbs_statistics_cover_updates_and_not_the_transactions_own_rows() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE items (p DECIMAL(15,2), q DECIMAL(15,2))")
    con.execute("CREATE TABLE empty (p DECIMAL(15,2))")
    key = ("memory", "main", "items")
    columns = [(key, "p"), (key, "q"), (("memory", "main", "empty"), "p")]
    con.execute("INSERT INTO items VALUES (10.50, 2.00), (-30.25, 1.00)")
    assert column_stats.measured(con, columns) == {
        (key, "p"): Decimal("30.25"), (key, "q"): Decimal("2.00"),
        (("memory", "main", "empty"), "p"): Decimal(0)}
    con.execute("BEGIN")
    con.execute("UPDATE items SET q = 9999999999999.99 WHERE p > 0")
    assert column_stats.measured(con, columns)[(key, "q")] == Decimal("9999999999999.99")
    con.execute("ROLLBACK")
    con.execute("BEGIN")
    con.execute("INSERT INTO items VALUES (1, 1)")
    assert column_stats.measured(con, columns)[(key, "p")] is None
    con.execute("ROLLBACK")


def test_statistics_of_several_tables_and_of_an_empty_one() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE a (p DECIMAL(15,2)); CREATE TABLE b (q DECIMAL(15,2))")
    con.execute("CREATE TABLE c (r DECIMAL(15,2)); INSERT INTO a VALUES (-5.25)")
    con.execute("INSERT INTO c VALUES (7)")
    columns = [(("memory", "main", name), column) for name, column in
               (("a", "p"), ("b", "q"), ("c", "r"))]
    assert list(column_stats.measured(con, columns).values()) == [
        Decimal("5.25"), Decimal(0), Decimal("7.00")]
    assert list(column_stats.measured(con, columns[1:2]).values()) == [Decimal(0)]
