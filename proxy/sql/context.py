"""What translating a statement depends on besides its text.

Everything here is part of the statement cache key, so a cached translation is only reused
where it would come out the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from catalog.blank_facts import CleanColumns, Key
from catalog.directory import FunctionTypes, Number, RelationColumns, VarcharColumns
from proxy import session_zone
from proxy.sql.product_bounds import Bound


@dataclass(slots=True)
class BlankNotes:
    """What ``varchar_blanks`` noted while translating one statement: whether it left a
    comparison as written because its columns are clean, and the VARCHAR columns it compared
    that may hold blank-ended values (worth a scan: ``catalog.blank_facts``)."""

    used: bool = False
    wanted: set[tuple[Key, str]] = field(default_factory=set)


@dataclass(slots=True)
class ProductNotes:
    """What ``decimal_arithmetic`` noted while translating one statement: whether it left a
    DECIMAL product that may pass 18 digits in DuckDB's BIGINT (its wide form differs), the
    arithmetic around each such product as table columns and constants bound it, and
    the DuckDB type of the other operand of each division by or of a parameter whose own type
    it did not know (an untyped parameter the probes could not type takes it at Bind, as
    PostgreSQL types an unknown operand by the other one)."""

    narrow: bool = False
    # The arithmetic around each such product as table columns and constants bound it
    # (``proxy.sql.product_bounds``); None where one of them has no such bound.
    bounds: list[Bound] | None = field(default_factory=list)
    divided_beside: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Context:
    """The session facts that translation reads."""

    namespace: str
    database: str  # the session's current database (Redshift name)
    user: str
    databases: Mapping[str, str] = field(compare=False)  # database name -> internal alias
    generation: int = 0  # bumped whenever the namespace's databases change
    superuser: bool = False  # superusers see every row of the privilege views
    # Every served namespace's account id, by GUID (datashares are granted to accounts too).
    # Not in the key: the configuration fixes it while the server runs, so translations under
    # one key cannot differ by it.
    accounts: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The namespace's external schemas by (database, name): objects with .source_database and
    # .source_schema. Not in the key: creating or dropping one moves ``generation``.
    external: Mapping[tuple[str, str], Any] = field(default_factory=dict, compare=False)
    # SET enable_case_sensitive_identifier: quoted identifiers keep their case (otherwise every
    # identifier folds to lower case).
    case_sensitive: bool = False
    # The CHAR(n) columns of committed tables, {(alias, schema, table): {column: n}}, and the
    # version that names them (and the SUPER columns below) in the key (``char_columns`` reads
    # them).
    char_columns: Mapping[tuple[str, str, str], Mapping[str, int]] = field(
        default_factory=dict, compare=False)
    char_version: int = 0
    # The schemas an unqualified table name is looked up in, in order.
    search_path: tuple[str, ...] = ("public",)
    # SET DateStyle's input order (MDY, DMY or YMD): how date literals such as '01/02/2024'
    # are read.
    date_order: str = "MDY"
    # SET timezone as SHOW prints it (pg_settings shows it too). The engine runs in UTC, so
    # translation names the zone it means (``zone``) wherever a value's meaning depends on it
    # (proxy/sql/transforms/session_time_zone.py).
    time_zone: str = "UTC"
    # The SUPER columns of tables and views and their 0-based positions, {(alias, schema,
    # relation): {column: position}} (``super_dynamic`` reads them); ``char_version`` names
    # them in the key too.
    super_columns: Mapping[tuple[str, str, str], Mapping[str, int]] = field(
        default_factory=dict, compare=False)
    # The DECIMAL, integer and floating point columns of tables and views, {(alias, schema,
    # relation): {column: Number}} (``decimal_arithmetic`` and ``arithmetic`` read them);
    # ``char_version`` names them too.
    numeric_columns: Mapping[tuple[str, str, str], Mapping[str, Number]] = field(
        default_factory=dict, compare=False)
    # The names (lower case) of the tables with IDENTITY columns, anywhere the session can see
    # (``identity_writes`` checks writes to those only); None when unknown, so every write is
    # checked. ``char_version`` names them in the key too.
    identity_tables: frozenset[str] | None = field(default=None, compare=False)
    # The VARCHAR columns of tables and views, {(alias, schema, relation): {column, ...}}
    # (``varchar_blanks`` reads them); ``char_version`` names them in the key too.
    varchar_columns: VarcharColumns = field(default_factory=dict, compare=False)
    # Every column of tables and views in its order, {(alias, schema, relation): (column,
    # ...)} (``stored_integers`` expands an INSERT's ``*`` with them); ``char_version`` names
    # them in the key too.
    relation_columns: RelationColumns = field(default_factory=dict, compare=False)
    # The numeric result types of SQL UDFs, {(alias, schema, function): {arguments: Number}}
    # (``decimal_arithmetic`` types divisions of their results); ``char_version`` names them
    # in the key too.
    function_types: FunctionTypes = field(default_factory=dict, compare=False)
    # The VARCHAR columns of tables known to hold no value ending with a blank
    # (``catalog.blank_facts``; ``varchar_blanks`` compares them as written), and the key that
    # names them in the cache key.
    clean_columns: CleanColumns = field(default_factory=dict, compare=False)
    blank_key: object = 0
    # The facts' ``forgotten`` count when they were read (``Statement.blank_forgotten``).
    blank_forgotten: int = field(default=0, compare=False)
    # Filled by ``varchar_blanks`` for the statement being translated (``compile_tree`` gives
    # each statement its own). Not in the key.
    blank_notes: BlankNotes | None = field(default=None, compare=False)
    # Whether the statement stores SQL that later sessions run (a view, a function's body, a
    # table's defaults): its zone-dependent conversions then read the running session's zone
    # (session_time_zone.running_zone). Not in the key: the statement's text decides it.
    stored: bool = False
    # Whether every DECIMAL product that may pass 18 digits is computed in HUGEINT (Redshift's
    # width), not only a result column's: a statement's wide form, run where DuckDB's
    # statistics do not show its narrow form's products fit 18 digits
    # (``Connection._sized_form``), or again where the narrow one failed outside a block
    # (``pipeline.wide_context``, ``Connection._run``).
    wide_products: bool = False
    # Filled by ``decimal_arithmetic`` for the statement being translated (``compile_tree``
    # gives each statement its own). Not in the key.
    product_notes: ProductNotes | None = field(default=None, compare=False)
    # The numeric types of parameters, ((number, DuckDB type), ...), set by the extended
    # protocol (``proxy.extended``): every parameter a client bound (or that was inferred) as
    # DOUBLE PRECISION or REAL, whose arithmetic is then checked for overflow as a floating
    # point column's is (``arithmetic``); and each one in a division bound as an integer
    # (SMALLINT, INTEGER, BIGINT) or NUMERIC, typed DECIMAL(p, s) by the digits of its value,
    # whose division is then exact (``decimal_arithmetic``).
    param_types: tuple[tuple[int, str], ...] = ()
    # SET default_array_search_null_handling: the null_match that ARRAY_CONTAINS,
    # ARRAY_POSITION and ARRAY_POSITIONS take when their call leaves it out (``super_arrays``).
    array_search_nulls: bool = True

    def external_schema(self, schema: str) -> Any:
        """The external schema ``schema`` of the current database, if it is one."""
        return self.external.get((self.database, schema))

    @property
    def zone(self) -> str:
        """The IANA zone the session's time zone means (``UTC`` by default)."""
        return session_zone.engine_zone(self.time_zone)

    @property
    def account(self) -> str:
        """The account id of the session's namespace ('' when none is configured)."""
        return self.accounts.get(self.namespace, "")

    @property
    def key(self) -> tuple[object, ...]:
        """The cache key: every fact above that a translation may read."""
        return (self.namespace, self.database, self.user, self.generation, self.superuser,
                self.case_sensitive, self.char_version, self.search_path, self.date_order,
                self.time_zone, self.blank_key, self.param_types, self.array_search_nulls,
                self.wide_products)
