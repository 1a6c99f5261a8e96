"""Materialized views end to end through psycopg: they hold the rows of their last refresh.

One server with a producer and a consumer namespace (the datashare case needs both); each test
makes its own tables and views. A read after a base table changes returns the stored rows until
REFRESH MATERIALIZED VIEW; with AUTO REFRESH YES the refresh follows the committed write in the
background (polled with a timeout); SVV_MV_INFO's is_stale tells which; only the owner may
refresh; a consumer of a datashare reads the producer's stored rows.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from tests.e2e.server import free_port, start
from tests.e2e.test_datashare_views import CONFIG
from tests.e2e.test_datashares import Pair, guid

pytestmark = pytest.mark.e2e

PASSWORD = "User-pw-123"
_ids = itertools.count(1)
_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    p1, p2 = free_port(), free_port()
    srv = start(tmp_path_factory.mktemp("mviews") / "data", config=CONFIG.format(p1=p1, p2=p2),
                ports={"producer-wg": p1, "consumer-wg": p2})
    yield Pair(srv, p1, p2)
    srv.stop()


@pytest.fixture
def admin(pair: Pair) -> Iterator[psycopg.Connection]:
    with pair.producer() as con:
        yield con


def name(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def rows(con: psycopg.Connection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def eventually(check: Callable[[], bool]) -> None:
    """Poll ``check`` until it holds (the background work is asynchronous)."""
    deadline = time.monotonic() + _TIMEOUT_S
    while not check():
        assert time.monotonic() < deadline, "not seen before the timeout"
        time.sleep(0.05)


def stale(con: psycopg.Connection, mv: str) -> str:
    return str(rows(con, f"SELECT is_stale FROM svv_mv_info WHERE name = '{mv}'")[0][0])


def test_reads_are_stale_until_refresh(admin: psycopg.Connection) -> None:
    t, mv = name("mvb"), name("mv")
    admin.execute(f"CREATE TABLE {t} (k varchar(5), v int)")
    admin.execute(f"INSERT INTO {t} VALUES ('a', 1), ('b', 2)")
    admin.execute(f"CREATE MATERIALIZED VIEW {mv} AS SELECT k, sum(v) AS s FROM {t} GROUP BY k")
    assert stale(admin, mv) == "f"
    admin.execute(f"INSERT INTO {t} VALUES ('a', 10), ('c', 3)")
    assert rows(admin, f"SELECT k, s FROM {mv} ORDER BY k") == [("a", 1), ("b", 2)]
    eventually(lambda: stale(admin, mv) == "t")
    cur = admin.execute(f"REFRESH MATERIALIZED VIEW {mv}")
    assert cur.statusmessage == "REFRESH MATERIALIZED VIEW"
    assert rows(admin, f"SELECT k, s FROM {mv} ORDER BY k") == [("a", 11), ("b", 2), ("c", 3)]
    assert stale(admin, mv) == "f"
    # UPDATE and DELETE change the base too.
    admin.execute(f"DELETE FROM {t} WHERE k = 'c'")
    eventually(lambda: stale(admin, mv) == "t")
    assert rows(admin, f"SELECT count(*) FROM {mv}") == [(3,)]


def test_auto_refresh_follows_committed_writes(admin: psycopg.Connection,
                                               pair: Pair) -> None:
    t, mv = name("mvb"), name("mv")
    admin.execute(f"CREATE TABLE {t} (v int)")
    admin.execute(f"INSERT INTO {t} VALUES (1)")
    admin.execute(f"CREATE MATERIALIZED VIEW {mv} AUTO REFRESH YES AS SELECT sum(v) AS s FROM {t}")
    assert rows(admin, f"SELECT autorefresh FROM svv_mv_info WHERE name = '{mv}'") == [("t",)]
    admin.execute(f"INSERT INTO {t} VALUES (2)")
    eventually(lambda: rows(admin, f"SELECT s FROM {mv}") == [(3,)])
    eventually(lambda: stale(admin, mv) == "f")
    # A write in a transaction block is followed once it commits, not before.
    with pair.producer(autocommit=False) as writer:
        writer.execute(f"INSERT INTO {t} VALUES (4)")
        time.sleep(0.5)
        assert rows(admin, f"SELECT s FROM {mv}") == [(3,)]
        writer.commit()
    eventually(lambda: rows(admin, f"SELECT s FROM {mv}") == [(7,)])
    # Rolled back: nothing to follow.
    with pair.producer(autocommit=False) as writer:
        writer.execute(f"INSERT INTO {t} VALUES (100)")
        writer.rollback()
    # AUTO REFRESH NO: the next write leaves it stale.
    admin.execute(f"ALTER MATERIALIZED VIEW {mv} AUTO REFRESH NO")
    admin.execute(f"INSERT INTO {t} VALUES (8)")
    eventually(lambda: stale(admin, mv) == "t")
    assert rows(admin, f"SELECT s FROM {mv}") == [(7,)]
    admin.execute(f"ALTER MATERIALIZED VIEW {mv} AUTO REFRESH YES")
    admin.execute(f"INSERT INTO {t} VALUES (16)")
    eventually(lambda: rows(admin, f"SELECT s FROM {mv}") == [(31,)])


def test_refresh_runs_in_a_transaction_of_its_own(pair: Pair,
                                                   admin: psycopg.Connection) -> None:
    t, mv = name("mvb"), name("mv")
    admin.execute(f"CREATE TABLE {t} (v int)")
    admin.execute(f"INSERT INTO {t} VALUES (1)")
    admin.execute(f"CREATE MATERIALIZED VIEW {mv} AS SELECT count(*) AS n FROM {t}")
    admin.execute(f"INSERT INTO {t} VALUES (2)")
    with pair.producer(autocommit=False) as con:
        con.execute(f"INSERT INTO {t} VALUES (3)")
        # The refresh sees committed rows only, and leaves this transaction open.
        con.execute(f"REFRESH MATERIALIZED VIEW {mv}")
        con.rollback()
    assert rows(admin, f"SELECT n FROM {mv}") == [(2,)]


def test_only_the_owner_refreshes_and_readers_need_select(
        admin: psycopg.Connection, pair: Pair) -> None:
    owner, reader = name("mvo"), name("mvr")
    for user in (owner, reader):
        admin.execute(f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    admin.execute(f"GRANT CREATE ON SCHEMA public TO {owner}")
    with pair.producer(owner, PASSWORD) as con:
        t, mv = name("mvb"), name("mv")
        con.execute(f"CREATE TABLE {t} (v int)")
        con.execute(f"INSERT INTO {t} VALUES (5)")
        con.execute(f"CREATE MATERIALIZED VIEW {mv} AS SELECT v FROM {t}")
        con.execute(f"REFRESH MATERIALIZED VIEW {mv}")
        with pair.producer(reader, PASSWORD) as other:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                other.execute(f"SELECT * FROM {mv}")
            con.execute(f"GRANT SELECT ON {mv} TO {reader}")
            # As on a view: SELECT on it is enough (not on its base table).
            assert rows(other, f"SELECT v FROM {mv}") == [(5,)]
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
                other.execute(f"REFRESH MATERIALIZED VIEW {mv}")
            assert "must be owner" in str(info.value)


def test_drop_materialized_view_and_its_base(admin: psycopg.Connection) -> None:
    t, mv, over = name("mvb"), name("mv"), name("mvv")
    admin.execute(f"CREATE TABLE {t} (v int)")
    admin.execute(f"CREATE MATERIALIZED VIEW {mv} AS SELECT v FROM {t}")
    admin.execute(f"CREATE VIEW {over} AS SELECT v FROM {mv}")
    with pytest.raises(psycopg.errors.DependentObjectsStillExist) as info:
        admin.execute(f"DROP TABLE {t}")
    assert info.value.diag.message_detail == f"materialized view {mv} depends on table {t}"
    with pytest.raises(psycopg.errors.DependentObjectsStillExist):
        admin.execute(f"DROP MATERIALIZED VIEW {mv}")
    admin.execute(f"DROP MATERIALIZED VIEW {mv} CASCADE")
    for relation in (mv, over):
        with pytest.raises(psycopg.errors.UndefinedTable):
            admin.execute(f"SELECT * FROM {relation}")
    assert rows(admin, f"SELECT count(*) FROM svv_mv_info WHERE name = '{mv}'") == [(0,)]
    admin.execute(f"CREATE MATERIALIZED VIEW {mv} AS SELECT v FROM {t}")  # the name is free
    admin.execute(f"DROP TABLE {t} CASCADE")
    with pytest.raises(psycopg.errors.UndefinedTable):
        admin.execute(f"SELECT * FROM {mv}")
    # Nothing hidden is left behind in the catalog.
    assert rows(admin, "SELECT count(*) FROM pg_class WHERE strpos(relname, '__ds') > 0") == [
        (0,)]


def test_consumer_reads_the_stored_rows_of_a_shared_materialized_view(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    schema, share, db = name("mvs"), name("mvshare"), name("mvdb")
    prod.execute(f"CREATE SCHEMA {schema}")
    prod.execute(f"CREATE TABLE {schema}.orders (id int, amount int)")
    prod.execute(f"INSERT INTO {schema}.orders VALUES (1, 10), (2, 20)")
    prod.execute(f"CREATE MATERIALIZED VIEW {schema}.totals AS "
                 f"SELECT count(*) AS n, sum(amount) AS total FROM {schema}.orders")
    prod.execute(f"CREATE DATASHARE {share}")
    prod.execute(f"ALTER DATASHARE {share} ADD SCHEMA {schema}")
    prod.execute(f"ALTER DATASHARE {share} ADD TABLE {schema}.totals")
    prod.execute(f"GRANT USAGE ON DATASHARE {share} TO NAMESPACE '{guid(cons)}'")
    cons.execute(f"CREATE DATABASE {db} FROM DATASHARE {share} OF NAMESPACE '{guid(prod)}'")
    assert rows(cons, f"SELECT n, total FROM {db}.{schema}.totals") == [(2, 30)]
    prod.execute(f"INSERT INTO {schema}.orders VALUES (3, 30)")
    assert rows(cons, f"SELECT n, total FROM {db}.{schema}.totals") == [(2, 30)]
    prod.execute(f"REFRESH MATERIALIZED VIEW {schema}.totals")
    assert rows(cons, f"SELECT n, total FROM {db}.{schema}.totals") == [(3, 60)]
    # The base table is not shared: the consumer sees the view only.
    with pytest.raises(psycopg.errors.Error):
        cons.execute(f"SELECT * FROM {db}.{schema}.orders")
    prod.close()
    cons.close()


def test_command_tags(admin: psycopg.Connection) -> None:
    t, mv = name("mvb"), name("mv")
    admin.execute(f"CREATE TABLE {t} (v int)")
    tags = [admin.execute(sql).statusmessage for sql in (
        f"CREATE MATERIALIZED VIEW {mv} AS SELECT v FROM {t}",
        f"REFRESH MATERIALIZED VIEW {mv}",
        f"ALTER MATERIALIZED VIEW {mv} AUTO REFRESH YES",
        f"DROP MATERIALIZED VIEW {mv}",
    )]
    assert tags == ["CREATE MATERIALIZED VIEW", "REFRESH MATERIALIZED VIEW",
                    "ALTER MATERIALIZED VIEW", "DROP MATERIALIZED VIEW"]


def test_refresh_of_one_made_in_the_same_block(pair: Pair, admin: psycopg.Connection) -> None:
    t, mv = name("mvb"), name("mv")
    admin.execute(f"CREATE TABLE {t} (v int)")
    admin.execute(f"INSERT INTO {t} VALUES (1)")
    with pair.producer(autocommit=False) as con:
        con.execute(f"CREATE MATERIALIZED VIEW {mv} AS SELECT count(*) AS n FROM {t}")
        con.execute(f"INSERT INTO {t} VALUES (2)")
        cur = con.execute(f"REFRESH MATERIALIZED VIEW {mv}")
        assert cur.statusmessage == "REFRESH MATERIALIZED VIEW"
        # As a full refresh in this transaction: it sees the transaction's rows.
        assert rows(con, f"SELECT n FROM {mv}") == [(2,)]
        xid = rows(con, f"SELECT xid FROM svl_mv_refresh_status WHERE mv_name = '{mv}'")
        con.commit()
    assert rows(admin, f"SELECT n FROM {mv}") == [(2,)]
    assert rows(admin, f"SELECT xid, refresh_type FROM svl_mv_refresh_status "
                       f"WHERE mv_name = '{mv}'") == [(xid[0][0], "Manual")]


def test_refresh_history_manual_and_auto(pair: Pair, admin: psycopg.Connection) -> None:
    owner = name("mvh")
    admin.execute(f"CREATE USER {owner} PASSWORD '{PASSWORD}'")
    admin.execute(f"GRANT CREATE ON SCHEMA public TO {owner}")
    t, mv, auto = name("mvb"), name("mv"), name("mva")
    with pair.producer(owner, PASSWORD) as con:
        con.execute(f"CREATE TABLE {t} (v int)")
        con.execute(f"CREATE MATERIALIZED VIEW {mv} AS SELECT sum(v) AS s FROM {t}")
        con.execute(f"CREATE MATERIALIZED VIEW {auto} AUTO REFRESH YES AS "
                    f"SELECT count(*) AS n FROM {t}")
        con.execute(f"INSERT INTO {t} VALUES (1)")
        eventually(lambda: rows(con, f"SELECT n FROM {auto}") == [(1,)])
        con.execute(f"REFRESH MATERIALIZED VIEW {mv}")
        pid = con.info.backend_pid
        user_id = rows(con, f"SELECT usesysid FROM pg_user WHERE usename = '{owner}'")[0][0]
        # Its own refreshes only: the auto refresh ran as Redshift's own user.
        assert rows(con, "SELECT mv_name, userid, refresh_type FROM svl_mv_refresh_status "
                         f"WHERE mv_name IN ('{mv}', '{auto}')") == [(mv, user_id, "Manual")]
        assert rows(con, "SELECT mv_name, user_id, session_id, refresh_type "
                         "FROM sys_mv_refresh_history "
                         f"WHERE mv_name IN ('{mv}', '{auto}')") == [(mv, user_id, pid, "Manual")]
    # A superuser sees every row.
    assert sorted(rows(admin, "SELECT mv_name, userid, refresh_type, status "
                              "FROM svl_mv_refresh_status "
                              f"WHERE mv_name IN ('{mv}', '{auto}')")) == sorted([
        (mv, user_id, "Manual", "Refresh successfully recomputed MV from scratch"),
        (auto, 1, "Auto", "Refresh successfully recomputed MV from scratch")])
    assert rows(admin, "SELECT session_id FROM sys_mv_refresh_history "
                       f"WHERE mv_name = '{auto}'") == [(None,)]
    assert rows(admin, "SELECT owner_user_name, autorefresh, is_stale FROM stv_mv_info "
                       f"WHERE name = '{auto}'") == [(owner, "t", "f")]


def test_auto_refresh_refused_for_mutable_functions(admin: psycopg.Connection) -> None:
    t, mv = name("mvb"), name("mv")
    admin.execute(f"CREATE TABLE {t} (v int, at timestamp)")
    with pytest.raises(psycopg.errors.FeatureNotSupported) as info:
        admin.execute(f"CREATE MATERIALIZED VIEW {mv} AUTO REFRESH YES AS "
                      f"SELECT v FROM {t} WHERE at > getdate()")
    assert str(info.value.diag.message_primary).endswith(
        "Found mutable function :getdate.")
    admin.execute(f"CREATE MATERIALIZED VIEW {mv} AS SELECT v FROM {t} WHERE at > getdate()")
    with pytest.raises(psycopg.errors.FeatureNotSupported):
        admin.execute(f"ALTER MATERIALIZED VIEW {mv} AUTO REFRESH YES")
    assert rows(admin, f"SELECT is_stale, autorefresh FROM svv_mv_info WHERE name = '{mv}'") == [
        ("t", "f")]


def shared_table(prod: psycopg.Connection, cons: psycopg.Connection,
                 table: str) -> tuple[str, str, str]:
    """A producer's ``schema.table`` (made with ``table``'s columns) shared with the consumer,
    mounted there: (schema, share, consumer database)."""
    schema, share, db = name("mvcs"), name("mvcshare"), name("mvcdb")
    prod.execute(f"CREATE SCHEMA {schema}")
    prod.execute(f"CREATE TABLE {schema}.{table}")
    prod.execute(f"CREATE DATASHARE {share}")
    prod.execute(f"ALTER DATASHARE {share} ADD SCHEMA {schema}")
    prod.execute(f"ALTER DATASHARE {share} ADD TABLE {schema}.{table.split(' ')[0]}")
    prod.execute(f"GRANT USAGE ON DATASHARE {share} TO NAMESPACE '{guid(cons)}'")
    cons.execute(f"CREATE DATABASE {db} FROM DATASHARE {share} OF NAMESPACE '{guid(prod)}'")
    return schema, share, db


def test_consumer_materialized_view_over_shared_tables(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    schema, share, db = shared_table(prod, cons, "orders (id int, amount int)")
    prod.execute(f"INSERT INTO {schema}.orders VALUES (1, 10), (2, 20)")
    mv, auto = name("cmv"), name("cmva")
    # Its rows are stored in the consumer's own database.
    cur = cons.execute(f"CREATE MATERIALIZED VIEW {mv} AS "
                       f"SELECT count(*) AS n, sum(amount) AS total FROM {db}.{schema}.orders")
    assert cur.statusmessage == "CREATE MATERIALIZED VIEW"
    cons.execute(f"CREATE MATERIALIZED VIEW {auto} AUTO REFRESH YES AS "
                 f"SELECT count(*) AS n FROM {db}.{schema}.orders")
    assert rows(cons, f"SELECT n, total FROM {mv}") == [(2, 30)]
    # A committed write of the producer leaves it stale; the auto refreshed one follows.
    prod.execute(f"INSERT INTO {schema}.orders VALUES (3, 30)")
    eventually(lambda: stale(cons, mv) == "t")
    eventually(lambda: rows(cons, f"SELECT n FROM {auto}") == [(3,)])
    assert rows(cons, f"SELECT n, total FROM {mv}") == [(2, 30)]
    # REFRESH reads the producer's live tables.
    cons.execute(f"REFRESH MATERIALIZED VIEW {mv}")
    assert rows(cons, f"SELECT n, total FROM {mv}") == [(3, 60)]
    assert stale(cons, mv) == "f"
    # The producer's permissions are checked at refresh: the table leaves the share.
    prod.execute(f"ALTER DATASHARE {share} REMOVE TABLE {schema}.orders")
    prod.execute(f"INSERT INTO {schema}.orders VALUES (4, 40)")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        cons.execute(f"REFRESH MATERIALIZED VIEW {mv}")
    eventually(lambda: stale(cons, auto) == "t")
    assert rows(cons, f"SELECT n FROM {auto}") == [(3,)]
    # Its stored rows stay readable.
    assert rows(cons, f"SELECT n, total FROM {mv}") == [(3, 60)]
    # A consumer still cannot create a regular view over shared tables.
    prod.execute(f"ALTER DATASHARE {share} ADD TABLE {schema}.orders")
    with pytest.raises(psycopg.errors.FeatureNotSupported):
        cons.execute(f"CREATE VIEW {name('cv')} AS SELECT id FROM {db}.{schema}.orders")
    prod.close()
    cons.close()


def test_consumer_user_needs_select_through_the_share(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    schema, _, db = shared_table(prod, cons, "t (v int)")
    user = name("mvcuser")
    cons.execute(f"CREATE USER {user} PASSWORD '{PASSWORD}'")
    cons.execute(f"GRANT CREATE ON SCHEMA public TO {user}")
    with pair.consumer(user, PASSWORD) as con, pytest.raises(
            psycopg.errors.InsufficientPrivilege):
        con.execute(f"CREATE MATERIALIZED VIEW {name('cmv')} AS SELECT v FROM {db}.{schema}.t")
    prod.close()
    cons.close()
