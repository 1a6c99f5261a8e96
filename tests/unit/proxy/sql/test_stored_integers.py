"""Strings stored into integer columns (proxy/sql/transforms/stored_integers.py), translated and
run on a DuckDB set up as a session's, with the engine's macros."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from catalog.directory import read_column_facts
from engine import macros
from proxy.sql.context import Context
from tests.unit.session_database import CTX, run, session_database, translated


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = session_database()
    run(c, "create table src (s varchar(20), n int)")
    run(c, "insert into src values ('12.5', 1), (' 7 ', 2)")
    run(c, "create table ints (a int, b smallint, v varchar(10))")
    return c


@pytest.mark.parametrize("sql", [
    "insert into ints select s, 1, s from src where n = 1",
    "insert into ints (b) select s from src where n = 1",
    "insert into ints (a) values ('12.5')",
    "insert into ints values (1, '1e3', 'x')",
    "insert into ints (a) select s from src where n = 2 union all select s from src where n = 1",
    "update ints set a = s from src where n = 1",
    "merge into ints using src on ints.a = src.n when matched then update set b = src.s "
    "when not matched then insert values (src.s, 1, 'x')",
])
def test_a_fraction_stored_into_an_integer_column_fails(
        con: duckdb.DuckDBPyConnection, sql: str) -> None:
    run(con, "insert into ints values (1, 1, 'x')")
    with pytest.raises(duckdb.InvalidInputException, match="invalid input syntax for type"):
        run(con, sql)


def test_integer_digits_are_stored_and_other_columns_keep_the_string(
        con: duckdb.DuckDBPyConnection) -> None:
    run(con, "insert into ints select s, s, s from src where n = 2")
    run(con, "insert into ints (a, v) values ('+3', '12.5')")
    assert run(con, "select a, b, v from ints order by a") == [(3, None, "12.5"), (7, 7, " 7 ")]


def test_what_needs_no_rewrite_is_left_as_written() -> None:
    # Integer digits and text that is no number read alike in DuckDB and PostgreSQL; numbers
    # and parameters are not strings.
    assert macros.STORED_INTEGER not in translated(
        "insert into ints values ('12', 'abc', 3), ($1, 2.5, null)")


def test_catalog_facts_spare_columns_that_are_not_integers(
        con: duckdb.DuckDBPyConnection) -> None:
    _, numbers, _, varchars, _ = read_column_facts(con, None)
    ctx = replace(CTX, numeric_columns=numbers, varchar_columns=varchars)
    assert macros.STORED_INTEGER not in translated("insert into ints (v) select s from src", ctx)
    assert macros.STORED_INTEGER not in translated("update src set s = '12.5'", ctx)
    assert macros.STORED_INTEGER in translated("insert into ints (v, a) select s, s from src", ctx)


def _facts(con: duckdb.DuckDBPyConnection) -> Context:
    """The session context with the catalog's column facts of ``con``."""
    _, numbers, _, varchars, ordered = read_column_facts(con, None)
    return replace(CTX, numeric_columns=numbers, varchar_columns=varchars,
                   relation_columns=ordered)


@pytest.mark.parametrize("sql", [
    "insert into ints select * from src2",
    "insert into ints select src2.* from src2",
    "insert into ints select q.* from (select * from src2) q",
    "insert into ints select * from (select v, n, s from src2) q (s, n, v)",
    "with c as (select * from src2) insert into ints select * from c",
    "insert into ints with c as (select * from src2) select * from c",
    "insert into ints (v, a, b) select * from (select s as x, n, s from src2) q",
    "insert into ints select * from src2 where n = 2 union all select * from src2",
    "insert into ints select a.s, a.n, b.* from src2 a join (select s from src2) b on true",
    # A USING or NATURAL join's merged columns come first (n, then s), as in PostgreSQL.
    "insert into ints select * from (select s, n, v from src2) x join (select n from src2) y "
    "using (n)",
    "insert into ints select * from (select s, n from src2) x natural join (select n, v "
    "from src2) y",
    "insert into ints select * from (select s, n, v from src2) x full join (select n from "
    "src2) y using (n)",
    "insert into ints select * from (values ('12.5', 2, 'x')) v (a, b, c)",
    # A VALUES list's columns without a name are DuckDB's col1 ...; UNNEST's is unnest.
    "insert into ints select * from (values ('12.5', 2, 'x')) v",
    "insert into ints select * from (values (1, '1e3', 'x')) v (a)",
    "insert into ints (a) select * from unnest(['12.5'])",
    "insert into ints (b) select * from unnest(['12.5']) u (x)",
])
def test_a_star_is_expanded_to_the_columns_it_stores(
        con: duckdb.DuckDBPyConnection, sql: str) -> None:
    run(con, "create table src2 (s varchar(20), n int, v varchar(10))")
    run(con, "insert into src2 values ('12.5', 1, 'x')")
    with pytest.raises(duckdb.InvalidInputException, match="invalid input syntax for type"):
        con.execute(translated(sql, _facts(con)))


@pytest.mark.parametrize("sql", [
    # range's and generate_series's columns are numbers or times, never strings.
    "insert into ints select * from range(3)",
    "insert into ints select * from generate_series(1, 3)",
])
def test_a_star_of_columns_not_known_is_left(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    run(con, "create table src2 (s varchar(20), n int, v varchar(10))")
    assert "*" in translated(sql, _facts(con))


def test_values_after_a_star_are_not_stored_by_position(
        con: duckdb.DuckDBPyConnection) -> None:
    # src's columns are not in the facts: 'x' is the third column, not the second.
    assert macros.STORED_INTEGER not in translated("insert into ints select *, 'x' from src")
