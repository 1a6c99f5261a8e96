"""The virtual catalog through real clients: psql's describe commands, asyncpg, psycopg, isolation.

The demo server has the TICKIT tables in database dev. psql's ``\\dt``, ``\\dn``, ``\\d sales``
and ``\\l`` must list them with PostgreSQL type names; the drivers' own type and catalog
queries (their text is in ../shared/clients/) must answer; and a second namespace's tables
must never appear in any catalog view of the first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import asyncpg
import psycopg
import pytest
from psycopg.types import TypeInfo
from psycopg.types.enum import EnumInfo

from tests.e2e.server import REPO, RunningServer, free_port

pytestmark = pytest.mark.slow_file(40)

PSQL = shutil.which("psql") or "/usr/bin/psql"
CLIENTS = REPO.parent / "shared" / "clients"
TICKIT = ["category", "date", "event", "listing", "sales", "users", "venue"]


def psql(server: RunningServer, command: str, port: int | None = None, **kw: str) -> str:
    """Run one psql command (no psqlrc) and return its output."""
    conninfo = (
        f"host={server.host} port={port or server.port} user={kw.get('user', server.user)} "
        f"dbname={kw.get('dbname', server.database)} sslmode=disable"
    )
    env = {**os.environ, "PGPASSWORD": kw.get("password", server.password)}
    proc = subprocess.run(
        [PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", command],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def corpus_query(file: str, marker: str) -> str:
    """The query that follows the comment line starting with ``marker`` in a corpus file."""
    path = CLIENTS / file
    if not path.exists():
        pytest.skip(f"{path} is not there")
    text = path.read_text()
    start = text.index("\n", text.index(marker)) + 1
    body = text[start:text.index(";\n", start)]
    return "\n".join(line for line in body.splitlines() if not line.startswith("--"))


needs_psql = pytest.mark.skipif(not Path(PSQL).exists(), reason="psql is not installed")


@needs_psql
def test_psql_dt_lists_the_tickit_tables(server: RunningServer) -> None:
    out = psql(server, r"\dt")
    names = [line.split("|")[1].strip() for line in out.splitlines() if "| table |" in line]
    # the shared server also holds other tests' tables
    assert set(TICKIT) <= set(names) and names == sorted(names)
    assert "public" in out and "__ds_" not in out


@needs_psql
def test_psql_dn_and_l(server: RunningServer) -> None:
    out = psql(server, r"\dn")
    assert " public " in out and "main" not in out and "__ds_" not in out
    out = psql(server, r"\l")
    assert " dev " in out and "UTF8" in out and "__ds_" not in out


@needs_psql
def test_psql_describe_table(server: RunningServer) -> None:
    out = psql(server, r"\d sales")
    assert 'Table "public.sales"' in out
    rows = {
        cells[0]: cells[1:]
        for line in out.splitlines()
        if len(cells := [c.strip() for c in line.split("|")]) == 5
    }
    assert rows["salesid"] == ["integer", "", "not null", ""]
    assert rows["qtysold"] == ["smallint", "", "not null", ""]
    assert rows["pricepaid"] == ["numeric(8,2)", "", "", ""]
    assert rows["saletime"] == ["timestamp without time zone", "", "", ""]


@needs_psql
def test_psql_describe_view(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("create view catalog_e2e_v as select catid, catname from category")
    try:
        assert "catalog_e2e_v | view" in psql(server, r"\dv")
        out = psql(server, r"\d catalog_e2e_v")
        assert 'View "public.catalog_e2e_v"' in out and "catname" in out
    finally:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("drop view catalog_e2e_v")


async def test_asyncpg_type_by_name_and_catalog_browse(server: RunningServer) -> None:
    conn = await asyncpg.connect(
        host=server.host, port=server.port, user=server.user, password=server.password,
        database=server.database, ssl=False, timeout=15,
    )
    try:
        by_name = corpus_query("asyncpg.sql", "-- asyncpg/introspection.py : TYPE_BY_NAME")
        row = await conn.fetchrow(by_name, "_int4", "pg_catalog")
        assert (row["oid"], row["elemtype"], row["kind"]) == (1007, 23, "b")
        cols = await conn.fetch(
            "select a.attname, format_type(a.atttypid, a.atttypmod) as type "
            "from pg_attribute a join pg_class c on c.oid = a.attrelid "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = $1 and c.relname = $2 and a.attnum > 0 order by a.attnum",
            "public", "listing",
        )
        assert [tuple(r) for r in cols][-3:] == [
            ("priceperticket", "numeric(8,2)"), ("totalprice", "numeric(8,2)"),
            ("listtime", "timestamp without time zone"),
        ]
    finally:
        await conn.close(timeout=5)


async def test_asyncpg_intro_lookup_types_13(server: RunningServer) -> None:
    """asyncpg's own type introspection for an 8.0.2 server, run by asyncpg itself.

    Its result columns must be types asyncpg decodes without asking (oid, oid[], text[]),
    else it would introspect them with the same query, endlessly.
    """
    query = corpus_query("asyncpg.sql", "-- asyncpg/introspection.py : INTRO_LOOKUP_TYPES_13")
    conn = await asyncpg.connect(
        host=server.host, port=server.port, user=server.user, password=server.password,
        database=server.database, ssl=False, timeout=15,
    )
    try:
        statement = await conn.prepare(query)
        assert [t.oid for t in statement.get_parameters()] == [1028]
        types = {a.name: a.type.oid for a in statement.get_attributes()}
        # oid, oid, oid[], text[]
        assert (types["oid"], types["elemtype"], types["attrtypoids"], types["attrnames"]) == (
            26, 26, 1028, 1009)
        by_oid = {r["oid"]: r for r in await statement.fetch([1007, 1700])}
    finally:
        await conn.close(timeout=5)
    assert (by_oid[1007]["ns"], by_oid[1007]["name"], by_oid[1007]["kind"]) == (
        "pg_catalog", "_int4", "b")
    assert (by_oid[1007]["elemtype"], by_oid[1007]["elemdelim"]) == (23, ",")
    assert by_oid[1007]["elemtype_name"] == "integer"
    assert by_oid[23]["name"] == "int4" and by_oid[1700]["name"] == "numeric"


async def test_asyncpg_decodes_array_results(server: RunningServer) -> None:
    # Arrays are not among asyncpg's built-in codecs: it introspects each array type once.
    conn = await asyncpg.connect(
        host=server.host, port=server.port, user=server.user, password=server.password,
        database=server.database, ssl=False, timeout=15,
    )
    try:
        row = await conn.fetchrow(
            "select array[1, 2] as ints, array['a', null] as texts, array[1.5] as nums, "
            "array[array[1, 2], array[3, 4]] as grid, current_schemas(true) as path, "
            "array[true] as bools, split_to_array('x,y', ',') as parts")
        assert dict(row) == {
            "ints": [1, 2], "texts": ["a", None], "nums": [Decimal("1.5")],
            "grid": [[1, 2], [3, 4]], "path": ["pg_catalog", "public"], "bools": [True],
            "parts": '["x","y"]'}  # SPLIT_TO_ARRAY is SUPER, sent as its JSON text
        oids = await conn.fetchval(
            "select array_agg(oid order by oid) from pg_type where typname in ('int4', 'text')")
        assert oids == [23, 25]
        assert await conn.fetchval("select $1::int8[]", [1, 2**40]) == [1, 2**40]
        names = await conn.fetch(
            "select typname from pg_type where oid = any($1::oid[]) order by 1", [16, 23])
        assert [r["typname"] for r in names] == ["bool", "int4"]
    finally:
        await conn.close(timeout=5)


def test_psycopg_oid_and_array_columns(server: RunningServer) -> None:
    with psycopg.connect(server.dsn) as conn:
        for binary in (False, True):
            cur = conn.cursor(binary=binary)
            cur.execute("select oid, typelem, array[typname] as names from pg_type "
                        "where typname = '_int4'")
            assert [d.type_code for d in cur.description] == [26, 26, 1009]
            assert cur.fetchall() == [(1007, 23, ["_int4"])]
            cur.execute("select array_agg(oid order by oid) from pg_type "
                        "where typname in ('int4', 'text')")
            assert cur.description[0].type_code == 1028
            assert cur.fetchall() == [([23, 25],)]


def test_psycopg_type_info(server: RunningServer) -> None:
    with psycopg.connect(server.dsn) as conn:
        info = TypeInfo.fetch(conn, "integer")
        assert info is not None
        assert (info.name, info.oid, info.array_oid, info.regtype) == (
            "int4", 23, 1007, "integer"
        )
        numeric = TypeInfo.fetch(conn, "numeric")
        assert numeric is not None and numeric.oid == 1700
        assert TypeInfo.fetch(conn, "hstore") is None
        # the enum query runs (pg_enum is empty: as on PostgreSQL, a non-enum gets [NULL])
        enum = EnumInfo.fetch(conn, "integer")
        assert enum is not None and list(enum.labels) == [None]


def test_psycopg_corpus_type_query(server: RunningServer) -> None:
    query = corpus_query("psycopg.sql", "-- psycopg/psycopg/_typeinfo.py : TypeInfo._get_info_query"
                                        "  [server < 9.4")
    with psycopg.connect(server.dsn) as conn:
        rows = conn.execute(query.replace("$1", "%s"), ["character varying"]).fetchall()
    assert rows == [("varchar", 1043, 1015, "character varying", ",")]


def test_information_schema_and_svv_columns(server: RunningServer) -> None:
    with psycopg.connect(server.dsn) as conn:
        tables = conn.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'public' and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        assert set(TICKIT) <= {t for (t,) in tables}
        cols = conn.execute(
            "select column_name, data_type, numeric_precision, numeric_scale "
            "from information_schema.columns where table_name = 'listing' "
            "order by ordinal_position"
        ).fetchall()
        assert cols[0] == ("listid", "integer", 32, 0)
        assert cols[5] == ("priceperticket", "numeric", 8, 2)
        svv = conn.execute(
            "select data_type from svv_columns where table_name = 'users' "
            "and column_name = 'firstname'"
        ).fetchall()
        assert svv == [("character varying",)]
        assert conn.execute("select count(*) from svv_external_schemas").fetchone() == (0,)


TWO_NAMESPACES = """
[server]
host = "127.0.0.1"

[[namespace]]
name = "ns-one"
admin_user = "alice"
admin_password = "Alice-pw-1"
databases = ["dev"]

[[namespace]]
name = "ns-two"
admin_user = "bob"
admin_password = "Bob-pw-22"
databases = ["analytics"]

[[workgroup]]
name = "wg-one"
namespace = "ns-one"
port = {p1}

[[workgroup]]
name = "wg-two"
namespace = "ns-two"
port = {p2}
"""

CATALOG_PROBES = (
    "select relname from pg_class",
    "select nspname from pg_namespace",
    "select datname from pg_database",
    "select attname from pg_attribute",
    "select table_catalog || '.' || table_name from information_schema.tables",
    "select column_name from information_schema.columns",
    "select schema_name from information_schema.schemata",
    "select tablename from pg_tables",
    "select table_name from svv_tables",
    "select column_name from svv_columns",
    "select tablename from pg_table_def",
)


def test_other_namespaces_never_show(fresh_server: Callable[..., RunningServer]) -> None:
    p1, p2 = free_port(), free_port()
    srv = fresh_server(
        config=TWO_NAMESPACES.format(p1=p1, p2=p2), ports={"wg-one": p1, "wg-two": p2}
    )
    alice = f"host=127.0.0.1 port={p1} user=alice password=Alice-pw-1 dbname=dev sslmode=disable"
    bob = (
        f"host=127.0.0.1 port={p2} user=bob password=Bob-pw-22 dbname=analytics sslmode=disable"
    )
    with psycopg.connect(alice, autocommit=True) as conn:
        conn.execute("create table alice_secret_table (alice_secret_col int)")
    with psycopg.connect(bob, autocommit=True) as conn:
        conn.execute("create table bob_own_table (bob_col int)")
        seen = " ".join(
            str(value)
            for sql in CATALOG_PROBES
            for row in conn.execute(sql).fetchall()
            for value in row
        )
    assert "bob_own_table" in seen and "bob_col" in seen and "analytics" in seen
    for leaked in ("alice_secret", "__ds_", "ns-one", "ns_one", "dev"):
        assert leaked not in seen
    if Path(PSQL).exists():
        out = psql(srv, r"\dt", port=p2, user="bob", password="Bob-pw-22", dbname="analytics")
        assert "bob_own_table" in out and "alice_secret_table" not in out
