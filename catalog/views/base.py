"""What every catalog view is built from: the session facts it reads, stable OIDs, quoting.

A view is a name plus a function from the session's facts to DuckDB SQL that produces its
rows. The SQL reads DuckDB's own metadata (``duckdb_tables()`` and friends) through
``catalog.views.scope``, which keeps it to the databases the view lists (the current one, or
the namespace's) and, in a consumer database, to what its datashare shows, so other databases
and other namespaces never show; it names databases by their Redshift names, never by their
internal aliases.

OIDs are functions of names, so they are the same after a restart and in every view:
PostgreSQL's fixed OIDs for its catalogs, pg_catalog (11) and public (2200), and for
everything else an MD5 of the dotted name folded into PostgreSQL's user range (>= 16384).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol


class Session(Protocol):
    """The session facts a view reads (``proxy.sql.context.Context`` provides them)."""

    @property
    def namespace(self) -> str:
        """The session's namespace GUID."""

    @property
    def database(self) -> str:
        """The current database, by its Redshift name."""

    @property
    def user(self) -> str:
        """The session user."""

    @property
    def databases(self) -> Mapping[str, str]:
        """The namespace's databases: Redshift name -> internal alias."""

    @property
    def superuser(self) -> bool:
        """Whether the session user is a superuser (it sees every row of the SVV views)."""

    @property
    def account(self) -> str:
        """The account id of the session's namespace (datashares are granted to accounts)."""

    @property
    def accounts(self) -> Mapping[str, str]:
        """Every served namespace's account id, by namespace GUID."""

    @property
    def time_zone(self) -> str:
        """The session's TimeZone, as SHOW prints it."""

    @property
    def char_columns(self) -> Mapping[tuple[str, str, str], Mapping[str, int]]:
        """The CHAR(n) columns of tables and views, ``{(alias, schema, relation): {column:
        n}}`` (a view's have no CHECK to read them from)."""


@dataclass(frozen=True, slots=True)
class View:
    """A virtual relation: ``schema.name`` and the DuckDB SQL of its rows for a session."""

    schema: str  # pg_catalog or information_schema
    name: str
    sql: Callable[[Session], str]


@dataclass(frozen=True, slots=True)
class TableFunction:
    """A set-returning catalog function called in FROM (``FROM current_database()``).

    Its rows come from ``sql`` like a view's; a column definition list or a table alias with
    column names renames the columns in order, as PostgreSQL does.
    """

    name: str
    sql: Callable[[Session], str]


PG_CATALOG_OID = 11
PUBLIC_OID = 2200
INFORMATION_SCHEMA_OID = 13_000  # initdb gives it an OID near here; no client hard-codes it
BOOTSTRAP_SUPERUSER_OID = 10  # owner of the built-in types and functions
HEAP_AM_OID = 2
BTREE_AM_OID = 403
USER_OID_MIN = 16_384
_OID_SPAN = 2**31 - USER_OID_MIN  # below 2**31: some clients read OIDs as signed int4

# PostgreSQL's fixed OIDs of its system catalogs (pg_class.dat); classoid columns use them.
CATALOG_OIDS: dict[str, int] = {
    "pg_type": 1247,
    "pg_attribute": 1249,
    "pg_proc": 1255,
    "pg_class": 1259,
    "pg_authid": 1260,
    "pg_database": 1262,
    "pg_attrdef": 2604,
    "pg_constraint": 2606,
    "pg_description": 2609,
    "pg_index": 2610,
    "pg_am": 2601,
    "pg_namespace": 2615,
}

# DuckDB keeps its own, unused, schema in every database; Redshift's default is public.
HIDDEN_SCHEMAS = ("main", "pg_catalog", "information_schema")


def lit(value: str) -> str:
    """A DuckDB string literal.

    >>> lit("it's")
    "'it''s'"
    """
    return "'" + value.replace("'", "''") + "'"


def oid_sql(*parts: str) -> str:
    """SQL for the stable OID of an object named by ``parts`` (SQL expressions).

    UINTEGER, PostgreSQL's oid (an unsigned 32-bit integer), is what RowDescription shows as
    oid.

    >>> oid_sql("'dev'", "schema_name")
    "(md5_number(concat_ws('.', 'dev', schema_name)) % 2147467264 + 16384)::UINTEGER"
    """
    name = f"concat_ws('.', {', '.join(parts)})"
    return f"(md5_number({name}) % {_OID_SPAN} + {USER_OID_MIN})::UINTEGER"


def schema_oid_sql(database: str, schema: str) -> str:
    """SQL for the OID of a schema of a database (both SQL expressions, the database by its
    Redshift name)."""
    return (
        f"CASE {schema} WHEN 'public' THEN {PUBLIC_OID} WHEN 'pg_catalog' THEN {PG_CATALOG_OID} "
        f"WHEN 'information_schema' THEN {INFORMATION_SCHEMA_OID} "
        f"ELSE {oid_sql(database, schema)} END"
    )


def relation_oid_sql(database: str, schema: str, relation: str) -> str:
    """SQL for the OID of a relation (database by its Redshift name, schema, name: SQL
    expressions)."""
    return oid_sql(database, schema, relation)


def user_oid_expr(name: str) -> str:
    """SQL for the OID of the user or role named by the SQL expression ``name``.

    Users and roles share one name space, so one hash numbers both: pg_user.usesysid,
    pg_roles.oid, relowner and pg_auth_members agree without a lookup table.

    >>> user_oid_expr("u.name")
    "(md5_number(concat_ws('.', 'role', u.name)) % 2147467264 + 16384)::UINTEGER"
    """
    return oid_sql("'role'", name)


def user_oid(name: str) -> int:
    """The OID ``user_oid_expr`` gives the user or role ``name``, computed here (DuckDB's
    md5_number is the MD5 digest read as a little-endian integer).

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {user_oid_expr(lit('admin'))}").fetchone()[0] == user_oid("admin")
    True
    """
    digest = hashlib.md5(f"role.{name}".encode()).digest()
    return int.from_bytes(digest, "little") % _OID_SPAN + USER_OID_MIN


def user_oid_sql(user: str) -> str:
    """SQL for the usesysid of a user (by name, a Python string)."""
    return user_oid_expr(lit(user))


def unalias_sql(session: Session, text: str) -> str:
    """SQL that replaces the namespace's internal database aliases in ``text`` (an SQL expression
    over DuckDB's stored SQL) with the Redshift database names."""
    for name, internal in session.databases.items():
        text = f"replace({text}, {lit(chr(34) + internal + chr(34))}, {lit(name)})"
        text = f"replace({text}, {lit(internal)}, {lit(name)})"
    return text


def values(rows: list[tuple[object, ...]], columns: list[tuple[str, str]]) -> str:
    """A SELECT over a VALUES list, each column cast to its DuckDB type.

    Args:
        rows: Python values (str, int, bool or None).
        columns: (name, DuckDB type) per column.
    Returns:
        The SQL; with no rows, a typed SELECT that returns none.

    >>> values([(1, "a")], [("oid", "BIGINT"), ("name", "VARCHAR")])[-35:]
    "FROM (VALUES (1, 'a')) t(oid, name)"
    """
    select = ", ".join(f"CAST({name} AS {typ}) AS {name}" for name, typ in columns)
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {typ}) AS {name}" for name, typ in columns)
        return f"SELECT {nulls} WHERE false"
    body = ", ".join("(" + ", ".join(_value(v) for v in row) + ")" for row in rows)
    names = ", ".join(name for name, _ in columns)
    return f"SELECT {select} FROM (VALUES {body}) t({names})"


def _value(v: object) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return lit(str(v))
