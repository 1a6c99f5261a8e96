"""Statements whose DuckDB SQL depends on the catalog when they run, not when they are parsed.

Translation sees only the statement's text, but ``CREATE TABLE t (LIKE s)`` must copy what
``s`` is at that moment, ``ALTER TABLE ... ALTER COLUMN ... TYPE`` and ``ADD COLUMN`` of a
CHAR, VARCHAR or NOT NULL column rebuild the table as it stands, ``ALTER TABLE ... APPEND
FROM`` moves the columns the two tables have then, CREATE and DROP FUNCTION merge one overload
into those a function already has, and TRUNCATE first commits the transaction it runs in.
The translated ``Statement`` carries one of these descriptions; ``proxy/late_ddl.py`` acts on
it at execution, on the session's own cursor (which also sees the session's uncommitted
tables).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    """Where a table is: its database's alias, its schema (None: resolved by DuckDB's search
    path when the statement runs) and its name, as DuckDB will store or find them."""

    alias: str
    schema: str | None
    name: str


@dataclass(frozen=True, slots=True)
class CreateLike:
    """``CREATE [TEMP] TABLE [IF NOT EXISTS] target (LIKE source [INCLUDING DEFAULTS])``."""

    target_sql: str  # the new table's name as DuckDB SQL
    target: Place
    source: Place
    temporary: bool
    if_not_exists: bool
    including_defaults: bool


@dataclass(frozen=True, slots=True)
class AlterVarchar:
    """``ALTER TABLE table ALTER COLUMN column TYPE VARCHAR(length)``."""

    table: Place
    column: str
    length: int


@dataclass(frozen=True, slots=True)
class AddColumn:
    """``ALTER TABLE table ADD [COLUMN] [IF NOT EXISTS] column ...`` of a column with a
    constraint DuckDB cannot add to a table (the CHECKs of a CHAR, VARCHAR or VARBYTE length,
    NOT NULL): the table is made again with the column."""

    table: Place
    column: str
    if_not_exists: bool


@dataclass(frozen=True, slots=True)
class CommitFirst:
    """TRUNCATE: commits the open transaction first, as Redshift does (except on a consumer
    database of a datashare, where it stays in the transaction)."""




@dataclass(frozen=True, slots=True)
class CreateFunction:
    """``CREATE [OR REPLACE] FUNCTION``: one overload of a SQL UDF (a DuckDB macro)."""

    place: Place  # the schema None: the current one
    arg_types: tuple[str, ...]  # DuckDB types
    returns: str  # DuckDB type
    body: str  # DuckDB SQL of the body's expression over the macro's parameters "$n"
    replace: bool
    volatility: str  # as declared (DuckDB inlines macros whatever it is)
    source: str  # the body as written, for the catalog


@dataclass(frozen=True, slots=True)
class DropFunction:
    """``DROP FUNCTION [IF EXISTS] name(types)``: one overload."""

    place: Place  # the schema None: found on the search path
    arg_types: tuple[str, ...]  # DuckDB types
    if_exists: bool


@dataclass(frozen=True, slots=True)
class RenameRelation:
    """``ALTER TABLE name RENAME TO new_name``, which Redshift also applies to a view (dbt's
    view materialization renames views so); DuckDB renames a view with ALTER VIEW only. The
    regular views over the relation follow it (``proxy/bound_views.py``)."""

    place: Place
    new_name: str


@dataclass(frozen=True, slots=True)
class RenameColumn:
    """``ALTER TABLE name RENAME COLUMN old TO new``: the regular views over the table follow
    the column (``proxy/bound_views.py``)."""

    place: Place
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class DropRelations:
    """``DROP TABLE|VIEW ... [CASCADE]``: refused while regular views depend on what it drops
    (2BP01), unless CASCADE drops them too (``proxy/bound_views.py``)."""

    places: tuple[Place, ...]
    kind: str  # "TABLE" or "VIEW"
    cascade: bool
    materialized: bool = False  # DROP MATERIALIZED VIEW: a plain view is refused (42809)


@dataclass(frozen=True, slots=True)
class CreateAsChar:
    """``CREATE TABLE ... AS SELECT`` whose query returns CHAR(n) values: the table is made
    with those columns as CHAR(n) (``char_columns``), the other columns typed as the query's
    are when it runs."""

    columns: tuple[tuple[str, int], ...]  # (result column, n)


@dataclass(frozen=True, slots=True)
class AppendFrom:
    """``ALTER TABLE target APPEND FROM source [IGNOREEXTRA | FILLTARGET]``: moves the source's
    rows into the target's columns of the same names."""

    target: Place
    source: Place
    extra: str  # "IGNOREEXTRA", "FILLTARGET" or ""


@dataclass(frozen=True, slots=True)
class RefreshView:
    """``REFRESH MATERIALIZED VIEW name [RESTRICT | CASCADE]``: its rows computed again, in a
    transaction of its own (``proxy/materialized_views.py``); CASCADE also refreshes the
    materialized views over it."""

    place: Place
    cascade: bool = False


@dataclass(frozen=True, slots=True)
class CreateView:
    """``CREATE MATERIALIZED VIEW`` or ``CREATE OR REPLACE VIEW`` (which may replace a
    materialized view, whose hidden parts go then). A materialized view made as translated
    becomes the hidden view of its query, its rows are stored in a hidden table and the view
    is made again over them (``proxy/materialized_views.py``)."""

    place: Place
    materialized: bool


@dataclass(frozen=True, slots=True)
class AlterAutoRefresh:
    """``ALTER MATERIALIZED VIEW name AUTO REFRESH YES | NO``."""

    place: Place
    auto: bool


@dataclass(frozen=True, slots=True)
class MergeAllColumns:
    """``MERGE ... REMOVE DUPLICATES``: its INSERT takes every column of the source, as many
    as the target has, which are known when it runs."""

    flag: str  # the source's last column, which tells inserted copies of its rows


Late = (CreateLike | AlterVarchar | AddColumn | CommitFirst | CreateFunction | DropFunction
        | RenameRelation | RenameColumn | DropRelations | AppendFrom | CreateAsChar | RefreshView
        | MergeAllColumns | CreateView | AlterAutoRefresh)
