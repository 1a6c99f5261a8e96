"""Carrying out Redshift's catalog SHOW commands (grammar: ``proxy.sql.show``).

A listing runs the SQL of ``catalog.views.show`` on the session's own cursor, so it sees the
session's uncommitted DDL, with the names after FROM and the LIKE pattern as parameters. Before
that, what the FROM clause names must exist: the database (3D000), the schema (3F000), the
table (42P01). Redshift's rules on the result: at most 10,000 rows without a LIMIT (54000), and
a user who is not a superuser sees a schema only with USAGE on it (or owning it), a table
or its columns only with USAGE on the schema and SELECT on the table or one of its columns (or
owning it), and a stored procedure only with USAGE on the schema and EXECUTE on it (or owning
it). SHOW VIEW finds the view as the search path does and shows its query; SHOW TABLE
finds a table so and shows a CREATE TABLE for it: column types, NOT NULL, DEFAULT, IDENTITY,
the encodings and distribution and sort keys CREATE/ALTER TABLE declared (``ENCODE`` only where
one was: the others are what DuckDB stores), the primary key, and the distribution style
(AUTO when none was declared).

Result columns are fixed per command (``fields``), so Describe answers without running.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import TYPE_CHECKING

import pyarrow as pa

from catalog import errors as err
from catalog.security import ObjectKey
from catalog.views.show import (
    LISTINGS,
    TABLE_DDL_COLUMN,
    VIEW_DDL_COLUMN,
    listing_sql,
    table_sql,
    view_sql,
)
from engine import streaming
from policies import access
from proxy.result_types import fields_of
from proxy.session import Outcome, Session
from proxy.sql import show
from proxy.sql.context import Context
from proxy.wire.backend import FieldDescription

if TYPE_CHECKING:
    from proxy.connection import Connection

_ARROW = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "TIMESTAMP": pa.timestamp("us")}
_VIEW_SCHEMA = pa.schema([(VIEW_DDL_COLUMN, pa.string())])
_TABLE_SCHEMA = pa.schema([(TABLE_DDL_COLUMN, pa.string())])
# Listings whose FROM names a schema, and those whose FROM names a table.
_IN_SCHEMA = frozenset({"tables", "procedures", "functions"})
_OF_TABLE = frozenset({"columns", "primary_keys", "foreign_keys", "exported_keys"})
# Listings filtered by what the user may see: the key columns holding (schema, table).
_VISIBLE_BY = {
    "schemas": ("schema_name", None),
    "tables": ("schema_name", "table_name"),
    "columns": ("schema_name", "table_name"),
    "primary_keys": ("schema_name", "table_name"),
    "foreign_keys": ("fk_schema_name", "fk_table_name"),
    "exported_keys": ("pk_schema_name", "pk_table_name"),
    "procedures": ("schema_name", "procedure_name"),
}


def _schema(kind: str) -> pa.Schema:
    return pa.schema([(name, _ARROW[typ]) for name, typ in LISTINGS[kind].columns])


def fields(cmd: show.Command) -> list[FieldDescription] | None:
    """The result columns of a SHOW, for Describe (None: it returns no rows)."""
    if isinstance(cmd, show.ShowCatalog):
        return fields_of(_schema(cmd.kind))
    if isinstance(cmd, show.ShowView):
        return fields_of(_VIEW_SCHEMA)
    if isinstance(cmd, show.ShowTable):
        return fields_of(_TABLE_SCHEMA)
    return None


def _result(table: pa.Table) -> streaming.Result:
    batches = table.to_batches() or [pa.record_batch(
        [pa.array([], f.type) for f in table.schema], schema=table.schema)]
    return streaming.Result(schema=table.schema, pending=deque(batches), exhausted=True)


def single_column(column: str, values: list[str]) -> streaming.Result:
    """A one-column text result the server makes itself (SHOW, EXPLAIN)."""
    return _result(pa.table([pa.array(values, pa.string())], names=[column]))


async def _rows(conn: Connection, session: Session, sql: str,
                params: list[object]) -> pa.Table:
    await conn._park_streams()
    return await conn._engine_call(
        lambda: session.cursor.execute(sql, params).to_arrow_table())


def _names(session: Session, cmd: show.ShowCatalog) -> tuple[str, ...]:
    """The FROM names with the database put first when it was left out."""
    keys = len(LISTINGS[cmd.kind].keys)
    names = cmd.names
    if keys and len(names) < keys:
        names = (session.database, *names)
    return names


async def _exists(conn: Connection, session: Session, ctx: Context, kind: str,
                  names: tuple[str, ...]) -> bool:
    """Whether the listing ``kind`` has the object ``names`` (its keys, then its name)."""
    sql = listing_sql(LISTINGS[kind], ctx, len(names) - 1, like=True, limit=1)
    # The last name matched exactly: a LIKE pattern with its metacharacters escaped.
    pattern = names[-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (await _rows(conn, session, sql, [*names[:-1], pattern])).num_rows > 0


def _visible(conn: Connection, session: Session, database: str, kind: str,
             table: pa.Table) -> pa.Table:
    """The rows of ``table`` the session user may see (all, for a superuser or in a consumer
    database, whose share decides what shows)."""
    spec = _VISIBLE_BY.get(kind)
    authorizer = conn.server.authorizer
    if spec is None or session.user.superuser or authorizer.shares.consumer_database(
            session.namespace.guid, database) is not None:
        return table
    ns = session.namespace.guid
    who = authorizer.principal(ns, session.user.name)
    owner = authorizer.default_owner(ns)
    security = authorizer.security
    schema_col, table_col = spec
    schemas = table.column(schema_col).to_pylist()
    tables = table.column(table_col).to_pylist() if table_col else [None] * len(schemas)
    keep = []
    for schema, name in zip(schemas, tables, strict=True):
        seen = access.has_privilege(
            security, who, ObjectKey("schema", database, schema), "USAGE", owner)
        if name is not None and kind == "procedures":
            # Redshift: the owner, or USAGE on the schema and EXECUTE on the procedure.
            key = ObjectKey("procedure", database, schema, name)
            seen = access.is_owner(security, who, key, owner) or (seen and access.has_privilege(
                security, who, key, "EXECUTE", owner))
        elif seen and name is not None:
            key = ObjectKey("table", database, schema, name)
            seen = access.has_privilege(security, who, key, "SELECT", owner) or bool(
                access.column_privileges(security, who, key, "SELECT"))
        keep.append(seen)
    return table.filter(pa.array(keep, pa.bool_()))


async def show_catalog(conn: Connection, session: Session, cmd: show.ShowCatalog,
                       _: list[object]) -> Outcome:
    """SHOW DATABASES / SCHEMAS / TABLES / COLUMNS / CONSTRAINTS / PROCEDURES / FUNCTIONS."""
    listing = LISTINGS[cmd.kind]
    names = _names(session, cmd)
    ctx = session.context
    database = session.database
    if names:
        database = names[0]
        if database not in session.aliases:
            raise err.InvalidCatalogName(f'database "{database}" does not exist')
        ctx = dataclasses.replace(ctx, database=database)
    if cmd.kind in _IN_SCHEMA and not await _exists(conn, session, ctx, "schemas", names):
        raise err.InvalidSchemaName(f'schema "{names[1]}" does not exist')
    if cmd.kind in _OF_TABLE and not await _exists(conn, session, ctx, "tables", names):
        raise err.UndefinedTable(f'relation "{names[1]}.{names[2]}" does not exist')
    # One row more than Redshift returns tells whether there were too many.
    limit = cmd.limit if cmd.limit is not None else show.MAX_ROWS + 1
    sql = listing_sql(listing, ctx, len(names), cmd.like is not None, limit)
    params: list[object] = [*names, *([cmd.like] if cmd.like is not None else [])]
    table = await _rows(conn, session, sql, params)
    if table.num_rows > show.MAX_ROWS:
        raise err.ProgramLimitExceeded(
            f"SHOW {cmd.kind.upper().replace('_', ' ')} would return more than "
            f"{show.MAX_ROWS} rows: narrow it with LIKE, or use LIMIT")
    table = _visible(conn, session, database, cmd.kind, table).cast(_schema(cmd.kind))
    return Outcome("SHOW", result=_result(table))


async def show_view(conn: Connection, session: Session, cmd: show.ShowView,
                    _: list[object]) -> Outcome:
    """SHOW VIEW [schema.]name: the view's query."""
    qualified = cmd.schema is not None
    params: list[object] = [cmd.name, *([cmd.schema] if qualified else [])]
    rows = (await _rows(conn, session, view_sql(session.context, qualified), params)).to_pylist()
    shown = f"{cmd.schema}.{cmd.name}" if qualified else cmd.name
    if not rows:
        raise err.UndefinedTable(f'relation "{shown}" does not exist')
    if rows[0]["relkind"] != "v":
        raise err.WrongObjectType(f'"{shown}" is not a view')
    table = pa.table([pa.array([rows[0]["definition"]], pa.string())], schema=_VIEW_SCHEMA)
    return Outcome("SHOW", result=_result(table))


def _column_ddl(column: dict[str, object]) -> str:
    """One column of SHOW TABLE's CREATE TABLE."""
    words = [str(column["attname"]), str(column["type"])]
    if column["notnull"]:
        words.append("NOT NULL")
    if column["identity_seed"] is not None:
        words.append(f"identity({column['identity_seed']},{column['identity_step']})")
    elif column["default_sql"] is not None:
        words.append(f"DEFAULT {column['default_sql']}")
    if column["encoding"] is not None:
        words.append(f"ENCODE {column['encoding']}")
    distkey = column["distkey"]
    if isinstance(distkey, str) and distkey.lower() == str(column["attname"]).lower():
        words.append("distkey")
    return " ".join(words)


def table_ddl(columns: list[dict[str, object]]) -> str:
    """SHOW TABLE's text for a table's columns (rows of ``catalog.views.show.table_sql``), in
    the layout of Redshift's documented example."""
    first = columns[0]
    lines = [_column_ddl(c) for c in columns]
    primary_key = first["primary_key"]
    if isinstance(primary_key, list) and primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(str(k) for k in primary_key)})")
    tail = [f"DISTSTYLE {first['diststyle'] or 'AUTO'}"]
    sortkey = first["sortkey"]
    if first["sortkey_type"] == "AUTO":
        tail.append("SORTKEY AUTO")
    elif isinstance(sortkey, list) and sortkey:
        kind = "INTERLEAVED " if first["sortkey_type"] == "INTERLEAVED" else ""
        tail.append(f"{kind}SORTKEY ( {', '.join(str(k) for k in sortkey)} )")
    head = f"CREATE TABLE {first['nspname']}.{first['relname']} ("
    return "\n".join([head, ",\n".join(lines), ")", " ".join(tail) + ";"])


async def show_table(conn: Connection, session: Session, cmd: show.ShowTable,
                     _: list[object]) -> Outcome:
    """SHOW TABLE [schema.]name: a CREATE TABLE statement for the table."""
    qualified = cmd.schema is not None
    params: list[object] = [cmd.name, *([cmd.schema] if qualified else [])]
    rows = (await _rows(conn, session, table_sql(session.context, qualified),
                        params if qualified else params * 2)).to_pylist()
    shown = f"{cmd.schema}.{cmd.name}" if qualified else cmd.name
    if not rows:
        view = (await _rows(conn, session, view_sql(session.context, qualified),
                            params)).to_pylist()
        if view:
            raise err.WrongObjectType(f'"{shown}" is not a table')
        raise err.UndefinedTable(f'relation "{shown}" does not exist')
    table = pa.table([pa.array([table_ddl(rows)], pa.string())], schema=_TABLE_SCHEMA)
    return Outcome("SHOW", result=_result(table))


async def show_parameters(conn: Connection, session: Session, cmd: show.ShowParameters,
                          _: list[object]) -> Outcome:
    """SHOW PARAMETERS OF PROCEDURE|FUNCTION: not built (0A000) for a stored procedure that
    exists; any other routine named does not exist here."""
    parts = cmd.name.split(".")
    here = len(parts) < 3 or (len(parts) == 3 and parts[0] == session.database)
    if cmd.kind == "procedure" and here:
        schemas = [parts[-2]] if len(parts) > 1 else conn.server.authorizer.search_path(session)
        if any(conn._overloads(session, s, parts[-1]) for s in schemas):
            raise err.FeatureNotSupported(
                "feature not supported on Duckshift: SHOW PARAMETERS OF PROCEDURE")
    raise err.UndefinedFunction(f"{cmd.kind} {cmd.name} does not exist")


HANDLERS = {
    show.ShowCatalog: show_catalog,
    show.ShowView: show_view,
    show.ShowTable: show_table,
    show.ShowParameters: show_parameters,
}
