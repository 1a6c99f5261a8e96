"""information_schema's constraint views, from the same constraints as pg_constraint.

table_constraints, key_column_usage, referential_constraints, check_constraints,
constraint_column_usage and constraint_table_usage show the current database's PRIMARY KEY,
UNIQUE, FOREIGN KEY and CHECK constraints with PostgreSQL's columns. DuckDB has views of the
same names over every attached database; these replace them, so that a session never sees
another database's or namespace's constraints. A foreign key's unique constraint is the
referenced table's PRIMARY KEY or UNIQUE constraint over the same columns.
"""

from __future__ import annotations

from catalog.views.base import Session, View, lit
from catalog.views.pg_constraint import constraints_sql

_TYPE = (
    "CASE contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' "
    "WHEN 'f' THEN 'FOREIGN KEY' ELSE 'CHECK' END"
)


def _catalog(session: Session) -> str:
    return lit(session.database)


def table_constraints(session: Session) -> str:
    """information_schema.table_constraints."""
    db = _catalog(session)
    return (
        f"SELECT {db} AS constraint_catalog, nspname AS constraint_schema, "
        f"conname AS constraint_name, {db} AS table_catalog, nspname AS table_schema, "
        f"relname AS table_name, {_TYPE} AS constraint_type, 'NO' AS is_deferrable, "
        "'NO' AS initially_deferred, 'YES' AS enforced, "
        "CASE WHEN contype IN ('p', 'u') THEN 'YES' END AS nulls_distinct "
        f"FROM ({constraints_sql(session)})"
    )


def key_column_usage(session: Session) -> str:
    """information_schema.key_column_usage: the columns of key constraints, in key order."""
    db = _catalog(session)
    return (
        f"SELECT {db} AS constraint_catalog, nspname AS constraint_schema, "
        f"conname AS constraint_name, {db} AS table_catalog, nspname AS table_schema, "
        "relname AS table_name, column_names[i] AS column_name, "
        "CAST(i AS INTEGER) AS ordinal_position, "
        "CAST(CASE WHEN contype = 'f' THEN i END AS INTEGER) AS position_in_unique_constraint "
        f"FROM ({constraints_sql(session)}), "
        "LATERAL (SELECT unnest(range(1, len(column_names) + 1)) AS i) "
        "WHERE contype IN ('p', 'u', 'f')"
    )


def referential_constraints(session: Session) -> str:
    """information_schema.referential_constraints: each foreign key and the key it refers to."""
    db = _catalog(session)
    keys = constraints_sql(session)
    return (
        f"SELECT {db} AS constraint_catalog, f.nspname AS constraint_schema, "
        f"f.conname AS constraint_name, {db} AS unique_constraint_catalog, "
        "f.nspname AS unique_constraint_schema, u.conname AS unique_constraint_name, "
        "'NONE' AS match_option, 'NO ACTION' AS update_rule, 'NO ACTION' AS delete_rule "
        f"FROM ({keys}) f LEFT JOIN ({keys}) u ON u.contype IN ('p', 'u') "
        "AND u.nspname = f.nspname AND u.relname = f.referenced_table "
        "AND list_sort(u.column_names) = list_sort(f.referenced_column_names) "
        "WHERE f.contype = 'f'"
    )


def check_constraints(session: Session) -> str:
    """information_schema.check_constraints: CHECK constraints and their expressions."""
    db = _catalog(session)
    return (
        f"SELECT {db} AS constraint_catalog, nspname AS constraint_schema, "
        "conname AS constraint_name, expression AS check_clause "
        f"FROM ({constraints_sql(session)}) WHERE contype = 'c'"
    )


def constraint_column_usage(session: Session) -> str:
    """information_schema.constraint_column_usage: the columns each constraint uses (a
    foreign key uses the referenced columns)."""
    db = _catalog(session)
    return (
        f"SELECT {db} AS table_catalog, nspname AS table_schema, "
        "CASE WHEN contype = 'f' THEN referenced_table ELSE relname END AS table_name, "
        "unnest(CASE WHEN contype = 'f' THEN referenced_column_names ELSE column_names END) "
        f"AS column_name, {db} AS constraint_catalog, nspname AS constraint_schema, "
        f"conname AS constraint_name FROM ({constraints_sql(session)})"
    )


def constraint_table_usage(session: Session) -> str:
    """information_schema.constraint_table_usage: the table each constraint uses (a foreign
    key uses the referenced table)."""
    db = _catalog(session)
    return (
        f"SELECT {db} AS table_catalog, nspname AS table_schema, "
        "CASE WHEN contype = 'f' THEN referenced_table ELSE relname END AS table_name, "
        f"{db} AS constraint_catalog, nspname AS constraint_schema, "
        f"conname AS constraint_name FROM ({constraints_sql(session)})"
    )


VIEWS = (
    View("information_schema", "table_constraints", table_constraints),
    View("information_schema", "key_column_usage", key_column_usage),
    View("information_schema", "referential_constraints", referential_constraints),
    View("information_schema", "check_constraints", check_constraints),
    View("information_schema", "constraint_column_usage", constraint_column_usage),
    View("information_schema", "constraint_table_usage", constraint_table_usage),
)
