"""information_schema.schemata, tables, columns, views and character_sets, with PostgreSQL's
type names.

``data_type`` is what PostgreSQL prints (``integer``, ``character varying``, ``numeric``,
``timestamp without time zone``, ``ARRAY``), with the lengths and precisions in their own
columns, because dbt and Metabase read them. ``column_facts_sql`` is shared with Redshift's
svv_columns and pg_table_def.
"""

from __future__ import annotations

from catalog.table_attributes import LATE_BINDING_VIEWS
from catalog.views.base import Session, View, lit
from catalog.views.pg_attribute import columns_sql
from catalog.views.pg_class import relations_sql, views_sql
from catalog.views.pg_namespace import schemas_sql
from catalog.views.pg_type import pg_type, type_name_sql
from catalog.views.scope import attribute_rows_sql


def column_facts_sql(session: Session, everywhere: bool = False) -> str:
    """The columns of the databases in scope (see ``scope``) with information_schema's facts
    about their types."""
    typmod = "c.atttypmod"
    numeric_precision = (
        "CASE c.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 "
        f"WHEN 701 THEN 53 WHEN 1700 THEN CASE WHEN {typmod} >= 4 "
        f"THEN ({typmod} - 4) >> 16 END END"
    )
    return (
        "SELECT c.datname, c.attrelid, c.nspname, c.relname, c.attname, c.attnum, c.atttypid, "
        "c.atttypmod, c.attnotnull, c.default_sql, "
        f"{type_name_sql('c.atttypid', typmod)} AS formatted_type, "
        "CASE WHEN t.typcategory = 'A' THEN 'ARRAY' "
        f"ELSE {type_name_sql('c.atttypid', '-1')} END AS data_type, t.typname AS udt_name, "
        f"CASE WHEN c.atttypid IN (1042, 1043) AND {typmod} >= 5 THEN {typmod} - 4 END "
        "AS character_maximum_length, "
        f"CAST({numeric_precision} AS INTEGER) AS numeric_precision, "
        "CASE WHEN c.atttypid IN (21, 23, 20, 700, 701) THEN 2 "
        "WHEN c.atttypid = 1700 THEN 10 END AS numeric_precision_radix, "
        "CASE WHEN c.atttypid IN (21, 23, 20) THEN 0 "
        f"WHEN c.atttypid = 1700 AND {typmod} >= 4 THEN ({typmod} - 4) & 65535 END "
        "AS numeric_scale, "
        "CASE WHEN c.atttypid = 1082 THEN 0 WHEN c.atttypid IN (1083, 1114, 1184, 1186, 1266) "
        "THEN 6 END AS datetime_precision "
        f"FROM ({columns_sql(session, everywhere)}) c "
        f"LEFT JOIN ({pg_type(session)}) t ON t.oid = c.atttypid"
    )


def schemata(session: Session) -> str:
    """information_schema.schemata: the current database's schemas and their owners."""
    return (
        f"SELECT {lit(session.database)} AS catalog_name, nspname AS schema_name, "
        "owner AS schema_owner, "
        "CAST(NULL AS VARCHAR) AS default_character_set_catalog, "
        "CAST(NULL AS VARCHAR) AS default_character_set_schema, "
        "CAST(NULL AS VARCHAR) AS default_character_set_name, CAST(NULL AS VARCHAR) AS sql_path "
        f"FROM ({schemas_sql(session)})"
    )


def table_rows_sql(session: Session, extra_columns: str) -> str:
    """The current database's tables and views, named as information_schema names them,
    followed by ``extra_columns`` (information_schema.tables and svv_tables differ there)."""
    return (
        f"SELECT {lit(session.database)} AS table_catalog, nspname AS table_schema, "
        "relname AS table_name, "
        "CASE relkind WHEN 'v' THEN 'VIEW' ELSE 'BASE TABLE' END AS table_type, "
        f"{extra_columns} "
        f"FROM ({relations_sql(session)}) WHERE relkind IN ('r', 'v')"
    )


def tables(session: Session) -> str:
    """information_schema.tables: the current database's tables and views."""
    return table_rows_sql(
        session,
        "CAST(NULL AS VARCHAR) AS self_referencing_column_name, "
        "CAST(NULL AS VARCHAR) AS reference_generation, "
        "CAST(NULL AS VARCHAR) AS user_defined_type_catalog, "
        "CAST(NULL AS VARCHAR) AS user_defined_type_schema, "
        "CAST(NULL AS VARCHAR) AS user_defined_type_name, "
        "CASE relkind WHEN 'v' THEN 'NO' ELSE 'YES' END AS is_insertable_into, "
        "'NO' AS is_typed, CAST(NULL AS VARCHAR) AS commit_action",
    )


def columns(session: Session) -> str:
    """information_schema.columns: the current database's columns, but those of late-binding
    views, which Redshift lists only in pg_get_late_binding_view_cols() and svv_columns."""
    null = "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT {lit(session.database)} AS table_catalog, nspname AS table_schema, "
        "relname AS table_name, attname AS column_name, "
        "CAST(attnum AS INTEGER) AS ordinal_position, default_sql AS column_default, "
        "CASE WHEN attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable, data_type, "
        "character_maximum_length, "
        "CASE WHEN character_maximum_length IS NOT NULL THEN character_maximum_length * 4 "
        "WHEN atttypid IN (25, 1042, 1043) THEN 1073741824 END AS character_octet_length, "
        "numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, "
        f"{null} AS interval_type, CAST(NULL AS INTEGER) AS interval_precision, "
        f"{null} AS character_set_catalog, {null} AS character_set_schema, "
        f"{null} AS character_set_name, {null} AS collation_catalog, {null} AS collation_schema, "
        f"{null} AS collation_name, {null} AS domain_catalog, {null} AS domain_schema, "
        f"{null} AS domain_name, {lit(session.database)} AS udt_catalog, "
        "'pg_catalog' AS udt_schema, udt_name, "
        f"{null} AS scope_catalog, {null} AS scope_schema, {null} AS scope_name, "
        "CAST(NULL AS INTEGER) AS maximum_cardinality, CAST(attnum AS VARCHAR) AS dtd_identifier, "
        f"'NO' AS is_self_referencing, 'NO' AS is_identity, {null} AS identity_generation, "
        f"{null} AS identity_start, {null} AS identity_increment, {null} AS identity_maximum, "
        f"{null} AS identity_minimum, {null} AS identity_cycle, 'NEVER' AS is_generated, "
        f"{null} AS generation_expression, 'YES' AS is_updatable "
        f"FROM ({column_facts_sql(session)}) c WHERE NOT EXISTS (SELECT 1 FROM "
        f"({attribute_rows_sql(session, LATE_BINDING_VIEWS)}) v "
        "WHERE v.schema_name = c.nspname AND v.view_name = c.relname)"
    )


def views(session: Session) -> str:
    """information_schema.views: the current database's views and their query text."""
    return (
        f"SELECT {lit(session.database)} AS table_catalog, nspname AS table_schema, "
        "relname AS table_name, definition AS view_definition, 'NONE' AS check_option, "
        "'NO' AS is_updatable, 'NO' AS is_insertable_into, 'NO' AS is_trigger_updatable, "
        "'NO' AS is_trigger_deletable, 'NO' AS is_trigger_insertable_into "
        f"FROM ({views_sql(session)})"
    )


def character_sets(session: Session) -> str:
    """information_schema.character_sets: the one encoding, UTF8."""
    return (
        "SELECT CAST(NULL AS VARCHAR) AS character_set_catalog, "
        "CAST(NULL AS VARCHAR) AS character_set_schema, 'UTF8' AS character_set_name, "
        "'UCS' AS character_repertoire, 'UTF8' AS form_of_use, "
        f"{lit(session.database)} AS default_collate_catalog, "
        "'pg_catalog' AS default_collate_schema, 'C' AS default_collate_name"
    )


VIEWS = (
    View("information_schema", "schemata", schemata),
    View("information_schema", "tables", tables),
    View("information_schema", "columns", columns),
    View("information_schema", "views", views),
    View("information_schema", "character_sets", character_sets),
)
