"""Redshift's session information functions over the wire: PG_LAST_QUERY_ID, PG_LAST_COPY_ID
and PG_LAST_COPY_COUNT answer for the calling session's own last statements."""

from __future__ import annotations

import psycopg
import pytest

from tests.e2e.server import RunningServer

_FACTS = ("select pg_last_query_id(), pg_last_copy_id(), pg_last_copy_count(), "
          "pg_last_unload_id(), pg_last_unload_count()")


def test_before_any_statement(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as con:
        assert con.execute(_FACTS).fetchone() == (-1, -1, 0, -1, 0)


def test_last_query_id_is_the_history_id(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as con:
        con.execute("select count(*) from category").fetchall()
        (last,) = con.execute("select pg_last_query_id()").fetchone() or (None,)
        # The call itself runs on Redshift's leader node alone: it does not count.
        (again,) = con.execute("select pg_last_query_id()").fetchone() or (None,)
        assert again == last
        rows = con.execute(
            "select query_text from sys_query_history where query_id = %s", (last,)).fetchall()
        assert rows == [("select count(*) from category",)]


def test_leader_node_statements_do_not_count(server: RunningServer) -> None:
    """PG_LAST_QUERY_ID does not name what Redshift runs on its leader node only: queries of
    no table or of the PG_ catalog tables only, DDL and utility statements."""
    with psycopg.connect(server.dsn, autocommit=True) as con:
        con.execute("select 1").fetchall()
        assert con.execute("select pg_last_query_id()").fetchone() == (-1,)
        con.execute("select count(*) from category").fetchall()
        (last,) = con.execute("select pg_last_query_id()").fetchone() or (None,)
        assert last is not None and last > 0
        con.execute("set datestyle to 'ISO, MDY'")
        con.execute("show timezone").fetchall()
        con.execute("select relname from pg_class limit 1").fetchall()
        con.execute("with c as (select 1 as x) select x from c").fetchall()
        con.execute("drop table if exists leader_only")
        con.execute("create table leader_only (a int)")
        assert con.execute("select pg_last_query_id()").fetchone() == (last,)
        # A write of a table, and a query of a system view, run on the compute nodes.
        con.execute("insert into leader_only values (1)")
        (insert,) = con.execute("select pg_last_query_id()").fetchone() or (None,)
        assert insert is not None and insert > last
        con.execute("select count(*) from sys_query_history").fetchall()
        (system,) = con.execute("select pg_last_query_id()").fetchone() or (None,)
        assert system is not None and system > insert
        con.execute("drop table leader_only")


def test_sessions_see_their_own(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as one, \
            psycopg.connect(server.dsn, autocommit=True) as two:
        one.execute("select 1").fetchall()
        assert two.execute("select pg_last_query_id()").fetchone() == (-1,)


def test_copy_from_stdin(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as con:
        con.execute("drop table if exists last_copy")
        con.execute("create table last_copy (a int, b varchar(10))")
        with con.cursor().copy("copy last_copy from stdin") as copy:
            copy.write("1\ta\n2\tb\n3\tc\n")
        copy_id, count = con.execute(
            "select pg_last_copy_id(), pg_last_copy_count()").fetchone() or (None, None)
        assert count == 3
        (text,) = con.execute("select query_text from sys_query_history where query_id = %s",
                              (copy_id,)).fetchone() or (None,)
        assert text == "copy last_copy from stdin"
        # A COPY that fails while it loads still updates the id; its count is 0.
        with pytest.raises(psycopg.errors.InvalidTextRepresentation), \
                con.cursor().copy("copy last_copy from stdin") as copy:
            copy.write("x\ta\n")
        failed_id, failed_count = con.execute(
            "select pg_last_copy_id(), pg_last_copy_count()").fetchone() or (None, None)
        assert failed_id is not None and failed_id > copy_id and failed_count == 0
        con.execute("drop table last_copy")


def test_wrong_arguments(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as con, \
            pytest.raises(psycopg.errors.UndefinedFunction):
        con.execute("select pg_last_query_id(1)")
