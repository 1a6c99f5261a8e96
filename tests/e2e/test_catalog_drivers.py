"""Catalog browsing through the real drivers: redshift_connector's metadata calls and pgjdbc's
DatabaseMetaData (tests/e2e/java/JdbcMetaData.java, compiled with javac into a tmp dir).

Both browse two tables of their own on the shared server: a parent with a two-column primary
key and a child whose foreign key references it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redshift_connector

from tests.e2e.server import RunningServer
from tests.e2e.test_pgjdbc import _jar

pytestmark = pytest.mark.slow_file(50)

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def tables(server: RunningServer) -> Iterator[None]:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("create table md_parent (region varchar(10), id int, "
                     "amount numeric(12,2) not null, primary key (region, id))")
        conn.execute("create table md_child (child_id bigint primary key, region varchar(10), "
                     "parent_id int, foreign key (region, parent_id) "
                     "references md_parent (region, id))")
        conn.execute("create view md_view as select id, amount from md_parent")
    yield
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("drop view md_view")
        conn.execute("drop table md_child")
        conn.execute("drop table md_parent")


@pytest.fixture
def cursor(server: RunningServer, tables: None) -> Iterator[redshift_connector.Cursor]:
    conn = redshift_connector.connect(
        host=server.host, port=server.port, user=server.user, password=server.password,
        database=server.database, ssl=False, timeout=15,
    )
    try:
        yield conn.cursor()
    finally:
        conn.close()


def test_redshift_connector_get_schemas_and_catalogs(cursor: redshift_connector.Cursor) -> None:
    assert [tuple(r) for r in cursor.get_schemas(schema_pattern="public")] == [("public", "dev")]
    assert [tuple(r) for r in cursor.get_catalogs()] == [("dev",)]


def test_redshift_connector_get_tables(cursor: redshift_connector.Cursor) -> None:
    # redshift_connector 2.x ignores ``types`` on this path: the key indexes come too.
    rows = cursor.get_tables(schema_pattern="public", table_name_pattern="md_%")
    assert [tuple(r[:4]) for r in rows if r[3] != "INDEX"] == [
        ("dev", "public", "md_child", "TABLE"), ("dev", "public", "md_parent", "TABLE"),
        ("dev", "public", "md_view", "VIEW"),
    ]
    # without a schema pattern the driver reads svv_tables
    names = {r[2] for r in cursor.get_tables()}
    assert {"md_child", "md_parent", "md_view", "sales"} <= names


def test_redshift_connector_get_columns(cursor: redshift_connector.Cursor) -> None:
    rows = cursor.get_columns(schema_pattern="public", tablename_pattern="md_parent")
    # COLUMN_NAME, DATA_TYPE, TYPE_NAME, COLUMN_SIZE, DECIMAL_DIGITS, NULLABLE, ORDINAL_POSITION.
    assert [(r[3], r[4], r[5], r[6], r[8], r[10], r[16]) for r in rows] == [
        ("region", 12, "varchar", 10, 0, 0, 1),
        ("id", 4, "int4", 10, 0, 0, 2),
        ("amount", 2, "numeric", 12, 2, 0, 3),
    ]
    view = cursor.get_columns(schema_pattern="public", tablename_pattern="md_view")
    assert [r[3] for r in view] == ["id", "amount"]


def test_redshift_connector_get_primary_keys(cursor: redshift_connector.Cursor) -> None:
    rows = cursor.get_primary_keys(schema="public", table="md_parent")
    assert [(r[2], r[3], r[4]) for r in rows] == [("md_parent", "region", 1),
                                                  ("md_parent", "id", 2)]
    assert cursor.get_procedures(schema_pattern="public") == ()


@pytest.fixture(scope="module")
def metadata(server: RunningServer, tables: None,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """JdbcMetaData's output for md_parent and md_child: key=value lines."""
    java, javac, jar = shutil.which("java"), shutil.which("javac"), _jar()
    if not (java and javac and jar):
        pytest.skip("java, javac or the pgjdbc jar is missing")
    out = tmp_path_factory.mktemp("jdbc_md")
    subprocess.run([javac, "-d", str(out), "-cp", str(jar), str(HERE / "java" /
                                                                "JdbcMetaData.java")],
                   check=True, capture_output=True, timeout=120)
    results: dict[str, dict[str, str]] = {}
    for table in ("md_parent", "md_child"):
        proc = subprocess.run(
            [java, "-cp", f"{out}{os.pathsep}{jar}", "JdbcMetaData", server.host,
             str(server.port), server.user, server.password, server.database, table],
            capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        results[table] = dict(
            line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line
        )
    return results


def test_jdbc_no_metadata_call_fails(metadata: dict[str, dict[str, str]]) -> None:
    for out in metadata.values():
        assert [k for k in out if k.endswith(".error")] == []


def test_jdbc_catalogs_schemas_tables(metadata: dict[str, dict[str, str]]) -> None:
    out = metadata["md_parent"]
    assert out["product"] == "PostgreSQL 8.0.2"
    assert out["catalogs.rows"] == "dev"
    assert out["schemas.rows"] == "information_schema;pg_catalog;public"
    assert out["schemas_like.rows"] == "public"
    assert out["tables.rows"] == "dev,public,md_parent,TABLE"
    assert {"md_parent", "md_child", "md_view", "sales"} <= set(out["all_tables.rows"].split(";"))


def test_jdbc_columns_and_keys(metadata: dict[str, dict[str, str]]) -> None:
    out = metadata["md_parent"]
    # COLUMN_NAME, DATA_TYPE, TYPE_NAME, COLUMN_SIZE, DECIMAL_DIGITS, NULLABLE, ORDINAL_POSITION
    assert out["columns.rows"].split(";") == [
        "region,12,varchar,10,0,0,1", "id,4,int4,10,0,0,2",
        "amount,2,numeric,12,2,0,3",
    ]
    pk = "md_parent_pkey"
    assert out["primary_keys.rows"] == f"region,1,{pk};id,2,{pk}"
    child = metadata["md_child"]
    assert child["primary_keys.rows"] == "child_id,1,md_child_pkey"
    assert child["imported_keys.rows"] == "md_parent,region,region,1;md_parent,id,parent_id,2"
    assert child["index_info.rows"] == "md_child_pkey,child_id,f"


def test_jdbc_type_info(metadata: dict[str, dict[str, str]]) -> None:
    out = metadata["md_parent"]
    types = dict(row.split(",") for row in out["type_info.rows"].split(";"))
    assert types["int4"] == "4" and types["varchar"] == "12" and types["numeric"] == "2"
    assert types["timestamp"] == "93" and types["bool"] == "-7"
    assert out["functions.count"] == "0" and out["procedures.count"] == "0"
