"""The datashare system views and consumer databases in the catalog, end to end.

One server, a producer and a consumer namespace (accounts 222222222222 and 111111111111)
behind two workgroups. The producer shares schema ``sales`` with table ``orders`` and view
``big_orders``, and keeps ``sales.unshared_zq``, schema ``private_zq`` and ``public.hidden_zq``
to itself; the consumer mounts the share as ``sales_db``. Each side reads SVV_DATASHARES,
SVV_DATASHARE_OBJECTS, SVV_DATASHARE_CONSUMERS and SVV_DATASHARE_PRIVILEGES; every catalog view
of the consumer, from its own database and after ``USE sales_db``, shows the shared objects
and never the unshared ones; after REVOKE USAGE nothing of the share shows.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import psycopg
import pytest

from catalog.views import VIEWS
from tests.e2e.server import free_port, start
from tests.e2e.test_catalog_clients import PSQL
from tests.e2e.test_datashares import Pair, guid

pytestmark = [pytest.mark.e2e, pytest.mark.slow_file(50)]

PRODUCER_ACCOUNT, CONSUMER_ACCOUNT = "222222222222", "111111111111"
CONFIG = """
[server]
host = "127.0.0.1"

[[namespace]]
name = "producer"
admin_user = "padmin"
admin_password = "Producer-pw-1"
account = "222222222222"

[[namespace]]
name = "consumer"
admin_user = "cadmin"
admin_password = "Consumer-pw-1"
account = "111111111111"

[[workgroup]]
name = "producer-wg"
namespace = "producer"
port = {p1}

[[workgroup]]
name = "consumer-wg"
namespace = "consumer"
port = {p2}
"""
USER_PASSWORD = "User-pw-123"
# What the producer keeps to itself: no consumer catalog view may ever name it.
UNSHARED = ("unshared_zq", "private_zq", "hidden_zq", "secret_col_zq")


class Shared(Pair):
    """The pair with the share set up, and the two namespaces' GUIDs."""

    prod_ns: str
    cons_ns: str


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    p1, p2 = free_port(), free_port()
    srv = start(tmp_path_factory.mktemp("share-views") / "data",
                config=CONFIG.format(p1=p1, p2=p2),
                ports={"producer-wg": p1, "consumer-wg": p2})
    shared = Shared(srv, p1, p2)
    prod, cons = shared.producer(), shared.consumer()
    shared.prod_ns, shared.cons_ns = guid(prod), guid(cons)
    for sql in (
        "CREATE SCHEMA sales",
        "CREATE TABLE sales.orders (id int PRIMARY KEY, amount decimal(10,2))",
        "CREATE TABLE sales.unshared_zq (secret_col_zq int)",
        "CREATE VIEW sales.big_orders AS SELECT o.id FROM sales.orders o "
        "JOIN sales.unshared_zq u ON o.id = u.secret_col_zq",
        "CREATE SCHEMA private_zq",
        "CREATE TABLE private_zq.t (secret_col_zq int)",
        "CREATE TABLE public.hidden_zq (secret_col_zq int)",
        "CREATE DATASHARE salesshare SET PUBLICACCESSIBLE TRUE",
        "ALTER DATASHARE salesshare ADD SCHEMA sales",
        "ALTER DATASHARE salesshare ADD TABLE sales.orders, sales.big_orders",
        "ALTER DATASHARE salesshare SET INCLUDENEW = TRUE FOR SCHEMA sales",
        f"GRANT USAGE ON DATASHARE salesshare TO NAMESPACE '{shared.cons_ns}'",
        f"CREATE USER palter PASSWORD '{USER_PASSWORD}'",
        f"CREATE USER pother PASSWORD '{USER_PASSWORD}'",
        "GRANT ALTER ON DATASHARE salesshare TO palter",
        "CREATE DATASHARE emptyshare",
    ):
        prod.execute(sql)
    cons.execute(f"CREATE DATABASE sales_db FROM DATASHARE salesshare "
                 f"OF NAMESPACE '{shared.prod_ns}'")
    cons.execute(f"CREATE USER cuser PASSWORD '{USER_PASSWORD}'")
    prod.close()
    cons.close()
    yield shared
    srv.stop()


def rows(con: psycopg.Connection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def test_producer_sees_its_outbound_shares(pair: Shared) -> None:
    with pair.producer() as prod:
        assert rows(prod, "SELECT share_name, source_database, consumer_database, share_type, "
                          "createdate IS NOT NULL, is_publicaccessible, share_acl, "
                          "producer_account, producer_namespace, managed_by "
                          "FROM svv_datashares ORDER BY share_name") == [
            ("emptyshare", "dev", None, "OUTBOUND", True, False, None, PRODUCER_ACCOUNT,
             pair.prod_ns, None),
            ("salesshare", "dev", None, "OUTBOUND", True, True, None, PRODUCER_ACCOUNT,
             pair.prod_ns, None),
        ]
        owner = rows(prod, "SELECT usesysid FROM pg_user WHERE usename = 'padmin'")
        assert rows(prod, "SELECT share_owner FROM svv_datashares "
                          "WHERE share_name = 'salesshare'") == owner
        assert rows(prod, "SELECT share_type, object_type, object_name, producer_account, "
                          "producer_namespace, include_new FROM svv_datashare_objects "
                          "ORDER BY object_name") == [
            ("OUTBOUND", "schema", "sales", PRODUCER_ACCOUNT, pair.prod_ns, True),
            ("OUTBOUND", "view", "sales.big_orders", PRODUCER_ACCOUNT, pair.prod_ns, None),
            ("OUTBOUND", "table", "sales.orders", PRODUCER_ACCOUNT, pair.prod_ns, None),
        ]
        assert rows(prod, "SELECT share_name, consumer_account, consumer_namespace, "
                          "share_date IS NOT NULL FROM svv_datashare_consumers") == [
            ("salesshare", CONSUMER_ACCOUNT, pair.cons_ns, True)]
        assert rows(prod, "SELECT datashare_name, privilege_type, identity_name, "
                          "identity_type, admin_option FROM svv_datashare_privileges") == [
            ("salesshare", "ALTER", "palter", "user", False)]
        ids = rows(prod, "SELECT identity_id FROM svv_datashare_privileges")
        assert ids == rows(prod, "SELECT usesysid FROM pg_user WHERE usename = 'palter'")
        cur = prod.execute("SELECT * FROM svv_datashares LIMIT 0")
        assert [d.name for d in cur.description or []] == [
            "share_name", "share_id", "share_owner", "source_database", "consumer_database",
            "share_type", "createdate", "is_publicaccessible", "share_acl", "producer_account",
            "producer_namespace", "managed_by"]


def test_producer_visibility_by_user(pair: Shared) -> None:
    with pair.producer("palter", USER_PASSWORD) as palter:
        assert rows(palter, "SELECT share_name FROM svv_datashares") == [("salesshare",)]
        assert rows(palter, "SELECT count(*) FROM svv_datashare_objects") == [(3,)]
        assert rows(palter, "SELECT count(*) FROM svv_datashare_consumers") == [(1,)]
        assert rows(palter, "SELECT identity_name FROM svv_datashare_privileges") == [
            ("palter",)]
    with pair.producer("pother", USER_PASSWORD) as pother:
        for view in ("svv_datashares", "svv_datashare_objects", "svv_datashare_consumers",
                     "svv_datashare_privileges"):
            assert rows(pother, f"SELECT count(*) FROM {view}") == [(0,)], view


def test_consumer_sees_its_inbound_share(pair: Shared) -> None:
    with pair.consumer() as cons:
        share_id = rows(cons, "SELECT share_id FROM svv_datashares")
        with pair.producer() as prod:
            assert share_id == rows(prod, "SELECT share_id FROM svv_datashares "
                                          "WHERE share_name = 'salesshare'")
        assert rows(cons, "SELECT share_name, share_owner, source_database, consumer_database, "
                          "share_type, createdate, is_publicaccessible, producer_account, "
                          "producer_namespace FROM svv_datashares") == [
            ("salesshare", None, None, "sales_db", "INBOUND", None, True, PRODUCER_ACCOUNT,
             pair.prod_ns)]
        assert rows(cons, "SELECT share_type, object_type, object_name, producer_account, "
                          "producer_namespace, include_new FROM svv_datashare_objects "
                          "ORDER BY object_name") == [
            ("INBOUND", "schema", "sales", PRODUCER_ACCOUNT, pair.prod_ns, None),
            ("INBOUND", "view", "sales.big_orders", PRODUCER_ACCOUNT, pair.prod_ns, None),
            ("INBOUND", "table", "sales.orders", PRODUCER_ACCOUNT, pair.prod_ns, None),
        ]
        assert rows(cons, "SELECT count(*) FROM svv_datashare_consumers") == [(0,)]
        assert rows(cons, "SELECT count(*) FROM svv_datashare_privileges") == [(0,)]
    # A consumer user sees the inbound share once it may use the database made from it.
    with pair.consumer("cuser", USER_PASSWORD) as cuser:
        assert rows(cuser, "SELECT count(*) FROM svv_datashares") == [(0,)]
        with pair.consumer() as cons:
            cons.execute("GRANT USAGE ON DATABASE sales_db TO cuser")
        assert rows(cuser, "SELECT share_type FROM svv_datashares") == [("INBOUND",)]
        assert rows(cuser, "SELECT count(*) FROM svv_datashare_objects") == [(3,)]
        with pair.consumer() as cons:
            cons.execute("REVOKE USAGE ON DATABASE sales_db FROM cuser")


def test_consumer_catalog_shows_the_shared_objects(pair: Shared) -> None:
    with pair.consumer() as cons:
        assert rows(cons, "SELECT database_name, database_type FROM svv_redshift_databases "
                          "ORDER BY 1") == [("dev", "local"), ("sales_db", "shared")]
        assert rows(cons, "SELECT datname FROM pg_database ORDER BY 1") == [
            ("dev",), ("sales_db",)]
        for view in ("svv_all_schemas", "svv_redshift_schemas"):
            assert rows(cons, f"SELECT schema_name, schema_type FROM {view} "
                              "WHERE database_name = 'sales_db'") == [("sales", "shared")]
        for view in ("svv_all_tables", "svv_redshift_tables"):
            assert rows(cons, f"SELECT schema_name, table_name, table_type FROM {view} "
                              "WHERE database_name = 'sales_db' ORDER BY 2") == [
                ("sales", "big_orders", "VIEW"), ("sales", "orders", "TABLE")]
        for view in ("svv_all_columns", "svv_redshift_columns"):
            assert rows(cons, f"SELECT table_name, column_name, data_type FROM {view} "
                              "WHERE database_name = 'sales_db' ORDER BY 1, 2") == [
                ("big_orders", "id", "integer"), ("orders", "amount", "numeric(10,2)"),
                ("orders", "id", "integer")]
        # Nothing of the producer shows in the consumer's own database.
        assert rows(cons, "SELECT count(*) FROM pg_class WHERE relnamespace <> 11") == [(0,)]
        cons.execute("USE sales_db")
        assert rows(cons, "SELECT current_database()") == [("sales_db",)]
        assert rows(cons, "SELECT n.nspname, c.relname, c.relkind FROM pg_class c "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname <> 'pg_catalog' ORDER BY 2") == [
            ("sales", "big_orders", "v"), ("sales", "orders", "r"),
            ("sales", "orders_pkey", "i")]
        assert rows(cons, "SELECT table_catalog, table_schema, table_name "
                          "FROM information_schema.tables ORDER BY 3") == [
            ("sales_db", "sales", "big_orders"), ("sales_db", "sales", "orders")]
        assert rows(cons, "SELECT catalog_name, schema_name FROM information_schema.schemata "
                          "ORDER BY 2") == [
            ("sales_db", "information_schema"), ("sales_db", "pg_catalog"),
            ("sales_db", "sales")]
        # The producer's query text names an unshared table: it is not shown.
        assert rows(cons, "SELECT viewname, definition FROM pg_views") == [
            ("big_orders", None)]
        assert rows(cons, "SELECT \"table\", database FROM svv_table_info") == [
            ("orders", "sales_db")]
        cons.execute("RESET USE")


def _catalog_text(con: psycopg.Connection) -> str:
    """Every row of every catalog view, as text."""
    out = []
    for view in VIEWS:
        out.append(repr(rows(con, f'SELECT * FROM {view.schema}."{view.name}"')))
    return "\n".join(out)


def test_no_consumer_view_shows_unshared_objects(pair: Shared) -> None:
    with pair.consumer() as cons:
        cons.execute("SET search_path TO '$user', public, sales")
        for database in ("dev", "sales_db"):
            cons.execute(f"USE {database}")
            text = _catalog_text(cons)
            for name in UNSHARED:
                assert name not in text, (database, name)
            assert "orders" in text


def _psql(pair: Shared, *commands: str) -> str:
    """The output of psql (no psqlrc) running ``commands`` in one consumer session."""
    conninfo = f"host=127.0.0.1 port={pair.p2} user=cadmin dbname=dev sslmode=disable"
    args = [PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-d", conninfo]
    for command in commands:
        args += ["-c", command]
    proc = subprocess.run(args, env={**os.environ, "PGPASSWORD": "Consumer-pw-1"},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_psql_describes_the_consumer_database_after_use(pair: Shared) -> None:
    tables = _psql(pair, "USE sales_db", "SET search_path TO sales", r"\dt")
    assert " sales  | orders | table | " in tables
    assert "big_orders" not in tables
    assert " sales  | big_orders | view | " in _psql(pair, "USE sales_db", r"\dv sales.*")
    schemas = _psql(pair, "USE sales_db", r"\dn")
    assert " sales | " in schemas
    described = _psql(pair, "USE sales_db", r"\d sales.orders")
    assert "amount" in described and "orders_pkey" in described
    for out in (tables, schemas, described):
        for name in UNSHARED:
            assert name not in out
    # Back in the consumer's own database: nothing of the producer.
    assert "orders" not in _psql(pair, "USE sales_db", "RESET USE", r"\dt *.*")


def test_revoke_usage_empties_the_consumer_views(pair: Shared) -> None:
    with pair.producer() as prod, pair.consumer() as cons:
        prod.execute(f"REVOKE USAGE ON DATASHARE salesshare FROM NAMESPACE '{pair.cons_ns}'")
        try:
            assert rows(cons, "SELECT count(*) FROM svv_datashares") == [(0,)]
            assert rows(cons, "SELECT count(*) FROM svv_datashare_objects") == [(0,)]
            assert rows(prod, "SELECT count(*) FROM svv_datashare_consumers") == [(0,)]
            for view in ("svv_all_schemas", "svv_all_tables", "svv_all_columns",
                         "svv_redshift_schemas", "svv_redshift_tables",
                         "svv_redshift_columns"):
                assert rows(cons, f"SELECT count(*) FROM {view} "
                                  "WHERE database_name = 'sales_db'") == [(0,)], view
            # The consumer database stays, empty.
            assert rows(cons, "SELECT database_type FROM svv_redshift_databases "
                              "WHERE database_name = 'sales_db'") == [("shared",)]
            cons.execute("USE sales_db")
            assert rows(cons, "SELECT count(*) FROM pg_class WHERE relnamespace <> 11") == [
                (0,)]
            assert rows(cons, "SELECT nspname FROM pg_namespace ORDER BY 1") == [
                ("information_schema",), ("pg_catalog",)]
            cons.execute("RESET USE")
            # Granted to the consumer's account instead: the share is back.
            prod.execute(f"GRANT USAGE ON DATASHARE salesshare TO ACCOUNT '{CONSUMER_ACCOUNT}'")
            assert rows(cons, "SELECT share_type FROM svv_datashares") == [("INBOUND",)]
            assert rows(cons, "SELECT count(*) FROM svv_all_tables "
                              "WHERE database_name = 'sales_db'") == [(2,)]
            assert rows(prod, "SELECT consumer_account, consumer_namespace "
                              "FROM svv_datashare_consumers") == [(CONSUMER_ACCOUNT, None)]
        finally:
            prod.execute(f"REVOKE USAGE ON DATASHARE salesshare FROM ACCOUNT '{CONSUMER_ACCOUNT}'")
            prod.execute(f"GRANT USAGE ON DATASHARE salesshare TO NAMESPACE '{pair.cons_ns}'")
