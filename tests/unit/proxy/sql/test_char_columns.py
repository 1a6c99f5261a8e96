"""References to CHAR(n) columns read as CHAR values (proxy/sql/transforms/char_columns.py),
run on a DuckDB whose tables were made by the dialect's own CREATE TABLE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from catalog.directory import Directory, read_char_columns
from catalog.errors import FeatureNotSupported
from engine import macros, table_metadata, time_zones
from proxy.sql.char_views import view_char_columns
from proxy.sql.context import Context
from tests.unit.session_database import translated

ALIAS = "__ds_ns__dev"
BASE = Context("ns", "dev", "alice", {"dev": ALIAS}, search_path=("main",))


def _context(con: duckdb.DuckDBPyConnection) -> Context:
    columns = read_char_columns(con, temporary=True)
    return Context("ns", "dev", "alice", {"dev": ALIAS}, char_columns=columns,
                   char_version=1, search_path=("main",))



@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    macros.install(c)
    time_zones.install(c)  # a view's casts of a TIMESTAMPTZ to text name the reader's offset
    c.execute(f"ATTACH ':memory:' AS {ALIAS}")
    c.execute(f"USE {ALIAS}.main")
    for sql in ("create table t (id int, c char(4), v varchar(8))",
                "create table u (d char(2), w varchar(8))"):
        c.execute(translated(sql, BASE))
    c.execute("INSERT INTO t VALUES (1, 'ab', 'ab'), (2, 'ab  ', 'ab '), (3, NULL, ''), "
              "(4, '', '')")
    c.execute("INSERT INTO u VALUES ('ab', 'x'), ('', 'y')")
    yield c
    c.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(translated(sql, _context(con))).fetchall()


def test_the_catalog_knows_char_columns(con: duckdb.DuckDBPyConnection) -> None:
    assert read_char_columns(con) == {(ALIAS, "main", "t"): {"c": 4},
                                      (ALIAS, "main", "u"): {"d": 2}}
    version, columns = Directory(con).char_columns()
    assert version == 1 and columns[(ALIAS, "main", "t")] == {"c": 4}


def test_result_columns_are_padded_bpchar(con: duckdb.DuckDBPyConnection) -> None:
    result = con.execute(translated("select c, * from t order by id", _context(con)))
    assert [str(d[1]) for d in result.description] == [
        "UNION(bpchar_4 VARCHAR)", "INTEGER", "UNION(bpchar_4 VARCHAR)", "VARCHAR"]
    assert [r[0] for r in result.fetchall()] == ["ab  ", "ab  ", None, "    "]


def test_comparisons_grouping_and_joins_ignore_trailing_blanks(
        con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "select id from t where c = 'ab ' order by id") == [(1,), (2,)]
    assert _rows(con, "select id from t where c = v order by id") == [(1,), (2,), (4,)]
    assert _rows(con, "select c, count(*) from t group by c order by 1") == [
        ("    ", 1), ("ab  ", 2), (None, 1)]
    assert _rows(con, "select t.id, u.w from t join u on t.c = u.d order by 1") == [
        (1, "x"), (2, "x"), (4, "y")]
    assert _rows(con, "select distinct c from t order by c") == [("    ",), ("ab  ",), (None,)]


def test_derived_tables_and_set_operations_keep_char(con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "with w as (select c from t where id = 2) select s.c from w s") == [
        ("ab  ",)]
    assert _rows(con, "select d from u union select c from t where id < 3 order by 1") == [
        ("    ",), ("ab  ",)]


def test_update_reads_the_target_and_keeps_the_set_column(
        con: duckdb.DuckDBPyConnection) -> None:
    sql = translated("update t set c = c || 'x' where c = 'ab '", _context(con))
    assert "UPDATE t SET c = " in sql
    con.execute(sql)
    assert con.execute("SELECT id, c FROM t WHERE id < 3 ORDER BY id").fetchall() == [
        (1, "abx"), (2, "abx")]


def test_temporary_table_comes_first(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(translated("create temp table u (d varchar(3), w char(3))", BASE))
    con.execute("INSERT INTO u VALUES ('a ', 'b')")
    assert _rows(con, "select d, w from u") == [("a ", "b  ")]


def test_other_tables_and_contexts_are_untouched(con: duckdb.DuckDBPyConnection) -> None:
    plain = "select v from t where v = 'ab '"
    assert translated(plain, _context(con)) == translated(plain, BASE)
    assert _context(con).key != BASE.key  # translations differ by the CHAR columns


def test_join_using_char_columns_ignores_trailing_blanks(
        con: duckdb.DuckDBPyConnection) -> None:
    con.execute(translated("create table w (c char(4), n int)", BASE))
    con.execute("INSERT INTO w VALUES ('ab', 7), ('    ', 8)")
    assert _rows(con, "select id, c, n from t join w using (c) order by id") == [
        (1, "ab  ", 7), (2, "ab  ", 7), (4, "    ", 8)]
    result = con.execute(translated("select * from t join w using (c) where id = 2",
                               _context(con)))
    assert [d[0] for d in result.description] == ["id", "c", "v", "n"]
    assert str(result.description[1][1]) == "UNION(bpchar_4 VARCHAR)"
    with pytest.raises(FeatureNotSupported, match="USING a CHAR column"):
        translated("select * from t join u using (d)", _context(con))


def test_merge_reads_char_columns_and_keeps_its_assignments(
        con: duckdb.DuckDBPyConnection) -> None:
    sql = translated("merge into t using u s on t.c = s.d when matched then update set v = s.d "
                "when not matched then insert (id, c) values (9, s.d)", _context(con))
    assert "SET v = " in sql and "INSERT (id, c)" in sql
    con.execute(sql)
    assert _rows(con, "select id, v from t where id in (1, 2, 9) order by id") == [
        (1, "ab"), (2, "ab")]
    assert _rows(con, "select v, length(v) from t where id = 4") == [("", 0)]


def test_update_set_from_a_char_column_assigns(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(translated("update t set v = c where id = 2", _context(con)))
    assert con.execute("SELECT v FROM t WHERE id = 2").fetchall() == [("ab",)]


def test_views_have_char_columns(con: duckdb.DuckDBPyConnection) -> None:
    table_metadata.ensure(con, ALIAS)  # CREATE VIEW keeps which views bind late
    for sql in ("create view v1 as select id, c from t",
                "create view v2 (x, y) as select id, c from t",
                "create view v3 as select * from t",
                "create view v4 as select c from t union select 'z'::char(6)",
                "create view v5 as select upper(c) as c from t"):
        con.execute(translated(sql, _context(con)))
    views = {k[2]: v for k, v in read_char_columns(con, views=view_char_columns).items()
             if k[2].startswith("v")}
    assert views == {"v1": {"c": 4}, "v2": {"y": 4}, "v3": {"c": 4}, "v4": {"c": 6}}
    assert read_char_columns(con) == {(ALIAS, "main", "t"): {"c": 4},
                                      (ALIAS, "main", "u"): {"d": 2}}
    ctx = Context("ns", "dev", "alice", {"dev": ALIAS},
                  char_columns=read_char_columns(con, views=view_char_columns),
                  char_version=3, search_path=("main",))
    assert con.execute(translated("select id from v1 where c = 'ab ' order by id", ctx)
                       ).fetchall() == [(1,), (2,)]
    with pytest.raises(FeatureNotSupported, match="a view with a list of column names"):
        translated("create view v6 (a) as select * from t", ctx)
