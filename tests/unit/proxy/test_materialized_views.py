"""Materialized views' rows, refreshes and hidden parts (run on DuckDB with a database attached
as the session's), and the REFRESH / ALTER MATERIALIZED VIEW grammar."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import duckdb
import pytest

from catalog.errors import (
    DependentObjectsStillExist,
    FeatureNotSupported,
    SyntaxError_,
    WrongObjectType,
)
from engine import table_metadata
from proxy import late_ddl
from proxy import materialized_views as mvs
from proxy.sql import materialized
from proxy.sql.char_views import view_char_columns
from proxy.sql.context import Context
from proxy.sql.late import AlterAutoRefresh, CreateView, Place, RefreshView
from proxy.sql.pipeline import StatementCache
from proxy.sql.split import split
from tests.unit.session_database import ALIAS, CTX, run, session_database


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = session_database()
    run(con, "create table t (k varchar(5), v int)")
    run(con, "insert into t values ('a', 1), ('b', 2)")
    yield con
    con.close()


def execute(con: duckdb.DuckDBPyConnection, sql: str, ctx: Context = CTX) -> None:
    """Run one Redshift statement as the server would, its late SQL made first."""
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None
    text = stmt.duck_sql
    if isinstance(stmt.late, CreateView):
        text = mvs.create_sql(con, stmt.late, text)
    elif stmt.late is not None:
        text, _ = late_ddl._with_views(con, stmt.late, text)  # type: ignore[arg-type]
    con.execute(text)


def found(con: duckdb.DuckDBPyConnection, name: str) -> mvs.Materialized:
    _, mv = late_ddl.materialized_view(con, Place(ALIAS, None, name))
    assert mv is not None
    return mv


def meta_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT view_name, autorefresh, stale FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.MATERIALIZED_VIEWS)} ORDER BY 1"
    ).fetchall()


def hidden(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '__ds_mv') "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE starts_with(view_name, '__ds_mv')"
    ).fetchall()]


def test_rows_are_stored_until_refreshed(con: duckdb.DuckDBPyConnection) -> None:
    execute(con, "create materialized view m as select k, sum(v) as s from t group by k")
    assert con.execute("SELECT * FROM m ORDER BY k").fetchall() == [("a", 1), ("b", 2)]
    run(con, "insert into t values ('a', 10)")
    assert con.execute("SELECT * FROM m ORDER BY k").fetchall() == [("a", 1), ("b", 2)]
    assert meta_rows(con) == [("m", False, False)]
    assert mvs.after_writes(con.cursor(), ALIAS, [("public", "t")])
    assert meta_rows(con) == [("m", False, True)]  # stale, not refreshed
    mvs.refresh(con.cursor(), found(con, "m"), cascade=False)
    assert con.execute("SELECT * FROM m ORDER BY k").fetchall() == [("a", 11), ("b", 2)]
    assert meta_rows(con) == [("m", False, False)]
    assert len(hidden(con)) == 2


def test_auto_refresh_after_writes_to_a_base_only(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create table other (x int)")
    execute(con, "create materialized view m auto refresh yes as select count(*) as n from t")
    run(con, "insert into t values ('c', 3)")
    mvs.after_writes(con.cursor(), ALIAS, [("public", "other")])
    assert con.execute("SELECT n FROM m").fetchall() == [(2,)]
    mvs.after_writes(con.cursor(), ALIAS, [("public", "t")])
    assert con.execute("SELECT n FROM m").fetchall() == [(3,)]
    assert meta_rows(con) == [("m", True, False)]


def test_refresh_cascade_refreshes_the_materialized_views_it_reads_first(
        con: duckdb.DuckDBPyConnection) -> None:
    # Redshift's nested materialized views: u <- v <- w; REFRESH v CASCADE refreshes u, then
    # v, in one transaction, and leaves w (over v) stale.
    execute(con, "create materialized view u as select v from t")
    execute(con, "create materialized view v as select sum(v) as s from u")
    execute(con, "create materialized view w as select s * 10 as s10 from v")
    run(con, "insert into t values ('c', 3)")
    mvs.refresh(con.cursor(), found(con, "v"), cascade=False)
    assert con.execute("SELECT s FROM v").fetchall() == [(3,)]  # from u's stored rows
    assert meta_rows(con) == [("u", False, False), ("v", False, False), ("w", False, True)]
    mvs.refresh(con.cursor(), found(con, "v"), cascade=True)
    assert con.execute("SELECT s FROM v").fetchall() == [(6,)]
    assert con.execute("SELECT s10 FROM w").fetchall() == [(30,)]
    assert meta_rows(con) == [("u", False, False), ("v", False, False), ("w", False, True)]
    mvs.refresh(con.cursor(), found(con, "u"), cascade=True)  # nothing under u
    assert meta_rows(con) == [("u", False, False), ("v", False, True), ("w", False, True)]


def test_auto_refresh_follows_through_materialized_views_over_it(
        con: duckdb.DuckDBPyConnection) -> None:
    execute(con, "create materialized view u auto refresh yes as select v from t")
    execute(con, "create materialized view v auto refresh yes as select sum(v) as s from u")
    execute(con, "create materialized view w as select s from v")
    run(con, "insert into t values ('c', 3)")
    mvs.after_writes(con.cursor(), ALIAS, [("public", "t")], next_xid=lambda: 42)
    assert con.execute("SELECT s FROM v").fetchall() == [(6,)]
    assert meta_rows(con) == [("u", True, False), ("v", True, False), ("w", False, True)]
    assert con.execute(
        "SELECT view_name, user_name, xid, status, refresh_type FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.MV_REFRESHES)} ORDER BY start_time"
    ).fetchall() == [("u", None, 42, mvs.RECOMPUTED, "Auto"),
                     ("v", None, 42, mvs.RECOMPUTED, "Auto")]


def test_refresh_in_the_transaction_that_made_it(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN TRANSACTION")
    execute(con, "create materialized view m as select count(*) as n from t")
    run(con, "insert into t values ('c', 3)")
    mvs.refresh(con, found(con, "m"), False, mvs.Run("alice", 7, 9), own_transaction=False)
    assert con.execute("SELECT n FROM m").fetchall() == [(3,)]
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'm'"
                       ).fetchall() == [(0,)]
    assert con.execute(
        f"SELECT count(*) FROM {table_metadata.qualified(ALIAS, table_metadata.MV_REFRESHES)}"
    ).fetchall() == [(0,)]


def test_drop_goes_with_the_hidden_parts(con: duckdb.DuckDBPyConnection) -> None:
    execute(con, "create materialized view m as select v from t")
    with pytest.raises(DependentObjectsStillExist) as info:
        execute(con, "drop table t")
    assert info.value.detail == "materialized view m depends on table t"
    execute(con, "drop materialized view m")
    assert hidden(con) == [] and meta_rows(con) == []
    execute(con, "create materialized view m as select v from t")
    execute(con, "drop table t cascade")
    assert hidden(con) == [] and meta_rows(con) == []


def test_drop_materialized_view_of_a_plain_view(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "create view p as select v from t")
    with pytest.raises(WrongObjectType):
        execute(con, "drop materialized view if exists p")


def test_a_view_replacing_a_materialized_view(con: duckdb.DuckDBPyConnection) -> None:
    execute(con, "create materialized view m as select v from t")
    execute(con, "create or replace view m as select 1 as one")
    assert hidden(con) == [] and meta_rows(con) == []
    with pytest.raises(WrongObjectType):
        late_ddl.materialized_view(con, Place(ALIAS, None, "m"))


def test_renamed_base_is_followed(con: duckdb.DuckDBPyConnection) -> None:
    execute(con, "create materialized view m as select v from t")
    execute(con, "alter table t rename to u")
    run(con, "insert into u values ('c', 3)")
    mvs.refresh(con.cursor(), found(con, "m"), cascade=False)
    assert con.execute("SELECT count(*) FROM m").fetchall() == [(3,)]


def test_char_columns_stay_char() -> None:
    # The catalog tells translation which columns are CHAR (``catalog.directory``).
    ctx = replace(CTX, char_columns={(ALIAS, "public", "c"): {"code": 4}})
    stmt = StatementCache().get("create materialized view m as select code, 1 as n from c",
                                ctx)[0]
    assert stmt.duck_sql is not None
    columns = mvs._columns(stmt.duck_sql)
    assert view_char_columns(f"CREATE VIEW m AS SELECT {columns} FROM r") == {"code": 4}
    assert mvs._columns(StatementCache().get(
        "create materialized view m as select n from c", CTX)[0].duck_sql or "") == "*"


@pytest.mark.parametrize(("text", "expected"), [
    ("refresh materialized view m", RefreshView(Place(ALIAS, None, "m"))),
    ("refresh materialized view dev.s.m restrict", RefreshView(Place(ALIAS, "s", "m"))),
    ("refresh materialized view s.m cascade", RefreshView(Place(ALIAS, "s", "m"), True)),
    ("alter materialized view m auto refresh yes", AlterAutoRefresh(Place(ALIAS, None, "m"),
                                                                     True)),
    ("ALTER MATERIALIZED VIEW s.M AUTO REFRESH NO", AlterAutoRefresh(Place(ALIAS, "s", "m"),
                                                                      False)),
])
def test_statements_read(text: str, expected: object) -> None:
    stmt = StatementCache().get(text, CTX)[0]
    assert stmt.late == expected
    assert [r.action for r in stmt.refs] == ["OWNER"]


@pytest.mark.parametrize("text", [
    "alter materialized view m auto refresh maybe",
    "alter materialized view m refresh",
    "alter materialized view m auto refresh yes now",
    "refresh materialized view m now",
])
def test_statements_refused(text: str) -> None:
    with pytest.raises(SyntaxError_):
        materialized.recognize(split(text)[0])


def test_other_statements_pass() -> None:
    assert materialized.recognize(split("alter table t add column c int")[0]) is None


@pytest.mark.parametrize(("query", "function"), [
    ("select getdate() as x", "getdate"),
    ("select now() as x", "getdate"),
    ("select k from t where sysdate > '2020-01-01'", "sysdate"),
    ("select random() as r", "random"),
    ("select timeofday() as x", "timeofday"),
    ("select current_date as d", "current_date"),
    ("select k, current_user as u from t", "current_user"),
])
def test_auto_refresh_of_a_mutable_function_is_refused(query: str, function: str) -> None:
    with pytest.raises(FeatureNotSupported) as info:
        StatementCache().get(f"create materialized view m auto refresh yes as {query}", CTX)
    assert info.value.message == (
        "materialized view cannot be created, reason: auto refresh is not supported for "
        f"materialized view with mutable function. Found mutable function :{function}.")


def test_mutable_function_recorded(con: duckdb.DuckDBPyConnection) -> None:
    execute(con, "create materialized view m as select k, getdate() as seen from t")
    execute(con, "create materialized view n auto refresh yes as "
                 "select upper(k) as u, date_trunc('day', '2020-01-01'::timestamp) as d from t")
    rows = con.execute(
        f"SELECT view_name, mutable FROM "
        f"{table_metadata.qualified(ALIAS, table_metadata.MATERIALIZED_VIEWS)} ORDER BY 1"
    ).fetchall()
    assert rows == [("m", "getdate"), ("n", None)]


def test_a_materialized_view_over_another_database_follows_its_writes(
        con: duckdb.DuckDBPyConnection) -> None:
    # A consumer's materialized view names the producer's shared table by its database alias.
    other = "__ds_ns__prod"
    con.execute(f"ATTACH ':memory:' AS {other}")
    con.execute(f"CREATE SCHEMA {other}.sales")
    con.execute(f"CREATE TABLE {other}.sales.orders (amount INTEGER)")
    con.execute(f"INSERT INTO {other}.sales.orders VALUES (10), (20)")
    table_metadata.ensure(con, other)
    ctx = replace(CTX, databases={"dev": ALIAS, "prod": other})
    execute(con, "create materialized view m as select sum(amount) as s from prod.sales.orders",
            ctx)
    execute(con, "create materialized view a auto refresh yes as "
                 "select count(*) as n from prod.sales.orders", ctx)
    con.execute(f"INSERT INTO {other}.sales.orders VALUES (30)")
    asked: list[str] = []

    def allowed(mv: mvs.Materialized, sql: str) -> bool:
        asked.append(mv.name)
        return other in sql

    assert mvs.after_writes(con.cursor(), other, [("sales", "orders")], allowed=allowed)
    assert asked == ["a"]
    assert con.execute("SELECT n FROM a").fetchall() == [(3,)]
    assert meta_rows(con) == [("a", True, False), ("m", False, True)]
    mvs.refresh(con.cursor(), found(con, "m"), cascade=False)
    assert con.execute("SELECT s FROM m").fetchall() == [(60,)]
    # Refused by its owner's rights: not refreshed, stale.
    con.execute(f"INSERT INTO {other}.sales.orders VALUES (40)")
    mvs.after_writes(con.cursor(), other, [("sales", "orders")], allowed=lambda mv, sql: False)
    assert con.execute("SELECT n FROM a").fetchall() == [(3,)]
    assert meta_rows(con) == [("a", True, True), ("m", False, True)]
