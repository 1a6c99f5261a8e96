"""psqlODBC (Debian's odbc-postgresql, through unixODBC and pyodbc) against Duckshift: connect,
query with and without parameters, transactions, and the catalog calls BI tools make
(SQLTables, SQLColumns, SQLPrimaryKeys), which psqlODBC sends as simple queries with
``OPERATOR(pg_catalog.=)``, parenthesized joins and 0-based ``indkey[n]`` subscripts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.server import RunningServer, start

pyodbc = pytest.importorskip("pyodbc", reason="pyodbc (and unixODBC) are not installed")
DRIVER = "PostgreSQL Unicode"

if DRIVER not in pyodbc.drivers():
    pytest.skip(f"the ODBC driver {DRIVER!r} (odbc-postgresql) is not installed",
                allow_module_level=True)


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("odbc") / "data")
    yield server
    server.stop()


def _connect(srv: RunningServer, autocommit: bool = True) -> Any:
    return pyodbc.connect(
        f"DRIVER={{{DRIVER}}};SERVER={srv.host};PORT={srv.port};DATABASE={srv.database};"
        f"UID={srv.user};PWD={srv.password};SSLMODE=disable", autocommit=autocommit)


def test_query_parameters_and_transactions(srv: RunningServer) -> None:
    conn = _connect(srv)
    cur = conn.cursor()
    cur.execute("CREATE TABLE odbc_items (id int, code varchar(3), name varchar(20), "
                "amount numeric(10,2), PRIMARY KEY (code, id))")
    cur.execute("INSERT INTO odbc_items VALUES (1, 'a', 'one', 1.50), (2, 'b', 'two', NULL)")
    assert [tuple(r) for r in cur.execute("SELECT id, name, amount FROM odbc_items "
                                          "ORDER BY id").fetchall()] == [
        (1, "one", Decimal("1.50")), (2, "two", None)]
    assert tuple(cur.execute("SELECT ? + 1, ?", 41, "x").fetchone()) == (42, "x")
    manual = _connect(srv, autocommit=False)
    manual.cursor().execute("INSERT INTO odbc_items VALUES (3, 'c', 'three', 3)")
    manual.rollback()
    assert cur.execute("SELECT count(*) FROM odbc_items").fetchone()[0] == 2
    manual.cursor().execute("INSERT INTO odbc_items VALUES (3, 'c', 'three', 3)")
    manual.commit()
    assert cur.execute("SELECT count(*) FROM odbc_items").fetchone()[0] == 3
    manual.close()
    conn.close()


def test_catalog_calls(srv: RunningServer) -> None:
    conn = _connect(srv)
    cur = conn.cursor()
    cur.execute("CREATE TABLE odbc_cat (id int, code varchar(3) NOT NULL, "
                "amount numeric(10,2), PRIMARY KEY (code, id))")
    tables = [tuple(r)[:4] for r in cur.tables(schema="public", tableType="TABLE")]
    assert ("dev", "public", "odbc_cat", "TABLE") in tables
    columns = [(r.column_name, r.type_name, r.column_size, r.decimal_digits, r.nullable)
               for r in cur.columns(table="odbc_cat")]
    assert columns == [("id", "int4", 10, 0, 0), ("code", "varchar", 3, None, 0),
                       ("amount", "numeric", 10, 2, 1)]
    keys = [(r[3], r[4], r[5]) for r in cur.primaryKeys(table="odbc_cat")]
    assert keys == [("code", 1, "odbc_cat_pkey"), ("id", 2, "odbc_cat_pkey")]
    conn.close()
