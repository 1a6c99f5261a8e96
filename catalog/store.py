"""The system catalog: namespaces, databases, workgroups and users, persisted in DuckDB.

The catalog lives in a system DuckDB database in the data dir. It is handed the DuckDB cursor it
persists through and the alias under which that database is attached; it knows nothing of
sockets or sessions. Reads that sit on hot paths (user lookups at login) are served from
in-memory copies that every write keeps current.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import duckdb

from catalog.errors import (
    DuplicateDatabase,
    DuplicateObject,
    InvalidCatalogName,
    UndefinedObject,
)
from catalog.model import Database, Namespace, User, Workgroup
from catalog.passwords import Verifiers

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.namespaces (
    guid VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, created_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.databases (
    namespace_guid VARCHAR NOT NULL, name VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (namespace_guid, name));
CREATE TABLE IF NOT EXISTS {s}.workgroups (
    name VARCHAR PRIMARY KEY, namespace_guid VARCHAR NOT NULL, host VARCHAR NOT NULL,
    port INTEGER NOT NULL, base_capacity INTEGER NOT NULL, max_capacity INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.users (
    namespace_guid VARCHAR NOT NULL, usesysid INTEGER NOT NULL, name VARCHAR NOT NULL,
    scram_verifier VARCHAR, md5_verifier VARCHAR, sha256_verifier VARCHAR,
    superuser BOOLEAN NOT NULL,
    createdb BOOLEAN NOT NULL, connection_limit INTEGER,
    PRIMARY KEY (namespace_guid, name));
ALTER TABLE {s}.databases ADD COLUMN IF NOT EXISTS isolation VARCHAR DEFAULT 'SNAPSHOT';
ALTER TABLE {s}.users ADD COLUMN IF NOT EXISTS valid_until TIMESTAMP;
ALTER TABLE {s}.users ADD COLUMN IF NOT EXISTS session_timeout INTEGER;
ALTER TABLE {s}.users ADD COLUMN IF NOT EXISTS disabled BOOLEAN DEFAULT false;
CREATE TABLE IF NOT EXISTS {s}.query_history (
    query_id BIGINT PRIMARY KEY, session_pid INTEGER, transaction_id BIGINT,
    namespace_guid VARCHAR, database VARCHAR, user_name VARCHAR, workgroup VARCHAR,
    statement_type VARCHAR, query_text VARCHAR, start_time TIMESTAMP, end_time TIMESTAMP,
    queue_us BIGINT, execution_us BIGINT, rows_returned BIGINT, bytes_returned BIGINT,
    status VARCHAR, error_code VARCHAR, error_message VARCHAR);
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS user_id INTEGER;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS query_group VARCHAR;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS service_class INTEGER;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS service_class_name VARCHAR;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS cpu_time_us BIGINT;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS blocks_read BIGINT;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS temp_blocks BIGINT;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS scan_rows BIGINT;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS join_rows BIGINT;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS nl_join_rows BIGINT;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS cpu_skew DOUBLE;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS io_skew DOUBLE;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS compute_rpu_seconds DOUBLE;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS consumer_namespace VARCHAR;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS producer_namespace VARCHAR;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS usage_limit VARCHAR;
ALTER TABLE {s}.query_history ADD COLUMN IF NOT EXISTS short_query_accelerated BOOLEAN;
"""

# The internal alias of the system database (users, grants, query history): attached to the
# engine beside the namespaces' databases, never reachable from user SQL.
SYSTEM_ALIAS = "__ds_system"
SYSTEM_SCHEMA = f'"{SYSTEM_ALIAS}".main'

# Redshift numbers its first user 100 (rdsdb takes 1); keep ours above PostgreSQL's range.
FIRST_USESYSID = 100


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Catalog:
    """Namespaces, databases, workgroups and users; thread-safe."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        self._con = con
        self.schema = schema
        self._lock = threading.Lock()
        con.execute(_SCHEMA.format(s=schema))
        self._namespaces: dict[str, Namespace] = {}
        self._databases: dict[tuple[str, str], Database] = {}
        self._users: dict[tuple[str, str], User] = {}
        # Moves on every change to users, so callers can memoize decisions about them.
        self.version = 0
        self._load()

    def _load(self) -> None:
        s = self.schema
        for guid, name, created in self._con.execute(
            f"SELECT guid, name, created_at FROM {s}.namespaces"
        ).fetchall():
            self._namespaces[name] = Namespace(guid, name, created)
        for ns, name, created, isolation in self._con.execute(
            "SELECT namespace_guid, name, created_at, coalesce(isolation, 'SNAPSHOT') "
            f"FROM {s}.databases"
        ).fetchall():
            self._databases[(ns, name)] = Database(ns, name, created, isolation)
        for row in self._con.execute(
            "SELECT namespace_guid, usesysid, name, scram_verifier, md5_verifier, "
            "sha256_verifier, superuser, createdb, connection_limit, valid_until, "
            f"session_timeout, coalesce(disabled, false) FROM {s}.users"
        ).fetchall():
            self._users[(row[0], row[2])] = User(*row)

    # -- namespaces and databases ---------------------------------------------------------
    def namespace(self, name: str) -> Namespace | None:
        """The namespace called ``name``, if any."""
        return self._namespaces.get(name)

    def namespace_by_guid(self, guid: str) -> Namespace | None:
        """The namespace with this GUID, if any."""
        return next((n for n in self._namespaces.values() if n.guid == guid), None)

    def ensure_namespace(self, name: str) -> tuple[Namespace, bool]:
        """The namespace called ``name``, created with a new GUID if missing; (ns, created)."""
        with self._lock:
            ns = self._namespaces.get(name)
            if ns is not None:
                return ns, False
            ns = Namespace(str(uuid.uuid4()), name, _now())
            self._con.execute(
                f"INSERT INTO {self.schema}.namespaces VALUES (?, ?, ?)",
                [ns.guid, ns.name, ns.created_at],
            )
            self._namespaces[name] = ns
            return ns, True

    def databases(self, namespace_guid: str) -> list[Database]:
        """The databases of a namespace, by name."""
        return sorted(
            (d for (ns, _), d in self._databases.items() if ns == namespace_guid),
            key=lambda d: d.name,
        )

    def database(self, namespace_guid: str, name: str) -> Database | None:
        """One database of a namespace, if it exists."""
        return self._databases.get((namespace_guid, name))

    def add_database(self, namespace_guid: str, name: str,
                     isolation: str = "SNAPSHOT") -> Database:
        """Record a new database; raises DuplicateDatabase if it exists."""
        with self._lock:
            if (namespace_guid, name) in self._databases:
                raise DuplicateDatabase(f'database "{name}" already exists')
            db = Database(namespace_guid, name, _now(), isolation)
            self._con.execute(
                f"INSERT INTO {self.schema}.databases (namespace_guid, name, created_at, "
                "isolation) VALUES (?, ?, ?, ?)",
                [namespace_guid, name, db.created_at, isolation],
            )
            self._databases[(namespace_guid, name)] = db
            return db

    def remove_database(self, namespace_guid: str, name: str) -> None:
        """Forget a database; raises InvalidCatalogName if it does not exist."""
        with self._lock:
            if (namespace_guid, name) not in self._databases:
                raise InvalidCatalogName(f'database "{name}" does not exist')
            self._con.execute(
                f"DELETE FROM {self.schema}.databases WHERE namespace_guid = ? AND name = ?",
                [namespace_guid, name],
            )
            del self._databases[(namespace_guid, name)]

    # -- workgroups -----------------------------------------------------------------------
    def put_workgroup(self, wg: Workgroup) -> None:
        """Record a workgroup as configured (replacing an earlier definition)."""
        with self._lock:
            self._con.execute(
                f"INSERT OR REPLACE INTO {self.schema}.workgroups VALUES (?, ?, ?, ?, ?, ?)",
                [wg.name, wg.namespace_guid, wg.host, wg.port, wg.base_capacity,
                 wg.max_capacity],
            )

    # -- users ----------------------------------------------------------------------------
    def user(self, namespace_guid: str, name: str) -> User | None:
        """A user of one namespace (users of another namespace do not exist here)."""
        return self._users.get((namespace_guid, name))

    def users(self, namespace_guid: str) -> list[User]:
        """All users of a namespace, by usesysid."""
        return sorted(
            (u for (ns, _), u in self._users.items() if ns == namespace_guid),
            key=lambda u: u.usesysid,
        )

    def create_user(
        self,
        namespace_guid: str,
        name: str,
        verifiers: Verifiers,
        *,
        superuser: bool = False,
        createdb: bool = False,
        connection_limit: int | None = None,
    ) -> User:
        """Create a user; raises DuplicateObject if the name is taken in that namespace."""
        with self._lock:
            if (namespace_guid, name) in self._users:
                raise DuplicateObject(f'user "{name}" already exists')
            sysid = max(
                (u.usesysid for (ns, _), u in self._users.items() if ns == namespace_guid),
                default=FIRST_USESYSID - 1,
            ) + 1
            user = User(namespace_guid, sysid, name, verifiers.scram, verifiers.md5,
                        verifiers.sha256, superuser, createdb, connection_limit)
            self._con.execute(
                f"INSERT INTO {self.schema}.users (namespace_guid, usesysid, name, "
                "scram_verifier, md5_verifier, sha256_verifier, superuser, createdb, "
                "connection_limit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [namespace_guid, sysid, name, verifiers.scram, verifiers.md5, verifiers.sha256,
                 superuser, createdb, connection_limit],
            )
            self._users[(namespace_guid, name)] = user
            self.version += 1
            return user

    def alter_user(self, namespace_guid: str, name: str, **changes: object) -> User:
        """Change a user's attributes (a ``rename`` change renames it)."""
        with self._lock:
            user = self._users.get((namespace_guid, name))
            if user is None:
                raise UndefinedObject(f'user "{name}" does not exist')
            new_name = changes.pop("name", name)
            assert isinstance(new_name, str)
            if new_name != name and (namespace_guid, new_name) in self._users:
                raise DuplicateObject(f'user "{new_name}" already exists')
            updated = replace(user, name=new_name, **changes)  # type: ignore[arg-type]
            self._con.execute(
                f"UPDATE {self.schema}.users SET name = ?, scram_verifier = ?, "
                "md5_verifier = ?, sha256_verifier = ?, superuser = ?, createdb = ?, "
                "connection_limit = ?, valid_until = ?, session_timeout = ?, disabled = ? "
                "WHERE namespace_guid = ? AND name = ?",
                [updated.name, updated.scram_verifier, updated.md5_verifier,
                 updated.sha256_verifier, updated.superuser, updated.createdb,
                 updated.connection_limit, updated.valid_until, updated.session_timeout,
                 updated.disabled, namespace_guid, name],
            )
            del self._users[(namespace_guid, name)]
            self._users[(namespace_guid, new_name)] = updated
            self.version += 1
            return updated

    def drop_user(self, namespace_guid: str, name: str) -> None:
        """Forget a user; raises UndefinedObject if there is none."""
        with self._lock:
            if (namespace_guid, name) not in self._users:
                raise UndefinedObject(f'user "{name}" does not exist')
            self._con.execute(
                f"DELETE FROM {self.schema}.users WHERE namespace_guid = ? AND name = ?",
                [namespace_guid, name],
            )
            del self._users[(namespace_guid, name)]
            self.version += 1

    def set_password(self, namespace_guid: str, name: str, verifiers: Verifiers) -> None:
        """Replace a user's verifiers."""
        with self._lock:
            user = self._users.get((namespace_guid, name))
            if user is None:
                raise UndefinedObject(f'user "{name}" does not exist')
            self._con.execute(
                f"UPDATE {self.schema}.users SET scram_verifier = ?, md5_verifier = ?, "
                "sha256_verifier = ? WHERE namespace_guid = ? AND name = ?",
                [verifiers.scram, verifiers.md5, verifiers.sha256, namespace_guid, name],
            )
            self._users[(namespace_guid, name)] = replace(
                user,
                scram_verifier=verifiers.scram,
                md5_verifier=verifiers.md5,
                sha256_verifier=verifiers.sha256,
            )
            self.version += 1
