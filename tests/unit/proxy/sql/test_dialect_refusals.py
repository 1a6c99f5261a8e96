"""Refusals: what Redshift lacks fails with its SQLSTATE; DDL attributes; GETDATE/ADD_MONTHS."""

from __future__ import annotations

import pytest
from sqlglot import exp, parse_one

from catalog.errors import FeatureNotSupported, SQLError, SyntaxError_, UndefinedObject
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("insert into t values (1) returning a", SyntaxError_),
        ("insert into t values (1) on conflict do nothing", SyntaxError_),
        ("update t set a = 1 returning a", SyntaxError_),
        ("from t", SyntaxError_),
        ("select * replace (1 as a) from t", SyntaxError_),
        ("select * exclude a, upper(b) from t", SyntaxError_),
        ("select a, * exclude a from t", FeatureNotSupported),
        ("create table t (a varchar(5) collate case_insensitive)", FeatureNotSupported),
        ("select collate(a, 'ci') from t", FeatureNotSupported),
        ("select collate(a, 'french') from t", UndefinedObject),
        ("analyze compression t", FeatureNotSupported),
        ("create schema s quota 5 gb", FeatureNotSupported),
        ("select columns('a') from t", SyntaxError_),
        ("select [1, 2]", SyntaxError_),
        ("select a from t where a in [1]", SyntaxError_),
        ("select {'a': 1}", SyntaxError_),
        ("create index i on t (a)", FeatureNotSupported),
        ("create sequence s", FeatureNotSupported),
        ("create table t (a int[])", FeatureNotSupported),
        ("create table t (a int check (a > 0))", FeatureNotSupported),
        ("alter table t add constraint c check (a > 0)", FeatureNotSupported),
    ],
)
def test_refused(sql: str, error: type[SQLError]) -> None:
    with pytest.raises(error):
        duck(sql)


def test_case_sensitive_collation_and_unlimited_quota_are_dropped() -> None:
    assert duck("select collate(a, 'case_sensitive') from t") == 'SELECT a AS "collate" FROM t'
    assert "COLLATE" not in duck("create table t (a varchar(5) collate cs)")
    assert duck("create schema s quota unlimited") == "CREATE SCHEMA s"


def test_exclude_takes_the_names_after_it() -> None:
    assert duck("select * exclude a, b from t") == "SELECT * EXCLUDE (a, b) FROM t"
    assert duck("select t.* exclude (a) from t") == "SELECT t.* EXCLUDE (a) FROM t"


def test_subscripts_and_array_constructor_pass() -> None:
    assert duck("select array[1, 2]")
    assert duck("select c[0] from t")


def without_length_checks(sql: str) -> str:
    """DuckDB SQL without the CHECKs that enforce character lengths (character_lengths)."""
    tree = parse_one(sql, read="duckdb")
    for check in list(tree.find_all(exp.CheckColumnConstraint)):
        check.parent.pop()
    return tree.sql("duckdb")


def same_sql(sql: str) -> str:
    """DuckDB SQL as ``without_length_checks`` prints it (sqlglot drops TEXT lengths)."""
    return parse_one(sql, read="duckdb").sql("duckdb")


def created(sql: str) -> str:
    """The CREATE TABLE among the statements ``sql`` translates to (the others keep its
    attributes as table metadata)."""
    return next(s for s in duck(sql).split("; ") if s.startswith("CREATE TABLE"))


def test_table_attributes_dropped() -> None:
    out = without_length_checks(created(
        "create table t (a int encode az64 distkey sortkey, b varchar, c char, d text, "
        "e varchar(max)) diststyle key distkey(a) interleaved sortkey (a, b) backup no"
    ))
    assert out == same_sql(
        "CREATE TABLE t (a INT, b TEXT(256), c TEXT(1), d TEXT(256), e TEXT)"
    )
    assert created("create table t (a int) sortkey auto encode auto") == "CREATE TABLE t (a INT)"


def test_column_named_distkey_is_kept() -> None:
    assert duck("create table t (distkey int, sortkey int)") == (
        "CREATE TABLE t (distkey INT, sortkey INT)"
    )


def test_getdate_and_add_months_keep_their_names() -> None:
    assert duck("select getdate()").endswith('AS "getdate"')
    assert "DATE_TRUNC('second'" in duck("select getdate()")
    out = duck("select add_months(d, 1) from t")
    assert "LAST_DAY" in out and out.endswith('AS "add_months" FROM t')
    assert "sqlglot.anonymous" not in out


@pytest.mark.parametrize(
    ("sql", "error", "words"),
    [
        ("select sum(a) over (order by b) from t", FeatureNotSupported, "require a frame"),
        ("select count(*) over (partition by a order by b) from t", FeatureNotSupported,
         "require a frame"),
        ("select first_value(a ignore nulls) over (order by b) from t", FeatureNotSupported,
         "require a frame"),
        ("select count(distinct a) over () from t", FeatureNotSupported, "DISTINCT"),
        ("select sum(a) over (order by b range between unbounded preceding and current row) "
         "from t", SyntaxError_, '"range"'),
        ("select median(a) over (order by b) from t", FeatureNotSupported, "MEDIAN"),
        ("select ratio_to_report(a) over (order by b) from t", FeatureNotSupported,
         "RATIO_TO_REPORT"),
    ],
)
def test_window_clauses_redshift_refuses(sql: str, error: type[SQLError], words: str) -> None:
    with pytest.raises(error, match=words):
        duck(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "select sum(a) over (partition by b) from t",
        "select sum(a) over (order by b rows unbounded preceding) from t",
        "select row_number() over (order by b), rank() over (order by b) from t",
        "select lag(a) over (order by b), ntile(4) over (order by b) from t",
        "select listagg(distinct a, ',') within group (order by a) over (partition by b) from t",
        "select median(a) over (partition by b) from t",
    ],
)
def test_window_clauses_redshift_takes(sql: str) -> None:
    assert "OVER" in duck(sql)


def test_rows_following_shorthand_is_bounded_by_the_current_row() -> None:
    assert "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING" in duck(
        "select sum(a) over (order by b rows unbounded following) from t").upper()
    assert "ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING" in duck(
        "select sum(a) over (order by b rows 2 following) from t").upper()


def test_keys_are_not_given_to_duckdb() -> None:
    sql = duck("create table t (a int primary key, b int unique references u (x), "
               "c int, unique (b, c))")
    create = next(p for p in sql.split("; ") if p.startswith("CREATE TABLE"))
    assert create == "CREATE TABLE t (a INT NOT NULL, b INT, c INT)"
    assert "'t_pkey', 'PRIMARY KEY'" in sql and "'t_b_c_key', 'UNIQUE'" in sql
    assert "'t_b_fkey', 'FOREIGN KEY'" in sql
