"""Tests for proxy/sql/commands.py: every statement form the session handles itself."""

from __future__ import annotations

import pytest

from catalog.errors import FeatureNotSupported, SQLError, SyntaxError_
from proxy.sql import commands as c
from proxy.sql.split import split


def rec(sql: str) -> c.Command | None:
    """Recognise the first statement of ``sql``."""
    pieces = split(sql)
    assert pieces, sql
    return c.recognize(pieces[0])


# -- recognised forms ------------------------------------------------------------------

TRANSACTION = [
    ("BEGIN", c.Begin()),
    ("begin", c.Begin()),
    ("BEGIN WORK", c.Begin()),
    ("BEGIN TRANSACTION", c.Begin()),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE", c.Begin()),
    ("BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE", c.Begin()),
    ("BEGIN ISOLATION LEVEL SNAPSHOT", c.Begin()),
    ("BEGIN ISOLATION LEVEL READ COMMITTED", c.Begin()),
    ("BEGIN ISOLATION LEVEL READ UNCOMMITTED", c.Begin()),
    ("BEGIN ISOLATION LEVEL REPEATABLE READ", c.Begin()),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", c.Begin(read_only=True)),
    ("BEGIN NOT DEFERRABLE", c.Begin()),
    ("BEGIN READ ONLY", c.Begin(read_only=True)),
    ("BEGIN READ WRITE", c.Begin(read_only=False)),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY", c.Begin(read_only=True)),
    ("BEGIN ISOLATION LEVEL READ COMMITTED, READ ONLY", c.Begin(read_only=True)),
    ("BEGIN ISOLATION LEVEL READ UNCOMMITTED READ WRITE", c.Begin(read_only=False)),
    ("BEGIN READ ONLY, ISOLATION LEVEL SERIALIZABLE", c.Begin(read_only=True)),
    ("START TRANSACTION", c.Begin()),
    ("start transaction read only", c.Begin(read_only=True)),
    ("START TRANSACTION ISOLATION LEVEL SERIALIZABLE", c.Begin()),
    ("COMMIT", c.Commit()),
    ("COMMIT WORK", c.Commit()),
    ("commit transaction", c.Commit()),
    ("END", c.Commit()),
    ("END TRANSACTION", c.Commit()),
    ("ROLLBACK", c.Rollback()),
    ("ROLLBACK WORK", c.Rollback()),
    ("ROLLBACK TRANSACTION", c.Rollback()),
    ("ABORT", c.Rollback()),
    ("ABORT TRANSACTION", c.Rollback()),
    ("BEGIN; SELECT 1", c.Begin()),
]

SETTINGS = [
    ("SET search_path TO public", c.SetParam("search_path", "public")),
    ("SET search_path = public, \"MySchema\"", c.SetParam("search_path", "public, MySchema")),
    ("SET Search_Path TO public", c.SetParam("search_path", "public")),
    ('SET "X" TO 1', c.SetParam("X", "1")),
    ("SET datestyle TO 'ISO, MDY'", c.SetParam("datestyle", "ISO, MDY")),
    ("SET x TO 'a', 'b'", c.SetParam("x", "a, b")),
    ("SET extra_float_digits = 3", c.SetParam("extra_float_digits", "3")),
    ("SET extra_float_digits = -3", c.SetParam("extra_float_digits", "-3")),
    ("SET x TO 1.5", c.SetParam("x", "1.5")),
    ("SET x TO ON", c.SetParam("x", "on")),
    ("SET x = true", c.SetParam("x", "true")),
    ("SET a.b TO 1", c.SetParam("a.b", "1")),
    ("SET statement_timeout TO DEFAULT", c.SetParam("statement_timeout", None)),
    ("SET statement_timeout = DEFAULT", c.SetParam("statement_timeout", None)),
    ("SET LOCAL statement_timeout = 0", c.SetParam("statement_timeout", "0", local=True)),
    ("SET SESSION statement_timeout = 0", c.SetParam("statement_timeout", "0")),
    ("SET query_group TO 'etl'", c.SetParam("query_group", "etl")),
    ("SET TIME ZONE 'UTC'", c.SetParam("timezone", "UTC")),
    ("SET TIME ZONE 'America/New_York'", c.SetParam("timezone", "America/New_York")),
    ("SET TIME ZONE DEFAULT", c.SetParam("timezone", None)),
    ("SET TIME ZONE LOCAL", c.SetParam("timezone", "local")),
    ("SET SESSION TIME ZONE 'UTC'", c.SetParam("timezone", "UTC")),
    ("SET LOCAL TIME ZONE 'UTC'", c.SetParam("timezone", "UTC", local=True)),
    ("SET timezone TO 'UTC'", c.SetParam("timezone", "UTC")),
    ("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", c.NoOp("SET")),
    ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", c.NoOp("SET")),
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", c.NoOp("SET")),
    ("SET TRANSACTION READ ONLY", c.NoOp("SET")),
    ("RESET ALL", c.ResetParam(None)),
    ("RESET search_path", c.ResetParam("search_path")),
    ("RESET TIME ZONE", c.ResetParam("timezone")),
    ("SHOW search_path", c.ShowParam("search_path")),
    ("show SEARCH_PATH", c.ShowParam("search_path")),
    ('SHOW "Search_Path"', c.ShowParam("Search_Path")),
    ("SHOW ALL", c.ShowParam("all")),
    ("SHOW TRANSACTION ISOLATION LEVEL", c.ShowParam("transaction_isolation")),
    ("SHOW TIME ZONE", c.ShowParam("timezone")),
    ("SHOW timezone", c.ShowParam("timezone")),
    ("/* hi */ SHOW search_path", c.ShowParam("search_path")),
    ("SHOW search_path;", c.ShowParam("search_path")),
]

DATABASES = [
    ("USE dev", c.UseDatabase("dev")),
    ("USE DEV", c.UseDatabase("dev")),
    ('USE "MyDb"', c.UseDatabase("MyDb")),
    ("RESET USE", c.UseDatabase(None)),
    ("SHOW USE", c.ShowUse()),
    ("show use", c.ShowUse()),
    ("CREATE DATABASE sales", c.CreateDatabase("sales")),
    ('CREATE DATABASE "Sales"', c.CreateDatabase("Sales")),
    ("DROP DATABASE sales", c.DropDatabase("sales")),
    ("DROP DATABASE IF EXISTS sales", c.DropDatabase("sales", if_exists=True)),
]

OTHERS = [
    ("DEALLOCATE s1", c.Deallocate("s1")),
    ("DEALLOCATE PREPARE s1", c.Deallocate("s1")),
    ('DEALLOCATE "Stmt"', c.Deallocate("Stmt")),
    ("DEALLOCATE ALL", c.Deallocate(None)),
    ("DEALLOCATE PREPARE ALL", c.Deallocate(None)),
    ("DISCARD ALL", c.Discard("ALL")),
    ("discard plans", c.Discard("PLANS")),
    ("EXPLAIN SELECT 1", c.Explain("SELECT 1")),
    ("explain   select * from t", c.Explain("select * from t")),
    ("EXPLAIN VERBOSE SELECT * FROM t", c.Explain("SELECT * FROM t", verbose=True)),
    ("EXPLAIN SELECT ';' FROM t; SELECT 2", c.Explain("SELECT ';' FROM t")),
    ("VACUUM", c.Vacuum()),
    ("VACUUM FULL t", c.Vacuum()),
    ("VACUUM DELETE ONLY t TO 75 PERCENT", c.Vacuum()),
]


def copy_in(table: str, columns: tuple[str, ...] = (), **options: str | bool) -> c.Copy:
    return c.Copy("in", table, columns, None, dict(options))


def copy_out(table: str | None, query: str | None = None, columns: tuple[str, ...] = (),
             **options: str | bool) -> c.Copy:
    return c.Copy("out", table, columns, query, dict(options))


COPIES = [
    ("COPY t FROM STDIN", copy_in("t")),
    ("copy t from stdin", copy_in("t")),
    ("COPY public.t (a, b) FROM STDIN", copy_in("public.t", ("a", "b"))),
    ('COPY "T" FROM STDIN', copy_in('"T"')),
    ("COPY dev.public.t FROM STDIN", copy_in("dev.public.t")),
    ("COPY t (A) FROM STDIN", copy_in("t", ("a",))),
    # Old (unparenthesised) option syntax.
    ("COPY t FROM STDIN CSV", copy_in("t", format="csv")),
    ("COPY t FROM STDIN WITH CSV HEADER", copy_in("t", format="csv", header=True)),
    ("COPY t FROM STDIN BINARY", copy_in("t", format="binary")),
    ("COPY t FROM STDIN WITH BINARY", copy_in("t", format="binary")),
    ("COPY t FROM STDIN DELIMITER '|'", copy_in("t", delimiter="|")),
    ("COPY t FROM STDIN WITH DELIMITER AS '|' NULL AS 'x'", copy_in("t", delimiter="|",
                                                                    null="x")),
    ("COPY t FROM STDIN CSV QUOTE AS '''' ESCAPE AS '\\\\'",
     copy_in("t", format="csv", quote="'", escape="\\")),
    ("COPY t FROM STDIN ENCODING 'UTF8'", copy_in("t", encoding="UTF8")),
    ("COPY t TO STDOUT WITH CSV FORCE QUOTE a", copy_out("t", format="csv", force_quote="a")),
    ("COPY t TO STDOUT CSV FORCE QUOTE *", copy_out("t", format="csv", force_quote="*")),
    # Parenthesised option syntax.
    ("COPY t FROM STDIN (FORMAT csv)", copy_in("t", format="csv")),
    ("COPY t FROM STDIN (FORMAT 'csv')", copy_in("t", format="csv")),
    ("COPY t FROM STDIN WITH (FORMAT binary)", copy_in("t", format="binary")),
    ("COPY t FROM STDIN (FORMAT csv, HEADER true, DELIMITER ';', NULL 'x')",
     copy_in("t", format="csv", header=True, delimiter=";", null="x")),
    ("COPY t FROM STDIN (HEADER)", copy_in("t", header=True)),
    ("COPY t FROM STDIN (HEADER 1)", copy_in("t", header=True)),
    ("COPY t FROM STDIN (HEADER on)", copy_in("t", header=True)),
    ("COPY t TO STDOUT (HEADER off, FORMAT csv)", copy_out("t", header=False, format="csv")),
    ("COPY t TO STDOUT (HEADER false)", copy_out("t", header=False)),
    ("COPY t TO STDOUT (HEADER 0)", copy_out("t", header=False)),
    ("COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE *)", copy_out("t", format="csv",
                                                             force_quote="*")),
    ("COPY t TO STDOUT (ENCODING 'UTF8')", copy_out("t", encoding="UTF8")),
    # TO STDOUT from a table or a query.
    ("COPY t TO STDOUT", copy_out("t")),
    ("COPY t (a) TO STDOUT", copy_out("t", columns=("a",))),
    ("COPY (SELECT 1) TO STDOUT", copy_out(None, "SELECT 1")),
    ("COPY (SELECT a, (1) FROM t) TO STDOUT", copy_out(None, "SELECT a, (1) FROM t")),
    ("COPY (select ')' from t) TO STDOUT", copy_out(None, "select ')' from t")),
    ("COPY (SELECT 1) TO STDOUT WITH CSV HEADER", copy_out(None, "SELECT 1", format="csv",
                                                          header=True)),
]


@pytest.mark.parametrize(("sql", "expected"), TRANSACTION + SETTINGS + DATABASES + OTHERS
                         + COPIES)
def test_recognized(sql: str, expected: c.Command) -> None:
    assert rec(sql) == expected


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "INSERT INTO t VALUES (1)",
        "CREATE TABLE t (a INT)",
        "CREATE SCHEMA s",
        "DROP TABLE t",
        "DROP VIEW v",
        "UPDATE t SET a = 1",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "ANALYZE t",
        "TRUNCATE t",
    ],
)
def test_ordinary_sql_is_not_a_command(sql: str) -> None:
    assert rec(sql) is None


# -- refused forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "cls", "message"),
    [
        ("START", SyntaxError_, 'syntax error at or near "START"'),
        ("START WORK", SyntaxError_, 'syntax error at or near "START"'),
        ("BEGIN foo", SyntaxError_, 'syntax error at or near "foo"'),
        ("COMMIT foo", SyntaxError_, 'syntax error at or near "foo"'),
        ("ROLLBACK now", SyntaxError_, 'syntax error at or near "now"'),
        ("ROLLBACK TO SAVEPOINT a", FeatureNotSupported,
         "feature not supported on Duckshift: SAVEPOINT"),
        ("SAVEPOINT a", FeatureNotSupported, "feature not supported on Duckshift: SAVEPOINT"),
        ("RELEASE SAVEPOINT a", FeatureNotSupported,
         "feature not supported on Duckshift: SAVEPOINT"),
        ("SET foo", SyntaxError_, 'syntax error at or near "foo"'),
        ("SET foo 1", SyntaxError_, 'syntax error at or near "1"'),
        ("SET foo TO", SyntaxError_, "syntax error at end of input"),
        ("SET x TO -", SyntaxError_, "syntax error at end of input"),
        ("SET 'x' TO 1", SyntaxError_, 'syntax error at or near "x"'),
        ("SET x TO DEFAULT 1", SyntaxError_, 'syntax error at or near "1"'),
        ("RESET", SyntaxError_, "syntax error at end of input"),
        ("RESET ALL x", SyntaxError_, 'syntax error at or near "x"'),
        ("RESET a b", SyntaxError_, 'syntax error at or near "b"'),
        ("SHOW", SyntaxError_, "syntax error at end of input"),
        ("SHOW a b", SyntaxError_, 'syntax error at or near "b"'),
        ("SHOW USE x", SyntaxError_, 'syntax error at or near "x"'),
        ("SHOW TRANSACTION ISOLATION LEVEL x", SyntaxError_, 'syntax error at or near "x"'),
        ("SHOW MODEL m", FeatureNotSupported, "feature not supported on Duckshift: SHOW MODEL"),
        ("SHOW TABLE public.t", FeatureNotSupported,
         "feature not supported on Duckshift: SHOW TABLE"),
        ("SHOW GRANTS", FeatureNotSupported, "feature not supported on Duckshift: SHOW GRANTS"),
        ("USE", SyntaxError_, "syntax error at end of input"),
        ("USE 'dev'", SyntaxError_, 'syntax error at or near "dev"'),
        ("USE dev extra", SyntaxError_, 'syntax error at or near "extra"'),
        ("RESET USE x", SyntaxError_, 'syntax error at or near "x"'),
        ("DEALLOCATE", SyntaxError_, "syntax error at end of input"),
        ("DEALLOCATE a b", SyntaxError_, 'syntax error at or near "b"'),
        ("DEALLOCATE ALL x", SyntaxError_, 'syntax error at or near "x"'),
        ("DISCARD", SyntaxError_, "syntax error at end of input"),
        ("DISCARD ALL x", SyntaxError_, 'syntax error at or near "x"'),
        ("CREATE DATABASE", SyntaxError_, "syntax error at end of input"),
        ("CREATE DATABASE 'x'", SyntaxError_, 'syntax error at or near "x"'),
        ("CREATE DATABASE sales WITH CONNECTION LIMIT 3", FeatureNotSupported,
         "feature not supported on Duckshift: CREATE DATABASE option CONNECTION"),
        ("DROP DATABASE", SyntaxError_, "syntax error at end of input"),
        ("DROP DATABASE a b", SyntaxError_, 'syntax error at or near "b"'),
        ("EXPLAIN", SyntaxError_, "syntax error at end of input"),
        ("EXPLAIN VERBOSE", SyntaxError_, "syntax error at end of input"),
        ("EXPLAIN ANALYZE SELECT 1", FeatureNotSupported,
         "feature not supported on Duckshift: EXPLAIN ANALYZE"),
        ("COPY t FROM PROGRAM 'cat /etc/passwd'", FeatureNotSupported,
         "feature not supported on Duckshift: COPY FROM PROGRAM"),
        ("COPY t TO PROGRAM 'sh'", FeatureNotSupported,
         "feature not supported on Duckshift: COPY TO PROGRAM"),
        ("COPY t TO STDIN", SyntaxError_, 'syntax error at or near "STDIN"'),
        ("COPY t FROM STDOUT", SyntaxError_, 'syntax error at or near "STDOUT"'),
        ("COPY (SELECT 1) FROM STDIN", SyntaxError_, 'syntax error at or near "STDIN"'),
        ("COPY t STDIN", SyntaxError_, 'syntax error at or near "STDIN"'),
        ("COPY t FROM", SyntaxError_, "syntax error at end of input"),
        ("COPY", SyntaxError_, "syntax error at end of input"),
        ("COPY t FROM STDIN (FREEZE true)", FeatureNotSupported,
         'feature not supported on Duckshift: COPY option "FREEZE"'),
        ("COPY t FROM STDIN IGNOREHEADER 1", FeatureNotSupported,
         'feature not supported on Duckshift: COPY option "IGNOREHEADER"'),
    ],
)
def test_refused(sql: str, cls: type[SQLError], message: str) -> None:
    with pytest.raises(cls) as info:
        rec(sql)
    assert type(info.value) is cls
    assert info.value.message == message


@pytest.mark.parametrize(
    "sql",
    [
        "COPY t TO STDOUT CSV FORCE QUOTE a, b",
        "COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE (a, b))",
    ],
)
def test_force_quote_column_list(sql: str) -> None:
    cmd = rec(sql)
    assert isinstance(cmd, c.Copy)
    forced = cmd.options["force_quote"]
    assert isinstance(forced, str | tuple)
    assert "a" in forced and "b" in forced


def test_force_quote_parenthesised_single_column() -> None:
    cmd = rec("COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE (a))")
    assert isinstance(cmd, c.Copy)
    assert cmd.options["force_quote"] in ("a", ("a",))
