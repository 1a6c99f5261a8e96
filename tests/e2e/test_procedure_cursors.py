"""Cursors of stored procedures end to end: a refcursor INOUT argument that returns a result
set (Redshift's "Returning a result set from a stored procedure"), and cursors inside a body
(bound cursors, OPEN, FETCH ... INTO, CLOSE, FOR over a cursor). A procedure's cursor is the
session's cursor that FETCH, MOVE, CLOSE and pg_cursors see. Expected answers are Redshift's
documented ones, and PostgreSQL's errors where Redshift documents none.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest

from tests.e2e.server import RunningServer, start

pytestmark = pytest.mark.e2e

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    s = start(tmp_path_factory.mktemp("proc_cursors") / "data")
    with psycopg.connect(s.dsn, autocommit=True) as c:
        c.execute("CREATE TABLE fact_tbl (id int, secondary_id int, name varchar(20))")
        c.execute("INSERT INTO fact_tbl VALUES (1, 1, 'Joe'), (1, 2, 'Ed'), (2, 1, 'Mary'), "
                  "(1, 3, 'Mike'), (0, 9, 'Zed')")
    yield s
    s.stop()


@pytest.fixture
def con(srv: RunningServer) -> Iterator[psycopg.Connection]:
    with psycopg.connect(srv.dsn, autocommit=True) as c:
        yield c


def name(prefix: str = "spc") -> str:
    return f"{prefix}_{next(_ids)}"


def create(con: psycopg.Connection, header: str, body: str) -> None:
    con.execute(f"CREATE OR REPLACE PROCEDURE {header} AS $$\n{body}\n$$ LANGUAGE plpgsql")


def result_set_procedure(con: psycopg.Connection) -> str:
    p = name("get_result_set")
    create(con, f"{p}(param IN integer, rs_out INOUT refcursor)", """
BEGIN
  OPEN rs_out FOR SELECT * FROM fact_tbl where id >= param ORDER BY secondary_id, name;
END;""")
    return p


def test_refcursor_returns_a_result_set(con: psycopg.Connection) -> None:
    p = result_set_procedure(con)
    con.execute("BEGIN")
    cur = con.execute(f"CALL {p}(1, 'mycursor')")
    assert [d.name for d in cur.description] == ["rs_out"]
    assert cur.fetchall() == [("mycursor",)]
    assert con.execute("SELECT name FROM pg_cursors").fetchall() == [("mycursor",)]
    assert con.execute("FETCH 2 FROM mycursor").fetchall() == [(1, 1, "Joe"), (2, 1, "Mary")]
    assert con.execute("MOVE 1 FROM mycursor").rowcount == 1
    assert con.execute("FETCH ALL FROM mycursor").fetchall() == [(1, 3, "Mike")]
    con.execute("COMMIT")
    # The cursor closed with its transaction.
    with pytest.raises(psycopg.errors.InvalidCursorName, match='cursor "mycursor" does not'):
        con.execute("FETCH ALL FROM mycursor")
    assert con.execute("SELECT count(*) FROM pg_cursors").fetchone() == (0,)


def test_refcursor_name_in_use_and_close(con: psycopg.Connection) -> None:
    p = result_set_procedure(con)
    con.execute("BEGIN")
    con.execute("DECLARE taken CURSOR FOR SELECT 1")
    with pytest.raises(psycopg.errors.DuplicateCursor, match='cursor "taken" already in use'):
        con.execute(f"CALL {p}(1, 'taken')")
    con.execute("ROLLBACK")
    con.execute("BEGIN")
    con.execute(f"CALL {p}(2, 'c2')")
    con.execute("CLOSE c2")
    with pytest.raises(psycopg.errors.InvalidCursorName):
        con.execute("FETCH ALL FROM c2")
    con.execute("ROLLBACK")


def test_refcursor_outside_a_transaction_block_closes_with_the_call(
        con: psycopg.Connection) -> None:
    p = result_set_procedure(con)
    assert con.execute(f"CALL {p}(1, 'gone')").fetchall() == [("gone",)]
    with pytest.raises(psycopg.errors.InvalidCursorName, match='cursor "gone" does not exist'):
        con.execute("FETCH ALL FROM gone")


def test_unnamed_portal(con: psycopg.Connection) -> None:
    p = result_set_procedure(con)
    con.execute("BEGIN")
    (portal,) = con.execute(f"CALL {p}(2, NULL)").fetchone()  # type: ignore[misc]
    assert portal.startswith("<unnamed portal ") and portal.endswith(">")
    assert con.execute(f'FETCH ALL FROM "{portal}"').fetchall() == [(2, 1, "Mary")]
    con.execute("COMMIT")


def test_refcursor_through_prepared_statements(srv: RunningServer) -> None:
    p = None
    with psycopg.connect(srv.dsn) as c:  # not autocommit: psycopg opens the transaction
        p = result_set_procedure(c)
        c.commit()
        cur = c.cursor()
        cur.execute(f"CALL {p}(%s, %s)", (1, "prepared_cur"))
        assert cur.fetchone() == ("prepared_cur",)
        cur.execute("FETCH ALL FROM prepared_cur")
        assert len(cur.fetchall()) == 4
        c.commit()


def test_redshift_connector_fetches_a_returned_cursor(srv: RunningServer,
                                                      con: psycopg.Connection) -> None:
    redshift_connector = pytest.importorskip("redshift_connector")
    p = result_set_procedure(con)
    conn = redshift_connector.connect(host=srv.host, port=srv.port, user=srv.user,
                                      password=srv.password, database=srv.database, ssl=False,
                                      timeout=15)
    try:
        cursor = conn.cursor()  # autocommit off: the driver opens the transaction
        cursor.execute(f"CALL {p}(1, 'rc_cur')")
        assert list(cursor.fetchall()) == [["rc_cur"]]
        cursor.execute("FETCH ALL FROM rc_cur")
        assert [tuple(r) for r in cursor.fetchall()] == [
            (1, 1, "Joe"), (2, 1, "Mary"), (1, 2, "Ed"), (1, 3, "Mike")]
        conn.commit()
    finally:
        conn.close()


def _cursor_body(tail: str) -> str:
    return f"""
DECLARE
  c CURSOR (k int) FOR SELECT id, name FROM fact_tbl WHERE id >= k ORDER BY name;
  r record;
  v_id int;
  v_name varchar(20);
BEGIN
  total := 0;
  names := '';
  OPEN c(lo);
  LOOP
    FETCH c INTO v_id, v_name;
    EXIT WHEN NOT FOUND;
    total := total + v_id;
    names := names || v_name || ',';
  END LOOP;
  found_last := FOUND;
  CLOSE c;
  FOR r IN c(2) LOOP
    names := names || r.name || ';';
  END LOOP;
  OPEN c(0);
  FETCH NEXT FROM c INTO r;
  names := names || r.name;
  CLOSE c;
  {tail}
END;"""


def test_cursors_inside_a_body(con: psycopg.Connection) -> None:
    header = "(lo int, INOUT total int, INOUT names varchar(200), INOUT found_last boolean)"
    p = name()
    create(con, p + header, _cursor_body(""))
    assert con.execute(f"CALL {p}(1, 0, '', true)").fetchall() == [
        (5, "Ed,Joe,Mary,Mike,Mary;Ed", False)]
    # A closed cursor is gone: FETCH from it is 34000.
    closed = name()
    create(con, closed + header, _cursor_body("FETCH c INTO v_id;"))
    with pytest.raises(psycopg.errors.InvalidCursorName, match='cursor "c" does not exist'):
        con.execute(f"CALL {closed}(1, 0, '', false)")


def test_open_for_query_and_execute(con: psycopg.Connection) -> None:
    p = name()
    create(con, f"{p}(tbl varchar(30), INOUT n int, INOUT m int)", """
DECLARE
  c refcursor;
  d refcursor := 'named_d';
  v int;
BEGIN
  OPEN c FOR SELECT count(*) FROM fact_tbl WHERE id = n;
  FETCH c INTO v;
  CLOSE c;
  n := v;
  OPEN d FOR EXECUTE 'SELECT max(secondary_id) FROM ' || tbl;
  FETCH d INTO m;
  CLOSE d;
END;""")
    assert con.execute(f"CALL {p}('fact_tbl', 1, 0)").fetchall() == [(3, 9)]


def test_cursor_errors(con: psycopg.Connection) -> None:
    cases = [
        ("DECLARE c CURSOR FOR SELECT 1; BEGIN OPEN c; OPEN c; END;",
         psycopg.errors.DuplicateCursor, 'cursor "c" already in use'),
        ("DECLARE c refcursor; v int; BEGIN FETCH c INTO v; END;",
         psycopg.errors.NullValueNotAllowed, 'cursor variable "c" is null'),
        ("DECLARE c refcursor; BEGIN OPEN c FOR INSERT INTO fact_tbl VALUES (1, 1, 'x'); END;",
         psycopg.errors.InvalidCursorDefinition, "cannot open INSERT query as cursor"),
        ("DECLARE c CURSOR (k int) FOR SELECT k; BEGIN OPEN c; END;",
         psycopg.errors.SyntaxError, 'cursor "c" has arguments'),
        ("DECLARE c CURSOR (k int) FOR SELECT k; BEGIN OPEN c(1, 2); END;",
         psycopg.errors.SyntaxError, 'too many arguments for cursor "c"'),
        ("DECLARE v int; BEGIN OPEN v FOR SELECT 1; END;",
         psycopg.errors.DatatypeMismatch, 'variable "v" must be of type cursor or refcursor'),
        ("DECLARE c refcursor := 'nope'; BEGIN CLOSE c; END;",
         psycopg.errors.InvalidCursorName, 'cursor "nope" does not exist'),
    ]
    for body, error, message in cases:
        p = name()
        create(con, f"{p}()", body)
        with pytest.raises(error, match=message):
            con.execute(f"CALL {p}()")


def test_nonatomic_cursor_needs_a_transaction_block(con: psycopg.Connection) -> None:
    p = name()
    con.execute(f"CREATE PROCEDURE {p}() NONATOMIC AS $$ DECLARE c refcursor; BEGIN "
                "OPEN c FOR SELECT 1; END; $$ LANGUAGE plpgsql")
    with pytest.raises(psycopg.errors.NoActiveSqlTransaction):
        con.execute(f"CALL {p}()")


def test_refused_cursor_forms(con: psycopg.Connection) -> None:
    for body in ("DECLARE c SCROLL CURSOR FOR SELECT 1; BEGIN NULL; END;",
                 "DECLARE c CURSOR FOR SELECT 1; v int; BEGIN FETCH PRIOR FROM c INTO v; END;",
                 "DECLARE c CURSOR FOR SELECT 1; BEGIN MOVE c; END;",
                 "DECLARE c refcursor; BEGIN OPEN c FOR EXECUTE 'SELECT $1' USING 1; END;"):
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            create(con, f"{name()}()", body)


def test_commit_inside_a_cursor_loop_keeps_reading(con: psycopg.Connection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS cursor_log (name varchar(20))")
    con.execute("DELETE FROM cursor_log")
    for options in ("", "NONATOMIC"):
        p = name()
        con.execute(f"CREATE PROCEDURE {p}(INOUT n int) {options} AS $$ DECLARE "
                    "c CURSOR FOR SELECT name FROM fact_tbl ORDER BY name; BEGIN n := 0; "
                    "FOR r IN c LOOP INSERT INTO cursor_log VALUES (r.name); COMMIT; "
                    "n := n + 1; END LOOP; END; $$ LANGUAGE plpgsql")
        assert con.execute(f"CALL {p}(0)").fetchall() == [(5,)]
    assert con.execute("SELECT count(*) FROM cursor_log").fetchone() == (10,)
    assert con.execute("SELECT count(*) FROM pg_cursors").fetchone() == (0,)
