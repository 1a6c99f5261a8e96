"""The catalog's identities and privileges end to end, per namespace and per viewer.

One server, two namespaces behind two workgroups. In ns-one the admin creates users, roles,
object, column, scoped, system and default privileges, then each view is read as the admin
(a superuser: every row) and as u1 (its own rows, its roles' and PUBLIC's). ns-two has users,
roles and grants of its own, which must never show in ns-one's views, nor ns-one's in its.
psql's \\du, \\dp and \\dt run against the same catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.e2e.server import ADMIN_PASSWORD, RunningServer, free_port, start
from tests.e2e.test_catalog_clients import PSQL, psql

pytestmark = pytest.mark.e2e

U_PASSWORD = "Abcdefg1"
CONFIG = """
[server]
host = "127.0.0.1"

[[namespace]]
name = "ns-one"
admin_user = "admin"
admin_password = "{admin_password}"
databases = ["dev"]

[[namespace]]
name = "ns-two"
admin_user = "zed_admin"
admin_password = "Zed-pw-123"
databases = ["dev"]

[[workgroup]]
name = "wg-one"
namespace = "ns-one"
port = {p1}

[[workgroup]]
name = "wg-two"
namespace = "ns-two"
port = {p2}
"""

SETUP_ONE = (
    "CREATE SCHEMA s",
    "CREATE TABLE t (a int, b int)",
    "CREATE TABLE s.st (x int)",
    "CREATE TABLE given (x int)",
    f"CREATE USER u1 PASSWORD '{U_PASSWORD}'",
    f"CREATE USER u2 PASSWORD '{U_PASSWORD}'",
    "CREATE ROLE r1",
    "CREATE ROLE r2",
    "GRANT ROLE r1 TO u1",
    "GRANT ROLE r2 TO ROLE r1",
    "GRANT SELECT ON t TO u1",
    "GRANT INSERT ON t TO u2",
    "GRANT USAGE ON SCHEMA s TO ROLE r1",
    "GRANT SELECT FOR TABLES IN SCHEMA s TO ROLE r1",
    "GRANT SELECT FOR TABLES IN DATABASE dev TO u2",
    "GRANT CREATE TABLE TO ROLE r1",
    "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO u1",
    "GRANT SELECT (a) ON t TO ROLE r1",
    "ALTER TABLE given OWNER TO u2",
)

SETUP_TWO = (
    "CREATE TABLE zed_table (z int)",
    f"CREATE USER zed_user PASSWORD '{U_PASSWORD}'",
    "CREATE ROLE zed_role",
    "GRANT ROLE zed_role TO zed_user",
    "GRANT SELECT ON zed_table TO zed_user",
    "GRANT SELECT (z) ON zed_table TO ROLE zed_role",
    "GRANT USAGE ON SCHEMA public TO ROLE zed_role",
    "GRANT CREATE TABLE TO ROLE zed_role",
    "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO zed_user",
)

VIEWS = (
    "pg_user", "pg_roles", "pg_auth_members", "pg_group", "pg_tables", "pg_namespace",
    "information_schema.table_privileges", "information_schema.column_privileges",
    "information_schema.role_table_grants", "information_schema.schemata",
    "svv_relation_privileges", "svv_schema_privileges", "svv_database_privileges",
    "svv_column_privileges", "svv_function_privileges", "svv_default_privileges", "svv_roles",
    "svv_user_grants", "svv_role_grants", "svv_system_privileges", "svv_user_info",
)


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    p1, p2 = free_port(), free_port()
    s = start(tmp_path_factory.mktemp("security_views") / "data",
              config=CONFIG.format(admin_password=ADMIN_PASSWORD, p1=p1, p2=p2),
              ports={"wg-one": p1, "wg-two": p2})
    with psycopg.connect(s.dsn, autocommit=True) as con:
        for sql in SETUP_ONE:
            con.execute(sql)
    with connect(s, "zed_admin", "Zed-pw-123", s.ports["wg-two"]) as con:
        for sql in SETUP_TWO:
            con.execute(sql)
    with connect(s, "u1", U_PASSWORD) as con:
        con.execute("CREATE TABLE s.mine (x int)")  # CREATE TABLE through r1: u1 owns it
    yield s
    s.stop()


def connect(srv: RunningServer, user: str, password: str, port: int | None = None
            ) -> psycopg.Connection:
    return psycopg.connect(host=srv.host, port=port or srv.port, user=user, password=password,
                           dbname="dev", sslmode="disable", autocommit=True)


@pytest.fixture(scope="module")
def admin(srv: RunningServer) -> Iterator[psycopg.Connection]:
    with psycopg.connect(srv.dsn, autocommit=True) as con:
        yield con


@pytest.fixture(scope="module")
def u1(srv: RunningServer) -> Iterator[psycopg.Connection]:
    with connect(srv, "u1", U_PASSWORD) as con:
        yield con


def rows(con: psycopg.Connection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def ids(con: psycopg.Connection) -> dict[str, int]:
    """identity ids by name: users' usesysid, roles' role_id."""
    users = rows(con, "select usename, usesysid from pg_user")
    roles = rows(con, "select role_name, role_id from svv_roles")
    return {str(n): int(i) for n, i in users + roles}  # type: ignore[call-overload]


def test_users_roles_and_memberships(admin: psycopg.Connection) -> None:
    assert rows(admin, "select usename, usesuper, passwd from pg_user order by 1") == [
        ("admin", True, "********"), ("u1", False, "********"), ("u2", False, "********")]
    i = ids(admin)
    assert rows(admin, "select role_name, role_owner from svv_roles "
                       "where role_name not like 'sys:%' order by 1") == [
        ("r1", "admin"), ("r2", "admin")]
    assert rows(admin, "select * from svv_user_grants") == [(i["u1"], "u1", i["r1"], "r1", False)]
    assert rows(admin, "select * from svv_role_grants") == [(i["r1"], "r1", i["r2"], "r2")]
    assert rows(admin, "select r.rolname, u.rolname from pg_auth_members m "
                       "join pg_roles r on r.oid = m.roleid join pg_roles u on u.oid = m.member "
                       "order by 1") == [("r1", "u1"), ("r2", "r1")]
    assert rows(admin, "select count(*) from pg_group") == [(0,)]
    assert rows(admin, "select user_name, superuser, connection_limit from svv_user_info "
                       "order by 1") == [("admin", True, "UNLIMITED"), ("u1", False, "UNLIMITED"),
                                         ("u2", False, "UNLIMITED")]


def test_object_privileges(admin: psycopg.Connection) -> None:
    i = ids(admin)
    assert rows(admin, "select * from svv_relation_privileges order by identity_name") == [
        ("public", "t", "SELECT", i["u1"], "u1", "user", False),
        ("public", "t", "INSERT", i["u2"], "u2", "user", False),
    ]
    assert rows(admin, "select * from svv_column_privileges") == [
        ("public", "t", "a", "SELECT", i["r1"], "r1", "role")]
    assert rows(admin, "select namespace_name, privilege_type, identity_name, identity_type, "
                       "admin_option, privilege_scope from svv_schema_privileges "
                       "order by 1, 2") == [
        ("public", "CREATE", "public", "public", False, "SCHEMA"),
        ("public", "USAGE", "public", "public", False, "SCHEMA"),
        ("s", "SELECT", "r1", "role", False, "TABLES"),
        ("s", "USAGE", "r1", "role", False, "SCHEMA"),
    ]
    assert rows(admin, "select * from svv_database_privileges order by identity_name") == [
        ("dev", "TEMP", 0, "public", "public", False, "DATABASE"),
        ("dev", "SELECT", i["u2"], "u2", "user", False, "TABLES")]
    assert rows(admin, "select count(*) from svv_function_privileges") == [(0,)]
    assert rows(admin, "select * from svv_default_privileges") == [
        (None, "RELATION", i["admin"], "admin", "user", "SELECT", i["u1"], "u1", "user", False)]
    assert rows(admin, "select identity_name from svv_system_privileges "
                       "where system_privilege = 'CREATE TABLE' order by 1") == [
        ("r1",), ("sys:dba",), ("sys:superuser",)]


def test_information_schema_privileges(admin: psycopg.Connection) -> None:
    assert rows(admin, "select grantor, grantee, privilege_type, is_grantable "
                       "from information_schema.table_privileges where table_name = 't' "
                       "and grantee <> 'admin' order by 2") == [
        ("admin", "u1", "SELECT", "NO"), ("admin", "u2", "INSERT", "NO")]
    assert rows(admin, "select count(*) from information_schema.table_privileges "
                       "where table_name = 't' and grantee = 'admin'") == [(7,)]
    assert rows(admin, "select grantee, column_name, privilege_type "
                       "from information_schema.column_privileges where table_name = 't' "
                       "and grantee <> 'admin' order by 1, 2, 3") == [
        ("r1", "a", "SELECT"), ("u1", "a", "SELECT"), ("u1", "b", "SELECT"),
        ("u2", "a", "INSERT"), ("u2", "b", "INSERT")]


def test_owners(admin: psycopg.Connection) -> None:
    assert rows(admin, "select schemaname, tablename, tableowner from pg_tables "
                       "where tablename in ('t', 'given', 'mine') order by 2") == [
        ("public", "given", "u2"), ("s", "mine", "u1"), ("public", "t", "admin")]
    assert rows(admin, "select c.relname, u.usename from pg_class c "
                       "join pg_user u on u.usesysid = c.relowner "
                       "where c.relname in ('given', 'mine', 'st') order by 1") == [
        ("given", "u2"), ("mine", "u1"), ("st", "admin")]
    assert rows(admin, "select pg_get_userbyid(nspowner) from pg_namespace "
                       "where nspname = 's'") == [("admin",)]
    assert rows(admin, "select pg_get_userbyid(datdba) from pg_database") == [("admin",)]


def test_a_regular_user_sees_its_own_rows(u1: psycopg.Connection) -> None:
    i = ids(u1)
    # Every user of the namespace is listed, as in Redshift's pg_user.
    assert [r[0] for r in rows(u1, "select usename from pg_user order by 1")] == [
        "admin", "u1", "u2"]
    assert rows(u1, "select * from svv_user_info")[0][:2] == ("u1", i["u1"])
    assert len(rows(u1, "select * from svv_user_info")) == 1
    assert rows(u1, "select identity_name, privilege_type from svv_relation_privileges") == [
        ("u1", "SELECT")]
    assert rows(u1, "select namespace_name, privilege_type, identity_name "
                    "from svv_schema_privileges order by 1, 2") == [
        ("public", "CREATE", "public"), ("public", "USAGE", "public"),
        ("s", "SELECT", "r1"), ("s", "USAGE", "r1")]
    assert rows(u1, "select identity_name, privilege_scope from svv_database_privileges") == [
        ("public", "DATABASE")]
    assert rows(u1, "select user_name, role_name from svv_user_grants") == [("u1", "r1")]
    assert rows(u1, "select role_name, granted_role_name from svv_role_grants") == [
        ("r1", "r2")]
    assert rows(u1, "select system_privilege, identity_name from svv_system_privileges") == [
        ("CREATE TABLE", "r1")]
    assert rows(u1, "select grantee_name from svv_default_privileges") == [("u1",)]
    assert rows(u1, "select distinct grantee from information_schema.table_privileges "
                    "order by 1") == [("u1",)]


def test_namespaces_never_see_each_other(srv: RunningServer, admin: psycopg.Connection,
                                         u1: psycopg.Connection) -> None:
    for con in (admin, u1):
        seen = repr([rows(con, f"select * from {view}") for view in VIEWS])
        assert "zed" not in seen
    with connect(srv, "zed_admin", "Zed-pw-123", srv.ports["wg-two"]) as zed:
        assert [r[0] for r in rows(zed, "select usename from pg_user order by 1")] == [
            "zed_admin", "zed_user"]
        assert rows(zed, "select identity_name from svv_relation_privileges") == [
            ("zed_user",)]
        assert rows(zed, "select role_name from svv_roles where role_name not like 'sys:%'"
                    ) == [("zed_role",)]
        names = {str(v) for view in VIEWS for row in rows(zed, f"select * from {view}")
                 for v in row}
        assert not names & {"admin", "u1", "u2", "r1", "r2", "t", "s", "mine", "given"}


def test_acl_columns(admin: psycopg.Connection, u1: psycopg.Connection) -> None:
    # PostgreSQL's aclitem text, owner first; a role shows as a group; NULL without grants.
    for con in (admin, u1):  # pg_class, pg_namespace and pg_database are readable by all
        assert rows(con, "select relname, relacl from pg_class "
                         "where relname in ('t', 'st', 'given') order by 1") == [
            ("given", None), ("st", None),
            ("t", ["admin=arwdRxtDPA/admin", "u1=r/admin", "u2=a/admin"])]
        assert rows(con, "select nspname, nspacl from pg_namespace "
                         "where nspname in ('public', 's') order by 1") == [
            ("public", ["admin=UC/admin", "=UC/admin"]),
            ("s", ["admin=UC/admin", "group r1=U/admin"])]
        assert rows(con, "select datacl from pg_database") == [(["admin=CT/admin", "=T/admin"],)]
        assert rows(con, "select attname, attacl from pg_attribute "
                         "where attrelid = 't'::regclass order by attnum") == [
            ("a", ["group r1=r/admin"]), ("b", None)]
    # svv_redshift_* show the same ACLs as text, NULL where nothing was granted
    assert rows(admin, "select table_name, table_acl from svv_redshift_tables "
                       "where table_name in ('t', 'st') order by 1") == [
        ("st", None), ("t", "{admin=arwdRxtDPA/admin,u1=r/admin,u2=a/admin}")]
    assert rows(admin, "select table_acl from svv_all_tables where table_name = 't'") == [
        ("{admin=arwdRxtDPA/admin,u1=r/admin,u2=a/admin}",)]
    assert rows(admin, "select schema_name, schema_acl from svv_redshift_schemas "
                       "where schema_name in ('public', 's') order by 1") == [
        ("public", "{admin=UC/admin,=UC/admin}"), ("s", '{admin=UC/admin,"group r1=U/admin"}')]
    assert rows(admin, "select database_acl from svv_redshift_databases") == [
        ("{admin=CT/admin,=T/admin}",)]
    assert rows(admin, "select column_name, column_acl from svv_redshift_columns "
                       "where table_name = 't' order by ordinal_position") == [
        ("a", '{"group r1=r/admin"}'), ("b", None)]
    assert rows(admin, "SHOW TABLES FROM SCHEMA dev.public LIKE 't'")[0][4] == (
        "{admin=arwdRxtDPA/admin,u1=r/admin,u2=a/admin}")
    # the ACL and the privilege functions agree
    assert rows(admin, "select has_table_privilege('u1', 't', 'select'), "
                       "has_table_privilege('u1', 't', 'insert'), "
                       "has_table_privilege('u2', 't', 'insert')") == [(True, False, True)]


def test_acl_grant_option_and_revoke(admin: psycopg.Connection) -> None:
    admin.execute("CREATE TABLE acl_t (x int)")  # u1 gets SELECT by default privileges
    try:
        admin.execute("GRANT SELECT, DELETE ON acl_t TO u2 WITH GRANT OPTION")
        admin.execute("GRANT UPDATE ON acl_t TO PUBLIC")
        assert rows(admin, "select relacl from pg_class where relname = 'acl_t'") == [
            (["admin=arwdRxtDPA/admin", "=w/admin", "u1=r/admin", "u2=r*d*/admin"],)]
        admin.execute("REVOKE ALL ON acl_t FROM u2")
        admin.execute("REVOKE UPDATE ON acl_t FROM PUBLIC")
        admin.execute("REVOKE SELECT ON acl_t FROM u1")
        assert rows(admin, "select relacl from pg_class where relname = 'acl_t'") == [(None,)]
    finally:
        admin.execute("DROP TABLE acl_t")


def test_show_column_grants_and_show_grants_by_who_asks(
        srv: RunningServer, admin: psycopg.Connection, u1: psycopg.Connection) -> None:
    r1 = ids(admin)["r1"]
    column_grant = ("dev", "public", "t", "a", "COLUMN", "SELECT", r1, "r1", "role", False,
                    "COLUMN", "admin")
    assert rows(admin, "SHOW COLUMN GRANTS ON TABLE dev.public.t") == [column_grant]
    assert rows(u1, "SHOW COLUMN GRANTS ON TABLE public.t") == [column_grant]  # u1 holds r1
    assert rows(admin, "SHOW COLUMN GRANTS ON TABLE t FOR u1") == []
    assert rows(admin, "SHOW COLUMN GRANTS ON TABLE t LIMIT 0") == []
    # SHOW GRANTS lists object grants only, and to a user only what it may see.
    i = ids(admin)  # identity ids as the SVV views and pg_user number them
    assert [(r[4], r[5], r[6]) for r in rows(admin, "SHOW GRANTS ON TABLE t")] == [
        ("INSERT", i["u2"], "u2"), ("SELECT", i["u1"], "u1")]
    assert [(r[4], r[6]) for r in rows(u1, "SHOW GRANTS ON TABLE t")] == [("SELECT", "u1")]
    with connect(srv, "u2", U_PASSWORD) as u2:
        assert rows(u2, "SHOW COLUMN GRANTS ON TABLE t") == []


def test_password_views_do_not_exist(admin: psycopg.Connection) -> None:
    for sql in ("select * from pg_shadow", "select * from pg_catalog.pg_authid",
                "select * from pg_user_info", 'select * from "__ds_system".main.users'):
        with pytest.raises(psycopg.errors.UndefinedTable):
            admin.execute(sql)


needs_psql = pytest.mark.skipif(not Path(PSQL).exists(), reason="psql is not installed")


@needs_psql
def test_psql_du_dp_dt(srv: RunningServer) -> None:
    du = psql(srv, r"\du")
    line = next(x for x in du.splitlines() if x.strip().startswith("u1 "))
    assert "{r1}" in line
    assert any(x.strip().startswith("admin ") and "Superuser" in x for x in du.splitlines())
    dp = psql(srv, r"\dp")
    assert "| t " in dp and "| given " in dp
    assert "u1=r/admin" in dp and "group r1=r/admin" in dp  # table and column privileges
    assert "group r1=U/admin" in psql(srv, r"\dn+")
    assert "=T/admin" in psql(srv, r"\l")
    dt = psql(srv, r"\dt s.*")
    assert any("mine" in x and "u1" in x for x in dt.splitlines())
    assert any("st " in x and "admin" in x for x in dt.splitlines())
