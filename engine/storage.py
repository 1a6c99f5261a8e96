"""Storage backends: where each database of a namespace lives and how it joins the engine.

Every database is attached to the one DuckDB instance under an internal alias that clients never
see. The local backend keeps one native DuckDB file per database under the data dir; a DuckLake
backend (catalog in PostgreSQL, data files on shared storage) implements the same interface for
scale-out, so nothing above this module knows which one is in use.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path

import duckdb

# Every internal alias starts with this prefix; the SQL front end refuses identifiers that do,
# so user SQL can never name another namespace's database or the system catalog directly.
INTERNAL_PREFIX = "__ds_"

_SAFE = re.compile(r"[^a-z0-9_]")


def database_alias(namespace: str, database: str) -> str:
    """The internal catalog alias of a database (stable, derived from the names).

    >>> database_alias("sales-team", "dev")
    '__ds_sales_team__dev'
    """
    return f"{INTERNAL_PREFIX}{_SAFE.sub('_', namespace)}__{_SAFE.sub('_', database)}"


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB SQL that the server itself writes."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for DuckDB SQL that the server itself writes."""
    return "'" + value.replace("'", "''") + "'"


# The storage format of database files (see LocalStorage.attach).
STORAGE_VERSION = "v1.4.0"


class Storage(ABC):
    """Where databases live. Implementations attach them to a DuckDB connection."""

    @abstractmethod
    def allowed_directories(self) -> list[str]:
        """Directories the locked-down engine may still open (database files, spill space)."""

    @abstractmethod
    def exists(self, namespace: str, database: str) -> bool:
        """Whether the database's storage already exists."""

    @abstractmethod
    def attach(self, con: duckdb.DuckDBPyConnection, namespace: str, database: str) -> str:
        """Attach (creating it if needed) and return the internal alias."""

    @abstractmethod
    def detach_and_remove(
        self, con: duckdb.DuckDBPyConnection, namespace: str, database: str
    ) -> None:
        """Detach the database and delete its storage (DROP DATABASE)."""


class LocalStorage(Storage):
    """One native DuckDB file per database: ``<data>/namespaces/<namespace>/<database>.duckdb``."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "namespaces"

    def allowed_directories(self) -> list[str]:
        return [str(self.root)]

    def path(self, namespace: str, database: str) -> Path:
        """The file that holds one database."""
        return self.root / namespace / f"{database}.duckdb"

    def exists(self, namespace: str, database: str) -> bool:
        return self.path(namespace, database).exists()

    def attach(self, con: duckdb.DuckDBPyConnection, namespace: str, database: str) -> str:
        alias = database_alias(namespace, database)
        path = self.path(namespace, database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # v1.4.0 is the first storage format that keeps typed macro parameters, which SQL UDFs
        # overloaded by argument type need; a file of an older format is upgraded.
        con.execute(f"ATTACH IF NOT EXISTS {quote_literal(str(path))} AS {quote_ident(alias)} "
                    f"(STORAGE_VERSION '{STORAGE_VERSION}')")
        # Redshift's default schema is public; DuckDB's own main schema stays unused.
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(alias)}.public")
        return alias

    def detach_and_remove(
        self, con: duckdb.DuckDBPyConnection, namespace: str, database: str
    ) -> None:
        con.execute(f"DETACH DATABASE IF EXISTS {quote_ident(database_alias(namespace, database))}")
        path = self.path(namespace, database)
        for p in (path, path.with_name(path.name + ".wal")):
            p.unlink(missing_ok=True)
