"""Users, roles and grants end to end: deny by default, each grant opens exactly its privilege.

One server for the module; each test creates its own users and tables (names are unique per
test) and connects as them with psycopg, as a Redshift user would.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from tests.e2e.server import RunningServer, start

pytestmark = pytest.mark.e2e

PASSWORD = "Secret-pw-1"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    s = start(tmp_path_factory.mktemp("grants") / "data")
    yield s
    s.stop()


@pytest.fixture
def admin(srv: RunningServer) -> Iterator[psycopg.Connection]:
    with psycopg.connect(srv.dsn, autocommit=True) as con:
        yield con


@pytest.fixture
def connect(srv: RunningServer) -> Iterator[Callable[[str], psycopg.Connection]]:
    opened: list[psycopg.Connection] = []

    def make(user: str) -> psycopg.Connection:
        con = psycopg.connect(
            host=srv.host, port=srv.port, user=user, password=PASSWORD, dbname="dev",
            sslmode="disable", autocommit=True,
        )
        opened.append(con)
        return con

    yield make
    for con in opened:
        con.close()


def new_user(admin: psycopg.Connection, prefix: str = "u") -> str:
    name = f"{prefix}{next(_ids)}"
    admin.execute(f"CREATE USER {name} PASSWORD '{PASSWORD}'")
    return name


def denied(con: psycopg.Connection, sql: str) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
        con.execute(sql)
    return str(info.value.diag.message_primary)


def test_user_without_grants_is_denied_every_statement_kind(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE SCHEMA IF NOT EXISTS locked")
    admin.execute("CREATE TABLE locked.t1 (a int, b int)")
    admin.execute("INSERT INTO locked.t1 VALUES (1, 2)")
    admin.execute("CREATE TABLE public.t1 (a int, b int)")
    admin.execute("INSERT INTO public.t1 VALUES (1, 2)")
    user = new_user(admin)
    con = connect(user)
    assert denied(con, "SELECT * FROM public.t1") == "permission denied for relation t1"
    denied(con, "INSERT INTO public.t1 VALUES (3, 4)")
    denied(con, "UPDATE public.t1 SET a = 5")
    denied(con, "DELETE FROM public.t1")
    denied(con, "TRUNCATE public.t1")
    assert denied(con, "DROP TABLE public.t1") == "must be owner of relation t1"
    denied(con, "ALTER TABLE public.t1 ADD COLUMN c int")
    denied(con, "CREATE TABLE public.c1 AS SELECT * FROM public.t1")
    denied(con, "INSERT INTO public.t1 SELECT * FROM public.t1")
    denied(con, "EXPLAIN SELECT * FROM public.t1")
    denied(con, "WITH x AS (SELECT * FROM public.t1) SELECT * FROM x")
    denied(con, "SELECT * FROM (SELECT a FROM public.t1) s")
    denied(con, "SELECT 1 WHERE EXISTS (SELECT 1 FROM public.t1)")
    assert denied(con, "SELECT * FROM locked.t1") == "permission denied for schema locked"
    denied(con, "CREATE TABLE locked.mine (a int)")
    assert denied(con, "CREATE SCHEMA s_mine") == "permission denied for database dev"
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("COPY public.t1 TO STDOUT")
    # Nothing changed.
    assert admin.execute("SELECT count(*) FROM public.t1").fetchone() == (1,)


def test_each_grant_opens_exactly_its_privilege(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE TABLE public.t2 (a int, b int)")
    admin.execute("INSERT INTO public.t2 VALUES (1, 2)")
    user = new_user(admin)
    con = connect(user)
    admin.execute(f"GRANT SELECT ON public.t2 TO {user}")
    assert con.execute("SELECT a FROM t2").fetchall() == [(1,)]
    denied(con, "INSERT INTO t2 VALUES (3, 4)")
    admin.execute(f"GRANT INSERT ON TABLE t2 TO {user}")
    con.execute("INSERT INTO t2 VALUES (3, 4)")
    denied(con, "UPDATE t2 SET b = 0")
    denied(con, "DELETE FROM t2 WHERE a = 3")
    admin.execute(f"GRANT UPDATE, DELETE ON t2 TO {user}")
    con.execute("UPDATE t2 SET b = 0 WHERE a = 3")
    con.execute("DELETE FROM t2 WHERE a = 3")
    denied(con, "TRUNCATE t2")
    denied(con, "DROP TABLE t2")
    admin.execute(f"GRANT TRUNCATE ON t2 TO {user}")
    con.execute("TRUNCATE t2")
    admin.execute(f"GRANT DROP ON t2 TO {user}")
    con.execute("DROP TABLE t2")


def test_revoke_closes_access_for_an_open_session(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE TABLE public.t3 (a int)")
    user = new_user(admin)
    admin.execute(f"GRANT SELECT ON t3 TO {user}")
    con = connect(user)
    assert con.execute("SELECT count(*) FROM t3").fetchone() == (0,)
    admin.execute(f"REVOKE SELECT ON t3 FROM {user}")
    denied(con, "SELECT count(*) FROM t3")
    # The same text again, served from the statement cache, is still denied.
    denied(con, "SELECT count(*) FROM t3")


def test_roles_nest(admin: psycopg.Connection,
                    connect: Callable[[str], psycopg.Connection]) -> None:
    admin.execute("CREATE TABLE public.t4 (a int)")
    user = new_user(admin)
    admin.execute("CREATE ROLE r_inner4")
    admin.execute("CREATE ROLE r_outer4")
    admin.execute("GRANT SELECT ON t4 TO ROLE r_inner4")
    admin.execute("GRANT ROLE r_inner4 TO ROLE r_outer4")
    con = connect(user)
    denied(con, "SELECT * FROM t4")
    admin.execute(f"GRANT ROLE r_outer4 TO {user}")
    assert con.execute("SELECT * FROM t4").fetchall() == []
    admin.execute("REVOKE ROLE r_inner4 FROM ROLE r_outer4")
    denied(con, "SELECT * FROM t4")
    with pytest.raises(psycopg.errors.InvalidGrantOperation):
        admin.execute("GRANT ROLE r_outer4 TO ROLE r_outer4")


def test_scoped_grant_covers_a_table_created_afterwards(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE SCHEMA scoped5")
    user = new_user(admin)
    admin.execute(f"GRANT USAGE ON SCHEMA scoped5 TO {user}")
    admin.execute(f"GRANT SELECT FOR TABLES IN SCHEMA scoped5 TO {user}")
    admin.execute("CREATE TABLE scoped5.later (a int)")
    con = connect(user)
    assert con.execute("SELECT * FROM scoped5.later").fetchall() == []
    denied(con, "INSERT INTO scoped5.later VALUES (1)")
    # Scoped and object grants are independent.
    admin.execute(f"GRANT SELECT ON scoped5.later TO {user}")
    admin.execute(f"REVOKE SELECT FOR TABLES IN SCHEMA scoped5 FROM {user}")
    assert con.execute("SELECT * FROM scoped5.later").fetchall() == []


def test_views_check_base_tables_as_the_view_owner(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE TABLE public.secret6 (a int)")
    admin.execute("INSERT INTO public.secret6 VALUES (42)")
    admin.execute("CREATE VIEW public.v6 AS SELECT a FROM public.secret6")
    user = new_user(admin)
    con = connect(user)
    denied(con, "SELECT * FROM v6")
    admin.execute(f"GRANT SELECT ON v6 TO {user}")
    assert con.execute("SELECT * FROM v6").fetchall() == [(42,)]
    denied(con, "SELECT * FROM secret6")
    # A view the user owns over a table it may not read gives nothing away.
    con.execute("CREATE VIEW public.mine6 AS SELECT a FROM public.secret6")
    denied(con, "SELECT * FROM mine6")


def test_owner_and_creator_rules(admin: psycopg.Connection,
                                 connect: Callable[[str], psycopg.Connection]) -> None:
    user, other = new_user(admin), new_user(admin)
    con, con2 = connect(user), connect(other)
    con.execute("CREATE TABLE public.own7 (a int)")
    con.execute("INSERT INTO own7 VALUES (1)")
    denied(con2, "SELECT * FROM own7")
    con.execute(f"GRANT SELECT ON own7 TO {other}")
    assert con2.execute("SELECT * FROM own7").fetchall() == [(1,)]
    # Without WITH GRANT OPTION the grantee cannot pass it on.
    third = new_user(admin)
    denied(con2, f"GRANT SELECT ON own7 TO {third}")
    con.execute(f"GRANT SELECT ON own7 TO {other} WITH GRANT OPTION")
    con2.execute(f"GRANT SELECT ON own7 TO {third}")
    assert connect(third).execute("SELECT * FROM own7").fetchall() == [(1,)]
    with pytest.raises(psycopg.errors.DependentObjectsStillExist):
        con.execute(f"REVOKE SELECT ON own7 FROM {other}")
    con.execute(f"REVOKE SELECT ON own7 FROM {other} CASCADE")
    denied(connect(third), "SELECT * FROM own7")
    admin.execute(f"ALTER TABLE own7 OWNER TO {other}")
    assert con2.execute("SELECT * FROM own7").fetchall() == [(1,)]
    denied(con, "DROP TABLE own7")
    con2.execute("DROP TABLE own7")


def test_dropped_table_grants_do_not_reach_a_new_table_of_that_name(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    user = new_user(admin)
    admin.execute("CREATE TABLE public.t8 (a int)")
    admin.execute(f"GRANT SELECT ON t8 TO {user}")
    admin.execute("DROP TABLE t8")
    admin.execute("CREATE TABLE public.t8 (a int)")
    denied(connect(user), "SELECT * FROM t8")


def test_rolled_back_create_leaves_no_owner(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    user = new_user(admin)
    con = connect(user)
    con.execute("BEGIN")
    con.execute("CREATE TABLE public.t9 (a int)")
    con.execute("INSERT INTO t9 VALUES (1)")
    assert con.execute("SELECT * FROM t9").fetchall() == [(1,)]
    con.execute("ROLLBACK")
    admin.execute("CREATE TABLE public.t9 (a int)")
    denied(con, "SELECT * FROM t9")


def test_system_privileges_through_roles(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    user = new_user(admin)
    con = connect(user)
    denied(con, "CREATE USER x10 PASSWORD 'Abcdefg1'")
    admin.execute("CREATE ROLE r10")
    admin.execute("GRANT CREATE USER, DROP USER TO ROLE r10")
    admin.execute(f"GRANT ROLE r10 TO {user}")
    con.execute("CREATE USER x10 PASSWORD 'Abcdefg1'")
    con.execute("DROP USER x10")
    admin.execute(f"GRANT ROLE sys:dba TO {user}")
    con.execute("CREATE SCHEMA s10")
    denied(con, "CREATE USER y10 CREATEUSER PASSWORD 'Abcdefg1'")


def test_user_management_errors(admin: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.DuplicateObject):
        admin.execute("CREATE USER admin PASSWORD 'Abcdefg1'")
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        admin.execute("CREATE USER weak11 PASSWORD 'short'")
    with pytest.raises(psycopg.errors.ReservedName):
        admin.execute('CREATE USER "sys:x" PASSWORD \'Abcdefg1\'')
    with pytest.raises(psycopg.errors.UndefinedObject):
        admin.execute("DROP USER nobody11")
    admin.execute("DROP USER IF EXISTS nobody11")
    with pytest.raises(psycopg.errors.UndefinedObject):
        admin.execute("GRANT SELECT ON pg_class TO nobody11")


def test_login_with_new_user_and_password_change(
    srv: RunningServer, admin: psycopg.Connection
) -> None:
    user = new_user(admin)
    admin.execute(f"ALTER USER {user} PASSWORD 'Changed-pw-2'")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=srv.host, port=srv.port, user=user, password=PASSWORD,
                        dbname="dev", sslmode="disable")
    with psycopg.connect(host=srv.host, port=srv.port, user=user, password="Changed-pw-2",
                         dbname="dev", sslmode="disable") as con:
        assert con.execute("SELECT current_user").fetchone() == (user,)


def test_set_session_authorization(admin: psycopg.Connection,
                                   connect: Callable[[str], psycopg.Connection]) -> None:
    user = new_user(admin)
    admin.execute("CREATE TABLE public.t13 (a int)")
    admin.execute(f"SET SESSION AUTHORIZATION {user}")
    try:
        assert admin.execute("SELECT current_user").fetchone() == (user,)
        denied(admin, "SELECT * FROM t13")
    finally:
        admin.execute("RESET SESSION AUTHORIZATION")
    assert admin.execute("SELECT current_user").fetchone() == ("admin",)
    denied(connect(user), "SET SESSION AUTHORIZATION admin")


def test_default_privileges(admin: psycopg.Connection,
                            connect: Callable[[str], psycopg.Connection]) -> None:
    owner, reader = new_user(admin), new_user(admin)
    con = connect(owner)
    con.execute(f"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {reader}")
    con.execute("CREATE TABLE public.t14 (a int)")
    assert connect(reader).execute("SELECT * FROM t14").fetchall() == []


def test_show_grants(admin: psycopg.Connection) -> None:
    user = new_user(admin)
    admin.execute("CREATE TABLE public.t15 (a int)")
    admin.execute(f"GRANT SELECT, INSERT ON t15 TO {user}")
    rows = admin.execute("SHOW GRANTS ON TABLE t15").fetchall()
    assert {(r[4], r[6]) for r in rows} == {("SELECT", user), ("INSERT", user)}


def test_column_grants_narrow_select_star(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE TABLE public.t16 (id int, name varchar(10), salary int)")
    admin.execute("INSERT INTO public.t16 VALUES (1, 'ann', 100)")
    user = new_user(admin)
    admin.execute(f"GRANT SELECT (id, name) ON t16 TO {user}")
    con = connect(user)
    cur = con.execute("SELECT * FROM t16")
    assert [d.name for d in cur.description] == ["id", "name"]
    assert cur.fetchall() == [(1, "ann")]
    assert con.execute("SELECT name FROM t16 WHERE id = 1").fetchall() == [("ann",)]
    # Prepared (extended protocol, described before it runs) narrows the same way.
    cur = con.execute("SELECT * FROM t16 WHERE id = %s", [1], prepare=True)
    assert [d.name for d in cur.description] == ["id", "name"]
    denied(con, "SELECT salary FROM t16")
    denied(con, "SELECT id FROM t16 WHERE salary > 0")
    denied(con, "SELECT t16 FROM t16")
    denied(con, "SELECT x.salary FROM t16 x")
    denied(con, "SELECT * FROM t16 x JOIN t16 y ON x.id = y.salary")
    denied(con, "SELECT x.id FROM t16 x JOIN t16 y USING (salary)")
    denied(con, "SELECT x.id FROM t16 x NATURAL JOIN t16 y")
    denied(con, "SELECT c FROM t16 AS x(a, b, c)")
    with pytest.raises(psycopg.errors.InvalidGrantOperation):
        admin.execute(f"GRANT SELECT ON t16 TO {user}")
    admin.execute(f"GRANT UPDATE (name) ON t16 TO {user}")
    con.execute("UPDATE t16 SET name = 'bob' WHERE id = 1")
    denied(con, "UPDATE t16 SET salary = 0 WHERE id = 1")
    admin.execute(f"REVOKE SELECT ON t16 FROM {user}")
    denied(con, "SELECT id FROM t16")


def test_privilege_inquiry_functions(admin: psycopg.Connection,
                                     connect: Callable[[str], psycopg.Connection]) -> None:
    admin.execute("CREATE TABLE public.t17 (a int, b int)")
    user = new_user(admin)
    q = (f"SELECT has_table_privilege('{user}', 't17', 'select'), "
         f"has_table_privilege('{user}', 'public.t17', 'insert'), "
         f"has_schema_privilege('{user}', 'public', 'usage'), "
         f"has_database_privilege('{user}', 'dev', 'create'), "
         f"has_column_privilege('{user}', 't17', 'b', 'select')")
    assert admin.execute(q).fetchone() == (False, False, True, False, False)
    admin.execute(f"GRANT SELECT ON t17 TO {user}")
    admin.execute(f"GRANT CREATE ON DATABASE dev TO {user}")
    assert admin.execute(q).fetchone() == (True, False, True, True, True)
    con = connect(user)
    assert con.execute("SELECT has_table_privilege('t17', 'select')").fetchone() == (True,)
    with pytest.raises(psycopg.errors.UndefinedTable):
        con.execute("SELECT has_table_privilege('nope17', 'select')")
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        con.execute("SELECT has_table_privilege('t17', 'fly')")
    ns = con.execute("SELECT current_namespace").fetchone()
    assert ns is not None and len(ns[0]) == 36


def _login(srv: RunningServer, user: str, password: str = PASSWORD) -> psycopg.Connection:
    return psycopg.connect(host=srv.host, port=srv.port, user=user, password=password,
                           dbname="dev", sslmode="disable", autocommit=True)


def test_login_rules(srv: RunningServer, admin: psycopg.Connection) -> None:
    limited = f"lim{next(_ids)}"
    admin.execute(f"CREATE USER {limited} PASSWORD '{PASSWORD}' CONNECTION LIMIT 1")
    first = _login(srv, limited)
    with pytest.raises(psycopg.OperationalError, match="too many connections"):
        _login(srv, limited)
    first.close()
    _login(srv, limited).close()
    expired = f"exp{next(_ids)}"
    admin.execute(f"CREATE USER {expired} PASSWORD '{PASSWORD}' VALID UNTIL '2001-01-01'")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _login(srv, expired)
    admin.execute(f"ALTER USER {expired} VALID UNTIL '2999-01-01'")
    _login(srv, expired).close()
    off = f"off{next(_ids)}"
    admin.execute(f"CREATE USER {off} PASSWORD DISABLE")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _login(srv, off, "Any-pw-123")
    idle = f"idle{next(_ids)}"
    admin.execute(f"CREATE USER {idle} PASSWORD '{PASSWORD}' SESSION TIMEOUT 1")
    con = _login(srv, idle)
    time.sleep(1.5)
    with pytest.raises(psycopg.OperationalError):
        con.execute("SELECT 1")


def test_alter_user_reaches_an_open_session(admin: psycopg.Connection,
                                            connect: Callable[[str], psycopg.Connection]) -> None:
    admin.execute("CREATE TABLE public.t18 (a int)")
    user = new_user(admin)
    con = connect(user)
    denied(con, "SELECT * FROM t18")
    admin.execute(f"ALTER USER {user} CREATEUSER")
    assert con.execute("SELECT * FROM t18").fetchall() == []
    admin.execute(f"ALTER USER {user} NOCREATEUSER")
    denied(con, "SELECT * FROM t18")


def test_other_clients_see_the_same_decisions(srv: RunningServer,
                                              admin: psycopg.Connection) -> None:
    import asyncio

    import asyncpg
    import redshift_connector

    admin.execute("CREATE TABLE public.t19 (a int)")
    user = new_user(admin)

    async def with_asyncpg() -> None:
        con = await asyncpg.connect(host=srv.host, port=srv.port, user=user, password=PASSWORD,
                                    database="dev", ssl=False)
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError,
                               match="permission denied for relation t19"):
                await con.fetch("SELECT * FROM t19")
            admin.execute(f"GRANT SELECT ON t19 TO {user}")
            assert await con.fetch("SELECT * FROM t19") == []
            admin.execute(f"REVOKE SELECT ON t19 FROM {user}")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await con.fetch("SELECT * FROM t19")
        finally:
            await con.close()

    asyncio.run(with_asyncpg())
    rs = redshift_connector.connect(host=srv.host, port=srv.port, user=user, password=PASSWORD,
                                    database="dev", ssl=False)
    try:
        cur = rs.cursor()
        with pytest.raises(redshift_connector.ProgrammingError, match="42501"):
            cur.execute("SELECT * FROM t19")
    finally:
        rs.close()


def test_a_rolled_back_temp_table_does_not_open_a_real_one(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE TABLE public.t20 (a int)")
    admin.execute("INSERT INTO public.t20 VALUES (20)")
    user = new_user(admin)
    con = connect(user)
    con.execute("BEGIN")
    con.execute("CREATE TEMP TABLE t20 (a int)")
    assert con.execute("SELECT * FROM t20").fetchall() == []
    con.execute("ROLLBACK")
    denied(con, "SELECT * FROM t20")
    con.execute("CREATE TEMP TABLE t20 (a int)")
    assert con.execute("SELECT * FROM t20").fetchall() == []
    con.execute("DROP TABLE t20")
    denied(con, "SELECT * FROM t20")


def test_create_if_not_exists_or_replace_never_takes_ownership(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE TABLE public.t21 (a int)")
    admin.execute("INSERT INTO public.t21 VALUES (21)")
    admin.execute("CREATE VIEW public.v21 AS SELECT a FROM public.t21")
    admin.execute("CREATE SCHEMA IF NOT EXISTS s21")
    user = new_user(admin)
    con = connect(user)
    con.execute("CREATE TABLE IF NOT EXISTS public.t21 (a int)")
    denied(con, "SELECT * FROM public.t21")
    denied(con, "DROP TABLE public.t21")
    denied(con, "CREATE OR REPLACE VIEW public.v21 AS SELECT 1 AS a")
    admin.execute(f"GRANT CREATE ON DATABASE dev TO {user}")
    con.execute("CREATE SCHEMA IF NOT EXISTS s21")
    denied(con, "DROP SCHEMA s21")
    con.execute("BEGIN")
    con.execute("CREATE TABLE IF NOT EXISTS public.t21 (a int)")
    denied(con, "SELECT * FROM public.t21")
    con.execute("ROLLBACK")


def test_execute_on_sql_functions(admin: psycopg.Connection,
                                  connect: Callable[[str], psycopg.Connection]) -> None:
    admin.execute("CREATE FUNCTION f22(int) RETURNS int IMMUTABLE AS $$ SELECT $1 + 1 $$ "
                  "LANGUAGE sql")
    user, other = new_user(admin), new_user(admin)
    con, con2 = connect(user), connect(other)
    # New functions are executable by PUBLIC, as in Redshift.
    assert con.execute("SELECT f22(1)").fetchone() == (2,)
    admin.execute("REVOKE EXECUTE ON FUNCTION f22(int) FROM PUBLIC")
    assert denied(con, "SELECT f22(1)") == "permission denied for function f22"
    denied(con, "SELECT a FROM (SELECT public.f22(2) AS a) s")
    admin.execute(f"GRANT EXECUTE ON FUNCTION f22(int) TO {user}")
    assert con.execute("SELECT f22(1)").fetchone() == (2,)
    denied(con2, "SELECT f22(1)")
    admin.execute(f"GRANT EXECUTE FOR FUNCTIONS IN SCHEMA public TO {other}")
    assert con2.execute("SELECT f22(5)").fetchone() == (6,)
    # Creators own their functions; others may neither replace nor drop them.
    con.execute("CREATE FUNCTION f22b(int) RETURNS int IMMUTABLE AS $$ SELECT $1 * 2 $$ "
                "LANGUAGE sql")
    assert con2.execute("SELECT f22b(2)").fetchone() == (4,)
    denied(con2, "CREATE OR REPLACE FUNCTION f22b(int) RETURNS int IMMUTABLE AS "
                 "$$ SELECT 0 $$ LANGUAGE sql")
    denied(con2, "DROP FUNCTION f22b(int)")
    con.execute("DROP FUNCTION f22b(int)")


def test_views_over_missing_tables_and_any_column_privilege(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE TABLE public.t23 (a int, b int)")
    admin.execute("CREATE VIEW public.v23 AS SELECT a FROM public.t23 WITH NO SCHEMA BINDING")
    admin.execute("DROP TABLE public.t23")
    with pytest.raises(psycopg.errors.UndefinedTable):
        admin.execute("SELECT * FROM v23")
    admin.execute("DROP VIEW v23")
    admin.execute("CREATE TABLE public.t23 (a int, b int)")
    user = new_user(admin)
    q = f"SELECT has_any_column_privilege('{user}', 't23', 'select')"
    assert admin.execute(q).fetchone() == (False,)
    admin.execute(f"GRANT SELECT (b) ON t23 TO {user}")
    assert admin.execute(q).fetchone() == (True,)


def test_append_from_needs_insert_on_the_target_and_select_delete_on_the_source(
    admin: psycopg.Connection, connect: Callable[[str], psycopg.Connection]
) -> None:
    admin.execute("CREATE TABLE public.app_t (a int)")
    admin.execute("CREATE TABLE public.app_s (a int)")
    admin.execute("INSERT INTO public.app_s VALUES (1), (2)")
    user = new_user(admin)
    con = connect(user)
    admin.execute(f"GRANT INSERT ON app_t TO {user}")
    admin.execute(f"GRANT SELECT ON app_s TO {user}")
    assert "app_s" in denied(con, "ALTER TABLE app_t APPEND FROM app_s")
    admin.execute(f"GRANT DELETE ON app_s TO {user}")
    con.execute("ALTER TABLE app_t APPEND FROM app_s")
    assert admin.execute("SELECT count(*) FROM app_t").fetchone() == (2,)
    admin.execute(f"REVOKE INSERT ON app_t FROM {user}")
    assert "app_t" in denied(con, "ALTER TABLE app_t APPEND FROM app_s")
