"""Clean VARCHAR columns (catalog/blank_facts.py) across sessions, transactions, COPY,
prepared statements and datashares: once the server knows that no value of a column ends with
a blank it compares the column as written, and no write, committed or not, may make that give
another answer than Redshift's comparison without trailing blanks."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest

from tests.e2e.server import RunningServer, free_port, start
from tests.e2e.test_datashares import CONFIG, Pair, guid

pytestmark = pytest.mark.e2e

QUERY = "SELECT id FROM vbf WHERE v = 'a' ORDER BY id"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("blank_facts") / "data")
    yield server
    server.stop()


def _plan(conn: psycopg.Connection, query: str) -> str:
    return "\n".join(row[0] for row in conn.execute("EXPLAIN " + query).fetchall())


def _wait_plain(conn: psycopg.Connection, query: str) -> None:
    """Run ``query`` until the server compares its column as written (a scan found it clean)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        conn.execute(query).fetchall()
        if "ends_with" not in _plan(conn, query):
            return
        time.sleep(0.05)
    raise AssertionError("the column never became clean")


def _ids(conn: psycopg.Connection, query: str = QUERY) -> list[int]:
    return [row[0] for row in conn.execute(query).fetchall()]


def _table(conn: psycopg.Connection, name: str = "vbf") -> None:
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    conn.execute(f"CREATE TABLE {name} (id int, v varchar(10))")
    conn.execute(f"INSERT INTO {name} VALUES (1, 'a'), (2, 'b')")


@pytest.fixture
def clean_pair(srv: RunningServer) -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
    """Two sessions, over a table whose column ``v`` the server knows to be clean."""
    with (psycopg.connect(srv.dsn, autocommit=True) as first,
          psycopg.connect(srv.dsn, autocommit=True) as second):
        _table(first)
        _wait_plain(first, QUERY)
        yield first, second


def test_a_clean_column_is_a_plain_equality(srv: RunningServer) -> None:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        _table(conn)
        _wait_plain(conn, QUERY)
        assert "v='a'" in _plan(conn, QUERY).replace(" ", "")
        conn.execute("INSERT INTO vbf VALUES (3, 'a ')")
        assert _ids(conn) == [1, 3]
        assert "ends_with" in _plan(conn, QUERY)


def test_a_first_run_compares_a_clean_column_as_written(srv: RunningServer) -> None:
    # Nothing has compared the new table's column yet: the facts are learned before the
    # query's first run (EXPLAIN shows the plan that run takes), not beside it.
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        _table(conn, "vbf_first")
        query = "SELECT id FROM vbf_first WHERE v = 'a' ORDER BY id"
        assert "v='a'" in _plan(conn, query).replace(" ", "")
        assert _ids(conn, query) == [1]
        _table(conn, "vbf_first")  # a new table: its facts are unknown again
        assert _ids(conn, query) == [1]
        assert "ends_with" not in _plan(conn, query)


def test_a_first_run_over_a_blank_ended_value_is_exact(srv: RunningServer) -> None:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        _table(conn, "vbf_blank")
        conn.execute("INSERT INTO vbf_blank VALUES (3, 'a ')")
        query = "SELECT id FROM vbf_blank WHERE v = 'a' ORDER BY id"
        assert _ids(conn, query) == [1, 3]
        assert "ends_with" in _plan(conn, query)
        assert [r[0] for r in conn.execute(
            "SELECT id FROM vbf_blank WHERE v IN ('a', 'c') ORDER BY id").fetchall()] == [1, 3]


def test_a_first_run_beside_an_open_writer_is_exact(srv: RunningServer) -> None:
    with (psycopg.connect(srv.dsn, autocommit=True) as reader,
          psycopg.connect(srv.dsn, autocommit=True) as writer):
        _table(writer, "vbf_open")
        query = "SELECT id FROM vbf_open WHERE v = 'a' ORDER BY id"
        writer.execute("BEGIN")
        writer.execute("INSERT INTO vbf_open VALUES (3, 'a ')")
        # The committed rows are clean, but the writer's may commit: no fact is learned.
        assert "ends_with" in _plan(reader, query)
        assert _ids(reader, query) == [1]
        writer.execute("COMMIT")
        assert _ids(reader, query) == [1, 3]


def test_a_grouped_column_is_learned_clean_and_grouped_as_written(srv: RunningServer) -> None:
    """A GROUP BY alone has the server scan its column; once clean it is grouped as written,
    and a blank-ended value written later groups without its blanks again."""
    query = "SELECT v, count(*) FROM vbg GROUP BY v ORDER BY v"
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        _table(conn, "vbg")
        _wait_plain(conn, query)
        assert conn.execute(query).fetchall() == [("a", 1), ("b", 1)]
        conn.execute("INSERT INTO vbg VALUES (3, 'a ')")
        assert conn.execute(query).fetchall() == [("a", 2), ("b", 1)]
        assert "ends_with" in _plan(conn, query)


def test_an_uncommitted_writer_blocks_the_fact_until_it_ends(
        clean_pair: tuple[psycopg.Connection, psycopg.Connection]) -> None:
    reader, writer = clean_pair
    writer.execute("BEGIN")
    writer.execute("INSERT INTO vbf VALUES (3, 'a  ')")
    # The writer sees its own row; the reader cannot, and its scans (the table may look
    # clean to them) must not be trusted while the writer is open.
    assert _ids(writer) == [1, 3]
    for _ in range(10):
        assert _ids(reader) == [1]
        time.sleep(0.05)
    assert "ends_with" in _plan(reader, QUERY)
    writer.execute("COMMIT")
    assert _ids(reader) == [1, 3]
    for _ in range(10):
        assert _ids(reader) == [1, 3]
        time.sleep(0.05)


def test_a_rolled_back_writer(
        clean_pair: tuple[psycopg.Connection, psycopg.Connection]) -> None:
    reader, writer = clean_pair
    writer.execute("BEGIN")
    writer.execute("UPDATE vbf SET v = 'a ' WHERE id = 2")
    assert _ids(writer) == [1, 2]
    writer.execute("ROLLBACK")
    assert _ids(reader) == [1]
    _wait_plain(reader, QUERY)  # the table is clean again after a scan
    assert _ids(reader) == [1]


def test_an_older_snapshot_keeps_the_rows_a_later_write_removed(srv: RunningServer) -> None:
    with (psycopg.connect(srv.dsn, autocommit=True) as old,
          psycopg.connect(srv.dsn, autocommit=True) as other):
        _table(other)
        other.execute("INSERT INTO vbf VALUES (3, 'a ')")
        old.execute("BEGIN")
        assert _ids(old) == [1, 3]  # its snapshot holds the blank-ended row
        other.execute("DELETE FROM vbf WHERE id = 3")
        _wait_plain(other, QUERY)  # clean for snapshots after the delete
        assert _ids(other) == [1]
        assert _ids(old) == [1, 3]
        assert "ends_with" in _plan(old, QUERY)
        old.execute("COMMIT")
        assert _ids(old) == [1]


def test_a_prepared_statement_outlives_the_fact(
        clean_pair: tuple[psycopg.Connection, psycopg.Connection]) -> None:
    conn, writer = clean_pair
    for _ in range(3):
        assert [r[0] for r in conn.execute(QUERY, prepare=True).fetchall()] == [1]
    writer.execute("INSERT INTO vbf VALUES (3, 'a ')")
    assert [r[0] for r in conn.execute(QUERY, prepare=True).fetchall()] == [1, 3]


@pytest.mark.parametrize("prepare", [False, True])
def test_a_statement_with_parameters_outlives_the_fact(
        clean_pair: tuple[psycopg.Connection, psycopg.Connection], prepare: bool) -> None:
    # Its text is typed for its parameters as it runs: the exact one once a write to the
    # clean column moves the facts (an int parameter makes the text typed).
    conn, writer = clean_pair
    query = "SELECT id FROM vbf WHERE v = %s AND id > %s ORDER BY id"
    for _ in range(3):
        assert [r[0] for r in conn.execute(query, ("a  ", 0), prepare=prepare)] == [1]
    writer.execute("INSERT INTO vbf VALUES (3, 'a ')")
    assert [r[0] for r in conn.execute(query, ("a", 0), prepare=prepare)] == [1, 3]
    assert [r[0] for r in conn.execute(query, ("a  ", 0), prepare=prepare)] == [1, 3]


def test_copy_from_stdin_into_a_clean_table(srv: RunningServer) -> None:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        _table(conn)
        _wait_plain(conn, QUERY)
        with conn.cursor().copy("COPY vbf FROM STDIN") as copy:
            copy.write_row((3, "a   "))
        assert _ids(conn) == [1, 3]


def test_datashare_writes_and_reads(tmp_path_factory: pytest.TempPathFactory) -> None:
    p1, p2 = free_port(), free_port()
    server = start(tmp_path_factory.mktemp("blank_shares") / "data",
                   config=CONFIG.format(p1=p1, p2=p2), ports={"producer-wg": p1, "consumer-wg": p2})
    pair = Pair(server, p1, p2)
    try:
        with pair.producer() as prod, pair.consumer() as cons:
            prod.execute("CREATE SCHEMA s")
            prod.execute("CREATE TABLE s.vbf (id int, v varchar(10))")
            prod.execute("INSERT INTO s.vbf VALUES (1, 'a'), (2, 'b')")
            prod.execute("CREATE DATASHARE vbshare")
            prod.execute("GRANT USAGE ON SCHEMA s TO DATASHARE vbshare")
            prod.execute("GRANT ALL ON s.vbf TO DATASHARE vbshare")
            prod.execute(f"GRANT USAGE ON DATASHARE vbshare TO NAMESPACE '{guid(cons)}'")
            cons.execute("CREATE DATABASE vb_db FROM DATASHARE vbshare "
                         f"OF NAMESPACE '{guid(prod)}'")
            local = "SELECT id FROM s.vbf WHERE v = 'a' ORDER BY id"
            shared = "SELECT id FROM vb_db.s.vbf WHERE v = 'a' ORDER BY id"
            _wait_plain(prod, local)
            _wait_plain(cons, shared)
            # A consumer's write into the producer's table reaches the producer's comparisons.
            cons.execute("INSERT INTO vb_db.s.vbf VALUES (3, 'a ')")
            assert _ids(prod, local) == [1, 3]
            assert _ids(cons, shared) == [1, 3]
            prod.execute("DELETE FROM s.vbf WHERE id = 3")
            _wait_plain(cons, shared)
            # And the producer's write reaches the consumer's reads.
            prod.execute("UPDATE s.vbf SET v = 'a  ' WHERE id = 2")
            assert _ids(cons, shared) == [1, 2]
    finally:
        server.stop()
