"""Redshift's SHOW commands as rows of the catalog: DATABASES, SCHEMAS, TABLES, COLUMNS,
CONSTRAINTS, PROCEDURES, FUNCTIONS and VIEW.

Each listing is a ``Listing``: its output columns (Redshift's names; DuckDB types), the SQL of
its rows for a session, the columns a SHOW names by its FROM clause (database, schema, table),
the column its LIKE pattern matches, and its order. The rows come from the same SQL as the
catalog views, so they show what pg_class and svv_all_* show: the namespace's databases, a
consumer database's shared objects only, stable OIDs. The session's current database is the
one the SHOW names (the caller builds the session for it); SHOW DATABASES lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog.table_attributes import COLUMN_ATTRIBUTES, TABLE_ATTRIBUTES
from catalog.views.base import Session, lit
from catalog.views.functions import show_functions_sql, show_procedures_sql
from catalog.views.information_schema import column_facts_sql
from catalog.views.pg_class import relations_sql
from catalog.views.pg_constraint import constraints_sql
from catalog.views.redshift import (
    svv_all_schemas,
    svv_redshift_databases,
    svv_redshift_tables,
    svv_table_info,
)
from catalog.views.scope import attribute_rows_sql

_V, _I = "VARCHAR", "INTEGER"


@dataclass(frozen=True, slots=True)
class Listing:
    """What one SHOW lists: ``rows(session)`` is SQL whose columns include ``columns`` and the
    ``keys`` a SHOW's FROM clause names (database, schema, table, in that order)."""

    columns: tuple[tuple[str, str], ...]
    rows: Callable[[Session], str]
    keys: tuple[str, ...]
    like: str  # the column LIKE 'pattern' matches
    order: str


def _databases(session: Session) -> str:
    return (
        "SELECT database_name, database_owner, database_type, database_acl, "
        "database_options AS parameters, database_isolation_level "
        f"FROM ({svv_redshift_databases(session)})"
    )


def _tables(session: Session) -> str:
    return (
        "SELECT r.database_name, r.schema_name, r.table_name, r.table_type, r.table_acl, "
        "r.remarks, r.table_owner AS owner, NULL AS last_altered_time, "
        "NULL AS last_modified_time, i.diststyle AS dist_style, NULL AS table_subtype "
        f"FROM ({svv_redshift_tables(session)}) r "
        f"LEFT JOIN ({svv_table_info(session)}) i "
        "ON i.schema = r.schema_name AND i.\"table\" = r.table_name "
        f"WHERE r.database_name = {lit(session.database)}"
    )


def _columns(session: Session) -> str:
    return (
        "SELECT datname AS database_name, nspname AS schema_name, relname AS table_name, "
        "attname AS column_name, attnum AS ordinal_position, default_sql AS column_default, "
        "CASE WHEN attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable, data_type, "
        "character_maximum_length, numeric_precision, numeric_scale, NULL AS remarks, "
        "NULL AS sort_key_type, 0 AS sort_key, 0 AS dist_key, 'none' AS encoding, "
        "NULL AS \"collation\" "
        f"FROM ({column_facts_sql(session)})"
    )


def _primary_keys(session: Session) -> str:
    return (
        f"SELECT {lit(session.database)} AS database_name, nspname AS schema_name, "
        "relname AS table_name, column_names[i] AS column_name, i AS key_seq, conname AS pk_name "
        "FROM (SELECT *, unnest(range(1, len(column_names) + 1)) AS i "
        f"FROM ({constraints_sql(session)}) WHERE contype = 'p')"
    )


def _foreign_keys(session: Session) -> str:
    db = lit(session.database)
    keys = constraints_sql(session)
    # A foreign key refers to a primary key or unique constraint of the same schema
    # (DuckDB refuses foreign keys across schemas).
    return (
        f"SELECT {db} AS pk_database_name, f.nspname AS pk_schema_name, "
        f"f.referenced_table AS pk_table_name, f.referenced_column_names[f.i] AS pk_column_name, "
        f"{db} AS fk_database_name, f.nspname AS fk_schema_name, f.relname AS fk_table_name, "
        "f.column_names[f.i] AS fk_column_name, f.i AS key_seq, 'NO ACTION' AS update_rule, "
        "'NO ACTION' AS delete_rule, f.conname AS fk_name, u.conname AS pk_name, "
        "'NOT DEFERRABLE' AS deferrability "
        f"FROM (SELECT *, unnest(range(1, len(column_names) + 1)) AS i FROM ({keys}) "
        f"WHERE contype = 'f') f LEFT JOIN ({keys}) u ON u.contype IN ('p', 'u') "
        "AND u.nspname = f.nspname AND u.relname = f.referenced_table "
        "AND list_sort(u.column_names) = list_sort(f.referenced_column_names)"
    )


_FK_COLUMNS = (
    ("pk_database_name", _V), ("pk_schema_name", _V), ("pk_table_name", _V),
    ("pk_column_name", _V), ("fk_database_name", _V), ("fk_schema_name", _V),
    ("fk_table_name", _V), ("fk_column_name", _V), ("key_seq", _I), ("update_rule", _V),
    ("delete_rule", _V), ("fk_name", _V), ("pk_name", _V), ("deferrability", _V),
)
_ROUTINE_COLUMNS = (("database_name", _V), ("schema_name", _V))

LISTINGS: dict[str, Listing] = {
    "databases": Listing(
        (("database_name", _V), ("database_owner", _I), ("database_type", _V),
         ("database_acl", _V), ("parameters", _V), ("database_isolation_level", _V)),
        _databases, (), "database_name", "database_name"),
    "schemas": Listing(
        (("database_name", _V), ("schema_name", _V), ("schema_owner", _I),
         ("schema_type", _V), ("schema_acl", _V), ("source_database", _V),
         ("schema_option", _V)),
        svv_all_schemas, ("database_name",), "schema_name", "schema_name"),
    "tables": Listing(
        (("database_name", _V), ("schema_name", _V), ("table_name", _V), ("table_type", _V),
         ("table_acl", _V), ("remarks", _V), ("owner", _V), ("last_altered_time", "TIMESTAMP"),
         ("last_modified_time", "TIMESTAMP"), ("dist_style", _V), ("table_subtype", _V)),
        _tables, ("database_name", "schema_name"), "table_name", "table_name"),
    "columns": Listing(
        (("database_name", _V), ("schema_name", _V), ("table_name", _V), ("column_name", _V),
         ("ordinal_position", _I), ("column_default", _V), ("is_nullable", _V),
         ("data_type", _V), ("character_maximum_length", _I), ("numeric_precision", _I),
         ("numeric_scale", _I), ("remarks", _V), ("sort_key_type", _V), ("sort_key", _I),
         ("dist_key", _I), ("encoding", _V), ("collation", _V)),
        _columns, ("database_name", "schema_name", "table_name"), "column_name",
        "ordinal_position"),
    "primary_keys": Listing(
        (("database_name", _V), ("schema_name", _V), ("table_name", _V), ("column_name", _V),
         ("key_seq", _I), ("pk_name", _V)),
        _primary_keys, ("database_name", "schema_name", "table_name"), "column_name",
        "key_seq"),
    "foreign_keys": Listing(
        _FK_COLUMNS, _foreign_keys, ("fk_database_name", "fk_schema_name", "fk_table_name"),
        "fk_column_name", "pk_database_name, pk_schema_name, pk_table_name, key_seq"),
    "exported_keys": Listing(
        _FK_COLUMNS, _foreign_keys, ("pk_database_name", "pk_schema_name", "pk_table_name"),
        "pk_column_name", "fk_database_name, fk_schema_name, fk_table_name, key_seq"),
    "procedures": Listing(
        (*_ROUTINE_COLUMNS, ("procedure_name", _V), ("return_type", _V),
         ("argument_list", _V)),
        show_procedures_sql, ("database_name", "schema_name"), "procedure_name",
        "procedure_name"),
    "functions": Listing(
        (*_ROUTINE_COLUMNS, ("function_name", _V), ("return_type", _V),
         ("argument_list", _V)),
        show_functions_sql, ("database_name", "schema_name"), "function_name",
        "function_name"),
}


def listing_sql(listing: Listing, session: Session, keys: int, like: bool,
                limit: int | None) -> str:
    """The SQL of a SHOW: the listing's rows for ``session`` whose first ``keys`` key columns
    equal parameters $1.., whose LIKE column matches the next parameter (``like``), in order,
    at most ``limit`` rows. Parameters are positional ``?``."""
    select = ", ".join(f'CAST("{name}" AS {typ}) AS "{name}"' for name, typ in listing.columns)
    where = [f"{column} = ?" for column in listing.keys[:keys]]
    if like:
        where.append(f"{listing.like} LIKE ? ESCAPE '\\'")
    sql = f"SELECT {select} FROM ({listing.rows(session)})"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {listing.order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


VIEW_DDL_COLUMN = "Show View DDL statement"
TABLE_DDL_COLUMN = "Show Table DDL statement"


def view_sql(session: Session, qualified: bool) -> str:
    """SHOW VIEW: (nspname, relkind, definition) of the relations named ? (in the schema named
    by a second ?, when ``qualified``), the first on the search path first."""
    schema = "nspname = ?" if qualified else "list_contains(current_schemas(false), nspname)"
    return (
        "SELECT nspname, relkind, trim(definition) AS definition "
        f"FROM ({relations_sql(session)}) WHERE relname = ? AND relkind IN ('r', 'v') "
        f"AND {schema} ORDER BY list_position(current_schemas(false), nspname) LIMIT 1"
    )


def table_sql(session: Session, qualified: bool) -> str:
    """SHOW TABLE: one row per column of the table named ? (in the schema named by a second
    ?, when ``qualified``; else the first on the search path, the name given twice), in
    order, with what its DDL
    shows: (nspname, relname, attname, type, notnull, default_sql, encoding, identity_seed,
    identity_step, diststyle, distkey, sortkey_type, sortkey, primary_key)."""
    schema = "c.nspname = ?" if qualified else "list_contains(current_schemas(false), c.nspname)"
    first = "list_position(current_schemas(false), c.nspname)"
    # Unqualified: the table of the schema first on the search path (the second pair of ?).
    closest = "true" if qualified else (
        f"{first} = (SELECT min({first}) FROM ({relations_sql(session)}) c "
        f"WHERE c.relname = ? AND c.relkind = 'r' AND {schema})")

    def attributes(table: str, alias: str) -> str:
        return (f"LEFT JOIN ({attribute_rows_sql(session, table)}) {alias} "
                f"ON lower({alias}.schema_name) = lower(c.nspname) "
                f"AND lower({alias}.table_name) = lower(c.relname)")

    return (
        "SELECT c.nspname, c.relname, c.attname, c.formatted_type AS type, c.attnotnull "
        "AS notnull, c.default_sql, a.encoding, a.identity_seed, a.identity_step, "
        "t.diststyle, t.distkey, t.sortkey_type, t.sortkey, k.column_names AS primary_key "
        f"FROM ({column_facts_sql(session)}) c "
        f"JOIN ({relations_sql(session)}) r ON r.oid = c.attrelid AND r.relkind = 'r' "
        f"{attributes(TABLE_ATTRIBUTES, 't')} "
        f"{attributes(COLUMN_ATTRIBUTES, 'a')} AND lower(a.column_name) = lower(c.attname) "
        f"LEFT JOIN ({constraints_sql(session)}) k ON k.conrelid = c.attrelid "
        "AND k.contype = 'p' "
        f"WHERE c.relname = ? AND {schema} AND {closest} ORDER BY c.attnum"
    )
