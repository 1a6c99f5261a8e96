"""Stored procedures end to end through psycopg: CREATE/DROP PROCEDURE, CALL, the PL/pgSQL
constructs Redshift documents, RAISE notices, errors, transactions, privileges, cancellation
and persistence across a restart. Expected answers are Redshift's documented ones.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.e2e.server import RunningServer, start

pytestmark = pytest.mark.e2e

PASSWORD = "Secret-pw-1"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    s = start(tmp_path_factory.mktemp("procs") / "data")
    yield s
    s.stop()


@pytest.fixture
def con(srv: RunningServer) -> Iterator[psycopg.Connection]:
    with psycopg.connect(srv.dsn, autocommit=True) as c:
        yield c


@pytest.fixture
def notices(con: psycopg.Connection) -> list[tuple[str, str]]:
    got: list[tuple[str, str]] = []
    con.add_notice_handler(lambda d: got.append((d.severity or "", d.message_primary or "")))
    return got


def name(prefix: str = "sp") -> str:
    return f"{prefix}_{next(_ids)}"


def create(con: psycopg.Connection, header: str, body: str, *, options: str = "") -> None:
    con.execute(f"CREATE OR REPLACE PROCEDURE {header} {options} AS $$\n{body}\n$$ "
                "LANGUAGE plpgsql")


def test_create_call_and_raise_notices(con: psycopg.Connection,
                                       notices: list[tuple[str, str]]) -> None:
    p = name()
    create(con, f"{p}(a int, b varchar(20))", """
DECLARE
  total int := a * 2;
BEGIN
  RAISE INFO 'info % %', total, b;
  RAISE NOTICE 'notice %%';
  RAISE WARNING 'warn %', NULL;
  RAISE LOG 'not sent';
END;""")
    cur = con.execute(f"CALL {p}(21, 'x')")
    assert cur.statusmessage == "CALL"
    assert notices == [("INFO", "info 42 x"), ("NOTICE", "notice %"), ("WARNING", "warn <NULL>")]


def test_out_and_inout_arguments_come_back_as_one_row(con: psycopg.Connection) -> None:
    p = name()
    create(con, f"{p}(f1 IN int, f2 INOUT varchar(256), out_var OUT varchar(256))", """
BEGIN
  out_var := f2 || ' out';
  f2 := f2 || f1::varchar;
END;""")
    cur = con.execute(f"CALL {p}(5, 'abc')")
    assert [d.name for d in cur.description] == ["f2", "out_var"]
    assert cur.fetchall() == [("abc5", "abc out")]
    assert cur.statusmessage == "CALL"  # PostgreSQL's tag, with or without a row
    with psycopg.ClientCursor(con) as simple:  # the simple protocol sends the same
        simple.execute(f"CALL {p}(5, 'abc')")
        assert simple.statusmessage == "CALL"
        simple.execute("show search_path")
        assert simple.statusmessage == "SHOW"


def test_control_flow(con: psycopg.Connection, notices: list[tuple[str, str]]) -> None:
    t = name("t")
    con.execute(f"CREATE TABLE {t} (a int, b varchar(10))")
    con.execute(f"INSERT INTO {t} VALUES (1, 'one'), (2, 'two'), (3, 'three')")
    p = name()
    create(con, f"{p}()", f"""
DECLARE
  i int := 0;
  s int := 0;
  n int;
  r RECORD;
  c CONSTANT int = 10;
  msg varchar(100) := '';
BEGIN
  WHILE i < 5 LOOP
    i := i + 1;
    CONTINUE WHEN i = 2;
    s = s + i;
  END LOOP;
  RAISE INFO 'while %', s;
  s := 0;
  FOR k IN 1..10 BY 3 LOOP s := s + k; END LOOP;
  RAISE INFO 'for %', s;
  s := 0;
  FOR k IN REVERSE 3..1 LOOP msg := msg || k::varchar; END LOOP;
  RAISE INFO 'reverse %', msg;
  <<outer>>
  LOOP
    LOOP
      s := s + 1;
      EXIT outer WHEN s >= c;
    END LOOP;
  END LOOP outer;
  RAISE INFO 'loop %', s;
  FOR r IN SELECT a, b FROM {t} ORDER BY a LOOP
    RAISE INFO 'row % %', r.a, r.b;
  END LOOP;
  SELECT count(*) INTO n FROM {t} WHERE a > 1;
  IF n = 2 THEN RAISE INFO 'if two'; ELSIF n = 3 THEN RAISE INFO 'three'; ELSE NULL; END IF;
  CASE n WHEN 1, 2 THEN RAISE INFO 'case small'; ELSE RAISE INFO 'case big'; END CASE;
  CASE WHEN n > 5 THEN RAISE INFO 'no'; ELSE RAISE INFO 'searched else'; END CASE;
  UPDATE {t} SET b = 'x' WHERE a <= 2;
  GET DIAGNOSTICS n := ROW_COUNT;
  RAISE INFO 'updated % found %', n, FOUND;
  PERFORM 1 FROM {t} WHERE a = 99;
  RAISE INFO 'perform found %', FOUND;
  EXECUTE 'SELECT max(a) FROM {t}' INTO n;
  RAISE INFO 'execute %', n;
  FOR r IN EXECUTE 'SELECT b FROM {t} WHERE a = 3' LOOP RAISE INFO 'dyn %', r.b; END LOOP;
  SELECT INTO r a, b FROM {t} WHERE a = 1;
  RAISE INFO 'record % %', r.a, r.b;
  BEGIN
    RAISE INFO 'inner';
    RETURN;
  END;
  RAISE INFO 'not reached';
END;""")
    con.execute(f"CALL {p}()")
    assert [m for _, m in notices] == [
        "while 13", "for 22", "reverse 321", "loop 10", "row 1 one", "row 2 two",
        "row 3 three", "if two", "case small", "searched else", "updated 2 found t",
        "perform found f", "execute 3", "dyn three", "record 1 x", "inner",
    ]


def test_variables_are_bound_not_pasted(con: psycopg.Connection) -> None:
    t = name("t")
    con.execute(f"CREATE TABLE {t} (v varchar(50))")
    p = name()
    create(con, f"{p}(s varchar(50))", f"BEGIN INSERT INTO {t} VALUES (s); END;")
    evil = "x'); DROP TABLE " + t + "; --"
    con.execute(f"CALL {p}(%s)", [evil])
    assert con.execute(f"SELECT v FROM {t}").fetchall() == [(evil,)]


def test_select_into_strict(con: psycopg.Connection) -> None:
    t = name("t")
    con.execute(f"CREATE TABLE {t} (a int)")
    con.execute(f"INSERT INTO {t} VALUES (1), (2)")
    p = name()
    create(con, f"{p}(k int)", f"DECLARE v int; BEGIN SELECT INTO STRICT v a FROM {t} "
           "WHERE a >= k; END;")
    con.execute(f"CALL {p}(2)")
    with pytest.raises(psycopg.errors.lookup("P0002")) as none:
        con.execute(f"CALL {p}(5)")
    assert none.value.diag.message_primary == "query returned no rows"
    with pytest.raises(psycopg.errors.lookup("P0003")):
        con.execute(f"CALL {p}(1)")


def test_raise_exception_aborts_and_rolls_back(con: psycopg.Connection) -> None:
    t = name("t")
    con.execute(f"CREATE TABLE {t} (a int)")
    p = name()
    create(con, f"{p}(x int)", f"BEGIN INSERT INTO {t} VALUES (x); "
           "RAISE EXCEPTION 'bad value %', x; END;")
    with pytest.raises(psycopg.errors.RaiseException) as info:
        con.execute(f"CALL {p}(7)")
    assert info.value.diag.sqlstate == "P0001"
    assert info.value.diag.message_primary == "bad value 7"
    assert con.execute(f"SELECT count(*) FROM {t}").fetchone() == (0,)


def test_exception_handler_atomic_rethrows_after_committing_handler(
        con: psycopg.Connection, notices: list[tuple[str, str]]) -> None:
    t, log = name("t"), name("log")
    con.execute(f"CREATE TABLE {t} (a int)")
    con.execute(f"CREATE TABLE {log} (m varchar(200), s char(5))")
    p = name()
    create(con, f"{p}()", f"""
BEGIN
  INSERT INTO {t} VALUES (1);
  INSERT INTO {t} VALUES (1 / 0);
EXCEPTION WHEN OTHERS THEN
  RAISE INFO 'caught %', SQLSTATE;
  INSERT INTO {log} VALUES (SQLERRM, SQLSTATE);
END;""")
    with pytest.raises(psycopg.errors.DivisionByZero):
        con.execute(f"CALL {p}()")
    assert notices == [("INFO", "caught 22012")]
    # Redshift: the transaction is rolled back on entering the handler; the handler's own
    # work is committed, then the error is raised again.
    assert con.execute(f"SELECT count(*) FROM {t}").fetchone() == (0,)
    assert con.execute(f"SELECT s FROM {log}").fetchall() == [("22012",)]


def test_nonatomic_handler_swallows_and_statements_commit(con: psycopg.Connection) -> None:
    t = name("t")
    con.execute(f"CREATE TABLE {t} (a int)")
    p = name()
    create(con, f"{p}()", f"""
BEGIN
  INSERT INTO {t} VALUES (1);
  INSERT INTO {t} VALUES (1 / 0);
EXCEPTION WHEN OTHERS THEN
  INSERT INTO {t} VALUES (2);
END;""", options="NONATOMIC")
    con.execute(f"CALL {p}()")
    assert con.execute(f"SELECT a FROM {t} ORDER BY a").fetchall() == [(1,), (2,)]


def test_commit_and_rollback_inside(con: psycopg.Connection) -> None:
    t = name("t")
    con.execute(f"CREATE TABLE {t} (a int)")
    p = name()
    create(con, f"{p}()", f"""
BEGIN
  INSERT INTO {t} VALUES (1);
  COMMIT;
  INSERT INTO {t} VALUES (2);
  ROLLBACK;
  INSERT INTO {t} VALUES (3);
  RAISE EXCEPTION 'stop';
END;""")
    with pytest.raises(psycopg.errors.RaiseException):
        con.execute(f"CALL {p}()")
    assert con.execute(f"SELECT a FROM {t}").fetchall() == [(1,)]


def test_call_inside_a_transaction_block_is_part_of_it(srv: RunningServer) -> None:
    with psycopg.connect(srv.dsn) as c:  # not autocommit: psycopg opens a block
        t = name("t")
        c.execute(f"CREATE TABLE {t} (a int)")
        c.commit()
        p = name()
        c.execute(f"CREATE PROCEDURE {p}() AS $$ BEGIN INSERT INTO {t} VALUES (1); END; $$ "
                  "LANGUAGE plpgsql")
        c.execute(f"CALL {p}()")
        assert c.execute(f"SELECT count(*) FROM {t}").fetchone() == (1,)
        c.rollback()
        assert c.execute(f"SELECT count(*) FROM {t}").fetchone() == (0,)
        # The rolled-back CREATE PROCEDURE is gone too.
        with pytest.raises(psycopg.errors.UndefinedFunction):
            c.execute(f"CALL {p}()")
        c.rollback()


def test_missing_procedure_and_wrong_arguments(con: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.UndefinedFunction) as info:
        con.execute("CALL no_such_proc(1, 'a')")
    assert info.value.diag.message_primary == "procedure no_such_proc(integer, unknown) " \
        "does not exist"
    p = name()
    create(con, f"{p}(a int)", "BEGIN NULL; END;")
    with pytest.raises(psycopg.errors.UndefinedFunction) as info:
        con.execute(f"CALL {p}(1, 2)")
    assert info.value.diag.message_primary == f"procedure {p}(integer, integer) does not exist"
    with pytest.raises(psycopg.errors.UndefinedFunction):
        con.execute(f"CALL {p}(1.5)")  # numeric reaches integer only by an assignment cast


def test_overloads_by_argument_types(con: psycopg.Connection,
                                     notices: list[tuple[str, str]]) -> None:
    p = name()
    create(con, f"{p}(a int)", "BEGIN RAISE INFO 'int'; END;")
    create(con, f"{p}(a varchar)", "BEGIN RAISE INFO 'varchar'; END;")
    con.execute(f"CALL {p}(1)")
    con.execute(f"CALL {p}('x'::varchar)")
    assert [m for _, m in notices] == ["int", "varchar"]
    with pytest.raises(psycopg.errors.DuplicateFunction):
        con.execute(f"CREATE PROCEDURE {p}(b int) AS $$ BEGIN NULL; END; $$ LANGUAGE plpgsql")
    con.execute(f"DROP PROCEDURE {p}(varchar)")
    with pytest.raises(psycopg.errors.UndefinedFunction) as info:
        con.execute(f"DROP PROCEDURE {p}(varchar)")
    assert info.value.diag.message_primary == f"procedure {p}(character varying) does not exist"
    con.execute(f"DROP PROCEDURE IF EXISTS {p}(varchar)")
    con.execute(f"DROP PROCEDURE {p}(int)")


def test_nested_call_with_inout(con: psycopg.Connection) -> None:
    inner, outer, t = name("inner"), name("outer"), name("t")
    create(con, f"{inner}(INOUT a int, b int, INOUT c int)", "BEGIN a := b * a; "
           "c := b * c; END;")
    create(con, f"{outer}(multiplier int)", f"""
DECLARE
  x int := 3;
  y int := 4;
BEGIN
  DROP TABLE IF EXISTS {t};
  CREATE TABLE {t}(a int, b varchar(256));
  CALL {inner}(x, multiplier, y);
  INSERT INTO {t} VALUES (x, y::varchar);
END;""")
    con.execute(f"CALL {outer}(5)")
    assert con.execute(f"SELECT * FROM {t}").fetchall() == [(15, "20")]


def test_statement_timeout_stops_an_endless_loop(con: psycopg.Connection) -> None:
    p = name()
    create(con, f"{p}()", "DECLARE i int := 0; BEGIN LOOP i := i + 1; END LOOP; END;")
    con.execute("SET statement_timeout TO 1500")
    started = time.monotonic()
    with pytest.raises(psycopg.errors.QueryCanceled) as info:
        con.execute(f"CALL {p}()")
    assert "statement timeout" in str(info.value)
    assert time.monotonic() - started < 15
    con.execute("RESET statement_timeout")
    assert con.execute("SELECT 1").fetchone() == (1,)


def test_cancel_stops_a_running_procedure(con: psycopg.Connection) -> None:
    p = name()
    create(con, f"{p}()", "BEGIN LOOP PERFORM 1; END LOOP; END;")
    con.execute("SET statement_timeout TO 120000")  # a net: the test must not hang
    done = threading.Event()

    def cancel_until_done() -> None:
        # A cancel that comes before the CALL starts cancels nothing (as in PostgreSQL).
        while not done.wait(0.5):
            con.cancel()

    canceller = threading.Thread(target=cancel_until_done)
    canceller.start()
    try:
        with pytest.raises(psycopg.errors.QueryCanceled) as info:
            con.execute(f"CALL {p}()")
    finally:
        done.set()
        canceller.join()
    time.sleep(0.5)  # a CancelRequest still on its way must not meet the next statement
    assert "user request" in str(info.value)
    con.execute("RESET statement_timeout")
    assert con.execute("SELECT 2").fetchone() == (2,)


def test_unsupported_constructs_are_refused(con: psycopg.Connection) -> None:
    for body in ("DECLARE c SCROLL CURSOR FOR SELECT 1; BEGIN NULL; END;",
                 "BEGIN RAISE EXCEPTION 'x' USING HINT = 'h'; END;",
                 "DECLARE c CURSOR FOR SELECT 1; BEGIN MOVE c; END;"):
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            create(con, f"{name()}()", body)
    with pytest.raises(psycopg.errors.SyntaxError):
        create(con, f"{name()}()", "BEGIN IF THEN END;")


def test_privileges(con: psycopg.Connection, srv: RunningServer) -> None:
    user = name("u")
    con.execute(f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    secret = name("secret")
    con.execute(f"CREATE TABLE {secret} (a int)")
    con.execute(f"INSERT INTO {secret} VALUES (42)")
    invoker, definer = name(), name()
    create(con, f"{invoker}(v OUT int)", f"BEGIN SELECT a INTO v FROM {secret}; END;")
    create(con, f"{definer}(v OUT int)", f"BEGIN SELECT a INTO v FROM {secret}; END;")
    con.execute(f"CREATE OR REPLACE PROCEDURE {definer}(v OUT int) AS $$ BEGIN "
                f"SELECT a INTO v FROM {secret}; END; $$ LANGUAGE plpgsql SECURITY DEFINER")
    with psycopg.connect(host=srv.host, port=srv.port, user=user, password=PASSWORD,
                         dbname="dev", sslmode="disable", autocommit=True) as other:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
            other.execute(f"CALL {invoker}()")
        assert info.value.diag.message_primary == f"permission denied for procedure {invoker}"
        con.execute(f"GRANT EXECUTE ON PROCEDURE {invoker}() TO {user}")
        con.execute(f"GRANT EXECUTE ON PROCEDURE {definer}() TO {user}")
        # SECURITY INVOKER: the body runs with the caller's privileges.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            other.execute(f"CALL {invoker}()")
        # SECURITY DEFINER: with the owner's.
        assert other.execute(f"CALL {definer}()").fetchall() == [(42,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
            other.execute(f"DROP PROCEDURE {invoker}()")
        assert info.value.diag.message_primary == f"must be owner of procedure {invoker}"
        con.execute(f"REVOKE EXECUTE ON PROCEDURE {invoker}() FROM {user}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            other.execute(f"CALL {invoker}()")


def test_alter_procedure_keeps_privileges_and_changes_the_owner(
        con: psycopg.Connection, srv: RunningServer) -> None:
    user = name("u")
    con.execute(f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    proc, renamed, rolled_back = name(), name(), name()
    create(con, f"{proc}(v OUT int)", "BEGIN v := 7; END;")
    con.execute(f"GRANT EXECUTE ON PROCEDURE {proc}() TO {user}")
    with psycopg.connect(host=srv.host, port=srv.port, user=user, password=PASSWORD,
                         dbname="dev", sslmode="disable", autocommit=True) as other:
        assert other.execute(f"SHOW PROCEDURE {proc}").fetchone() == (
            f"CREATE OR REPLACE PROCEDURE public.{proc}(OUT v integer) LANGUAGE plpgsql "
            "AS $_$\nBEGIN v := 7; END;\n$_$",)
        # In a block, the rename takes effect at COMMIT, and not at all after ROLLBACK.
        con.execute("BEGIN")
        con.execute(f"ALTER PROCEDURE {proc}() RENAME TO {rolled_back}")
        con.execute("ROLLBACK")
        assert other.execute(f"CALL {proc}()").fetchall() == [(7,)]
        con.execute("BEGIN")
        con.execute(f"ALTER PROCEDURE {proc}() RENAME TO {renamed}")
        assert other.execute(f"CALL {proc}()").fetchall() == [(7,)]
        con.execute("COMMIT")
        # The grant went along with the name.
        assert other.execute(f"CALL {renamed}()").fetchall() == [(7,)]
        with pytest.raises(psycopg.errors.UndefinedFunction):
            other.execute(f"CALL {proc}()")
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
            other.execute(f"ALTER PROCEDURE {renamed} OWNER TO {user}")
        assert info.value.diag.message_primary == f"must be owner of procedure {renamed}"
        con.execute(f"ALTER PROCEDURE {renamed} OWNER TO {user}")
        other.execute(f"ALTER PROCEDURE {renamed}() RENAME TO {proc}")
        other.execute(f"DROP PROCEDURE {proc}()")
        with pytest.raises(psycopg.errors.UndefinedFunction):
            con.execute(f"SHOW PROCEDURE {rolled_back}")


def test_procedures_survive_a_restart(tmp_path: Path,
                                      fresh_server: Callable[..., RunningServer]) -> None:
    data = tmp_path / "persist"
    first = start(data)
    try:
        with psycopg.connect(first.dsn, autocommit=True) as c:
            c.execute("CREATE PROCEDURE keep_me(INOUT a int) AS $$ BEGIN a := a + 1; END; $$ "
                      "LANGUAGE plpgsql")
    finally:
        first.stop()
    second = start(data)
    try:
        with psycopg.connect(second.dsn, autocommit=True) as c:
            assert c.execute("CALL keep_me(41)").fetchall() == [(42,)]
    finally:
        second.stop()


def test_catalog_lists_procedures(con: psycopg.Connection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS proc_cat")
    con.execute("CREATE OR REPLACE PROCEDURE proc_cat.sp_cat(f1 int, INOUT f2 varchar(10), "
                "f3 OUT numeric(10, 2)) AS $$ BEGIN NULL; END; $$ LANGUAGE plpgsql")
    rows = con.execute(
        "SELECT p.proname, p.prokind, l.lanname, p.pronargs, p.proargtypes, p.proallargtypes, "
        "p.proargmodes, p.proargnames FROM pg_proc p JOIN pg_namespace n "
        "ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang "
        "WHERE n.nspname = 'proc_cat'").fetchall()
    assert rows == [("sp_cat", "p", "plpgsql", 2, [23, 1043], [23, 1043, 1700],
                     ["i", "b", "o"], ["f1", "f2", "f3"])]
    assert con.execute(
        "SELECT function_type, argument_type, result_type FROM svv_redshift_functions "
        "WHERE schema_name = 'proc_cat'").fetchall() == [
        ("STORED PROCEDURE", "integer, character varying", "character varying, numeric")]
    assert con.execute("SHOW PROCEDURES FROM SCHEMA dev.proc_cat").fetchall() == [
        ("dev", "proc_cat", "sp_cat", "character varying, numeric",
         "integer, character varying")]
    with pytest.raises(psycopg.errors.FeatureNotSupported):
        con.execute("SHOW PARAMETERS OF PROCEDURE dev.proc_cat.sp_cat(int, varchar)")


def test_redshift_connector_calls_and_lists_procedures(srv: RunningServer,
                                                       con: psycopg.Connection) -> None:
    redshift_connector = pytest.importorskip("redshift_connector")
    con.execute("CREATE SCHEMA IF NOT EXISTS proc_rc")
    con.execute("CREATE OR REPLACE PROCEDURE proc_rc.sp_rc(a int, INOUT b int) AS $$ "
                "BEGIN b := a + b; END; $$ LANGUAGE plpgsql")
    conn = redshift_connector.connect(host=srv.host, port=srv.port, user=srv.user,
                                      password=srv.password, database=srv.database, ssl=False,
                                      timeout=15)
    try:
        cursor = conn.cursor()
        rows = cursor.get_procedures(schema_pattern="proc_rc")
        # PROCEDURE_CAT, PROCEDURE_SCHEM, PROCEDURE_NAME, ..., PROCEDURE_TYPE (1: procedure)
        assert [(r[0], r[1], r[2], r[7]) for r in rows] == [("dev", "proc_rc", "sp_rc", 1)]
        cursor.execute("CALL proc_rc.sp_rc(1, 41)")
        assert list(cursor.fetchall()) == [[42]]
    finally:
        conn.close()


def test_type_and_rowtype_declarations(con: psycopg.Connection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS sp_typed (id int, label varchar(5), "
                "amount numeric(8, 2))")
    con.execute("DELETE FROM sp_typed")
    con.execute("INSERT INTO sp_typed VALUES (7, 'seven', 1.25)")
    p = name()
    create(con, f"{p}(INOUT a varchar(40), INOUT b varchar(40), INOUT c varchar(40))", """
DECLARE
  amt sp_typed.amount%TYPE := 2.345;
  lbl public.sp_typed.label%TYPE;
  twice amt%TYPE;
  r sp_typed%ROWTYPE;
BEGIN
  twice := amt * 2;
  a := amt || ' ' || twice;
  c := coalesce(r.label, 'null') || ' ' || coalesce(r.id::varchar, 'null');
  SELECT * INTO r FROM sp_typed WHERE id = 7;
  b := r.id || ' ' || r.label || ' ' || r.amount;
  SELECT 8.6, 'eight' INTO r;
  r.amount := 3.333;
  c := c || ' / ' || r.id || ' ' || r.label || ' ' || r.amount;
  lbl := 'abcde';
  a := a || ' ' || lbl;
END;""")
    # numeric(8, 2) rounds; a %ROWTYPE record keeps its columns and casts by position.
    assert con.execute(f"CALL {p}('', '', '')").fetchall() == [
        ("2.35 4.70 abcde", "7 seven 1.25", "null null / 9 eight 3.33")]
    for body, error in (
            ("DECLARE v sp_nope.x%TYPE; BEGIN NULL; END;", psycopg.errors.UndefinedTable),
            ("DECLARE v sp_typed.nope%TYPE; BEGIN NULL; END;",
             psycopg.errors.UndefinedColumn),
            ("DECLARE r sp_nope%ROWTYPE; BEGIN NULL; END;", psycopg.errors.UndefinedTable),
            ("DECLARE v nothing%TYPE; BEGIN NULL; END;", psycopg.errors.UndefinedObject)):
        q = name()
        create(con, f"{q}()", body)
        with pytest.raises(error):
            con.execute(f"CALL {q}()")


def test_information_schema_and_show_procedures_by_privilege(
        con: psycopg.Connection, srv: RunningServer) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS proc_vis")
    hidden, granted = name("hidden"), name("granted")
    con.execute(f"CREATE OR REPLACE PROCEDURE proc_vis.{hidden}(a int) AS $$ BEGIN NULL; END; "
                "$$ LANGUAGE plpgsql")
    con.execute(f"CREATE OR REPLACE PROCEDURE proc_vis.{granted}(a int, INOUT b varchar(9), "
                "c OUT numeric(5, 1), d INOUT refcursor) AS $$ BEGIN NULL; END; $$ "
                "LANGUAGE plpgsql SECURITY DEFINER")
    assert con.execute(
        "SELECT routine_name, routine_type, data_type, routine_body, external_language, "
        "security_type FROM information_schema.routines WHERE routine_schema = 'proc_vis' "
        "ORDER BY routine_name").fetchall() == [
        (granted, "PROCEDURE", None, "EXTERNAL", "PLPGSQL", "DEFINER"),
        (hidden, "PROCEDURE", None, "EXTERNAL", "PLPGSQL", "INVOKER")]
    assert con.execute(
        "SELECT p.ordinal_position, p.parameter_mode, p.parameter_name, p.data_type, "
        "p.udt_name FROM information_schema.parameters p JOIN information_schema.routines r "
        "ON r.specific_name = p.specific_name WHERE r.routine_name = %s "
        "ORDER BY p.ordinal_position", (granted,)).fetchall() == [
        (1, "IN", "a", "integer", "int4"), (2, "INOUT", "b", "character varying", "varchar"),
        (3, "OUT", "c", "numeric", "numeric"), (4, "INOUT", "d", "refcursor", "refcursor")]
    user = name("u")
    con.execute(f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    con.execute(f"GRANT USAGE ON SCHEMA proc_vis TO {user}")
    con.execute(f"GRANT EXECUTE ON PROCEDURE proc_vis.{granted}(int, varchar, refcursor) "
                f"TO {user}")
    with psycopg.connect(host=srv.host, port=srv.port, user=user, password=PASSWORD,
                         dbname="dev", sslmode="disable", autocommit=True) as other:
        # Redshift: the owner, or USAGE on the schema and EXECUTE on the procedure.
        assert [r[2] for r in other.execute(
            "SHOW PROCEDURES FROM SCHEMA dev.proc_vis").fetchall()] == [granted]
        assert other.execute(
            "SELECT routine_name FROM information_schema.routines "
            "WHERE routine_schema = 'proc_vis'").fetchall() == [(granted,)]
        assert other.execute(
            "SELECT count(*) FROM information_schema.parameters "
            "WHERE specific_schema = 'proc_vis'").fetchone() == (4,)
    assert sorted(r[2] for r in con.execute(
        "SHOW PROCEDURES FROM SCHEMA dev.proc_vis").fetchall()) == sorted([granted, hidden])
