"""Stored procedures, per namespace and database, persisted in the system DuckDB database.

A procedure is kept as written (its PL/pgSQL body is interpreted when it is called), keyed by
(namespace, database, schema, name, input argument types): procedures of one name are
overloaded by the types of their IN and INOUT arguments, as in Redshift. Reads are served from
memory; ``version`` moves on every change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from catalog.persisted import Persisted

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.procedures (
    namespace_guid VARCHAR NOT NULL, database VARCHAR NOT NULL, schema_name VARCHAR NOT NULL,
    name VARCHAR NOT NULL, signature VARCHAR NOT NULL, arguments VARCHAR NOT NULL,
    body VARCHAR NOT NULL, nonatomic BOOLEAN NOT NULL, security_definer BOOLEAN NOT NULL,
    owner VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, proc_id INTEGER NOT NULL,
    argument_list VARCHAR NOT NULL, return_type VARCHAR, arg_oids UINTEGER[] NOT NULL,
    all_oids UINTEGER[] NOT NULL, arg_modes VARCHAR[] NOT NULL, arg_names VARCHAR[] NOT NULL,
    PRIMARY KEY (namespace_guid, database, schema_name, name, signature));
"""

# PostgreSQL's names of types, as its messages and catalogs show them, and their OIDs.
_DISPLAY = {"varchar": "character varying", "char": "character",
            "timestamp": "timestamp without time zone",
            "timestamptz": "timestamp with time zone", "time": "time without time zone",
            "timetz": "time with time zone"}
_OIDS = {"smallint": 21, "integer": 23, "bigint": 20, "numeric": 1700, "real": 700,
         "double precision": 701, "boolean": 16, "varchar": 1043, "char": 1042, "date": 1082,
         "timestamp": 1114, "timestamptz": 1184, "time": 1083, "timetz": 1266,
         "super": 4000, "varbyte": 6551, "geometry": 3000, "hllsketch": 2935,
         "refcursor": 1790}


def display_type(text: str) -> str:
    """A declared type as PostgreSQL's messages and catalogs name it."""
    t = normal_type(text)
    return _DISPLAY.get(t, t)


def type_oid(text: str) -> int:
    """The PostgreSQL OID of a declared type (0 for one without)."""
    return _OIDS.get(normal_type(text), 0)

# Procedure ids (pg_proc oids) start above the built-in functions'.
FIRST_PROC_ID = 200_000


@dataclass(frozen=True, slots=True)
class Argument:
    """One declared argument: its name ("" when unnamed), mode (IN, OUT, INOUT) and type as
    written (Redshift's text)."""

    name: str
    mode: str
    type: str

    @property
    def is_input(self) -> bool:
        """IN and INOUT arguments are passed by CALL (OUT ones are not)."""
        return self.mode != "OUT"

    @property
    def is_output(self) -> bool:
        """OUT and INOUT arguments come back in CALL's row."""
        return self.mode != "IN"


@dataclass(frozen=True, slots=True)
class Procedure:
    """A stored procedure as created."""

    namespace: str
    database: str
    schema: str
    name: str
    arguments: tuple[Argument, ...]
    body: str
    nonatomic: bool
    security_definer: bool
    owner: str
    created_at: datetime
    proc_id: int

    @property
    def signature(self) -> tuple[str, ...]:
        """The input argument types, normalized (the overload's key)."""
        return tuple(normal_type(a.type) for a in self.arguments if a.is_input)

    def display(self) -> str:
        """``name(type, ...)`` of its input arguments, as error messages name it."""
        types = (display_type(a.type) for a in self.arguments if a.is_input)
        return f"{self.name}({', '.join(types)})"


def normal_type(text: str) -> str:
    """A type's text as an overload key: lower case, blanks folded, lengths dropped (Redshift
    tells overloads apart by type, not by length)."""
    words = " ".join(text.lower().split())
    cut = words.find("(")
    if cut >= 0:
        words = words[:cut].strip()
    return _SYNONYMS.get(words, words)


_SYNONYMS = {
    "int": "integer", "int4": "integer", "int2": "smallint", "int8": "bigint",
    "character varying": "varchar", "nvarchar": "varchar", "text": "varchar",
    "character": "char", "nchar": "char", "bpchar": "char", "decimal": "numeric",
    "float8": "double precision", "float": "double precision", "float4": "real",
    "bool": "boolean", "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
}


class Procedures(Persisted):
    """The stored procedures of every namespace; thread-safe."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        super().__init__(con, schema, _SCHEMA)
        self._procs: dict[tuple[str, str, str, str, tuple[str, ...]], Procedure] = {}
        self._next_id = FIRST_PROC_ID
        for row in con.execute(
            "SELECT namespace_guid, database, schema_name, name, arguments, body, nonatomic, "
            f"security_definer, owner, created_at, proc_id FROM {self._s}.procedures"
        ).fetchall():
            args = tuple(Argument(*a) for a in json.loads(row[4]))
            proc = Procedure(row[0], row[1], row[2], row[3], args, row[5], row[6], row[7],
                             row[8], row[9], row[10])
            self._procs[_key(proc)] = proc
            self._next_id = max(self._next_id, proc.proc_id + 1)

    def overloads(self, ns: str, database: str, schema: str, name: str) -> list[Procedure]:
        """The procedures called ``name`` in one schema."""
        return [p for (n, d, s, nm, _), p in self._procs.items()
                if (n, d, s, nm) == (ns, database, schema, name)]

    def get(self, ns: str, database: str, schema: str, name: str,
            signature: tuple[str, ...]) -> Procedure | None:
        """The overload of exactly these input types, if any."""
        return self._procs.get((ns, database, schema, name, signature))

    def all(self, ns: str) -> Iterator[Procedure]:
        """Every procedure of a namespace."""
        return (p for p in list(self._procs.values()) if p.namespace == ns)

    def put(self, proc: Procedure) -> Procedure:
        """Create or replace a procedure (a replaced one keeps its id)."""
        with self._lock:
            old = self._procs.get(_key(proc))
            pid = old.proc_id if old is not None else self._next_id
            if old is None:
                self._next_id += 1
            stored = Procedure(proc.namespace, proc.database, proc.schema, proc.name,
                               proc.arguments, proc.body, proc.nonatomic,
                               proc.security_definer, proc.owner,
                               datetime.now(UTC).replace(tzinfo=None), pid)
            self._delete(stored)
            args = stored.arguments
            outputs = [display_type(a.type) for a in args if a.is_output]
            self._con.execute(
                f"INSERT INTO {self._s}.procedures VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [stored.namespace, stored.database, stored.schema, stored.name,
                 json.dumps(stored.signature), json.dumps(
                     [[a.name, a.mode, a.type] for a in args]),
                 stored.body, stored.nonatomic, stored.security_definer, stored.owner,
                 stored.created_at, stored.proc_id,
                 ", ".join(display_type(a.type) for a in args if a.is_input),
                 ", ".join(outputs) if outputs else None,
                 [type_oid(a.type) for a in args if a.is_input],
                 [type_oid(a.type) for a in args],
                 [{"IN": "i", "OUT": "o", "INOUT": "b"}[a.mode] for a in args],
                 [a.name for a in args]])
            self._procs[_key(stored)] = stored
            self._changed()
            return stored

    def drop(self, proc: Procedure) -> None:
        """Forget a procedure."""
        with self._lock:
            self._delete(proc)
            self._procs.pop(_key(proc), None)
            self._changed()

    def forget_database(self, ns: str, database: str) -> None:
        """A dropped database takes its procedures with it."""
        for proc in [p for p in self.all(ns) if p.database == database]:
            self.drop(proc)

    def _delete(self, proc: Procedure) -> None:
        self._con.execute(
            f"DELETE FROM {self._s}.procedures WHERE namespace_guid = ? AND database = ? "
            "AND schema_name = ? AND name = ? AND signature = ?",
            [proc.namespace, proc.database, proc.schema, proc.name,
             json.dumps(proc.signature)])


def _key(proc: Procedure) -> tuple[str, str, str, str, tuple[str, ...]]:
    return (proc.namespace, proc.database, proc.schema, proc.name, proc.signature)
