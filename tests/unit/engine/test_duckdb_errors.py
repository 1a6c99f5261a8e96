"""Tests for engine/duckdb_errors.py: real DuckDB failures become PostgreSQL errors."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import duckdb
import pytest

from catalog import errors as e
from engine.duckdb_errors import clean_message, translate

ALIASES = {"__ds_ns__dev": "dev"}


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    c.execute("SET enable_external_access = false")  # as the server runs: no replacement scans
    c.execute("CREATE TABLE t (a INTEGER NOT NULL PRIMARY KEY, b VARCHAR, d DATE)")
    c.execute("INSERT INTO t VALUES (1, 'x', DATE '2024-01-01')")
    c.execute("ATTACH ':memory:' AS __ds_ns__dev")
    c.execute("CREATE TABLE __ds_ns__dev.main.s (a INTEGER)")
    yield c
    c.close()


def failure(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Error:
    with pytest.raises(duckdb.Error) as info:
        con.execute(sql)
    return info.value


def pg(con: duckdb.DuckDBPyConnection, sql: str) -> e.SQLError:
    return translate(failure(con, sql), ALIASES)


@pytest.mark.parametrize(
    ("sql", "sqlstate", "message"),
    [
        ("SELECT * FROM nope", "42P01", 'relation "nope" does not exist'),
        ("SELECT * FROM NOPE", "42P01", 'relation "nope" does not exist'),
        ("SELECT * FROM nos.t", "42P01", 'relation "nos.t" does not exist'),
        ("SELECT * FROM __ds_ns__dev.main.nope", "42P01", 'relation "nope" does not exist'),
        ("SELECT zz FROM t", "42703", 'column "zz" does not exist'),
        ("SELECT zz", "42703", 'column "zz" does not exist'),
        ("SELECT nofunc(1)", "42883", "function nofunc does not exist"),
        ("SELEC 1", "42601", 'syntax error at or near "SELEC"'),
        ("SELECT 1 FROM FROM t", "42601", 'syntax error at or near "FROM"'),
        ("SELECT 'abc'::INTEGER", "22P02", 'invalid input syntax for type integer: "abc"'),
        ("SELECT 'abc'::BIGINT", "22P02", 'invalid input syntax for type bigint: "abc"'),
        ("SELECT 'abc'::SMALLINT", "22P02", 'invalid input syntax for type smallint: "abc"'),
        ("SELECT '2147483648'::INTEGER", "22003",
         'value "2147483648" is out of range for type integer'),
        ("SELECT '-99999'::SMALLINT", "22003", 'value "-99999" is out of range for type smallint'),
        ("SELECT sqrt(-1)", "2201F", "cannot take square root of a negative number"),
        ("SELECT 'x'::TIMESTAMP", "22007", 'invalid input syntax for type timestamp: "x"'),
        ("SELECT '2020-01-01 10:00:61'::TIMESTAMP", "22008",
         'date/time field value out of range: "2020-01-01 10:00:61"'),
        ("SELECT '2020-01-01 10:61:00'::TIMESTAMP", "22008",
         'date/time field value out of range: "2020-01-01 10:61:00"'),
        ("SELECT INTERVAL 'x'", "22007", 'invalid input syntax for type interval: "x"'),
        ("SELECT abs('x')", "42725", "function abs(unknown) is not unique"),
        ("SELECT DATE '2024-01-01' + 'x'", "42725", "operator is not unique: date + unknown"),
        ("SELECT regexp_replace('a', '(', 'b')", "2201B",
         "invalid regular expression: missing ): ("),
        ("SELECT 'x' LIKE 'a' ESCAPE 'bc'", "22025", "invalid escape string"),
        ("ALTER TABLE t ADD COLUMN a INTEGER", "42701", 'column "a" already exists'),
        ("SELECT strptime('x', '%Y-%m-%d')", "22007", 'invalid value "x" for the format'),
        ("SELECT ln(0)", "2201E", "cannot take logarithm of zero"),
        ("SELECT ln(-1)", "2201E", "cannot take logarithm of a negative number"),
        ("SELECT 'abc'::BOOLEAN", "22P02", 'invalid input syntax for type boolean: "abc"'),
        ("SELECT '1.5x'::DOUBLE", "22P02",
         'invalid input syntax for type double precision: "1.5x"'),
        ("SELECT 1 FROM t WHERE a = 'abc'", "22P02",
         'invalid input syntax for type integer: "abc"'),
        ("INSERT INTO t VALUES (NULL, 'y', NULL)", "23502",
         'null value in column "a" violates not-null constraint'),
        ("SELECT 'x'::NOPETYPE", "42704", 'type "nopetype" does not exist'),
        ("SELECT 2147483647::INTEGER + 1", "22003", "integer out of range"),
        ("SELECT 32767::SMALLINT * 2::SMALLINT", "22003", "smallint out of range"),
        ("SELECT 9223372036854775807 + 1", "22003", "bigint out of range"),
        ("SELECT 3000000000::BIGINT::INTEGER", "22003", "integer out of range"),
        ("SELECT 1e40::BIGINT", "22003", "bigint out of range"),
        ("SELECT 99999::DECIMAL(4,0)", "22003", "numeric field overflow"),
        ("SELECT '99999'::DECIMAL(4,0)", "22003", "numeric field overflow"),
        ("SELECT 12345.6::DECIMAL(5,2)", "22003", "numeric field overflow"),
        ("SELECT 999999999999999999::DECIMAL(18,0) * 1000::DECIMAL(18,0)", "22003",
         "numeric field overflow"),
        # An exact division's DOUBLE PRECISION estimate past HUGEINT (engine/macros.py).
        ("SELECT 1e43::DOUBLE::HUGEINT", "22003", "numeric field overflow"),
        ("SELECT 'abc'::DECIMAL(4,0)", "22P02", 'invalid input syntax for type numeric: "abc"'),
        ("SELECT '1.2.3'::DECIMAL(10,2)", "22P02",
         'invalid input syntax for type numeric: "1.2.3"'),
        ("CREATE TABLE t (a INT)", "42P07", 'relation "t" already exists'),
        ("CREATE SCHEMA main", "42P06", 'schema "main" already exists'),
        ("SELECT '25:00'::TIME", "22008", 'date/time field value out of range: "25:00"'),
        ("SELECT 'garbage'::TIME", "22007", 'invalid input syntax for type time: "garbage"'),
        ("SELECT '2024-01-01 25:00:00'::TIMESTAMP", "22008",
         'date/time field value out of range: "2024-01-01 25:00:00"'),
        ("SELECT make_date(2024, 13, 1)", "22008", "date field value out of range: 2024-13-1"),
        ("SELECT DATE '2024-01-01' + 2147483647", "22008", "date out of range"),
        ("SELECT to_timestamp(1e20)", "22008", "timestamp out of range"),
        ("SELECT INTERVAL 1 DAY * 1e300", "22008", "interval out of range"),
        ("SELECT date_trunc('NONSENSE', DATE '2024-01-01')", "22023",
         'unit "nonsense" not recognized'),
        ("SELECT '1 fortnight'::INTERVAL", "22007",
         'invalid input syntax for type interval: unknown unit "fortnight"'),
        ("SELECT (-2147483648)::INTEGER // -1", "22003", "integer out of range"),
        ("SELECT abs((-32768)::SMALLINT)", "22003", "smallint out of range"),
        ("SELECT abs((-9223372036854775808)::BIGINT)", "22003", "bigint out of range"),
        ("SELECT 3000000000.0::INTEGER", "22003", "integer out of range"),
        ("SELECT (1e300::DOUBLE + a)::REAL FROM t", "22003", "value out of range: overflow"),
        ("SELECT acos(2)", "22003", "input is out of range"),
        ("SELECT chr(-1)", "22023", "character number must be positive"),
        ("SELECT chr(1114112)", "54000", "requested character too large for encoding: 1114112"),
        ("SELECT chr(55296)", "54000", "requested character not valid for encoding: 55296"),
        ("SELECT error('value out of range: overflow')", "22003", "value out of range: overflow"),
        ("SELECT error('zero raised to a negative power is undefined')", "2201F",
         "zero raised to a negative power is undefined"),
        ("SELECT error('null character not permitted')", "54000", "null character not permitted"),
        ("SELECT error('field position must be greater than zero')", "22023",
         "field position must be greater than zero"),
        # Grouping and windows.
        ("SELECT a, count(*) FROM t", "42803",
         'column "a" must appear in the GROUP BY clause or be used in an aggregate function'),
        ("SELECT sum(sum(a)) FROM t", "42803", "aggregate function calls cannot be nested"),
        ("SELECT sum(row_number() OVER ()) FROM t", "42803",
         "aggregate function calls cannot contain window function calls"),
        ("SELECT * FROM t WHERE sum(a) > 1", "42803",
         "aggregate functions are not allowed in WHERE"),
        ("SELECT a FROM t GROUP BY sum(a)", "42803",
         "aggregate functions are not allowed in GROUP BY"),
        ("SELECT a FROM t WHERE row_number() OVER () > 1", "42P20",
         "window functions are not allowed in WHERE"),
        ("SELECT a FROM t GROUP BY a HAVING sum(a) OVER () > 1", "42P20",
         "window functions are not allowed in HAVING"),
        ("SELECT row_number() FROM t", "42809",
         "window function row_number requires an OVER clause"),
        ("SELECT sum(a) OVER w FROM t", "42704", 'window "w" does not exist'),
        ("SELECT ntile(0) OVER (ORDER BY a) FROM t", "22014",
         "argument of ntile must be greater than zero"),
        ("SELECT count(*) OVER (ORDER BY a ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING) FROM t",
         "42P20", "frame starting from following row cannot have preceding rows"),
        ("WITH x AS (SELECT 1), x AS (SELECT 2) SELECT * FROM x", "42712",
         'WITH query name "x" specified more than once'),
        # Positions: ORDER BY's read at DuckDB's caret; GROUP BY's are the front end's.
        ("SELECT * FROM t ORDER BY 5", "42P10", "ORDER BY position 5 is not in select list"),
        ("SELECT a\nFROM t\nORDER BY 0", "42P10", "ORDER BY position 0 is not in select list"),
        ("SELECT a FROM t GROUP BY 3", "42P10", "GROUP BY position is not in select list"),
        ("SELECT * FROM t LIMIT -1", "2201W", "LIMIT must not be negative"),
        ("SELECT * FROM t LIMIT 1 OFFSET -1", "2201X", "OFFSET must not be negative"),
        ("SELECT * FROM t AS x(a, b, c, e)", "42P10",
         'table "t" has 3 columns available but 4 columns specified'),
        # Text beside an integer in arithmetic is read as one.
        ("SELECT a + 'abc' FROM t", "22P02", 'invalid input syntax for type integer: "abc"'),
        ("SELECT 'it''s' - 1::BIGINT", "22P02", 'invalid input syntax for type bigint: "it\'s"'),
        ("SELECT DATE '2024-01-01' + 'x'", "42725", "operator is not unique: date + unknown"),
        ("SELECT - 'abc'", "42725", "operator is not unique: - unknown"),
        ("SELECT true + 1", "42883", "operator does not exist: boolean + integer"),
        ("SELECT round(1.5, 'x')", "22P02", 'invalid input syntax for type integer: "x"'),
        # Set operations, subqueries, INSERT's counts.
        ("SELECT a FROM t UNION SELECT a, b FROM t", "42601",
         "each set operation query must have the same number of columns"),
        ("SELECT 1 = (SELECT 1, 2)", "42601", "subquery must return only one column"),
        ("INSERT INTO t VALUES (2, 'y', NULL, 4)", "42601",
         "INSERT has more expressions than target columns"),
        ("INSERT INTO t (a, b) VALUES (2)", "42601",
         "INSERT has more target columns than expressions"),
        ("INSERT INTO t (a, b) VALUES (2, 'y', NULL)", "42601",
         "INSERT has more expressions than target columns"),
        # Names.
        ("SELECT t.zz FROM t", "42703", "column t.zz does not exist"),
        ("UPDATE t SET zz = 1", "42703", 'column "zz" does not exist'),
        ("SELECT * FROM t JOIN t AS u USING (zz)", "42703",
         'column "zz" specified in USING clause does not exist in left table'),
        ("SELECT a FROM t, t AS u", "42702", 'column reference "a" is ambiguous'),
        ("SELECT coalesce(a, b) FROM t", "42804",
         "COALESCE types integer and character varying cannot be matched"),
        ("DROP VIEW nope", "42P01", 'view "nope" does not exist'),
        ("DROP VIEW t", "42809", '"t" is not a view'),
        ("CREATE TABLE u (a INTEGER); ALTER TABLE u RENAME TO t", "42P07",
         'relation "t" already exists'),
    ],
)
def test_sqlstate_and_postgresql_wording(con: duckdb.DuckDBPyConnection, sql: str,
                                         sqlstate: str, message: str) -> None:
    err = pg(con, sql)
    assert (err.sqlstate, err.message) == (sqlstate, message)
    assert isinstance(err, e.lookup(sqlstate))  # a subclass may mark a case (ProductOverflow)


@pytest.mark.parametrize(
    ("sql", "sqlstate"),
    [
        ("INSERT INTO t VALUES (1, 'dup', NULL)", "23505"),
        ("SELECT 2147483647::INTEGER + 1", "22003"),
        ("SELECT 300::TINYINT", "22003"),
        ("SELECT lower(1, 2)", "42883"),
        # A Describe's typed NULLs of many parameters: one scalar subquery each.
        ("SELECT [" + ", ".join("(SELECT CAST(NULL AS TEXT))" for _ in range(1100)) + "]",
         "54000"),
        ("SELECT * FROM t AS x, t AS x", "42712"),
        ("SELECT * FROM __ds_ns__dev.nope.s", "42P01"),
    ],
)
def test_sqlstate_only(con: duckdb.DuckDBPyConnection, sql: str, sqlstate: str) -> None:
    assert pg(con, sql).sqlstate == sqlstate


def test_write_write_conflict_is_40001(con: duckdb.DuckDBPyConnection) -> None:
    first, second = con.cursor(), con.cursor()
    first.execute("BEGIN")
    second.execute("BEGIN")
    first.execute("UPDATE t SET b = 'first' WHERE a = 1")
    err = translate(failure(second, "UPDATE t SET b = 'second' WHERE a = 1"))
    assert err.sqlstate == "40001"
    assert isinstance(err, e.SerializationFailure)
    assert err.message == "could not serialize access due to concurrent update"
    first.execute("COMMIT")
    # The loser's transaction is now aborted: 25P02 until it rolls back.
    aborted = translate(failure(second, "SELECT 1"))
    assert aborted.sqlstate == "25P02"
    assert aborted.message == (
        "current transaction is aborted, commands ignored until end of transaction block"
    )
    second.execute("ROLLBACK")


@contextlib.contextmanager
def interrupting(cur: duckdb.DuckDBPyConnection, every: float) -> Iterator[None]:
    """Interrupt ``cur`` every ``every`` seconds while the block runs: an interrupt that lands
    before a query starts is not remembered."""
    done = threading.Event()

    def keep_interrupting() -> None:
        while not done.wait(every):
            cur.interrupt()

    thread = threading.Thread(target=keep_interrupting)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def test_interrupt_is_57014(con: duckdb.DuckDBPyConnection) -> None:
    cur = con.cursor()
    with interrupting(cur, 0.05):
        err = translate(failure(cur, "SELECT count(*) FROM range(1000000000000) a, range(10) b"))
    assert err.sqlstate == "57014"
    assert isinstance(err, e.QueryCanceled)


def test_interrupt_of_an_arrow_reader_is_57014(con: duckdb.DuckDBPyConnection) -> None:
    """Interrupted while its Arrow reader streams, DuckDB raises an OSError, not its
    InterruptException: still the cancel (it was XX000 once, in a cancelled procedure)."""
    cur = con.cursor()
    reader = cur.execute("SELECT range FROM range(1000000000)").to_arrow_reader(100_000)
    with interrupting(cur, 0.01), pytest.raises(OSError) as raised:
        for _ in reader:
            pass
    err = translate(raised.value)
    assert isinstance(err, e.QueryCanceled)
    assert err.sqlstate == "57014"


def test_caret_context_is_stripped(con: duckdb.DuckDBPyConnection) -> None:
    raw = failure(con, "SELECT abs('x')")
    assert "LINE 1" in str(raw)
    msg = translate(raw).message
    assert "LINE" not in msg and "^" not in msg
    assert not msg.startswith("Binder Error")


def test_internal_aliases_are_replaced(con: duckdb.DuckDBPyConnection) -> None:
    raw = failure(con, "SELECT * FROM __ds_ns__dev.main.s, __ds_ns__dev.main.s")
    assert "__ds_ns__dev" in str(raw)
    msg = clean_message(str(raw), ALIASES)
    assert "__ds_" not in msg
    assert "dev.main.s" in msg
    assert translate(raw, ALIASES).message == 'table name "s" specified more than once'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Catalog Error: Table with name x does not exist!", "Table with name x does not exist!"),
        ("Binder Error: bad\n\nLINE 1: SELECT 1\n        ^", "bad"),
        ("Parser Error: syntax error at or near \"x\"\nLINE 1: x\n        ^",
         'syntax error at or near "x"'),
        ("  Conversion Error: oops  ", "oops"),
        ("no prefix here", "no prefix here"),
        ("Binder Error: in __ds_ns__dev.main.s and __ds_ns__dev.x", "in dev.main.s and dev.x"),
    ],
)
def test_clean_message(raw: str, expected: str) -> None:
    assert clean_message(raw, ALIASES) == expected


def test_sql_errors_pass_through() -> None:
    err = e.DivisionByZero("division by zero")
    assert translate(err) is err


def test_unknown_exceptions_are_internal_errors() -> None:
    err = translate(RuntimeError("boom"))
    assert (err.sqlstate, err.message) == ("XX000", "boom")


def test_insert_into_unknown_column_is_42703(con: duckdb.DuckDBPyConnection) -> None:
    err = pg(con, "INSERT INTO t (a, zz) VALUES (2, 3)")
    assert (err.sqlstate, err.message) == ("42703", 'column "zz" of relation "t" does not exist')


def test_missing_from_clause_entry(con: duckdb.DuckDBPyConnection) -> None:
    err = pg(con, "SELECT nope.a FROM t")
    assert (err.sqlstate, err.message) == (
        "42P01", 'missing FROM-clause entry for table "nope"'
    )


def test_function_signature_uses_postgresql_type_names(
    con: duckdb.DuckDBPyConnection,
) -> None:
    err = pg(con, "SELECT lower(1, 2)")
    assert err.message == "function lower(integer, integer) does not exist"


def test_bad_date_input(con: duckdb.DuckDBPyConnection) -> None:
    err = pg(con, "SELECT 'x'::DATE")
    assert (err.sqlstate, err.message) == ("22007", 'invalid input syntax for type date: "x"')


def test_fewer_values_than_columns_without_a_list_is_refused(
        con: duckdb.DuckDBPyConnection) -> None:
    # PostgreSQL and Redshift fill the missing columns with their defaults; DuckDB cannot.
    err = pg(con, "INSERT INTO t VALUES (2)")
    assert err.sqlstate == "0A000"
    assert err.message.startswith("feature not supported on Duckshift: INSERT of fewer values")
