"""SQL UDFs and late-binding views in the catalog, over the wire.

A server of its own holds two SQL UDFs (one granted to a user), a table and a late-binding
view over it. pg_proc, pg_proc_info, information_schema.routines/parameters,
svv_redshift_functions, SHOW FUNCTIONS, psql's \\df and pgjdbc-style pg_get_function_* calls list
the functions with PostgreSQL's type OIDs and names; pg_get_late_binding_view_cols() lists the
view's columns, which information_schema.columns leaves out, as Redshift does.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import psycopg
import pytest

from tests.e2e.server import RunningServer, start

PSQL = shutil.which("psql") or "/usr/bin/psql"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("functions") / "data")
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        for sql in (
            "CREATE FUNCTION f_add(int, int) RETURNS int STABLE "
            "AS $$ select $1 + $2 $$ LANGUAGE sql",
            "CREATE FUNCTION f_shout(varchar) RETURNS varchar IMMUTABLE "
            "AS $$ select upper($1) $$ LANGUAGE sql",
            "CREATE USER fu PASSWORD 'Fu-pw-1234'",
            "GRANT EXECUTE ON FUNCTION f_add(int, int) TO fu",
            "CREATE TABLE fn_t (id int, name varchar(20))",
            "CREATE VIEW fn_lbv AS SELECT id, name FROM public.fn_t WITH NO SCHEMA BINDING",
            "CREATE VIEW fn_bound AS SELECT id FROM fn_t",
        ):
            conn.execute(sql)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def con(srv: RunningServer) -> Iterator[psycopg.Connection]:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        yield conn


def rows(con: psycopg.Connection, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def test_pg_proc_lists_the_udfs(con: psycopg.Connection) -> None:
    assert rows(con, "select p.proname, n.nspname, p.pronargs, p.prorettype, p.proargtypes, "
                     "p.provolatile, p.prokind, l.lanname, p.prosrc from pg_proc p "
                     "join pg_namespace n on n.oid = p.pronamespace "
                     "join pg_language l on l.oid = p.prolang order by 1") == [
        ("f_add", "public", 2, 23, [23, 23], "s", "f", "sql", "select $1 + $2"),
        ("f_shout", "public", 1, 1043, [1043], "i", "f", "sql", "select upper($1)"),
    ]
    # the OIDs are stable and pg_proc_info agrees
    assert rows(con, "select count(*) from pg_proc p join pg_proc_info i on i.prooid = p.oid"
                ) == [(2,)]
    assert rows(con, "select proname, proacl from pg_proc order by 1") == [
        ("f_add", ["admin=X/admin", "=X/admin", "fu=X/admin"]),
        ("f_shout", ["admin=X/admin", "=X/admin"])]
    assert rows(con, "select pg_get_function_result(oid), pg_get_function_arguments(oid) "
                     "from pg_proc order by proname") == [
        ("integer", "integer, integer"), ("character varying", "character varying")]
    # an OID that is no function's has nothing to describe
    assert rows(con, "select pg_get_function_result(1), pg_get_function_arguments(1)") == [
        (None, None)]
    assert rows(con, "select proname from pg_proc "
                     "where pg_function_is_visible(oid) order by 1") == [("f_add",), ("f_shout",)]


def test_information_schema_and_redshift_views(con: psycopg.Connection) -> None:
    assert rows(con, "select routine_schema, routine_name, routine_type, data_type, "
                     "routine_body, is_deterministic from information_schema.routines "
                     "order by routine_name") == [
        ("public", "f_add", "FUNCTION", "integer", "SQL", "NO"),
        ("public", "f_shout", "FUNCTION", "character varying", "SQL", "YES"),
    ]
    assert rows(con, "select r.routine_name, p.ordinal_position, p.parameter_mode, p.data_type "
                     "from information_schema.parameters p join information_schema.routines r "
                     "on r.specific_name = p.specific_name order by 1, 2") == [
        ("f_add", 1, "IN", "integer"), ("f_add", 2, "IN", "integer"),
        ("f_shout", 1, "IN", "character varying"),
    ]
    assert rows(con, "select * from svv_redshift_functions order by function_name") == [
        ("dev", "public", "f_add", "REGULAR FUNCTION", "integer, integer", "integer"),
        ("dev", "public", "f_shout", "REGULAR FUNCTION", "character varying",
         "character varying"),
    ]
    assert rows(con, "SHOW FUNCTIONS FROM SCHEMA dev.public LIKE 'f_a%'") == [
        ("dev", "public", "f_add", "integer", "integer, integer")]


def test_psql_df(srv: RunningServer) -> None:
    out = subprocess.run(
        [PSQL, "-X", "-A", "-t", "-h", srv.host, "-p", str(srv.port), "-U", srv.user,
         "-d", srv.database, "-c", "\\df"],
        env={"PGPASSWORD": srv.password, "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    assert out.splitlines() == [
        "public|f_add|integer|integer, integer|func",
        "public|f_shout|character varying|character varying|func",
    ]


def test_late_binding_view_columns(con: psycopg.Connection) -> None:
    assert rows(con, "select * from pg_get_late_binding_view_cols() "
                     "cols(view_schema name, view_name name, col_name name, "
                     "col_type varchar, col_num int)") == [
        ("public", "fn_lbv", "id", "integer", 1),
        # a view's columns carry no declared length (DuckDB keeps none)
        ("public", "fn_lbv", "name", "character varying", 2),
    ]
    # information_schema.columns lists the bound view, not the late-binding one; svv_columns
    # lists both, as Redshift documents
    assert rows(con, "select distinct table_name from information_schema.columns "
                     "where table_name like 'fn_%' order by 1") == [("fn_bound",), ("fn_t",)]
    assert rows(con, "select distinct table_name from svv_columns "
                     "where table_name like 'fn_%' order by 1") == [
        ("fn_bound",), ("fn_lbv",), ("fn_t",)]


def test_dropped_function_leaves_the_catalog(con: psycopg.Connection) -> None:
    con.execute("CREATE FUNCTION f_tmp(int) RETURNS int VOLATILE AS $$ select $1 $$ "
                "LANGUAGE sql")
    assert rows(con, "select provolatile from pg_proc where proname = 'f_tmp'") == [("v",)]
    con.execute("DROP FUNCTION f_tmp(int)")
    assert rows(con, "select count(*) from pg_proc where proname = 'f_tmp'") == [(0,)]


def test_overloads_by_argument_type_are_listed_each(con: psycopg.Connection) -> None:
    con.execute("CREATE FUNCTION f_over(int) RETURNS int IMMUTABLE AS $$ select $1 $$ "
                "LANGUAGE sql")
    con.execute("CREATE FUNCTION f_over(varchar) RETURNS varchar IMMUTABLE AS $$ select $1 $$ "
                "LANGUAGE sql")
    assert rows(con, "select f_over(7), f_over('seven')") == [(7, "seven")]
    assert rows(con, "select pronargs, prorettype, proargtypes from pg_proc "
                     "where proname = 'f_over' order by prorettype") == [
        (1, 23, [23]), (1, 1043, [1043])]
    assert sorted(rows(con, "SHOW FUNCTIONS FROM SCHEMA dev.public LIKE 'f_ov%'")) == [
        ("dev", "public", "f_over", "character varying", "character varying"),
        ("dev", "public", "f_over", "integer", "integer")]
    con.execute("DROP FUNCTION f_over(int)")
    assert rows(con, "select proargtypes from pg_proc where proname = 'f_over'") == [([1043],)]
    con.execute("DROP FUNCTION f_over(varchar)")
