"""Users, roles, owners and grants in the virtual catalog, per namespace and per viewer.

The engine of ``test_views``: namespace ``a`` has alice (first superuser), bob (member of role
analysts, owner of stage.raw, SELECT on sales) and a column grant to analysts; namespace ``b``
has its own admin, role and grant, which must never show. Each view is read as alice
(superuser: every row) and as bob (his own rows, his roles' and PUBLIC's).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import duckdb
import pytest

from catalog.views.base import user_oid_sql
from proxy.sql.context import Context
from proxy.sql.pipeline import translate
from proxy.sql.split import split
from tests.unit.catalog.test_views import CTX, _engine

BOB = dataclasses.replace(CTX, user="bob", superuser=False)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = _engine()
    yield c
    c.close()


def query(con: duckdb.DuckDBPyConnection, sql: str, ctx: Context = CTX) -> list[tuple[object, ...]]:
    stmt = translate(split(sql)[0], ctx)
    assert stmt.duck_sql is not None
    return con.execute(stmt.duck_sql).fetchall()


def oid(name: str) -> int:
    return int(duckdb.sql(f"SELECT {user_oid_sql(name)}").fetchall()[0][0])


def test_superuser_flag_is_part_of_the_cache_key() -> None:
    assert CTX.key != dataclasses.replace(CTX, superuser=False).key


def test_users_and_roles_of_the_namespace_only(con: duckdb.DuckDBPyConnection) -> None:
    for ctx in (CTX, BOB):
        assert query(con, "select usename, usesysid, usesuper, usecreatedb, passwd "
                          "from pg_user order by 1", ctx) == [
            ("alice", oid("alice"), True, True, "********"),
            ("bob", oid("bob"), False, False, "********"),
        ]
    roles = query(con, "select rolname, rolcanlogin, rolconnlimit from pg_roles order by 1")
    assert roles[:3] == [("alice", True, -1), ("analysts", False, -1), ("bob", True, 3)]
    assert {r[0] for r in roles[3:]} == {
        "sys:dba", "sys:monitor", "sys:operator", "sys:secadmin", "sys:superuser"}
    assert query(con, "select count(*) from pg_group") == [(0,)]


def test_psql_du_lists_memberships(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(con, (
        "SELECT r.rolname, r.rolsuper, r.rolcanlogin, ARRAY(SELECT b.rolname "
        "FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid) "
        "WHERE m.member = r.oid) as memberof FROM pg_catalog.pg_roles r "
        "WHERE r.rolname !~ '^pg_' AND r.rolname !~ '^sys:' ORDER BY 1"))
    assert rows == [("alice", True, True, []), ("analysts", False, False, []),
                    ("bob", False, True, ["analysts"])]


def test_owners(con: duckdb.DuckDBPyConnection) -> None:
    assert query(con, "select relname, pg_get_userbyid(relowner) from pg_class "
                      "where relnamespace <> 11 and relkind in ('r', 'v') order by 1") == [
        ("raw", "bob"), ("sales", "alice"), ("v_sales", "alice")]
    assert query(con, "select tablename, tableowner from pg_tables order by 1") == [
        ("raw", "bob"), ("sales", "alice")]
    assert query(con, "select viewowner from pg_views") == [("alice",)]
    assert query(con, "select pg_get_userbyid(datdba) from pg_database") == [
        ("alice",), ("alice",)]
    assert query(con, "select schema_owner from information_schema.schemata "
                      "where schema_name = 'stage'") == [("alice",)]
    assert query(con, "select schema_owner from svv_all_schemas where schema_name = 'stage'"
                 ) == [(oid("alice"),)]
    assert query(con, "select pg_get_userbyid(12345)") == [("unknown (OID=12345)",)]


def test_relation_column_and_schema_privileges(con: duckdb.DuckDBPyConnection) -> None:
    assert query(con, "select * from svv_relation_privileges") == [
        ("public", "sales", "SELECT", oid("bob"), "bob", "user", False)]
    assert query(con, "select * from svv_column_privileges") == [
        ("public", "sales", "price", "UPDATE", 100_001, "analysts", "role")]
    assert query(con, "select * from svv_schema_privileges") == [
        ("public", "USAGE", 0, "public", "public", False, "SCHEMA")]
    assert query(con, "select count(*) from svv_function_privileges") == [(0,)]


def test_roles_and_grants_of_roles(con: duckdb.DuckDBPyConnection) -> None:
    roles = query(con, "select role_id, role_name, role_owner from svv_roles order by 1")
    assert roles[0] == (1, "sys:monitor", None)
    assert roles[-1] == (100_001, "analysts", "alice")
    assert query(con, "select * from svv_user_grants") == [
        (oid("bob"), "bob", 100_001, "analysts", False)]
    assert query(con, "select system_privilege from svv_system_privileges "
                      "where identity_name = 'sys:operator' order by 1") == [
        ("ACCESS CATALOG",), ("ACCESS SYSTEM TABLE",), ("ANALYZE",), ("CANCEL",), ("VACUUM",)]


def test_a_regular_user_sees_only_its_own_rows(con: duckdb.DuckDBPyConnection) -> None:
    assert query(con, "select user_name from svv_user_info", BOB) == [("bob",)]
    assert query(con, "select count(*) from svv_user_info") == [(2,)]
    # His own grant, his role's, PUBLIC's; nothing of the system roles he does not hold.
    assert query(con, "select identity_name from svv_relation_privileges", BOB) == [("bob",)]
    assert query(con, "select identity_name from svv_column_privileges", BOB) == [("analysts",)]
    assert query(con, "select identity_name from svv_schema_privileges", BOB) == [("public",)]
    assert query(con, "select count(*) from svv_system_privileges", BOB) == [(0,)]
    # Another user's rows are hidden from him; an owner's privileges only from their owner.
    assert query(con, "select distinct grantee from information_schema.table_privileges "
                      "order by 1", BOB) == [("bob",)]


def test_nothing_of_another_namespace(con: duckdb.DuckDBPyConnection) -> None:
    for view in ("pg_user", "pg_roles", "pg_auth_members", "svv_roles", "svv_user_grants",
                 "svv_relation_privileges", "svv_user_info", "svv_system_privileges",
                 "information_schema.table_privileges", "svv_database_privileges"):
        assert "secret_of_b" not in repr(query(con, f"select * from {view}")), view


def test_access_system_table_shows_every_row() -> None:
    con = _engine()
    system = '"__ds_system".main'
    con.execute(f"INSERT INTO {system}.users (namespace_guid, usesysid, name, superuser, "
                "createdb) VALUES ('a', 200, 'mona', false, false)")
    con.execute(f"INSERT INTO {system}.memberships VALUES ('a', 'user', 'mona', "
                "'sys:monitor', false)")
    mona = dataclasses.replace(CTX, user="mona", superuser=False)
    try:
        assert query(con, "select identity_name from svv_relation_privileges", mona) == [
            ("bob",)]
        assert query(con, "select count(*) from svv_user_grants", mona) == [(2,)]
        assert query(con, "select count(*) from svv_user_info", mona) == [(1,)]
    finally:
        con.close()
