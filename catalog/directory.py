"""What exists: a snapshot of the schemas, tables, views and SQL UDFs of every attached database.

Name resolution (which physical relation ``t`` or ``s.t`` names for a session) and the access
checks need to know what exists without asking DuckDB on every statement. The snapshot is read
from DuckDB's catalog through a cursor of its own (so it holds committed objects only) and is
rebuilt when ``invalidate`` was called since it was read: the server calls it after every
statement that may change the catalog. A session's own uncommitted objects are not here; the
caller knows them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import duckdb

from catalog.table_attributes import FUNCTIONS, MV_QUERY_PREFIX, SCHEMA, qualified_name


@dataclass(frozen=True, slots=True)
class Relation:
    """A table or view of one database (by internal alias)."""

    alias: str
    schema: str
    name: str
    kind: str  # table or view
    sql: str | None = None  # a view's definition (DuckDB SQL)


# The message of the length CHECK the dialect gives a CHAR(n) column (``character_lengths``):
# the one place DuckDB's catalog records that a VARCHAR column is a CHAR(n).
_CHAR_CHECK = re.compile(r"value too long for type character\((\d+)\)")

CharColumns = Mapping[tuple[str, str, str], Mapping[str, int]]
# The SUPER columns of tables and views (DuckDB JSON columns) with their 0-based positions,
# ``{(alias, schema, relation): {column: position}}``: translation gives comparisons of them
# Redshift's dynamic typing and stores strings into them as SUPER strings.
SuperColumns = Mapping[tuple[str, str, str], Mapping[str, int]]


class Number(NamedTuple):
    """The type of a DECIMAL, integer or floating point column as Redshift's arithmetic reads
    it."""

    precision: int  # SMALLINT, INTEGER and BIGINT count as DECIMAL(5, 0), (10, 0), (19, 0)
    scale: int
    integer: bool
    # REAL or DOUBLE PRECISION (precision 24 or 53, in bits, as PostgreSQL's catalog says).
    floating: bool = False


# The DECIMAL, integer and floating point columns of tables and views, ``{(alias, schema,
# relation): {column: Number}}``: translation gives divisions of them Redshift's DECIMAL result
# types, and their floating point arithmetic Redshift's overflow errors.
NumericColumns = Mapping[tuple[str, str, str], Mapping[str, Number]]
# The VARCHAR columns of tables and views (CHAR ones too: DuckDB stores them as VARCHARs),
# ``{(alias, schema, relation): {column, ...}}``: translation compares their values without
# trailing blanks, as Redshift does.
VarcharColumns = Mapping[tuple[str, str, str], frozenset[str]]
# The result types of SQL UDFs by their number of arguments, ``{(alias, schema, function):
# {arguments: Number}}`` (names in lower case): a numeric result of every overload of that
# many arguments (None where they differ or one is not numeric). Translation types divisions
# of their results as it types a column's.
FunctionTypes = Mapping[tuple[str, str, str], Mapping[int, "Number | None"]]
# Every column of tables and views in its order, ``{(alias, schema, relation): (column, ...)}``:
# translation expands the ``*`` of a query an INSERT stores with them.
RelationColumns = Mapping[tuple[str, str, str], tuple[str, ...]]
_INTEGER_PRECISION = {"SMALLINT": 5, "INTEGER": 10, "BIGINT": 19}
REAL = Number(24, 0, False, True)
DOUBLE = Number(53, 0, False, True)
_FLOATING = {"FLOAT": REAL, "DOUBLE": DOUBLE}
# The CHAR columns of a view from its DuckDB SQL (the proxy's, which wrote that SQL).
ViewColumns = Callable[[str], Mapping[str, int]]


def _databases(temporary: bool) -> str:
    """A filter on database_name: user databases, and with ``temporary`` the session's own
    temporary tables too."""
    return "database_name NOT IN " + ("('system')" if temporary else "('system', 'temp')")


def read_char_columns(con: duckdb.DuckDBPyConnection, temporary: bool = False,
                      views: ViewColumns | None = None,
                      ) -> dict[tuple[str, str, str], dict[str, int]]:
    """The CHAR(n) columns ``con`` sees, ``{(alias, schema, table): {column: n}}``: of
    committed tables and, through a session's cursor, of the tables its open transaction made
    (and, with ``temporary``, its temporary tables, under the alias ``temp``); with ``views``,
    of views too."""
    char_columns: dict[tuple[str, str, str], dict[str, int]] = {}
    for db, schema, table, column, expression in con.execute(
        "SELECT database_name, schema_name, table_name, constraint_column_names[1], "
        "expression FROM duckdb_constraints() WHERE constraint_type = 'CHECK' "
        f"AND len(constraint_column_names) = 1 AND {_databases(temporary)} "
        "AND contains(expression, 'value too long for type character(')"
    ).fetchall():
        match = _CHAR_CHECK.search(expression)
        if match is not None:
            char_columns.setdefault((db, schema, table), {})[column] = int(match[1])
    if views is not None:
        for db, schema, view, sql in con.execute(
            "SELECT database_name, schema_name, view_name, sql FROM duckdb_views() "
            f"WHERE NOT internal AND {_databases(temporary)}"
        ).fetchall():
            if layout := views(sql):
                char_columns[(db, schema, view)] = dict(layout)
    return char_columns


def read_column_facts(
    con: duckdb.DuckDBPyConnection, identity_mark: str | None, temporary: bool = False,
) -> tuple[dict[tuple[str, str, str], dict[str, int]],
           dict[tuple[str, str, str], dict[str, Number]], frozenset[str] | None,
           dict[tuple[str, str, str], frozenset[str]],
           dict[tuple[str, str, str], tuple[str, ...]]]:
    """The column facts ``con`` sees, of tables and views, as ``read_char_columns`` reads the
    CHAR ones (with ``temporary``, also the session's temporary tables): the SUPER columns
    (with their positions), the DECIMAL, integer and floating point columns, the names (lower
    case) of the tables with a column whose default draws on a sequence named with
    ``identity_mark`` (the engine's IDENTITY columns; None without a mark), the VARCHAR
    columns, and every column in its order. One scan of DuckDB's columns for all of them: it
    costs about 10 ms for 500 tables."""
    supers: dict[tuple[str, str, str], dict[str, int]] = {}
    numbers: dict[tuple[str, str, str], dict[str, Number]] = {}
    strings: dict[tuple[str, str, str], set[str]] = {}
    ordered: dict[tuple[str, str, str], list[str]] = {}
    identity: set[str] = set()
    for db, schema, relation, column, index, data_type, precision, scale, default in con.execute(
        "SELECT database_name, schema_name, table_name, column_name, column_index, "
        "data_type, numeric_precision, numeric_scale, column_default FROM duckdb_columns() "
        f"WHERE NOT internal AND {_databases(temporary)} "
        "ORDER BY database_name, schema_name, table_name, column_index",
    ).fetchall():
        key = (db, schema, relation)
        ordered.setdefault(key, []).append(column)
        if identity_mark is not None and default is not None and identity_mark in default:
            identity.add(relation.lower())
        if data_type == "VARCHAR":
            strings.setdefault(key, set()).add(column)
        elif data_type == "JSON":
            supers.setdefault(key, {})[column] = index - 1
        elif (number := _numeric_type(data_type, precision, scale)) is not None:
            numbers.setdefault(key, {})[column] = number
    return (supers, numbers, None if identity_mark is None else frozenset(identity),
            {key: frozenset(names) for key, names in strings.items()},
            {key: tuple(names) for key, names in ordered.items()})


def _numeric_type(data_type: str, precision: int | None, scale: int | None) -> Number | None:
    """The ``Number`` of a DuckDB type name (DECIMAL's precision and scale given apart)."""
    if data_type in _INTEGER_PRECISION:
        return Number(_INTEGER_PRECISION[data_type], 0, True)
    if data_type in _FLOATING:
        return _FLOATING[data_type]
    if data_type.startswith("DECIMAL(") and precision is not None and scale is not None:
        return Number(precision, scale, False)
    return None


_DECIMAL_TYPE = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def read_function_types(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str],
                                                                 dict[int, Number | None]]:
    """The numeric result types of the SQL UDFs ``con`` sees (``FunctionTypes``), from each
    database's ``FUNCTIONS`` attribute table (DuckDB's names of the declared types)."""
    aliases = [row[0] for row in con.execute(
        "SELECT DISTINCT database_name FROM duckdb_tables() WHERE schema_name = ? "
        "AND table_name = ? AND database_name NOT IN ('system', 'temp') ORDER BY 1",
        [SCHEMA, FUNCTIONS]).fetchall()]
    if not aliases:
        return {}
    union = " UNION ALL ".join(
        "SELECT ? AS alias, schema_name, function_name, len(arg_types), return_type "
        f"FROM {qualified_name(alias, FUNCTIONS)}" for alias in aliases)
    found: dict[tuple[str, str, str], dict[int, Number | None]] = {}
    for alias, schema, name, arguments, returns in con.execute(union, aliases).fetchall():
        sizes = _DECIMAL_TYPE.fullmatch(returns)
        typed = _numeric_type(returns, *(int(size) for size in sizes.groups())) \
            if sizes is not None else _numeric_type(returns, None, None)
        overloads = found.setdefault((alias, schema.lower(), name.lower()), {})
        # Overloads of one number of arguments whose result types differ: not known.
        overloads[arguments] = typed if overloads.get(arguments, typed) == typed else None
    return found


class Directory:
    """Snapshot of attached databases' schemas and relations, refreshed on demand."""

    def __init__(self, con: duckdb.DuckDBPyConnection, views: ViewColumns | None = None,
                 identity_mark: str | None = None) -> None:
        self._con = con
        self._views = views
        self.identity_mark = identity_mark
        self._lock = threading.Lock()
        self._stale = True
        self._schemas: dict[str, set[str]] = {}
        self._relations: dict[tuple[str, str, str], Relation] = {}
        self._functions: set[tuple[str, str, str]] = set()
        self._char_columns: dict[tuple[str, str, str], dict[str, int]] = {}
        self._super_columns: dict[tuple[str, str, str], dict[str, int]] = {}
        self._numeric_columns: dict[tuple[str, str, str], dict[str, Number]] = {}
        self._identity_tables: frozenset[str] | None = None
        self._varchar_columns: dict[tuple[str, str, str], frozenset[str]] = {}
        self._relation_columns: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._function_types: dict[tuple[str, str, str], dict[int, Number | None]] = {}
        # Moves whenever the CHAR, SUPER, numeric or VARCHAR columns or the IDENTITY tables
        # change (translations depend on them).
        self._char_version = 0

    def invalidate(self) -> None:
        """Something may have changed: the next lookup reads the catalog again."""
        self._stale = True

    def _refresh(self) -> None:
        with self._lock:
            if not self._stale:
                return
            self._stale = False
            schemas: dict[str, set[str]] = {}
            for db, schema in self._con.execute(
                "SELECT database_name, schema_name FROM duckdb_schemas() WHERE NOT internal"
            ).fetchall():
                schemas.setdefault(db, set()).add(schema)
            relations: dict[tuple[str, str, str], Relation] = {}
            for db, schema, name in self._con.execute(
                "SELECT database_name, schema_name, table_name FROM duckdb_tables() "
                "WHERE NOT temporary"
            ).fetchall():
                relations[(db, schema, name)] = Relation(db, schema, name, "table")
            for db, schema, name, sql in self._con.execute(
                "SELECT database_name, schema_name, view_name, sql FROM duckdb_views() "
                "WHERE NOT internal AND NOT temporary AND NOT starts_with(view_name, ?)",
                [MV_QUERY_PREFIX],  # a materialized view's hidden query: no user's to name
            ).fetchall():
                relations[(db, schema, name)] = Relation(db, schema, name, "view", sql)
            # SQL UDFs are macros of their database (the engine's own are not in one).
            functions = {
                (db, schema, name) for db, schema, name in self._con.execute(
                    "SELECT database_name, schema_name, function_name FROM duckdb_functions() "
                    "WHERE function_type IN ('macro', 'table_macro') AND NOT internal "
                    "AND database_name NOT IN ('system', 'temp')"
                ).fetchall()
            }
            self._schemas, self._relations, self._functions = schemas, relations, functions
            char_columns = read_char_columns(self._con, views=self._views)
            super_columns, numeric_columns, identity, varchar_columns, relation_columns = (
                read_column_facts(self._con, self.identity_mark))
            function_types = read_function_types(self._con)
            if (char_columns, super_columns, numeric_columns, identity, varchar_columns,
                    relation_columns, function_types) != (
                    self._char_columns, self._super_columns, self._numeric_columns,
                    self._identity_tables, self._varchar_columns, self._relation_columns,
                    self._function_types):
                self._char_columns, self._super_columns = char_columns, super_columns
                self._numeric_columns, self._identity_tables = numeric_columns, identity
                self._varchar_columns = varchar_columns
                self._relation_columns = relation_columns
                self._function_types = function_types
                self._char_version += 1

    def schema_exists(self, alias: str, schema: str) -> bool:
        """Whether a database has this schema."""
        if self._stale:
            self._refresh()
        return schema in self._schemas.get(alias, ())

    def function_exists(self, alias: str, schema: str, name: str) -> bool:
        """Whether ``alias.schema.name`` is a SQL UDF (a macro of that database)."""
        if self._stale:
            self._refresh()
        return (alias, schema, name) in self._functions

    def functions(self, alias: str, schema: str) -> list[str]:
        """The SQL UDFs of a schema."""
        if self._stale:
            self._refresh()
        return sorted(n for a, s, n in self._functions if a == alias and s == schema)

    def schemas(self, alias: str) -> set[str]:
        """The schemas of a database."""
        if self._stale:
            self._refresh()
        return self._schemas.get(alias, set())

    def relation(self, alias: str, schema: str, name: str) -> Relation | None:
        """The table or view ``alias.schema.name``, if it exists (committed)."""
        if self._stale:
            self._refresh()
        return self._relations.get((alias, schema, name))

    def relations(self, alias: str, schema: str | None = None) -> list[Relation]:
        """The relations of a database (or of one of its schemas)."""
        if self._stale:
            self._refresh()
        return [r for (a, s, _), r in self._relations.items()
                if a == alias and (schema is None or s == schema)]

    def char_columns(self) -> tuple[int, CharColumns]:
        """The CHAR(n) columns of committed tables, ``{(alias, schema, table): {column: n}}``,
        with a version that moves whenever they change (translations depend on them)."""
        if self._stale:
            self._refresh()
        return self._char_version, self._char_columns

    def super_columns(self) -> tuple[int, SuperColumns]:
        """The SUPER columns of committed tables and views, with the version ``char_columns``
        gives (it moves when either changes)."""
        if self._stale:
            self._refresh()
        return self._char_version, self._super_columns

    def numeric_columns(self) -> tuple[int, NumericColumns]:
        """The DECIMAL, integer and floating point columns of committed tables and views, with
        the version ``char_columns`` gives (it moves when either changes)."""
        if self._stale:
            self._refresh()
        return self._char_version, self._numeric_columns

    def varchar_columns(self) -> tuple[int, VarcharColumns]:
        """The VARCHAR columns of committed tables and views, with the version
        ``char_columns`` gives."""
        if self._stale:
            self._refresh()
        return self._char_version, self._varchar_columns

    def relation_columns(self) -> tuple[int, RelationColumns]:
        """Every column of committed tables and views in its order, with the version
        ``char_columns`` gives."""
        if self._stale:
            self._refresh()
        return self._char_version, self._relation_columns

    def function_types(self) -> tuple[int, FunctionTypes]:
        """The numeric result types of committed SQL UDFs (``FunctionTypes``), with the
        version ``char_columns`` gives."""
        if self._stale:
            self._refresh()
        return self._char_version, self._function_types

    def identity_tables(self) -> tuple[int, frozenset[str] | None]:
        """The names of committed tables with IDENTITY columns (None when the directory was
        not told how to see them), with the version ``char_columns`` gives."""
        if self._stale:
            self._refresh()
        return self._char_version, self._identity_tables

    def columns(self, alias: str, schema: str, name: str) -> list[str]:
        """The columns of a relation in their order (read now, not from the snapshot)."""
        with self._lock:
            return [row[0] for row in self._con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
                "AND schema_name = ? AND table_name = ? ORDER BY column_index",
                [alias, schema, name],
            ).fetchall()]
