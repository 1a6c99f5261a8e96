"""Tests for catalog/store.py and catalog/query_log.py on a real DuckDB file.

The system database is attached under its internal alias and the catalog is handed a cursor
and the schema, as ``proxy.server.Server.open`` does. Reopening means a new DuckDB instance on
the same file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from catalog.errors import DuplicateDatabase, DuplicateObject, InvalidCatalogName, UndefinedObject
from catalog.model import Namespace, QueryRecord, Workgroup
from catalog.passwords import Verifiers, make_verifiers
from catalog.query_log import QueryLog
from catalog.store import FIRST_USESYSID, SYSTEM_ALIAS, Catalog
from engine.storage import quote_ident, quote_literal

SCHEMA = quote_ident(SYSTEM_ALIAS) + ".main"


@dataclass
class System:
    """One open system database: the instance, the catalog and the query log."""

    con: duckdb.DuckDBPyConnection
    catalog: Catalog
    log: QueryLog

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        return self.con.execute(sql.format(s=SCHEMA)).fetchall()


class Opener:
    """Opens the same system file again and again, closing the previous instance."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.current: System | None = None

    def open(self) -> System:
        self.close()
        con = duckdb.connect(":memory:")
        con.execute(f"ATTACH {quote_literal(str(self.path))} AS {quote_ident(SYSTEM_ALIAS)}")
        self.current = System(con, Catalog(con.cursor(), SCHEMA), QueryLog(con.cursor(), SCHEMA))
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.con.close()
            self.current = None


@pytest.fixture
def opener(tmp_path: Path) -> Iterator[Opener]:
    o = Opener(tmp_path / "system.duckdb")
    yield o
    o.close()


@pytest.fixture(scope="module")
def verifiers() -> Verifiers:
    return make_verifiers("alice", "Secret123")


# -- namespaces --------------------------------------------------------------------------


def test_namespace_gets_a_guid(opener: Opener) -> None:
    sys_ = opener.open()
    ns, created = sys_.catalog.ensure_namespace("default")
    assert created
    assert str(uuid.UUID(ns.guid)) == ns.guid
    assert ns.name == "default"
    assert abs(datetime.now(UTC).replace(tzinfo=None) - ns.created_at) < timedelta(minutes=1)
    again, created_again = sys_.catalog.ensure_namespace("default")
    assert (again, created_again) == (ns, False)
    assert sys_.catalog.namespace("default") == ns
    assert sys_.catalog.namespace_by_guid(ns.guid) == ns
    assert sys_.catalog.namespace("other") is None
    assert sys_.catalog.namespace_by_guid(str(uuid.uuid4())) is None


def test_namespaces_have_distinct_guids(opener: Opener) -> None:
    cat = opener.open().catalog
    a, _ = cat.ensure_namespace("one")
    b, _ = cat.ensure_namespace("two")
    assert a.guid != b.guid


def test_namespace_persists_across_reopen(opener: Opener) -> None:
    ns, _ = opener.open().catalog.ensure_namespace("default")
    sys_ = opener.open()
    assert sys_.catalog.namespace("default") == ns
    assert sys_.catalog.ensure_namespace("default") == (ns, False)
    assert sys_.rows("SELECT guid, name FROM {s}.namespaces") == [(ns.guid, "default")]


# -- databases ---------------------------------------------------------------------------


def test_databases_add_list_remove(opener: Opener) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    dev = cat.add_database(ns.guid, "dev")
    cat.add_database(ns.guid, "analytics")
    assert (dev.namespace_guid, dev.name) == (ns.guid, "dev")
    assert [d.name for d in cat.databases(ns.guid)] == ["analytics", "dev"]
    assert cat.database(ns.guid, "dev") == dev
    cat.remove_database(ns.guid, "analytics")
    assert [d.name for d in cat.databases(ns.guid)] == ["dev"]
    assert cat.database(ns.guid, "analytics") is None


def test_duplicate_database(opener: Opener) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    cat.add_database(ns.guid, "dev")
    with pytest.raises(DuplicateDatabase) as info:
        cat.add_database(ns.guid, "dev")
    assert (info.value.sqlstate, info.value.message) == ("42P04",
                                                         'database "dev" already exists')


def test_remove_missing_database(opener: Opener) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    with pytest.raises(InvalidCatalogName) as info:
        cat.remove_database(ns.guid, "nope")
    assert (info.value.sqlstate, info.value.message) == ("3D000",
                                                         'database "nope" does not exist')


def test_databases_belong_to_one_namespace(opener: Opener) -> None:
    cat = opener.open().catalog
    a, _ = cat.ensure_namespace("one")
    b, _ = cat.ensure_namespace("two")
    cat.add_database(a.guid, "dev")
    cat.add_database(b.guid, "dev")  # same name elsewhere is fine
    cat.add_database(b.guid, "extra")
    assert [d.name for d in cat.databases(a.guid)] == ["dev"]
    assert [d.name for d in cat.databases(b.guid)] == ["dev", "extra"]
    cat.remove_database(a.guid, "dev")
    assert cat.database(b.guid, "dev") is not None


def test_databases_persist_across_reopen(opener: Opener) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    cat.add_database(ns.guid, "dev")
    cat.add_database(ns.guid, "gone")
    cat.add_database(ns.guid, "sales")
    cat.remove_database(ns.guid, "gone")
    before = cat.databases(ns.guid)
    cat = opener.open().catalog
    assert cat.databases(ns.guid) == before
    with pytest.raises(DuplicateDatabase):
        cat.add_database(ns.guid, "sales")
    cat.add_database(ns.guid, "gone")  # removal persisted too


# -- users -------------------------------------------------------------------------------


def test_create_user_with_verifiers(opener: Opener, verifiers: Verifiers) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    user = cat.create_user(ns.guid, "alice", verifiers, superuser=True, createdb=True,
                           connection_limit=5)
    assert user.usesysid == FIRST_USESYSID == 100
    assert (user.scram_verifier, user.md5_verifier, user.sha256_verifier) == (
        verifiers.scram, verifiers.md5, verifiers.sha256
    )
    assert user.scram_verifier and user.scram_verifier.startswith("SCRAM-SHA-256$")
    assert user.md5_verifier and user.md5_verifier.startswith("md5")
    assert (user.superuser, user.createdb, user.connection_limit) == (True, True, 5)
    bob = cat.create_user(ns.guid, "bob", make_verifiers("bob", "Other123"))
    assert bob.usesysid == 101
    assert (bob.superuser, bob.createdb, bob.connection_limit) == (False, False, None)
    assert cat.user(ns.guid, "alice") == user
    assert [u.name for u in cat.users(ns.guid)] == ["alice", "bob"]


def test_users_are_per_namespace(opener: Opener, verifiers: Verifiers) -> None:
    cat = opener.open().catalog
    a, _ = cat.ensure_namespace("one")
    b, _ = cat.ensure_namespace("two")
    cat.create_user(a.guid, "alice", verifiers)
    assert cat.user(b.guid, "alice") is None
    # Numbering is per namespace, and the same name may exist in another one.
    assert cat.create_user(b.guid, "alice", verifiers).usesysid == FIRST_USESYSID
    assert cat.users(a.guid) != cat.users(b.guid)


def test_duplicate_user(opener: Opener, verifiers: Verifiers) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    cat.create_user(ns.guid, "alice", verifiers)
    with pytest.raises(DuplicateObject) as info:
        cat.create_user(ns.guid, "alice", verifiers)
    assert (info.value.sqlstate, info.value.message) == ("42710",
                                                         'user "alice" already exists')


def test_set_password(opener: Opener, verifiers: Verifiers) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    cat.create_user(ns.guid, "alice", verifiers, superuser=True)
    fresh = make_verifiers("alice", "Changed456")
    cat.set_password(ns.guid, "alice", fresh)
    user = cat.user(ns.guid, "alice")
    assert user is not None
    assert (user.scram_verifier, user.md5_verifier, user.sha256_verifier) == (
        fresh.scram, fresh.md5, fresh.sha256
    )
    assert user.superuser and user.usesysid == FIRST_USESYSID
    reopened = opener.open().catalog.user(ns.guid, "alice")
    assert reopened == user


def test_set_password_of_missing_user(opener: Opener, verifiers: Verifiers) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    with pytest.raises(UndefinedObject) as info:
        cat.set_password(ns.guid, "ghost", verifiers)
    assert info.value.message == 'user "ghost" does not exist'


def test_users_persist_and_numbering_continues(opener: Opener, verifiers: Verifiers) -> None:
    cat = opener.open().catalog
    ns, _ = cat.ensure_namespace("default")
    alice = cat.create_user(ns.guid, "alice", verifiers, connection_limit=3)
    cat = opener.open().catalog
    assert cat.user(ns.guid, "alice") == alice
    assert cat.create_user(ns.guid, "bob", verifiers).usesysid == alice.usesysid + 1
    with pytest.raises(DuplicateObject):
        cat.create_user(ns.guid, "alice", verifiers)


# -- workgroups --------------------------------------------------------------------------


def test_put_workgroup_replaces(opener: Opener) -> None:
    sys_ = opener.open()
    ns, _ = sys_.catalog.ensure_namespace("default")
    sys_.catalog.put_workgroup(Workgroup("default", ns.guid, "127.0.0.1", 5439, 128, 512))
    sys_.catalog.put_workgroup(Workgroup("default", ns.guid, "0.0.0.0", 5440, 8, 16))
    assert sys_.rows("SELECT * FROM {s}.workgroups") == [
        ("default", ns.guid, "0.0.0.0", 5440, 8, 16)
    ]
    again = opener.open()
    assert again.rows("SELECT name, port FROM {s}.workgroups") == [("default", 5440)]


# -- the query log -----------------------------------------------------------------------


def record(query_id: int, ns: Namespace, text: str = "select 1") -> QueryRecord:
    start = datetime(2024, 5, 1, 12, 0, 0)
    return QueryRecord(
        query_id=query_id, session_pid=42, transaction_id=7, namespace_guid=ns.guid,
        database="dev", user_name="alice", workgroup="default", statement_type="SELECT",
        query_text=text, start_time=start, end_time=start + timedelta(milliseconds=5),
        queue_us=10, execution_us=5000, rows_returned=1, bytes_returned=8,
        status="success",
    )


def test_query_ids_start_at_one_and_increase(opener: Opener) -> None:
    log = opener.open().log
    assert [log.next_id() for _ in range(3)] == [1, 2, 3]


def test_flush_writes_rows(opener: Opener) -> None:
    sys_ = opener.open()
    ns, _ = sys_.catalog.ensure_namespace("default")
    assert sys_.log.flush() == 0
    first, second = sys_.log.next_id(), sys_.log.next_id()
    sys_.log.append(record(first, ns, "select 1"))
    failed = record(second, ns, "selec 2")
    failed.status, failed.error_code, failed.error_message = "failed", "42601", "syntax error"
    sys_.log.append(failed)
    assert sys_.rows("SELECT count(*) FROM {s}.query_history") == [(0,)]
    assert sys_.log.flush() == 2
    assert sys_.log.flush() == 0
    rows = sys_.rows(
        "SELECT query_id, session_pid, namespace_guid, query_text, status, error_code, "
        "error_message, execution_us, end_time - start_time FROM {s}.query_history "
        "ORDER BY query_id"
    )
    assert rows == [
        (1, 42, ns.guid, "select 1", "success", None, None, 5000, timedelta(milliseconds=5)),
        (2, 42, ns.guid, "selec 2", "failed", "42601", "syntax error", 5000,
         timedelta(milliseconds=5)),
    ]


def test_query_ids_continue_after_reopen(opener: Opener) -> None:
    sys_ = opener.open()
    ns, _ = sys_.catalog.ensure_namespace("default")
    for _ in range(3):
        sys_.log.append(record(sys_.log.next_id(), ns))
    sys_.log.flush()
    log = opener.open().log
    assert log.next_id() == 4


def test_unflushed_ids_are_not_remembered(opener: Opener) -> None:
    # Only written rows count: ids handed out but never flushed may be handed out again.
    sys_ = opener.open()
    ns, _ = sys_.catalog.ensure_namespace("default")
    sys_.log.append(record(sys_.log.next_id(), ns))
    sys_.log.flush()
    sys_.log.next_id()
    assert opener.open().log.next_id() == 2


def test_query_log_and_catalog_share_the_file(opener: Opener) -> None:
    sys_ = opener.open()
    ns, _ = sys_.catalog.ensure_namespace("default")
    sys_.log.append(record(sys_.log.next_id(), ns, "select 'persisted'"))
    sys_.log.flush()
    again = opener.open()
    assert again.rows("SELECT query_text FROM {s}.query_history") == [("select 'persisted'",)]
    assert again.catalog.namespace("default") == ns
