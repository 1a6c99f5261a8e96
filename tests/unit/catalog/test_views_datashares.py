"""Datashares in the virtual catalog, on the in-memory engine of ``test_views``.

Namespace ``b`` shares its dev database's public schema and table ``shared_of_b`` (not
``secret_of_b``) as ``bshare`` with namespace ``a``, which mounts it as database ``from_b``:
a name for b's internal alias. A session of ``a`` sees the shared table in every catalog view
of ``from_b`` (current database or cross-database views) and nothing else of b; after a
revocation it sees nothing; the SVV_DATASHARE* views show each side its own direction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import duckdb
import pytest

from catalog.datashares import Datashares, SharedObject
from catalog.security import Grant, Grantee, ObjectKey, Security
from catalog.store import SYSTEM_SCHEMA
from catalog.views import VIEWS, View
from proxy.sql.context import Context
from tests.unit.catalog.test_views import CTX, _engine
from tests.unit.catalog.test_views_identities import BOB, query

B_DEV = "__ds_b__dev"
ACCOUNTS = {"a": "111111111111", "b": "222222222222"}
A = dataclasses.replace(
    CTX, databases={**CTX.databases, "from_b": B_DEV}, accounts=ACCOUNTS)
A_SHARED = dataclasses.replace(A, database="from_b")
B = Context("b", "dev", "secret_of_b_admin", {"dev": B_DEV}, superuser=True, accounts=ACCOUNTS)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = _engine()
    c.execute(f"CREATE TABLE {B_DEV}.public.shared_of_b (k INTEGER PRIMARY KEY, "
              "note VARCHAR DEFAULT 'n')")
    c.execute(f"CREATE VIEW {B_DEV}.public.view_of_b AS "
              f"SELECT k FROM {B_DEV}.public.shared_of_b JOIN {B_DEV}.public.secret_of_b ON k = z")
    c.execute(f"CREATE SCHEMA {B_DEV}.private_of_b")
    shares = Datashares(c.cursor(), SYSTEM_SCHEMA)
    share = shares.create("b", "bshare", "dev", "secret_of_b_admin", public=True)
    shares.add_object(share, SharedObject("schema", "public", "", include_new=True))
    shares.add_object(share, SharedObject("table", "public", "shared_of_b"))
    shares.add_object(share, SharedObject("view", "public", "view_of_b"))
    shares.grant_usage(share, "namespace", "a")
    shares.create_consumer_database("a", "from_b", share, with_permissions=False)
    yield c
    c.close()


def _shares(con: duckdb.DuckDBPyConnection) -> Datashares:
    return Datashares(con.cursor(), SYSTEM_SCHEMA)


def test_consumer_database_shows_only_the_shared_objects(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert query(con, "select relname, relkind from pg_class where relnamespace <> 11 "
                      "order by 1", A_SHARED) == [
        ("shared_of_b", "r"), ("shared_of_b_k_pkey", "i"), ("view_of_b", "v")]
    assert query(con, "select nspname from pg_namespace order by 1", A_SHARED) == [
        ("information_schema",), ("pg_catalog",), ("public",)]
    assert query(con, "select table_catalog, table_name, column_name "
                      "from information_schema.columns order by 2, 3", A_SHARED) == [
        ("from_b", "shared_of_b", "k"), ("from_b", "shared_of_b", "note"),
        ("from_b", "view_of_b", "k")]
    # A shared view's query text is the producer's: it names an unshared table.
    assert query(con, "select viewname, definition from pg_views", A_SHARED) == [
        ("view_of_b", None)]
    assert query(con, "select tablename from pg_tables", A_SHARED) == [("shared_of_b",)]


def test_cross_database_views_list_the_consumer_database(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert query(con, "select database_name, database_type from svv_redshift_databases "
                      "order by 1", A) == [
        ("dev", "local"), ("from_b", "shared"), ("other", "local")]
    assert query(con, "select datname from pg_database order by 1", A) == [
        ("dev",), ("from_b",), ("other",)]
    rows = query(con, "select schema_name, schema_type from svv_all_schemas "
                      "where database_name = 'from_b'", A)
    assert rows == [("public", "shared")]
    assert query(con, "select schema_name, schema_type from svv_redshift_schemas "
                      "where database_name = 'from_b'", A) == rows
    assert query(con, "select table_name, table_type from svv_redshift_tables "
                      "where database_name = 'from_b' order by 1", A) == [
        ("shared_of_b", "TABLE"), ("view_of_b", "VIEW")]
    assert query(con, "select table_name, column_name, data_type from svv_all_columns "
                      "where database_name = 'from_b' order by 1, 2", A) == [
        ("shared_of_b", "k", "integer"), ("shared_of_b", "note", "character varying"),
        ("view_of_b", "k", "integer")]
    assert query(con, "select count(*) from svv_redshift_columns "
                      "where database_name = 'from_b'", A) == [(3,)]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.schema}.{v.name}")
def test_no_view_shows_what_is_not_shared(con: duckdb.DuckDBPyConnection, view: View) -> None:
    for ctx in (A, A_SHARED):
        text = repr(con.execute(view.sql(ctx)).fetchall())
        for foreign in ("secret_of_b", "private_of_b", "__ds_", "'main'"):
            assert foreign not in text, (ctx.database, foreign)


def test_revocation_empties_the_consumer_database(con: duckdb.DuckDBPyConnection) -> None:
    shares = _shares(con)
    share = shares.share("b", "bshare")
    assert share is not None
    shares.revoke_usage(share, "namespace", "a")
    assert query(con, "select count(*) from pg_class where relnamespace <> 11", A_SHARED) == [
        (0,)]
    assert query(con, "select count(*) from svv_all_tables where database_name = 'from_b'",
                 A) == [(0,)]
    assert query(con, "select count(*) from svv_datashares", A) == [(0,)]
    assert query(con, "select count(*) from svv_datashare_objects", A) == [(0,)]
    # The database itself stays (empty), as Redshift leaves it.
    assert query(con, "select database_type from svv_redshift_databases "
                      "where database_name = 'from_b'", A) == [("shared",)]
    # Granted to a's account instead: visible again.
    shares.grant_usage(share, "account", "111111111111")
    assert query(con, "select count(*) from svv_all_tables where database_name = 'from_b'",
                 A) == [(2,)]
    assert query(con, "select count(*) from svv_datashares", A) == [(1,)]


def test_removed_schema_takes_its_objects(con: duckdb.DuckDBPyConnection) -> None:
    shares = _shares(con)
    share = shares.share("b", "bshare")
    assert share is not None
    shares.remove_object(share, "schema", "public", "")
    assert query(con, "select count(*) from svv_all_tables where database_name = 'from_b'",
                 A) == [(0,)]


def test_datashares_outbound_and_inbound(con: duckdb.DuckDBPyConnection) -> None:
    columns = ("share_name, share_owner is not null, source_database, consumer_database, "
               "share_type, createdate is not null, is_publicaccessible, producer_account, "
               "producer_namespace")
    assert query(con, f"select {columns} from svv_datashares", B) == [
        ("bshare", True, "dev", None, "OUTBOUND", True, True, "222222222222", "b")]
    assert query(con, f"select {columns} from svv_datashares", A) == [
        ("bshare", False, None, "from_b", "INBOUND", False, True, "222222222222", "b")]
    assert query(con, "select share_id from svv_datashares", A) == query(
        con, "select share_id from svv_datashares", B)
    assert query(con, "select share_type, object_type, object_name, include_new "
                      "from svv_datashare_objects order by 3", B) == [
        ("OUTBOUND", "schema", "public", True),
        ("OUTBOUND", "table", "public.shared_of_b", None),
        ("OUTBOUND", "view", "public.view_of_b", None)]
    assert query(con, "select share_type, object_type, object_name, include_new "
                      "from svv_datashare_objects order by 3", A) == [
        ("INBOUND", "schema", "public", None),
        ("INBOUND", "table", "public.shared_of_b", None),
        ("INBOUND", "view", "public.view_of_b", None)]
    assert query(con, "select share_name, consumer_account, consumer_namespace, "
                      "share_date is not null from svv_datashare_consumers", B) == [
        ("bshare", "111111111111", "a", True)]
    assert query(con, "select count(*) from svv_datashare_consumers", A) == [(0,)]


def test_datashare_visibility_for_other_users(con: duckdb.DuckDBPyConnection) -> None:
    bob = dataclasses.replace(BOB, databases=A.databases, accounts=ACCOUNTS)
    assert query(con, "select count(*) from svv_datashares", bob) == [(0,)]
    Security(con.cursor(), SYSTEM_SCHEMA).add_grants("a", [
        Grant(ObjectKey("database", "from_b"), "USAGE", Grantee("user", "bob"),
              grantor="alice")])
    assert query(con, "select share_name, share_type from svv_datashares", bob) == [
        ("bshare", "INBOUND")]
    assert query(con, "select count(*) from svv_datashare_objects", bob) == [(3,)]


def test_datashare_privileges(con: duckdb.DuckDBPyConnection) -> None:
    security = Security(con.cursor(), SYSTEM_SCHEMA)
    key = ObjectKey("datashare", name="bshare")
    security.add_grants("b", [
        Grant(key, "ALTER", Grantee("role", "secret_of_b_role"), grantor="secret_of_b_admin"),
        Grant(key, "SHARE", Grantee("user", "secret_of_b_admin"), grantable=True,
              grantor="secret_of_b_admin"),
    ])
    assert query(con, "select datashare_name, privilege_type, identity_name, identity_type, "
                      "admin_option from svv_datashare_privileges order by 2", B) == [
        ("bshare", "ALTER", "secret_of_b_role", "role", False),
        ("bshare", "SHARE", "secret_of_b_admin", "user", True)]
    assert query(con, "select count(*) from svv_datashare_privileges", A) == [(0,)]
    # ALTER on the share lets a user see it.
    user = dataclasses.replace(B, user="secret_of_b_user", superuser=False)
    assert query(con, "select count(*) from svv_datashares", user) == [(0,)]
    security.add_grants("b", [Grant(key, "ALTER", Grantee("public"), grantor="x")])
    assert query(con, "select share_type from svv_datashares", user) == [("OUTBOUND",)]
    assert query(con, "select count(*) from svv_datashare_consumers", user) == [(1,)]


def test_local_databases_are_unchanged(con: duckdb.DuckDBPyConnection) -> None:
    sql = "select relname, oid from pg_class where relnamespace <> 11 order by 1"
    assert query(con, sql, A) == query(con, sql, CTX)
