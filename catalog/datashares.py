"""Datashares: what producers share, with whom, and the consumer databases made from them.

A datashare belongs to one database of its producer namespace and lists schemas and the
tables, views and functions inside them; consumers are namespaces (by GUID) or accounts. A
consumer database is a name in the consumer namespace that stands for the producer's database,
restricted to the shared objects: the resolver maps it onto the producer's attached file, so
reads are live and copy nothing. Privileges granted *to* a share (which let consumers write)
are ordinary grants with a ``datashare`` grantee, kept by ``catalog.security``.

Persisted in the system database, served from memory; ``version`` moves on every change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from catalog.errors import DuplicateObject, UndefinedObject
from catalog.persisted import Persisted

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.datashares (
    namespace_guid VARCHAR NOT NULL, share_id INTEGER NOT NULL, name VARCHAR NOT NULL,
    database VARCHAR NOT NULL, owner VARCHAR NOT NULL, publicly_accessible BOOLEAN NOT NULL,
    managed_by VARCHAR, created_at TIMESTAMP NOT NULL, PRIMARY KEY (namespace_guid, name));
CREATE TABLE IF NOT EXISTS {s}.datashare_objects (
    namespace_guid VARCHAR NOT NULL, share_name VARCHAR NOT NULL, object_kind VARCHAR NOT NULL,
    schema_name VARCHAR NOT NULL, name VARCHAR NOT NULL, include_new BOOLEAN NOT NULL,
    PRIMARY KEY (namespace_guid, share_name, object_kind, schema_name, name));
CREATE TABLE IF NOT EXISTS {s}.datashare_consumers (
    namespace_guid VARCHAR NOT NULL, share_name VARCHAR NOT NULL, consumer_kind VARCHAR NOT NULL,
    consumer VARCHAR NOT NULL, granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (namespace_guid, share_name, consumer_kind, consumer));
CREATE TABLE IF NOT EXISTS {s}.datashare_write_switches (
    side VARCHAR NOT NULL, namespace_guid VARCHAR NOT NULL, producer_namespace VARCHAR NOT NULL,
    share_name VARCHAR NOT NULL, account VARCHAR NOT NULL,
    PRIMARY KEY (side, namespace_guid, producer_namespace, share_name, account));
CREATE TABLE IF NOT EXISTS {s}.external_schemas (
    namespace_guid VARCHAR NOT NULL, database VARCHAR NOT NULL, name VARCHAR NOT NULL,
    source_database VARCHAR NOT NULL, source_schema VARCHAR NOT NULL, owner VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL, PRIMARY KEY (namespace_guid, database, name));
CREATE TABLE IF NOT EXISTS {s}.consumer_databases (
    namespace_guid VARCHAR NOT NULL, name VARCHAR NOT NULL, producer_namespace VARCHAR NOT NULL,
    producer_database VARCHAR NOT NULL, share_name VARCHAR NOT NULL,
    with_permissions BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (namespace_guid, name));
"""

# Kinds of shared objects, as SVV_DATASHARE_OBJECTS names them.
RELATION_KINDS = ("table", "view", "late binding view", "materialized view")


def consumer_identity(share: str) -> str:
    """The owner, on the producer's side, of objects that consumers of ``share`` create
    (Redshift's reserved ``ds:<share>_consumer`` user)."""
    return f"ds:{share}_consumer"


def now() -> datetime:
    """The catalog's clock: UTC without a time zone, as the system tables store it."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class SharedObject:
    """One object of a share: a schema (name empty), or a relation or function in one."""

    kind: str
    schema: str
    name: str = ""
    include_new: bool = False  # schema rows: future objects of the schema join the share


@dataclass(frozen=True, slots=True)
class Consumer:
    """Who may mount a share: a namespace (GUID) or an account."""

    kind: str  # namespace or account
    ident: str
    granted_at: datetime


@dataclass(slots=True)
class Datashare:
    """A datashare of a producer database."""

    namespace: str
    share_id: int
    name: str
    database: str
    owner: str
    publicly_accessible: bool
    created_at: datetime
    managed_by: str | None = None
    objects: dict[tuple[str, str, str], SharedObject] = field(default_factory=dict)
    consumers: dict[tuple[str, str], Consumer] = field(default_factory=dict)

    def schema_shared(self, schema: str) -> SharedObject | None:
        """The share's row for a schema, if the schema is in it."""
        return self.objects.get(("schema", schema, ""))

    def relation_shared(self, schema: str, name: str) -> bool:
        """Whether a table or view ``schema.name`` is in the share (and its schema too)."""
        if self.schema_shared(schema) is None:
            return False
        return any((kind, schema, name) in self.objects for kind in RELATION_KINDS)


@dataclass(frozen=True, slots=True)
class ConsumerDatabase:
    """A database created FROM DATASHARE in a consumer namespace."""

    namespace: str
    name: str
    producer: str  # producer namespace GUID
    producer_database: str  # the database the share belongs to
    share: str
    with_permissions: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ExternalSchema:
    """CREATE EXTERNAL SCHEMA name FROM REDSHIFT DATABASE 'db' SCHEMA 'x': in ``database``,
    ``name.t`` stands for ``source_database.source_schema.t``."""

    namespace: str
    database: str
    name: str
    source_database: str
    source_schema: str
    owner: str
    created_at: datetime


class Datashares(Persisted):
    """Every namespace's datashares and consumer databases; thread-safe writes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        super().__init__(con, schema, _SCHEMA)
        self._shares: dict[tuple[str, str], Datashare] = {}
        self._consumer_dbs: dict[tuple[str, str], ConsumerDatabase] = {}
        # Cross-account writes: (side, namespace, producer namespace, share, account) rows,
        # side 'authorize' (the producer's) or 'associate' (the consumer's).
        self._switches: set[tuple[str, str, str, str, str]] = set()
        # namespace -> (database, schema name) -> external schema; the inner mapping is what
        # sessions of the namespace read when they translate names.
        self.external: dict[str, dict[tuple[str, str], ExternalSchema]] = {}
        self._load()

    def _load(self) -> None:
        s = self._s
        for row in self._con.execute(
            "SELECT namespace_guid, share_id, name, database, owner, publicly_accessible, "
            f"created_at, managed_by FROM {s}.datashares"
        ).fetchall():
            self._shares[(row[0], row[2])] = Datashare(*row)
        for ns, share, kind, schema, name, inc in self._con.execute(
            "SELECT namespace_guid, share_name, object_kind, schema_name, name, include_new "
            f"FROM {s}.datashare_objects"
        ).fetchall():
            ds = self._shares.get((ns, share))
            if ds is not None:
                ds.objects[(kind, schema, name)] = SharedObject(kind, schema, name, inc)
        for ns, share, kind, ident, at in self._con.execute(
            "SELECT namespace_guid, share_name, consumer_kind, consumer, granted_at "
            f"FROM {s}.datashare_consumers"
        ).fetchall():
            ds = self._shares.get((ns, share))
            if ds is not None:
                ds.consumers[(kind, ident)] = Consumer(kind, ident, at)
        for side, ns, producer, share, account in self._con.execute(
            "SELECT side, namespace_guid, producer_namespace, share_name, account "
            f"FROM {s}.datashare_write_switches"
        ).fetchall():
            self._switches.add((side, ns, producer, share, account))
        for row in self._con.execute(
            "SELECT namespace_guid, database, name, source_database, source_schema, owner, "
            f"created_at FROM {s}.external_schemas"
        ).fetchall():
            self.external_of(row[0])[(row[1], row[2])] = ExternalSchema(*row)
        for row in self._con.execute(
            "SELECT namespace_guid, name, producer_namespace, producer_database, share_name, "
            f"with_permissions, created_at FROM {s}.consumer_databases"
        ).fetchall():
            self._consumer_dbs[(row[0], row[1])] = ConsumerDatabase(*row)

    # -- producer side -------------------------------------------------------------------
    def share(self, ns: str, name: str) -> Datashare | None:
        """A datashare of a namespace by name."""
        return self._shares.get((ns, name))

    def shares(self, ns: str) -> list[Datashare]:
        """A namespace's own (outbound) datashares, by name."""
        return sorted((d for (n, _), d in self._shares.items() if n == ns),
                      key=lambda d: d.name)

    def create(self, ns: str, name: str, database: str, owner: str, public: bool,
               managed_by: str | None = None) -> Datashare:
        """CREATE DATASHARE; raises DuplicateObject if the name is taken in the namespace."""
        with self._lock:
            if (ns, name) in self._shares:
                raise DuplicateObject(f'datashare "{name}" already exists')
            share_id = max((d.share_id for d in self._shares.values()), default=100_000) + 1
            ds = Datashare(ns, share_id, name, database, owner, public, now(), managed_by)
            self._con.execute(
                f"INSERT INTO {self._s}.datashares VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [ns, share_id, name, database, owner, public, managed_by, ds.created_at])
            self._shares[(ns, name)] = ds
            self._changed()
            return ds

    def drop(self, ns: str, name: str) -> None:
        """DROP DATASHARE: the share, its objects and its consumers (their databases stay)."""
        with self._lock:
            if self._shares.pop((ns, name), None) is None:
                raise UndefinedObject(f'datashare "{name}" does not exist')
            for table in ("datashares", "datashare_objects", "datashare_consumers"):
                column = "name" if table == "datashares" else "share_name"
                self._con.execute(
                    f"DELETE FROM {self._s}.{table} WHERE namespace_guid = ? AND {column} = ?",
                    [ns, name])
            self._changed()

    def set_public(self, ds: Datashare, public: bool) -> None:
        """ALTER DATASHARE ... SET PUBLICACCESSIBLE."""
        with self._lock:
            ds.publicly_accessible = public
            self._con.execute(
                f"UPDATE {self._s}.datashares SET publicly_accessible = ? "
                "WHERE namespace_guid = ? AND name = ?", [public, ds.namespace, ds.name])
            self._changed()

    def set_owner(self, ds: Datashare, owner: str) -> None:
        """ALTER DATASHARE ... OWNER TO."""
        with self._lock:
            ds.owner = owner
            self._con.execute(
                f"UPDATE {self._s}.datashares SET owner = ? WHERE namespace_guid = ? AND name = ?",
                [owner, ds.namespace, ds.name])
            self._changed()

    def add_object(self, ds: Datashare, obj: SharedObject) -> None:
        """Add (or update, for a schema's INCLUDENEW) one object of a share."""
        with self._lock:
            self._con.execute(
                f"INSERT OR REPLACE INTO {self._s}.datashare_objects VALUES (?, ?, ?, ?, ?, ?)",
                [ds.namespace, ds.name, obj.kind, obj.schema, obj.name, obj.include_new])
            ds.objects[(obj.kind, obj.schema, obj.name)] = obj
            self._changed()

    def remove_object(self, ds: Datashare, kind: str, schema: str, name: str) -> bool:
        """Remove one object (a schema takes its objects with it); False if it was not in."""
        with self._lock:
            keys = [k for k in ds.objects
                    if k == (kind, schema, name) or (kind == "schema" and k[1] == schema)]
            for key in keys:
                del ds.objects[key]
                self._con.execute(
                    f"DELETE FROM {self._s}.datashare_objects WHERE namespace_guid = ? AND "
                    "share_name = ? AND object_kind = ? AND schema_name = ? AND name = ?",
                    [ds.namespace, ds.name, *key])
            if keys:
                self._changed()
            return bool(keys)

    def object_renamed(self, ns: str, database: str, schema: str, old: str, new: str) -> None:
        """A shared relation was renamed: it stays shared under its new name."""
        for ds in self.shares(ns):
            if ds.database != database:
                continue
            for kind in RELATION_KINDS:
                if (kind, schema, old) in ds.objects:
                    self.remove_object(ds, kind, schema, old)
                    self.add_object(ds, SharedObject(kind, schema, new))

    def object_dropped(self, ns: str, database: str, schema: str, name: str) -> None:
        """A relation (name) or schema (name empty) was dropped: no share keeps it."""
        for ds in self.shares(ns):
            if ds.database != database:
                continue
            if not name:
                self.remove_object(ds, "schema", schema, "")
                continue
            for kind in RELATION_KINDS:
                self.remove_object(ds, kind, schema, name)

    def grant_usage(self, ds: Datashare, kind: str, ident: str) -> None:
        """GRANT USAGE ON DATASHARE ... TO NAMESPACE|ACCOUNT."""
        with self._lock:
            if (kind, ident) in ds.consumers:
                return
            consumer = Consumer(kind, ident, now())
            self._con.execute(
                f"INSERT INTO {self._s}.datashare_consumers VALUES (?, ?, ?, ?, ?)",
                [ds.namespace, ds.name, kind, ident, consumer.granted_at])
            ds.consumers[(kind, ident)] = consumer
            self._changed()

    def revoke_usage(self, ds: Datashare, kind: str, ident: str) -> bool:
        """REVOKE USAGE ON DATASHARE; False when that consumer had none."""
        with self._lock:
            if ds.consumers.pop((kind, ident), None) is None:
                return False
            self._con.execute(
                f"DELETE FROM {self._s}.datashare_consumers WHERE namespace_guid = ? AND "
                "share_name = ? AND consumer_kind = ? AND consumer = ?",
                [ds.namespace, ds.name, kind, ident])
            self._changed()
            return True

    # -- consumer side -------------------------------------------------------------------
    def inbound(self, consumer_ns: str, consumer_account: str) -> list[Datashare]:
        """The shares granted to a namespace (directly or through its account)."""
        return sorted(
            (d for d in self._shares.values() if d.namespace != consumer_ns and (
                ("namespace", consumer_ns) in d.consumers
                or ("account", consumer_account) in d.consumers)),
            key=lambda d: (d.namespace, d.name))

    def consumer_database(self, ns: str, name: str) -> ConsumerDatabase | None:
        """A consumer database of a namespace by name."""
        return self._consumer_dbs.get((ns, name))

    def consumer_databases(self, ns: str) -> list[ConsumerDatabase]:
        """Every consumer database of a namespace."""
        return sorted((c for (n, _), c in self._consumer_dbs.items() if n == ns),
                      key=lambda c: c.name)

    def all_consumer_databases(self) -> list[ConsumerDatabase]:
        """Every consumer database of every namespace."""
        return list(self._consumer_dbs.values())

    def create_consumer_database(self, ns: str, name: str, share: Datashare,
                                 with_permissions: bool) -> ConsumerDatabase:
        """CREATE DATABASE ... FROM DATASHARE (one per share per consumer namespace)."""
        producer = share.namespace
        with self._lock:
            if (ns, name) in self._consumer_dbs:
                raise DuplicateObject(f'database "{name}" already exists')
            for c in self._consumer_dbs.values():
                if c.namespace == ns and c.producer == producer and c.share == share.name:
                    raise DuplicateObject(
                        f'datashare "{share.name}" is already used by database "{c.name}"')
            cdb = ConsumerDatabase(ns, name, producer, share.database, share.name,
                                   with_permissions, now())
            self._con.execute(
                f"INSERT INTO {self._s}.consumer_databases VALUES (?, ?, ?, ?, ?, ?, ?)",
                [ns, name, producer, share.database, share.name, with_permissions,
                 cdb.created_at])
            self._consumer_dbs[(ns, name)] = cdb
            self._changed()
            return cdb

    def drop_consumer_database(self, ns: str, name: str) -> None:
        """DROP DATABASE of a consumer database."""
        with self._lock:
            if self._consumer_dbs.pop((ns, name), None) is None:
                raise UndefinedObject(f'database "{name}" does not exist')
            self._con.execute(
                f"DELETE FROM {self._s}.consumer_databases WHERE namespace_guid = ? "
                "AND name = ?", [ns, name])
            self._changed()

    def set_write_switch(self, side: str, ns: str, producer: str, share: str, account: str,
                         on: bool) -> None:
        """Authorize (producer side) or associate (consumer side) writes for another
        account's consumers, or take that back."""
        row = (side, ns, producer, share, account)
        with self._lock:
            if on and row not in self._switches:
                self._con.execute(
                    f"INSERT INTO {self._s}.datashare_write_switches VALUES (?, ?, ?, ?, ?)",
                    list(row))
                self._switches.add(row)
            elif not on and row in self._switches:
                self._con.execute(
                    f"DELETE FROM {self._s}.datashare_write_switches WHERE side = ? AND "
                    "namespace_guid = ? AND producer_namespace = ? AND share_name = ? AND "
                    "account = ?", list(row))
                self._switches.discard(row)
            self._changed()

    def writes_switched_on(self, share: Datashare, consumer_ns: str,
                           consumer_account: str, producer_account: str) -> bool:
        """Whether writes from another account's consumer are authorized by the producer and
        associated by the consumer (both switches on)."""
        return (("authorize", share.namespace, share.namespace, share.name, consumer_account)
                in self._switches and ("associate", consumer_ns, share.namespace, share.name,
                                       producer_account) in self._switches)

    def external_of(self, ns: str) -> dict[tuple[str, str], ExternalSchema]:
        """A namespace's external schemas by (database, name); the same dict every time."""
        return self.external.setdefault(ns, {})

    def create_external_schema(self, ext: ExternalSchema) -> None:
        """CREATE EXTERNAL SCHEMA ... FROM REDSHIFT DATABASE."""
        with self._lock:
            schemas = self.external_of(ext.namespace)
            if (ext.database, ext.name) in schemas:
                raise DuplicateObject(f'schema "{ext.name}" already exists')
            self._con.execute(
                f"INSERT INTO {self._s}.external_schemas VALUES (?, ?, ?, ?, ?, ?, ?)",
                [ext.namespace, ext.database, ext.name, ext.source_database,
                 ext.source_schema, ext.owner, ext.created_at])
            schemas[(ext.database, ext.name)] = ext
            self._changed()

    def drop_external_schema(self, ns: str, database: str, name: str) -> None:
        """DROP SCHEMA of an external schema (nothing of its source is touched)."""
        with self._lock:
            if self.external_of(ns).pop((database, name), None) is None:
                raise UndefinedObject(f'schema "{name}" does not exist')
            self._con.execute(
                f"DELETE FROM {self._s}.external_schemas WHERE namespace_guid = ? "
                "AND database = ? AND name = ?", [ns, database, name])
            self._changed()

    def live_share(self, cdb: ConsumerDatabase, consumer_account: str) -> Datashare | None:
        """The share behind a consumer database, if it still exists and is still granted to
        the consumer; None: the database is empty."""
        ds = self._shares.get((cdb.producer, cdb.share))
        if ds is None:
            return None
        if ("namespace", cdb.namespace) in ds.consumers or (
                "account", consumer_account) in ds.consumers:
            return ds
        return None
