"""Tests for proxy/sql/pipeline.py and its transforms: translate, classify, StatementCache."""

from __future__ import annotations

import pytest
from sqlglot import exp, parse_one

from catalog.errors import (
    FeatureNotSupported,
    InvalidCatalogName,
    SyntaxError_,
    UndefinedTable,
)
from proxy.sql import commands
from proxy.sql.context import Context
from proxy.sql.pipeline import Statement, StatementCache, parse, translate
from proxy.sql.split import split
from proxy.sql.transforms.session_functions import VERSION_STRING

DATABASES = {"dev": "__ds_ns__dev", "sales": "__ds_ns__sales"}
CTX = Context("ns", "dev", "alice", DATABASES)


def tr(sql: str, ctx: Context = CTX) -> Statement:
    """Translate the first statement of ``sql``."""
    return translate(split(sql)[0], ctx)


# -- classification ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "stype", "tag", "returns_rows", "counts_rows"),
    [
        ("SELECT 1", "SELECT", "SELECT", True, True),
        ("select a from t where b > 1 order by a limit 3", "SELECT", "SELECT", True, True),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "SELECT", "SELECT", True, True),
        ("SELECT 1 UNION ALL SELECT 2", "SELECT", "SELECT", True, True),
        ("SELECT 1 INTERSECT SELECT 2", "SELECT", "SELECT", True, True),
        ("INSERT INTO t VALUES (1)", "INSERT", "INSERT 0", False, True),
        ("INSERT INTO t SELECT * FROM u", "INSERT", "INSERT 0", False, True),
        ("UPDATE t SET a = 1", "UPDATE", "UPDATE", False, True),
        ("DELETE FROM t WHERE a = 1", "DELETE", "DELETE", False, True),
        ("MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DELETE", "MERGE", "MERGE",
         False, True),
        ("CREATE TABLE t (a INT)", "DDL", "CREATE TABLE", False, False),
        ("CREATE TEMP TABLE t (a INT)", "DDL", "CREATE TABLE", False, False),
        ("CREATE TABLE t AS SELECT 1 AS a", "CTAS", "SELECT", False, True),
        ("CREATE VIEW v AS SELECT 1", "DDL", "CREATE VIEW", False, False),
        ("CREATE MATERIALIZED VIEW v AS SELECT 1 AS a", "DDL", "CREATE MATERIALIZED VIEW",
         False, False),
        ("CREATE MATERIALIZED VIEW v AUTO REFRESH YES AS SELECT 1 AS a", "DDL",
         "CREATE MATERIALIZED VIEW", False, False),
        ("CREATE SCHEMA s", "DDL", "CREATE SCHEMA", False, False),
        ("DROP TABLE t", "DDL", "DROP TABLE", False, False),
        ("DROP VIEW v", "DDL", "DROP VIEW", False, False),
        ("DROP MATERIALIZED VIEW v", "DDL", "DROP MATERIALIZED VIEW", False, False),
        ("DROP SCHEMA s", "DDL", "DROP SCHEMA", False, False),
        ("ALTER TABLE t ADD COLUMN b INT", "DDL", "ALTER TABLE", False, False),
        ("TRUNCATE t", "DDL", "TRUNCATE TABLE", False, False),
        ("TRUNCATE TABLE t", "DDL", "TRUNCATE TABLE", False, False),
        ("ANALYZE t", "UTILITY", "ANALYZE", False, False),
        ("COMMENT ON TABLE t IS 'x'", "DDL", "COMMENT", False, False),
    ],
)
def test_classify_sql(sql: str, stype: str, tag: str, returns_rows: bool,
                      counts_rows: bool) -> None:
    st = tr(sql)
    assert (st.statement_type, st.tag, st.returns_rows, st.counts_rows) == (
        stype, tag, returns_rows, counts_rows
    )
    assert st.command is None
    assert st.duck_sql is not None
    assert st.text == split(sql)[0].text


@pytest.mark.parametrize(
    ("sql", "stype", "tag", "returns_rows", "cls"),
    [
        ("BEGIN", "UTILITY", "BEGIN", False, commands.Begin),
        ("START TRANSACTION", "UTILITY", "BEGIN", False, commands.Begin),
        ("COMMIT", "UTILITY", "COMMIT", False, commands.Commit),
        ("END", "UTILITY", "COMMIT", False, commands.Commit),
        ("ROLLBACK", "UTILITY", "ROLLBACK", False, commands.Rollback),
        ("ABORT", "UTILITY", "ROLLBACK", False, commands.Rollback),
        ("SET a TO 1", "UTILITY", "SET", False, commands.SetParam),
        ("SET TIME ZONE 'UTC'", "UTILITY", "SET", False, commands.SetParam),
        ("RESET ALL", "UTILITY", "RESET", False, commands.ResetParam),
        ("SHOW search_path", "UTILITY", "SHOW", True, commands.ShowParam),
        ("SHOW TRANSACTION ISOLATION LEVEL", "UTILITY", "SHOW", True, commands.ShowParam),
        ("USE dev", "UTILITY", "USE", False, commands.UseDatabase),
        ("RESET USE", "UTILITY", "USE", False, commands.UseDatabase),
        ("SHOW USE", "UTILITY", "SHOW", True, commands.ShowUse),
        ("DEALLOCATE ALL", "UTILITY", "DEALLOCATE", False, commands.Deallocate),
        ("DEALLOCATE PREPARE s", "UTILITY", "DEALLOCATE", False, commands.Deallocate),
        ("DISCARD ALL", "UTILITY", "DISCARD ALL", False, commands.Discard),
        ("CREATE DATABASE x", "DDL", "CREATE DATABASE", False, commands.CreateDatabase),
        ("DROP DATABASE x", "DDL", "DROP DATABASE", False, commands.DropDatabase),
        ("EXPLAIN SELECT 1", "EXPLAIN", "EXPLAIN", True, commands.Explain),
        ("VACUUM", "UTILITY", "VACUUM", False, commands.Vacuum),
        ("COPY t FROM STDIN", "COPY", "COPY", False, commands.Copy),
        ("COPY t TO STDOUT", "COPY", "COPY", False, commands.Copy),
    ],
)
def test_classify_commands(sql: str, stype: str, tag: str, returns_rows: bool,
                           cls: type) -> None:
    st = tr(sql)
    assert (st.statement_type, st.tag, st.returns_rows, st.counts_rows) == (
        stype, tag, returns_rows, False
    )
    assert isinstance(st.command, cls)
    assert st.duck_sql is None


@pytest.mark.parametrize(
    ("sql", "tag"),
    [
        ("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET"),
        ("SET TRANSACTION READ ONLY", "SET"),
    ],
)
def test_noop_commands_translate(sql: str, tag: str) -> None:
    st = tr(sql)
    assert (st.statement_type, st.tag) == ("UTILITY", tag)
    assert st.command == commands.NoOp(tag)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CREATE FUNCTION f(int) RETURNS int STABLE AS 'return 1' LANGUAGE plpythonu",
         "feature not supported on Duckshift: CREATE FUNCTION ... LANGUAGE plpythonu "
         "(only SQL UDFs)"),
        ("CREATE TEMP FUNCTION f(int) RETURNS int AS 'select 1' LANGUAGE sql",
         "feature not supported on Duckshift: CREATE FUNCTION in this form"),
    ],
)
def test_unsupported_statements(sql: str, message: str) -> None:
    with pytest.raises(FeatureNotSupported) as info:
        tr(sql)
    assert info.value.sqlstate == "0A000"
    assert info.value.message == message


# -- database names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "duck_sql"),
    [
        ("SELECT * FROM dev.public.t", 'SELECT * FROM "__ds_ns__dev".public.t'),
        ('SELECT * FROM "dev".public.t', 'SELECT * FROM "__ds_ns__dev".public.t'),
        ("SELECT * FROM sales.public.t JOIN dev.public.u ON TRUE",
         'SELECT * FROM "__ds_ns__sales".public.t JOIN "__ds_ns__dev".public.u ON TRUE'),
        ("INSERT INTO dev.public.t SELECT * FROM sales.public.u",
         'INSERT INTO "__ds_ns__dev".public.t SELECT * FROM "__ds_ns__sales".public.u'),
        ("CREATE TABLE sales.public.t (a INT)", 'CREATE TABLE "__ds_ns__sales".public.t (a INT)'),
        ("SELECT * FROM (SELECT * FROM sales.s.t) AS q", 'SELECT * FROM (SELECT * FROM '
         '"__ds_ns__sales".s.t) AS q'),
        # Two-part and one-part names are left to the search path.
        ("SELECT * FROM public.t", "SELECT * FROM public.t"),
        ("SELECT * FROM t", "SELECT * FROM t"),
    ],
)
def test_three_part_names_map_to_aliases(sql: str, duck_sql: str) -> None:
    # The statement itself, after any companion (an INSERT's identity check runs first).
    translated = tr(sql).duck_sql
    assert translated is not None
    assert translated.rsplit("; ", 1)[-1] == duck_sql


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("SELECT * FROM nope.public.t", "nope"),
        ("SELECT * FROM dev.public.t, other.public.u", "other"),
        ("DROP TABLE nope.public.t", "nope"),
    ],
)
def test_unknown_database_is_3d000(sql: str, name: str) -> None:
    with pytest.raises(InvalidCatalogName) as info:
        tr(sql)
    assert info.value.sqlstate == "3D000"
    assert info.value.message == f'database "{name}" does not exist'


def test_databases_come_from_the_context() -> None:
    other = Context("ns", "dev", "alice", {"dev": "__ds_other__dev"})
    assert tr("SELECT * FROM dev.s.t", other).duck_sql == 'SELECT * FROM "__ds_other__dev".s.t'
    with pytest.raises(InvalidCatalogName):
        tr("SELECT * FROM sales.s.t", other)


def test_unquoted_database_name_folds_to_lower_case() -> None:
    assert tr("SELECT * FROM DEV.public.t").duck_sql == 'SELECT * FROM "__ds_ns__dev".public.t'


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("SELECT * FROM __ds_system.main.users", "__ds_system"),
        ('SELECT * FROM "__ds_ns__dev".public.t', "__ds_ns__dev"),
        # Quoted names fold to lower case too (enable_case_sensitive_identifier is off).
        ('SELECT * FROM "__DS_system".main.users', "__ds_system"),
        ("SELECT * FROM dev.__ds_s.t", "__ds_s"),
        ("SELECT * FROM __ds_ns__sales", "__ds_ns__sales"),
        ("SELECT __ds_x FROM t", "__ds_x"),
        ("SELECT * FROM t AS __ds_x", "__ds_x"),
        ("INSERT INTO __ds_system.main.users VALUES (1)", "__ds_system"),
        ("DROP TABLE __ds_system.main.users", "__ds_system"),
    ],
)
def test_internal_alias_names_are_refused(sql: str, name: str) -> None:
    with pytest.raises(UndefinedTable) as info:
        tr(sql)
    assert info.value.sqlstate == "42P01"
    assert info.value.message == f'relation "{name}" does not exist'


# -- session functions and types ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "duck_sql"),
    [
        ("SELECT version()", f"SELECT '{VERSION_STRING}' AS \"version\""),
        ("SELECT VERSION()", f"SELECT '{VERSION_STRING}' AS \"version\""),
        ("SELECT pg_catalog.version()", f"SELECT '{VERSION_STRING}' AS \"version\""),
        ("SELECT current_user", "SELECT 'alice' AS \"current_user\""),
        ("SELECT session_user", "SELECT 'alice' AS \"session_user\""),
        ("SELECT user", "SELECT 'alice' AS \"current_user\""),
        ("SELECT current_database()", "SELECT 'dev' AS \"current_database\""),
        ("SELECT a FROM t WHERE u = current_user", "SELECT a FROM t WHERE u = 'alice'"),
    ],
)
def test_session_functions_become_literals(sql: str, duck_sql: str) -> None:
    assert tr(sql).duck_sql == duck_sql


def test_version_string_names_postgresql_and_redshift() -> None:
    assert VERSION_STRING.startswith("PostgreSQL 8.0.2 on ")
    assert "Redshift 1.0." in VERSION_STRING


def test_session_literals_follow_the_context() -> None:
    ctx = Context("ns", "sales", "bob", DATABASES)
    assert tr("SELECT current_user, current_database()", ctx).duck_sql == (
        "SELECT 'bob' AS \"current_user\", 'sales' AS \"current_database\""
    )


@pytest.mark.parametrize(
    ("sql", "duck_sql"),
    [
        ("CREATE TABLE t (a VARCHAR(MAX))", "CREATE TABLE t (a TEXT)"),
        ("CREATE TABLE t (a varchar(max))", "CREATE TABLE t (a TEXT)"),
        ("CREATE TABLE t (a NVARCHAR(MAX))", "CREATE TABLE t (a TEXT)"),
        ("CREATE TABLE t (a CHARACTER VARYING(MAX))", "CREATE TABLE t (a TEXT)"),
        ("CREATE TABLE t (a SUPER)", "CREATE TABLE t (a JSON)"),
        ("CREATE TABLE t (a VARCHAR(10))", "CREATE TABLE t (a TEXT(10))"),
        # An explicit cast truncates to the declared length (VARCHAR(MAX): 65535 bytes); a
        # VARBYTE operand would be read as UTF-8.
        ("SELECT CAST(x AS VARCHAR(MAX)) FROM t",
         'SELECT memory.main.__ds_cut(CAST(memory.main.__ds_text(x) AS TEXT), 65535) AS "x" '
         "FROM t"),
        ("SELECT a::super FROM t", 'SELECT memory.main.__ds_super(a) AS "a" FROM t'),
        ("ALTER TABLE t ADD COLUMN b SUPER", "ALTER TABLE t ADD COLUMN b JSON"),
    ],
)
def test_type_mapping(sql: str, duck_sql: str) -> None:
    # Without the CHECKs that enforce character lengths (test_dialect_character_lengths.py).
    tree = parse_one(tr(sql).duck_sql or "", read="duckdb")
    for check in list(tree.find_all(exp.CheckColumnConstraint)):
        check.parent.pop()
    assert tree.sql("duckdb") == parse_one(duck_sql, read="duckdb").sql("duckdb")


# -- parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "nparams"),
    [
        ("SELECT 1", 0),
        ("SELECT $1", 1),
        ("SELECT $1, $2 FROM t WHERE a = $3", 3),
        ("SELECT $2", 2),
        ("SELECT $1 FROM t WHERE a = $10", 10),
        ("SELECT '$1'", 0),
    ],
)
def test_parameter_count(sql: str, nparams: int) -> None:
    assert tr(sql).nparams == nparams


def test_question_mark_placeholder_is_a_syntax_error() -> None:
    with pytest.raises(SyntaxError_) as info:
        tr("SELECT ? FROM t")
    assert info.value.message == 'syntax error at or near "?"'


# -- syntax errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "near"),
    [
        ("SELEC 1", "1"),
        ("SELECT * FROM", "FROM"),
        ("SELECT 1 +", "+"),
        ("SELECT (1", "1"),
        ("select a from t where", "where"),
        ("SELECT 1 FROM t WHERE a = 'x' AND AND b", "AND"),
        ("SELECT $1 FROM WHERE", "WHERE"),
        ("SELECT é, 1 FROM t WHERE AND", "AND"),
    ],
)
def test_syntax_error_has_sqlstate_and_position(sql: str, near: str) -> None:
    with pytest.raises(SyntaxError_) as info:
        tr(sql)
    err = info.value
    assert err.sqlstate == "42601"
    assert err.message == f'syntax error at or near "{near}"'
    assert err.position is not None
    # P is the 1-based character position where the offending token starts.
    assert sql[err.position - 1 :].startswith(near)


def test_syntax_error_position_counts_earlier_lines() -> None:
    sql = "SELECT a\nFROM t\nWHERE AND b"
    with pytest.raises(SyntaxError_) as info:
        parse(sql)
    assert info.value.position == len("SELECT a\nFROM t\nWHERE AND ") + 1


@pytest.mark.parametrize("sql", ["", "select 1; select 2"])
def test_parse_wants_exactly_one_statement(sql: str) -> None:
    with pytest.raises(SyntaxError_) as info:
        parse(sql)
    assert info.value.message == "syntax error at end of input"


# -- the statement cache -----------------------------------------------------------------


def test_cache_counts_hits_and_misses() -> None:
    cache = StatementCache()
    first = cache.get("SELECT 1; SELECT 2", CTX)
    assert [s.duck_sql for s in first] == ['SELECT 1 AS "?column?"', 'SELECT 2 AS "?column?"']
    assert (cache.hits, cache.misses) == (0, 1)
    again = cache.get("SELECT 1; SELECT 2", CTX)
    assert again is first
    assert (cache.hits, cache.misses) == (1, 1)
    cache.get("SELECT 1;  SELECT 2", CTX)  # different text, different entry
    assert (cache.hits, cache.misses) == (1, 2)


def test_empty_query_is_cached_as_no_statements() -> None:
    cache = StatementCache()
    assert cache.get("  ;  ", CTX) == []
    assert cache.get("  ;  ", CTX) == []
    assert (cache.hits, cache.misses) == (1, 1)


@pytest.mark.parametrize(
    "other",
    [
        Context("ns2", "dev", "alice", DATABASES),
        Context("ns", "sales", "alice", DATABASES),
        Context("ns", "dev", "bob", DATABASES),
        Context("ns", "dev", "alice", DATABASES, generation=1),
    ],
)
def test_different_contexts_do_not_share_entries(other: Context) -> None:
    cache = StatementCache()
    sql = "SELECT current_user, current_database() FROM dev.public.t"
    mine = cache.get(sql, CTX)
    theirs = cache.get(sql, other)
    assert (cache.hits, cache.misses) == (0, 2)
    assert theirs is not mine
    assert cache.get(sql, CTX) is mine
    assert cache.get(sql, other) is theirs
    assert (cache.hits, cache.misses) == (2, 2)


def test_context_key_ignores_the_database_mapping() -> None:
    # The mapping is covered by the generation counter, not compared itself.
    cache = StatementCache()
    cache.get("SELECT * FROM dev.s.t", CTX)
    same_key = Context("ns", "dev", "alice", {"dev": "__ds_elsewhere"})
    assert same_key.key == CTX.key
    cache.get("SELECT * FROM dev.s.t", same_key)
    assert cache.hits == 1


def test_generation_bump_retranslates_with_new_databases() -> None:
    cache = StatementCache()
    with pytest.raises(InvalidCatalogName):
        cache.get("SELECT * FROM new.s.t", CTX)
    bumped = Context("ns", "dev", "alice", {**DATABASES, "new": "__ds_ns__new"}, generation=1)
    (st,) = cache.get("SELECT * FROM new.s.t", bumped)
    assert st.duck_sql == 'SELECT * FROM "__ds_ns__new".s.t'


def test_errors_are_not_cached() -> None:
    cache = StatementCache()
    for _ in range(3):
        with pytest.raises(SyntaxError_):
            cache.get("SELEC 1", CTX)
    assert (cache.hits, cache.misses) == (0, 3)


def test_cache_evicts_least_recently_used() -> None:
    cache = StatementCache(size=2)
    a = cache.get("SELECT 1", CTX)
    cache.get("SELECT 2", CTX)
    assert cache.get("SELECT 1", CTX) is a  # hit: "SELECT 1" is now most recent
    cache.get("SELECT 3", CTX)  # evicts "SELECT 2"
    assert cache.get("SELECT 1", CTX) is a
    hits = cache.hits
    cache.get("SELECT 2", CTX)
    assert cache.hits == hits
    assert cache.misses == 4


@pytest.mark.parametrize(
    ("sql", "tag"),
    [
        ("SET SESSION AUTHORIZATION bob", "SET"),
        ("SET SESSION AUTHORIZATION DEFAULT", "SET"),
        ("RESET SESSION AUTHORIZATION", "RESET"),
        ("GRANT SELECT ON t TO bob", "GRANT"),
        ("REVOKE ROLE r FROM bob", "REVOKE"),
        ("CREATE USER bob PASSWORD 'Abcdefg1'", "CREATE USER"),
    ],
)
def test_access_commands_translate(sql: str, tag: str) -> None:
    st = tr(sql)
    assert st.tag == tag
    assert st.duck_sql is None


def test_statement_cache_is_bounded_by_characters() -> None:
    from proxy.sql.pipeline import StatementCache

    cache = StatementCache(size=100, max_chars=400)
    ctx = CTX
    for i in range(20):
        cache.get(f"SELECT {i}, '{'x' * 40}'", ctx)
    assert sum(len(sql) for sql, _ in cache._items) <= 400
    # A text bigger than a quarter of the budget is translated but not kept.
    cache.get("SELECT '" + "y" * 200 + "'", ctx)
    assert all("yyyy" not in sql for sql, _ in cache._items)


@pytest.mark.parametrize(
    ("sql", "compute"),
    [
        ("select 1", False),
        ("select pg_last_query_id()", False),
        ("select relname from pg_class", False),
        ("with c as (select 1 as x) select x from c", False),
        ("create table t (a int)", False),
        ("set datestyle to 'ISO, MDY'", False),
        ("select * from sales", True),
        ("insert into t values (1)", True),
        ("select count(*) from stl_query", True),
        ("select count(*) from sys_query_history", True),
        ("create table t2 as select * from sales", True),
        ("copy sales from stdin", True),
    ],
)
def test_statements_redshift_runs_on_its_compute_nodes(sql: str, compute: bool) -> None:
    # PG_LAST_QUERY_ID names only these (Redshift: leader node-only queries have no id).
    assert tr(sql).compute is compute
