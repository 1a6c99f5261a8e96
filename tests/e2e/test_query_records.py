"""Every statement leaves a record in the system database; statement_timeout is enforced."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import psycopg
import pytest
from psycopg import errors

from tests.e2e.server import RunningServer

LONG_QUERY = "select max(md5(x::varchar)) from range(1000000000000) t(x)"


def test_records_have_rows_bytes_status(fresh_server: Callable[..., RunningServer]) -> None:
    srv = fresh_server()
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("create table rec_t as select range as x from range(1234)")
        rows = conn.execute("select x from rec_t /* marker-a */").fetchall()
        assert len(rows) == 1234
        with pytest.raises(errors.UndefinedTable):
            conn.execute("select * from rec_missing /* marker-b */")
        conn.execute("insert into rec_t values (1), (2) /* marker-c */")
        with conn.cursor().copy("copy rec_t from stdin /* marker-d */") as copy:
            copy.write_row((5,))
            copy.write_row((6,))
    assert srv.stop() == 0
    con = duckdb.connect(str(srv.data_dir / "system.duckdb"), read_only=True)
    got = {
        text.split("marker-")[1][0]: (stype, status, rows, nbytes, code, user, wg)
        for text, stype, status, rows, nbytes, code, user, wg in con.execute(
            "select query_text, statement_type, status, rows_returned, bytes_returned, "
            "error_code, user_name, workgroup from main.query_history "
            "where query_text like '%marker-%'"
        ).fetchall()
    }
    con.close()
    assert got["a"][:3] == ("SELECT", "success", 1234)
    assert got["a"][3] > 1234 * 4  # DataRow bytes were counted
    assert got["b"][1:2] == ("failed",) and got["b"][4] == "42P01"
    assert got["c"][:3] == ("INSERT", "success", 2)
    assert got["d"][:3] == ("COPY", "success", 2)
    assert {g[5] for g in got.values()} == {"admin"}
    assert {g[6] for g in got.values()} == {"default"}


def test_statement_timeout(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("set statement_timeout = 300")
        with pytest.raises(errors.QueryCanceled) as info:
            conn.execute(LONG_QUERY)
        assert "statement timeout" in str(info.value)
        assert conn.execute("select 1").fetchone() == (1,)
        conn.execute("set statement_timeout = 0")
        assert conn.execute("select count(*) from range(1000)").fetchone() == (1000,)


def test_profile_columns_without_rules(fresh_server: Callable[..., RunningServer]) -> None:
    """With no monitoring rule the profile is parsed only when records are shown or written:
    the next statement sees it in each view, and the system database holds it after a stop."""
    srv = fresh_server()
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("create table prof_t as select range as x from range(3000)")
        conn.execute("create table prof_u as select range as y from range(500)")
        assert conn.execute("select count(*) from prof_t where x % 3 = 0 /* prof-a */"
                            ).fetchone() == (1000,)
        steps = conn.execute("select query_id, step_name from sys_query_detail "
                             "where trim(table_name) = 'prof_t'").fetchall()
        assert len({q for q, _ in steps}) == 1 and ("scan" in {s for _, s in steps})
        assert conn.execute("select scan_row_count, return_row_count "
                            "from svl_query_metrics_summary where query = %s", (steps[0][0],)
                            ).fetchone() == (3000, 1)
        assert conn.execute("select count(*) from prof_u /* prof-b */").fetchone() == (500,)
    assert srv.stop() == 0
    con = duckdb.connect(str(srv.data_dir / "system.duckdb"), read_only=True)
    try:
        (qid, scanned, cpu) = con.execute(
            "select query_id, scan_rows, cpu_time_us > 0 from main.query_history "
            "where query_text like '%/* prof-b */%'").fetchone()
        assert (scanned, cpu) == (500, True)
        assert con.execute("select count(*) from main.query_detail where query_id = ? "
                           "and table_name = 'prof_u'", [qid]).fetchone() == (1,)
    finally:
        con.close()
