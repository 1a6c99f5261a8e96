"""Redshift's own catalog views: svv_tables, svv_columns, svv_external_*, pg_table_def.

They live in pg_catalog as in Redshift, so unqualified names reach them. External (Spectrum)
schemas do not exist on Duckshift, but the svv_external_* views are there, empty and with the
right columns, because redshift_connector and the Redshift JDBC driver probe
svv_external_schemas before every get_tables/get_columns. pg_table_def shows, as Redshift
does, only tables whose schema is on the search_path.
"""

from __future__ import annotations

from catalog.views.base import Session, View, lit, values
from catalog.views.information_schema import column_facts_sql
from catalog.views.pg_class import relations_sql


def svv_tables(session: Session) -> str:
    """svv_tables: the current database's tables and views."""
    return (
        f"SELECT {lit(session.database)} AS table_catalog, nspname AS table_schema, "
        "relname AS table_name, "
        "CASE relkind WHEN 'v' THEN 'VIEW' ELSE 'BASE TABLE' END AS table_type, "
        "CAST(NULL AS VARCHAR) AS remarks "
        f"FROM ({relations_sql(session)}) WHERE relkind IN ('r', 'v')"
    )


def svv_columns(session: Session) -> str:
    """svv_columns: the current database's columns with PostgreSQL type names."""
    null = "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT {lit(session.database)} AS table_catalog, nspname AS table_schema, "
        "relname AS table_name, attname AS column_name, "
        "CAST(attnum AS INTEGER) AS ordinal_position, default_sql AS column_default, "
        "CASE WHEN attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable, data_type, "
        "character_maximum_length, numeric_precision, numeric_precision_radix, numeric_scale, "
        f"datetime_precision, {null} AS interval_type, "
        "CAST(NULL AS INTEGER) AS interval_precision, "
        f"{null} AS character_set_catalog, {null} AS character_set_schema, "
        f"{null} AS character_set_name, {null} AS collation_catalog, {null} AS collation_schema, "
        f"{null} AS collation_name, {null} AS domain_name, {null} AS remarks "
        f"FROM ({column_facts_sql(session)})"
    )


def svv_external_schemas(session: Session) -> str:
    """svv_external_schemas: empty (no external schemas)."""
    return values([], [("esoid", "BIGINT"), ("eskind", "SMALLINT"), ("schemaname", "VARCHAR"),
                       ("esowner", "INTEGER"), ("databasename", "VARCHAR"),
                       ("esoptions", "VARCHAR")])


def svv_external_tables(session: Session) -> str:
    """svv_external_tables: empty (no external tables)."""
    return values([], [
        ("redshift_database_name", "VARCHAR"), ("schemaname", "VARCHAR"),
        ("tablename", "VARCHAR"), ("tabletype", "VARCHAR"), ("location", "VARCHAR"),
        ("input_format", "VARCHAR"), ("output_format", "VARCHAR"),
        ("serialization_lib", "VARCHAR"), ("serde_parameters", "VARCHAR"),
        ("compressed", "INTEGER"), ("parameters", "VARCHAR"),
    ])


def svv_external_columns(session: Session) -> str:
    """svv_external_columns: empty (no external tables)."""
    return values([], [
        ("redshift_database_name", "VARCHAR"), ("schemaname", "VARCHAR"),
        ("tablename", "VARCHAR"), ("columnname", "VARCHAR"), ("external_type", "VARCHAR"),
        ("columnnum", "INTEGER"), ("part_key", "INTEGER"), ("is_nullable", "VARCHAR"),
    ])


def pg_table_def(session: Session) -> str:
    """pg_table_def: columns of the tables on the search_path, with Redshift's key columns."""
    return (
        "SELECT c.nspname AS schemaname, c.relname AS tablename, c.attname AS \"column\", "
        "c.formatted_type AS type, 'none' AS encoding, false AS distkey, "
        "CAST(0 AS INTEGER) AS sortkey, c.attnotnull AS notnull "
        f"FROM ({column_facts_sql(session)}) c "
        f"JOIN ({relations_sql(session)}) r ON r.oid = c.attrelid AND r.relkind = 'r' "
        "WHERE list_contains(current_schemas(false), c.nspname) "
        "ORDER BY c.nspname, c.relname, c.attnum"
    )


VIEWS = (
    View("pg_catalog", "svv_tables", svv_tables),
    View("pg_catalog", "svv_columns", svv_columns),
    View("pg_catalog", "svv_external_schemas", svv_external_schemas),
    View("pg_catalog", "svv_external_tables", svv_external_tables),
    View("pg_catalog", "svv_external_columns", svv_external_columns),
    View("pg_catalog", "pg_table_def", pg_table_def),
)
