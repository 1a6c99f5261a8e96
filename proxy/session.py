"""One client session: who it is, where it is, and the state the protocol keeps for it.

A session owns one DuckDB cursor (its own connection to the shared instance, with its own
transaction), the session parameters, the transaction status reported in ReadyForQuery, and the
prepared statements and portals of the extended protocol. It knows nothing of sockets.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import duckdb

from catalog.blank_facts import BlankFacts
from catalog.directory import (
    CharColumns,
    Directory,
    FunctionTypes,
    NumericColumns,
    RelationColumns,
    SuperColumns,
    VarcharColumns,
    read_char_columns,
    read_column_facts,
    read_function_types,
)
from catalog.errors import ActiveSqlTransaction, InvalidCatalogName
from catalog.model import Namespace, User
from catalog.views.pg_attribute import ZONE_VARIABLE
from engine.admission import Ticket
from engine.prepared_plans import PreparedPlans
from engine.storage import quote_ident, quote_literal
from engine.streaming import ParsedStatements, Result
from proxy import session_zone, settings
from proxy.access import PendingEffects
from proxy.sql.char_views import view_char_columns
from proxy.sql.context import Context
from proxy.sql.pipeline import Statement
from proxy.sql.transforms.session_functions import NAMESPACE_VARIABLE
from proxy.wire.backend import FieldDescription


class TxStatus(StrEnum):
    """ReadyForQuery's transaction status byte."""

    IDLE = "I"
    IN_BLOCK = "T"
    FAILED = "E"


@dataclass(slots=True)
class PreparedStatement:
    """A parsed extended-protocol statement."""

    name: str
    statement: Statement | None  # None: the empty query
    param_oids: list[int]
    fields: list[FieldDescription] | None = None  # filled by the first Describe
    described: bool = False
    exec_sql: str | None = None  # the DuckDB SQL with each typed $n cast to its type
    # Every parameter has a type, so ``exec_sql`` casts each one (its plan can be kept).
    typed: bool = False


@dataclass(slots=True)
class Portal:
    """A bound statement, possibly half-read (PortalSuspended)."""

    name: str
    prepared: PreparedStatement
    params: list[object]
    result_formats: tuple[int, ...]
    result: Result | None = None
    fields: list[FieldDescription] | None = None
    rows_sent: int = 0
    done: bool = False
    ticket: object | None = None
    tag: str | None = None
    # Whether its CommandComplete counts the rows sent (SELECT 3, FETCH 3; SHOW, CALL and
    # EXPLAIN do not, as in PostgreSQL).
    counts_rows: bool = True
    owned: bool = True  # False: the rows belong to a SQL cursor (FETCH), not to the portal
    limit: int = 0  # FETCH n: at most this many rows in all (0: no limit)
    coerce: object | None = None  # pa.Schema the rows are cast to, to match a Describe
    # The translation its run takes, where not the prepared one: typed for the values bound
    # (a NUMERIC parameter in a division, ``ExtendedProtocol._for_values``).
    statement: Statement | None = None


@dataclass(slots=True)
class SqlCursor:
    """A cursor opened with DECLARE; FETCH reads it forward."""

    name: str
    result: Result
    fields: list[FieldDescription]
    ticket: object | None
    hold: bool
    statement: str = ""  # the DECLARE statement (pg_cursors)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class LastStatements:
    """The session's last statements as Redshift's session information functions see them:
    query ids as SYS_QUERY_HISTORY shows them (-1 before any), row counts (0 before any)."""

    query_id: int = -1
    copy_id: int = -1
    copy_count: int = 0
    unload_id: int = -1
    unload_count: int = 0

    def finished(self, query_id: int, statement_type: str, ok: bool, rows: int) -> None:
        """A recorded statement ended: a COPY or UNLOAD that failed while it ran counts 0
        rows, as Redshift documents (one refused before it ran has no record)."""
        self.query_id = query_id
        if statement_type == "COPY":
            self.copy_id, self.copy_count = query_id, rows if ok else 0
        elif statement_type == "UNLOAD":
            self.unload_id, self.unload_count = query_id, rows if ok else 0

    def value(self, what: str) -> int:
        """One of the facts above by its name (``query_id``, ``copy_count`` ...)."""
        return int(getattr(self, what))


@dataclass
class Session:
    """The state of one connection after authentication."""

    pid: int
    user: User
    namespace: Namespace
    database: str
    workgroup: str
    cursor: duckdb.DuckDBPyConnection
    aliases: dict[str, str]  # the namespace's database names -> internal aliases
    generation: int = 0
    secret: int = field(default_factory=lambda: secrets.randbits(31))
    tx: TxStatus = TxStatus.IDLE
    values: dict[str, str] = field(default_factory=dict)
    prepared: dict[str, PreparedStatement] = field(default_factory=dict)
    portals: dict[str, Portal] = field(default_factory=dict)
    cursors: dict[str, SqlCursor] = field(default_factory=dict)
    unnamed_portals: int = 0  # cursors a procedure opened without a name (<unnamed portal n>)
    transaction_id: int = 0
    login_database: str = field(init=False)  # where RESET USE returns
    login_user: User = field(init=False)  # who authenticated (SET SESSION AUTHORIZATION)
    effects: PendingEffects = field(default_factory=PendingEffects)
    temp_tables: set[str] = field(default_factory=set)  # this session's temporary tables
    # Inside the transaction a multi-statement simple Query opens around its statements.
    implicit_transaction: bool = False
    # Inside the transaction the extended protocol opens around the statements up to a Sync
    # (ended by that Sync, or turned into a transaction block by a BEGIN).
    pipeline_transaction: bool = False
    catalog_version: int = -1  # of the catalog when ``user`` was last read from it
    # DuckDB's parse of the texts this session runs again (read on its worker thread).
    parsed: ParsedStatements = field(default_factory=ParsedStatements)
    # DuckDB's plans of its parameterised statements (read on its worker thread).
    plans: PreparedPlans = field(default_factory=PreparedPlans)
    # The namespace's external schemas, by (database, name) (shared with the catalog).
    external: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Every served namespace's account id, by GUID, as configured (the datashare views show
    # them, and a share granted to the namespace's account reaches it).
    accounts: Mapping[str, str] = field(default_factory=dict)
    # What exists (committed); its CHAR(n) columns are part of the translation context.
    directory: Directory | None = None
    # The CHAR, SUPER, numeric and VARCHAR columns and the IDENTITY tables its own cursor saw
    # since it last ran DDL (``_typed_columns``): (the directory's version then, their version,
    # the CHAR columns, the SUPER columns, the numeric columns, the IDENTITY tables, the
    # VARCHAR columns, every column in its order, the SQL UDFs' numeric result types)
    own_char_columns: tuple[int, int, CharColumns, SuperColumns, NumericColumns,
                            frozenset[str] | None, VarcharColumns, RelationColumns,
                            FunctionTypes] | None = None
    # The existing schemas of search_path, in order (``apply_search_path``).
    schemas: tuple[str, ...] = ("public",)
    # Which VARCHAR columns hold no value ending with a blank (shared by the server's sessions),
    # and ``now`` of it when the session's open transaction began (None: no transaction).
    blank_facts: BlankFacts | None = None
    blank_since: int | None = None
    # The databases (aliases) whose DuckDB snapshot the open transaction has taken by reading
    # statistics there (``Connection._sized_form``): DuckDB takes a database's snapshot at
    # the transaction's first statement that reads it, so a write may commit into it between
    # a kept magnitude's use and the statement's start, unless it is taken already.
    stats_snapshots: set[str] = field(default_factory=set)
    # What PG_LAST_QUERY_ID, PG_LAST_COPY_ID/COUNT and PG_LAST_UNLOAD_ID/COUNT answer
    # (``finished``).
    last: LastStatements = field(default_factory=LastStatements)
    # Whether the client is one of Redshift's own drivers (its startup packet names
    # client_protocol_version or driver_version): they read Redshift's binary forms.
    redshift_driver: bool = False

    def __post_init__(self) -> None:
        self.login_database = self.database
        self.login_user = self.user
        for name, param in settings.PARAMS.items():
            self.values.setdefault(name, param.default)
        self.values["is_superuser"] = "on" if self.user.superuser else "off"
        self.values["session_authorization"] = self.user.name

    @property
    def context(self) -> Context:
        """The translation context (cache key) of this session right now."""
        (char_version, char_columns, super_columns, numeric_columns, identity, varchars,
         ordered, functions) = self._typed_columns()
        blank_key: object = 0
        clean: Mapping[tuple[str, str, str], frozenset[str]] = {}
        forgotten = 0
        if self.blank_facts is not None:
            blank_key, clean, forgotten = self.blank_facts.clean(
                self.blank_since if self.tx != TxStatus.IDLE else None)
        return Context(
            self.namespace.guid, self.database, self.user.name, self.aliases, self.generation,
            self.user.superuser, self.accounts, self.external,
            self.values.get("enable_case_sensitive_identifier") == "on",
            char_columns, char_version, self.schemas,
            settings.date_order(self.values.get("datestyle", "")), self.values["timezone"],
            super_columns, numeric_columns, identity, varchar_columns=varchars,
            clean_columns=clean, blank_key=blank_key, blank_forgotten=forgotten,
            relation_columns=ordered, function_types=functions,
            array_search_nulls=self.values.get("default_array_search_null_handling") != "off",
        )

    def _typed_columns(
        self,
    ) -> tuple[int, CharColumns, SuperColumns, NumericColumns, frozenset[str] | None,
               VarcharColumns, RelationColumns, FunctionTypes]:
        """The CHAR, SUPER, numeric and VARCHAR columns, the IDENTITY tables, every
        relation's columns in order and the SQL UDFs' numeric result types that translation
        reads, and a version naming them in the cache key.

        The directory's hold committed tables only: while the session has temporary tables or
        an open transaction that ran DDL, its own cursor reads them (again only after it ran
        DDL, ``Authorizer.ran``).
        """
        if self.directory is None:
            return 0, {}, {}, {}, None, {}, {}, {}
        version, char_columns = self.directory.char_columns()
        if not (self.effects.own or self.effects.altered or self.temp_tables
                or self.effects.temp_created):
            return (version, char_columns, self.directory.super_columns()[1],
                    self.directory.numeric_columns()[1], self.directory.identity_tables()[1],
                    self.directory.varchar_columns()[1], self.directory.relation_columns()[1],
                    self.directory.function_types()[1])
        # Read again when the committed ones changed too (another session's DDL).
        if self.own_char_columns is None or self.own_char_columns[0] != version:
            columns = read_char_columns(self.cursor, temporary=True, views=view_char_columns)
            supers, numerics, identity, varchars, ordered = read_column_facts(
                self.cursor, self.directory.identity_mark, temporary=True)
            functions = read_function_types(self.cursor)
            own = hash((*(tuple(sorted((k, tuple(sorted(v.items()))) for k, v in found.items()))
                          for found in (columns, supers, numerics, functions)),
                        tuple(sorted((k, tuple(sorted(v))) for k, v in varchars.items())),
                        tuple(sorted(ordered.items())),
                        None if identity is None else tuple(sorted(identity))))
            self.own_char_columns = (version, own, columns, supers, numerics, identity,
                                     varchars, ordered, functions)
        return self.own_char_columns[1:]

    def outside_transaction(self, what: str) -> None:
        """Refuse ``what`` (a statement that cannot be undone) inside a transaction, with
        PostgreSQL's words: a block, or a pipeline whose statements share one."""
        if self.pipeline_transaction:
            raise ActiveSqlTransaction(f"{what} cannot be executed within a pipeline")
        if self.tx != TxStatus.IDLE:
            raise ActiveSqlTransaction(f"{what} cannot run inside a transaction block")

    def alias(self, database: str | None = None) -> str:
        """The internal alias of a database of this namespace (default: the current one)."""
        name = database or self.database
        alias = self.aliases.get(name)
        if alias is None:
            raise InvalidCatalogName(f'database "{name}" does not exist')
        return alias

    def set_identity(self) -> None:
        """Give the cursor the session's namespace (``current_namespace`` reads it)."""
        self.cursor.execute(
            f"SET VARIABLE {NAMESPACE_VARIABLE} = {quote_literal(self.namespace.guid)}")

    def apply_time_zone(self) -> None:
        """Give the cursor the session's time zone: column defaults of the wall clock (GETDATE,
        SYSDATE, CURRENT_DATE) read it when a row is inserted, whichever session made them."""
        zone = session_zone.engine_zone(self.values["timezone"])
        self.cursor.execute(f"SET VARIABLE {ZONE_VARIABLE} = {quote_literal(zone)}")
        self.plans.invalidate()  # DuckDB read the variable when it planned them

    def apply_search_path(self) -> None:
        """Point the cursor at the current database and the search_path's existing schemas.

        PostgreSQL tolerates schemas in search_path that do not exist ($user usually does not);
        DuckDB refuses them, so only existing ones are passed on. The first one is where
        unqualified CREATE puts new objects.
        """
        alias = self.alias()
        existing = {
            row[0]
            for row in self.cursor.execute(
                "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ?", [alias]
            ).fetchall()
        }
        wanted = []
        for raw in self.values["search_path"].split(","):
            name = raw.strip().strip('"')
            if name == "$user":
                name = self.user.name
            if name in existing and name not in wanted:
                wanted.append(name)
        if not wanted:
            wanted = ["public"]
        self.schemas = tuple(wanted)
        self.cursor.execute(f"USE {quote_ident(alias)}.{quote_ident(wanted[0])}")
        path = ",".join(f"{quote_ident(alias)}.{quote_ident(s)}" for s in wanted)
        self.cursor.execute(f"SET search_path = {quote_literal(path)}")
        self.plans.invalidate()  # their names were looked up in the old path

    def reported(self) -> list[tuple[str, str]]:
        """The ParameterStatus pairs sent after authentication."""
        pairs = [
            (settings.REPORTED_NAMES[name], self.values[name])
            for name in settings.REPORTED_NAMES
        ]
        pairs.append(("is_superuser", self.values["is_superuser"]))
        pairs.append(("session_authorization", self.values["session_authorization"]))
        return pairs


@dataclass(slots=True)
class Outcome:
    """What running one statement produced, before its rows are sent."""

    tag: str
    counts_rows: bool = False
    result: Result | None = None
    rowcount: int | None = None
    ticket: Ticket | None = None
    owned: bool = True  # False: the rows belong to a SQL cursor and stay open
    limit: int = 0  # at most this many rows (FETCH n)
