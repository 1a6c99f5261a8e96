"""Redshift's catalog SHOW commands and the drivers' array casts, over the wire.

A server of its own holds database dev (public.customers with a key, a default and a comment,
public.orders referring to it, the view public.v_big) and database other (schema s). SHOW runs
through psql (simple protocol) and redshift_connector (extended protocol, binary results, as
its show_discovery metadata API sends them), with Redshift's columns, LIKE, LIMIT and errors,
and a user who is not a superuser sees only what it may read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
import redshift_connector

from tests.e2e.server import RunningServer, start

PSQL = shutil.which("psql") or "/usr/bin/psql"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("show") / "data")
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        for sql in (
            "CREATE TABLE customers (id integer PRIMARY KEY, "
            "name varchar(50) NOT NULL DEFAULT 'x', created timestamptz, balance numeric(12,2))",
            "COMMENT ON TABLE customers IS 'customer table'",
            "CREATE TABLE orders (order_id bigint PRIMARY KEY, "
            "customer_id integer REFERENCES customers (id), amount double precision)",
            "CREATE VIEW v_big AS SELECT id, name FROM customers WHERE balance > 100",
            "CREATE DATABASE other",
            "CREATE USER ann PASSWORD 'Ann-pw-123'",
            "GRANT USAGE ON SCHEMA public TO ann",
            "GRANT SELECT ON orders TO ann",
        ):
            conn.execute(sql)
    with psycopg.connect(server.dsn.replace("dbname=dev", "dbname=other"),
                         autocommit=True) as conn:
        conn.execute("CREATE SCHEMA s")
        conn.execute("CREATE TABLE s.t (a int)")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rc(srv: RunningServer) -> Iterator[redshift_connector.Cursor]:
    conn = redshift_connector.connect(host=srv.host, port=srv.port, user=srv.user,
                                      password=srv.password, database=srv.database,
                                      ssl=False, timeout=15)
    conn.autocommit = True
    try:
        yield conn.cursor()
    finally:
        conn.close()


def _show(cur: redshift_connector.Cursor, sql: str) -> tuple[list[str], list[tuple[object, ...]]]:
    cur.execute(sql)
    return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]


def test_show_databases_and_schemas(rc: redshift_connector.Cursor) -> None:
    columns, rows = _show(rc, "SHOW DATABASES")
    assert columns == ["database_name", "database_owner", "database_type", "database_acl",
                       "parameters", "database_isolation_level"]
    assert [(r[0], r[2], r[5]) for r in rows] == [
        ("dev", "local", "Snapshot Isolation"), ("other", "local", "Snapshot Isolation")]
    assert [r[0] for r in _show(rc, "SHOW DATABASES LIKE 'o%'")[1]] == ["other"]
    columns, rows = _show(rc, "SHOW SCHEMAS FROM DATABASE other")
    assert columns == ["database_name", "schema_name", "schema_owner", "schema_type",
                       "schema_acl", "source_database", "schema_option"]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("other", "information_schema", "local"), ("other", "pg_catalog", "local"),
        ("other", "public", "local"), ("other", "s", "local")]
    assert [r[1] for r in _show(rc, "SHOW SCHEMAS FROM DATABASE dev LIKE 'pub%'")[1]] == [
        "public"]


def test_show_tables(rc: redshift_connector.Cursor) -> None:
    columns, rows = _show(rc, 'SHOW TABLES FROM SCHEMA "dev"."public"')
    assert columns == ["database_name", "schema_name", "table_name", "table_type",
                       "table_acl", "remarks", "owner", "last_altered_time",
                       "last_modified_time", "dist_style", "table_subtype"]
    assert [(r[2], r[3], r[6], r[9]) for r in rows] == [
        ("customers", "TABLE", "admin", "AUTO(EVEN)"), ("orders", "TABLE", "admin", "AUTO(EVEN)"),
        ("v_big", "VIEW", "admin", None)]
    assert [r[2] for r in _show(rc, "SHOW TABLES FROM SCHEMA dev.public LIKE '%s'")[1]] == [
        "customers", "orders"]
    # LIKE is case-sensitive, and _ matches one character
    assert _show(rc, "SHOW TABLES FROM SCHEMA dev.public LIKE 'Orders'")[1] == []
    assert [r[2] for r in _show(rc, "SHOW TABLES FROM SCHEMA dev.public LIKE 'v_big'")[1]] == [
        "v_big"]
    assert len(_show(rc, "SHOW TABLES FROM SCHEMA dev.public LIMIT 2")[1]) == 2
    assert _show(rc, "SHOW TABLES FROM SCHEMA dev.public LIMIT 0")[1] == []
    assert _show(rc, "SHOW TABLES FROM SCHEMA other.s")[1] == [
        ("other", "s", "t", "TABLE", None, None, "admin", None, None, "AUTO(EVEN)", None)]


def test_show_columns_and_constraints(rc: redshift_connector.Cursor) -> None:
    columns, rows = _show(rc, "SHOW COLUMNS FROM TABLE dev.public.customers")
    assert columns[:12] == ["database_name", "schema_name", "table_name", "column_name",
                            "ordinal_position", "column_default", "is_nullable", "data_type",
                            "character_maximum_length", "numeric_precision", "numeric_scale",
                            "remarks"]
    assert [(r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]) for r in rows] == [
        ("id", 1, None, "NO", "integer", None, 32, 0),
        ("name", 2, "'x'", "NO", "character varying", 50, None, None),
        ("created", 3, None, "YES", "timestamp with time zone", None, None, None),
        ("balance", 4, None, "YES", "numeric", None, 12, 2),
    ]
    assert [r[3] for r in _show(rc, "SHOW COLUMNS FROM TABLE dev.public.customers "
                                    "LIKE '%a%' LIMIT 1")[1]] == ["name"]
    assert _show(rc, "SHOW CONSTRAINTS PRIMARY KEYS FROM TABLE dev.public.customers")[1] == [
        ("dev", "public", "customers", "id", 1, "customers_pkey")]
    fks = _show(rc, "SHOW CONSTRAINTS FOREIGN KEYS FROM TABLE dev.public.orders")[1]
    assert [(r[2], r[3], r[6], r[7], r[8]) for r in fks] == [
        ("customers", "id", "orders", "customer_id", 1)]
    exported = _show(rc, "SHOW CONSTRAINTS FOREIGN KEYS EXPORTED FROM TABLE "
                         "dev.public.customers")[1]
    assert exported == fks
    assert _show(rc, "SHOW FUNCTIONS FROM SCHEMA dev.public")[1] == []


def test_show_view(rc: redshift_connector.Cursor) -> None:
    columns, rows = _show(rc, "SHOW VIEW v_big")
    assert columns == ["Show View DDL statement"]
    assert rows[0][0].startswith("SELECT id, ") and "FROM customers" in rows[0][0]
    assert _show(rc, "SHOW VIEW public.v_big")[1] == rows


def test_show_table(srv: RunningServer) -> None:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE sales_ddl (salesid integer NOT NULL ENCODE az64, "
                     "listid integer NOT NULL ENCODE az64 DISTKEY, dateid smallint NOT NULL, "
                     "pricepaid numeric(8,2) ENCODE az64, note varchar(10) DEFAULT 'n', "
                     "id bigint IDENTITY(1,1)) DISTSTYLE KEY SORTKEY (dateid)")
        cur = conn.execute("SHOW TABLE sales_ddl")
        assert [d.name for d in cur.description or []] == ["Show Table DDL statement"]
        assert cur.fetchall() == [(
            "CREATE TABLE public.sales_ddl (\n"
            "salesid integer NOT NULL ENCODE az64,\n"
            "listid integer NOT NULL ENCODE az64 distkey,\n"
            "dateid smallint NOT NULL,\n"
            "pricepaid numeric(8,2) ENCODE az64,\n"
            "note character varying(10) DEFAULT 'n',\n"
            "id bigint identity(1,1)\n"
            ")\nDISTSTYLE KEY SORTKEY ( dateid );",)]
        shown = conn.execute("SHOW TABLE public.customers").fetchone()
        assert shown is not None and shown[0].endswith("PRIMARY KEY (id)\n)\nDISTSTYLE AUTO;")


@pytest.mark.parametrize(
    ("sql", "sqlstate", "message"),
    [
        ("SHOW SCHEMAS FROM DATABASE nope", "3D000", 'database "nope" does not exist'),
        ("SHOW TABLES FROM SCHEMA dev.nope", "3F000", 'schema "nope" does not exist'),
        ("SHOW COLUMNS FROM TABLE dev.public.nope", "42P01",
         'relation "public.nope" does not exist'),
        ("SHOW TABLES FROM SCHEMA dev.public LIMIT 10001", "22023",
         "LIMIT 10001 is out of range: a SHOW returns 0 to 10000 rows"),
        ("SHOW VIEW customers", "42809", '"customers" is not a view'),
        ("SHOW VIEW nope", "42P01", 'relation "nope" does not exist'),
        ("SHOW TABLE v_big", "42809", '"v_big" is not a table'),
        ("SHOW TABLE public.nope", "42P01", 'relation "public.nope" does not exist'),
    ],
)
def test_show_errors(srv: RunningServer, sql: str, sqlstate: str, message: str) -> None:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as info:
            conn.execute(sql)
        assert (info.value.sqlstate, info.value.diag.message_primary) == (sqlstate, message)
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_regular_user_sees_what_it_may_read(srv: RunningServer) -> None:
    dsn = srv.dsn.replace("user=admin", "user=ann").replace(srv.password, "Ann-pw-123")
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = conn.execute("SHOW TABLES FROM SCHEMA dev.public").fetchall()
        assert [r[2] for r in tables] == ["orders"]
        assert conn.execute("SHOW COLUMNS FROM TABLE dev.public.customers").fetchall() == []
        schemas = [r[1] for r in conn.execute("SHOW SCHEMAS FROM DATABASE dev").fetchall()]
        assert "public" in schemas


def test_too_many_rows_need_a_limit(srv: RunningServer) -> None:
    columns = ", ".join(f"c{i} int" for i in range(10_001))
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE wide ({columns})")
        try:
            with pytest.raises(psycopg.errors.ProgramLimitExceeded):
                conn.execute("SHOW COLUMNS FROM TABLE dev.public.wide")
            rows = conn.execute("SHOW COLUMNS FROM TABLE dev.public.wide LIMIT 10000")
            assert len(rows.fetchall()) == 10_000
        finally:
            conn.execute("DROP TABLE wide")


@pytest.mark.skipif(not os.path.exists(PSQL), reason="psql is not installed")
def test_psql_shows_tables(srv: RunningServer) -> None:
    env = {**os.environ, "PGPASSWORD": srv.password}
    out = subprocess.run(
        [PSQL, "-X", "-d", f"host={srv.host} port={srv.port} user={srv.user} dbname=dev "
         "sslmode=disable", "-c", "SHOW TABLES FROM SCHEMA dev.public LIKE 'cust%'"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    assert " customers  | TABLE " in out and "(1 row)" in out


def test_an_oid_array_parameter(srv: RunningServer) -> None:
    # asyncpg's type introspection binds the OIDs it looks up as $1::oid[].
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT t.oid, t.typname FROM pg_catalog.pg_type t "
            "WHERE t.oid = ANY(%s::oid[]) ORDER BY t.oid", [[23, 25]]).fetchall()
    assert rows == [(23, "int4"), (25, "text")]


def test_temporary_tables_show_in_the_catalog(srv: RunningServer) -> None:
    # dbt's snapshots read a temporary table's columns from information_schema.columns.
    with psycopg.connect(srv.dsn, autocommit=True) as conn, \
            psycopg.connect(srv.dsn, autocommit=True) as other:
        conn.execute("CREATE TEMP TABLE scratch (a varchar(5), b int)")
        sql = ("SELECT table_schema, column_name, character_maximum_length "
               "FROM information_schema.columns WHERE table_name = 'scratch' "
               "ORDER BY ordinal_position")
        assert conn.execute(sql).fetchall() == [("pg_temp_1", "a", 5), ("pg_temp_1", "b", None)]
        assert other.execute(sql).fetchall() == []
