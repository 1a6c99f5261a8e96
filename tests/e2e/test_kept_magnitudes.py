"""The magnitudes of DECIMAL columns that DuckDB's statistics showed, kept per table until its
next write (catalog/blank_facts.py, ``Connection._sized_form``): a session whose products ran
in BIGINT over small values, after another session's write of a product past 18 digits, gets
Redshift's exact answer, in a transaction block and out of one, whatever the write was.

Outside a block a narrow product that fails runs again in its wide form, so there a stale
magnitude would only cost a run; in a block the failure (22003) would end the transaction.
Each test therefore asks inside a block too, after a query over another table of the same
database (which takes the block's snapshot, so that it may use kept magnitudes at all)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Context, Decimal

import psycopg
import pytest

from tests.e2e.server import RunningServer, free_port, start
from tests.e2e.test_datashares import CONFIG, Pair, guid

pytestmark = pytest.mark.e2e

SMALL = Decimal("7.5000")  # 1.50 * 2.00 + 1.50 * 3.00
BIG = Decimal("99999999999999800000000000.0001")  # 9999999999999.99 ** 2


def _plus(*values: Decimal) -> Decimal:
    """The exact sum (Decimal's default context keeps 28 digits)."""
    total = Decimal(0)
    for value in values:
        total = Context(prec=60).add(total, value)
    return total


QUERY = "SELECT sum(p * q) FROM {t}"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("kept_magnitudes") / "data")
    yield server
    server.stop()


def _table(conn: psycopg.Connection, name: str) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    conn.execute(f"CREATE TABLE {name} (k int, p decimal(15,2), q decimal(15,2))")
    conn.execute(f"INSERT INTO {name} VALUES (1, 1.50, 2.00), (2, 1.50, 3.00)")


def _sum(conn: psycopg.Connection, name: str) -> Decimal:
    row = conn.execute(QUERY.format(t=name)).fetchone()
    assert row is not None
    return row[0]


def _after(conn: psycopg.Connection, name: str, expected: Decimal) -> None:
    """``conn`` reads ``expected`` from ``name`` out of a block and in one (after a product
    over another table, so that the block's snapshot is taken first)."""
    assert _sum(conn, name) == expected
    conn.execute("BEGIN")
    try:
        assert _sum(conn, "km_other") == SMALL
        assert _sum(conn, name) == expected
        assert _sum(conn, name) == expected
    finally:
        conn.execute("ROLLBACK")
    conn.execute("BEGIN")
    try:
        assert _sum(conn, "km_other") == SMALL
        assert _sum(conn, name) == expected
    finally:
        conn.execute("COMMIT")


@pytest.fixture
def pair(srv: RunningServer) -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
    """Two sessions; the first has run products over ``km`` (small values) and ``km_other``
    (``km_big`` holds a row whose product passes 18 digits)."""
    with (psycopg.connect(srv.dsn, autocommit=True) as first,
          psycopg.connect(srv.dsn, autocommit=True) as second):
        _table(first, "km")
        _table(first, "km_other")
        first.execute("DROP TABLE IF EXISTS km_big")
        first.execute("CREATE TABLE km_big (k int, p decimal(15,2), q decimal(15,2))")
        first.execute("INSERT INTO km_big VALUES (3, 9999999999999.99, 9999999999999.99)")
        _after(first, "km", SMALL)
        yield first, second


WRITES: dict[str, tuple[Callable[[psycopg.Connection], object], Decimal]] = {
    "insert": (lambda c: c.execute(
        "INSERT INTO km VALUES (3, 9999999999999.99, 9999999999999.99)"), _plus(SMALL, BIG)),
    "update": (lambda c: c.execute(
        "UPDATE km SET p = 9999999999999.99, q = 9999999999999.99 WHERE k = 1"),
        _plus(BIG, Decimal("4.5000"))),
    "delete and insert": (lambda c: (c.execute("DELETE FROM km WHERE k = 1"), c.execute(
        "INSERT INTO km VALUES (3, 9999999999999.99, 9999999999999.99)")),
        _plus(BIG, Decimal("4.5000"))),
    "truncate and insert": (lambda c: (c.execute("TRUNCATE km"), c.execute(
        "INSERT INTO km VALUES (3, 9999999999999.99, 9999999999999.99)")), BIG),
    "merge": (lambda c: c.execute(
        "MERGE INTO km USING km_other AS s ON km.k = s.k WHEN MATCHED THEN UPDATE SET "
        "p = 9999999999999.99, q = 9999999999999.99 WHEN NOT MATCHED THEN INSERT VALUES "
        "(s.k, s.p, s.q)"), _plus(BIG, BIG)),
    "insert in a block": (lambda c: (c.execute("BEGIN"), c.execute(
        "INSERT INTO km VALUES (3, 9999999999999.99, 9999999999999.99)"),
        c.execute("COMMIT")), _plus(SMALL, BIG)),
    "drop and create": (lambda c: (c.execute("DROP TABLE km"), c.execute(
        "CREATE TABLE km (k int, p decimal(15,2), q decimal(15,2))"), c.execute(
        "INSERT INTO km VALUES (3, 9999999999999.99, 9999999999999.99)")), BIG),
    "create as": (lambda c: (c.execute("DROP TABLE km"), c.execute(
        "CREATE TABLE km AS SELECT k, CAST(9999999999999.99 AS decimal(15,2)) AS p, "
        "CAST(9999999999999.99 AS decimal(15,2)) AS q FROM km_other")), _plus(BIG, BIG)),
    "insert select": (lambda c: c.execute("INSERT INTO km SELECT * FROM km_big"),
                      _plus(SMALL, BIG)),
    "append": (lambda c: c.execute("ALTER TABLE km APPEND FROM km_big"), _plus(SMALL, BIG)),
    "rename": (lambda c: (c.execute("DROP TABLE km"), c.execute(
        "ALTER TABLE km_big RENAME TO km")), BIG),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_write_of_another_session(
        pair: tuple[psycopg.Connection, psycopg.Connection], write: str) -> None:
    first, second = pair
    run, expected = WRITES[write]
    run(second)
    _after(first, "km", expected)


def test_a_read_beside_an_open_writer_is_not_kept(
        pair: tuple[psycopg.Connection, psycopg.Connection]) -> None:
    first, second = pair
    second.execute("BEGIN")
    second.execute("INSERT INTO km VALUES (3, 9999999999999.99, 9999999999999.99)")
    # The statistics do not show the open writer's rows: read now, they bound only these.
    assert _sum(first, "km") == SMALL
    assert _sum(first, "km") == SMALL
    second.execute("COMMIT")
    _after(first, "km", _plus(SMALL, BIG))


def test_copy_from_stdin(pair: tuple[psycopg.Connection, psycopg.Connection]) -> None:
    first, second = pair
    with second.cursor().copy("COPY km FROM STDIN") as copy:
        copy.write_row((3, Decimal("9999999999999.99"), Decimal("9999999999999.99")))
    _after(first, "km", _plus(SMALL, BIG))


def test_a_procedure_that_writes(pair: tuple[psycopg.Connection, psycopg.Connection]) -> None:
    first, second = pair
    second.execute("CREATE OR REPLACE PROCEDURE km_write() AS $$ BEGIN INSERT INTO km VALUES "
                   "(3, 9999999999999.99, 9999999999999.99); END; $$ LANGUAGE plpgsql")
    _after(first, "km", SMALL)  # kept again after CREATE PROCEDURE
    second.execute("CALL km_write()")
    _after(first, "km", _plus(SMALL, BIG))


def test_the_writers_own_rows(pair: tuple[psycopg.Connection, psycopg.Connection]) -> None:
    first, _ = pair
    first.execute("BEGIN")
    try:
        assert _sum(first, "km_other") == SMALL
        first.execute("INSERT INTO km VALUES (3, 9999999999999.99, 9999999999999.99)")
        assert _sum(first, "km") == _plus(SMALL, BIG)
        first.execute("UPDATE km SET p = 9999999999999.99, q = 9999999999999.99 WHERE k = 1")
        assert _sum(first, "km") == _plus(BIG, BIG, Decimal("4.5000"))
    finally:
        first.execute("ROLLBACK")
    _after(first, "km", SMALL)


# Another table with small values takes the name ``km``: made again (a table made after the
# block began), or renamed (none made after it began: only km's own write is seen).
REPLACEMENTS: dict[str, Callable[[psycopg.Connection], object]] = {
    "dropped and made again": lambda c: (c.execute("DROP TABLE km"), _table(c, "km")),
    "renamed": lambda c: (c.execute("ALTER TABLE km RENAME TO km_old"),
                          c.execute("ALTER TABLE km_other RENAME TO km")),
}


@pytest.mark.parametrize("replace", list(REPLACEMENTS))
def test_an_older_snapshot_keeps_the_replaced_tables_rows(
        pair: tuple[psycopg.Connection, psycopg.Connection], replace: str) -> None:
    first, second = pair
    second.execute("INSERT INTO km VALUES (3, 9999999999999.99, 9999999999999.99)")
    first.execute("BEGIN")
    try:
        assert _sum(first, "km") == _plus(SMALL, BIG)
        # The new km's statistics are read and kept...
        REPLACEMENTS[replace](second)
        assert _sum(second, "km") == SMALL
        assert _sum(second, "km") == SMALL
        # ... but the block's snapshot still holds the big product under that name.
        assert _sum(first, "km") == _plus(SMALL, BIG)
    finally:
        first.execute("ROLLBACK")
    assert _sum(first, "km") == SMALL


def test_a_consumers_write_through_a_datashare(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    p1, p2 = free_port(), free_port()
    server = start(tmp_path_factory.mktemp("kept_shares") / "data",
                   config=CONFIG.format(p1=p1, p2=p2), ports={"producer-wg": p1, "consumer-wg": p2})
    pair = Pair(server, p1, p2)
    try:
        with pair.producer() as prod, pair.consumer() as cons:
            prod.execute("CREATE SCHEMA s")
            _table(prod, "s.km")
            _table(prod, "km_other")
            prod.execute("CREATE DATASHARE kmshare")
            prod.execute("GRANT USAGE ON SCHEMA s TO DATASHARE kmshare")
            prod.execute("GRANT ALL ON s.km TO DATASHARE kmshare")
            prod.execute(f"GRANT USAGE ON DATASHARE kmshare TO NAMESPACE '{guid(cons)}'")
            cons.execute("CREATE DATABASE km_db FROM DATASHARE kmshare "
                         f"OF NAMESPACE '{guid(prod)}'")
            _after(prod, "s.km", SMALL)
            assert _sum(cons, "km_db.s.km") == SMALL
            cons.execute("INSERT INTO km_db.s.km VALUES (3, 9999999999999.99, 9999999999999.99)")
            _after(prod, "s.km", _plus(SMALL, BIG))
            assert _sum(cons, "km_db.s.km") == _plus(SMALL, BIG)
            prod.execute("UPDATE s.km SET p = 9999999999999.99, q = 9999999999999.99 "
                         "WHERE k = 1")
            assert _sum(cons, "km_db.s.km") == _plus(BIG, BIG, Decimal("4.5000"))
    finally:
        server.stop()
