"""pg_catalog.pg_constraint, pg_index and pg_depend, from DuckDB's constraints.

PRIMARY KEY, UNIQUE, FOREIGN KEY and CHECK constraints are rows of pg_constraint (NOT NULL is
``pg_attribute.attnotnull``, as in PostgreSQL 15). Column lists are PostgreSQL attnums
(1-based); a foreign key's ``confrelid`` and ``confkey`` name the referenced table in the same
schema, which is where DuckDB resolves it. Each PRIMARY KEY and UNIQUE constraint has the index
PostgreSQL would build for it: a pg_class row of kind ``i`` named after the constraint.
"""

from __future__ import annotations

from catalog.views.base import (
    CATALOG_OIDS,
    Session,
    View,
    oid_sql,
    relation_oid_sql,
    schema_oid_sql,
)
from catalog.views.scope import engine_rows_sql

_CONTYPE = (
    "CASE constraint_type WHEN 'PRIMARY KEY' THEN 'p' WHEN 'UNIQUE' THEN 'u' "
    "WHEN 'FOREIGN KEY' THEN 'f' ELSE 'c' END"
)
_KINDS = "('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')"
# The CHECKs translation adds to enforce Redshift's types (byte lengths of CHAR, VARCHAR and
# VARBYTE, CHAR's single-byte characters, TIMETZ's UTC) raise through DuckDB's error(): they
# are how a type behaves, not constraints a user declared, and their text is DuckDB's.
_INTERNAL_CHECK = "(constraint_type = 'CHECK' AND contains(expression, '\"error\"('))"


def constraints_sql(session: Session) -> str:
    """The current database's constraints (see ``scope``): (oid, conname, connamespace,
    contype, conrelid, conindid, confrelid, conkey, confkey, nspname, relname, column_names,
    referenced_table, referenced_column_names, expression)."""
    conkey = "list_transform(constraint_column_indexes, lambda i: CAST(i + 1 AS SMALLINT))"
    confkey = (
        "(SELECT list(CAST(c.column_index AS SMALLINT) "
        "ORDER BY list_position(k.referenced_column_names, c.column_name)) "
        "FROM duckdb_columns() c WHERE c.database_name = k.database_name "
        "AND c.schema_name = k.schema_name AND c.table_name = k.referenced_table "
        "AND list_contains(k.referenced_column_names, c.column_name))"
    )
    return (
        f"SELECT {oid_sql('datname', 'schema_name', 'table_name', 'constraint_name')} "
        f"AS oid, constraint_name AS conname, {schema_oid_sql('datname', 'schema_name')} "
        f"AS connamespace, {_CONTYPE} AS contype, "
        f"{relation_oid_sql('datname', 'schema_name', 'table_name')} AS conrelid, "
        "CASE WHEN constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
        f"THEN {relation_oid_sql('datname', 'schema_name', 'constraint_name')} ELSE 0 END "
        "AS conindid, CASE WHEN constraint_type = 'FOREIGN KEY' "
        f"THEN {relation_oid_sql('datname', 'schema_name', 'referenced_table')} ELSE 0 END "
        f"AS confrelid, {conkey} AS conkey, "
        f"CASE WHEN constraint_type = 'FOREIGN KEY' THEN {confkey} END AS confkey, "
        "schema_name AS nspname, table_name AS relname, constraint_column_names AS column_names, "
        "referenced_table, referenced_column_names, expression "
        f"FROM ({engine_rows_sql(session, 'duckdb_constraints')}) k "
        f"WHERE constraint_type IN {_KINDS} AND NOT {_INTERNAL_CHECK}"
    )


def constraint_definition_sql() -> str:
    """SQL for PostgreSQL's ``pg_get_constraintdef`` text over a constraints_sql() row."""
    columns = "array_to_string(column_names, ', ')"
    return (
        f"CASE contype WHEN 'p' THEN 'PRIMARY KEY (' || {columns} || ')' "
        f"WHEN 'u' THEN 'UNIQUE (' || {columns} || ')' "
        f"WHEN 'f' THEN 'FOREIGN KEY (' || {columns} || ') REFERENCES ' || nspname || '.' "
        "|| referenced_table || '(' || array_to_string(referenced_column_names, ', ') || ')' "
        "ELSE 'CHECK (' || expression || ')' END"
    )


def foreign_key_indexes_sql(session: Session) -> str:
    """(conoid, indexoid): the referenced table's key index each foreign key depends on."""
    keys = constraints_sql(session)
    return (
        f"SELECT f.oid AS conoid, u.conindid AS indexoid FROM ({keys}) f JOIN ({keys}) u "
        "ON u.contype IN ('p', 'u') AND u.nspname = f.nspname "
        "AND u.relname = f.referenced_table "
        "AND list_sort(u.column_names) = list_sort(f.referenced_column_names) "
        "WHERE f.contype = 'f'"
    )


def pg_depend(session: Session) -> str:
    """pg_catalog.pg_depend: each foreign key's dependency on the key index it references
    (pgjdbc's getImportedKeys for old servers joins it)."""
    return (
        f"SELECT CAST({CATALOG_OIDS['pg_constraint']} AS BIGINT) AS classid, conoid AS objid, "
        f"0 AS objsubid, CAST({CATALOG_OIDS['pg_class']} AS BIGINT) AS refclassid, "
        "indexoid AS refobjid, 0 AS refobjsubid, 'n' AS deptype "
        f"FROM ({foreign_key_indexes_sql(session)})"
    )


def pg_constraint(session: Session) -> str:
    """pg_catalog.pg_constraint (PostgreSQL 15 columns plus Redshift's consrc); a foreign
    key's conindid is the referenced key's index, as in PostgreSQL."""
    return (
        "SELECT oid, conname, connamespace, contype, false AS condeferrable, "
        "false AS condeferred, true AS convalidated, conrelid, CAST(0 AS BIGINT) AS contypid, "
        "coalesce(fk.indexoid, conindid) AS conindid, CAST(0 AS BIGINT) AS conparentid, "
        "confrelid, "
        "CASE contype WHEN 'f' THEN 'a' ELSE ' ' END AS confupdtype, "
        "CASE contype WHEN 'f' THEN 'a' ELSE ' ' END AS confdeltype, "
        "CASE contype WHEN 'f' THEN 's' ELSE ' ' END AS confmatchtype, true AS conislocal, "
        "0 AS coninhcount, false AS connoinherit, conkey, confkey, "
        "CAST(NULL AS UINTEGER[]) AS conpfeqop, CAST(NULL AS UINTEGER[]) AS conppeqop, "
        "CAST(NULL AS UINTEGER[]) AS conffeqop, CAST(NULL AS SMALLINT[]) AS confdelsetcols, "
        "CAST(NULL AS UINTEGER[]) AS conexclop, CAST(NULL AS VARCHAR) AS conbin, "
        f"{constraint_definition_sql()} AS consrc "
        f"FROM ({constraints_sql(session)}) LEFT JOIN ({foreign_key_indexes_sql(session)}) fk "
        "ON fk.conoid = oid"
    )


def pg_index(session: Session) -> str:
    """pg_catalog.pg_index: the index behind each PRIMARY KEY and UNIQUE constraint."""
    return (
        "SELECT conindid AS indexrelid, conrelid AS indrelid, "
        "CAST(len(conkey) AS SMALLINT) AS indnatts, CAST(len(conkey) AS SMALLINT) AS indnkeyatts, "
        "true AS indisunique, contype = 'p' AS indisprimary, false AS indisexclusion, "
        "true AS indimmediate, false AS indisclustered, true AS indisvalid, "
        "false AS indcheckxmin, true AS indisready, true AS indislive, "
        "false AS indisreplident, conkey AS indkey, "
        "list_transform(conkey, lambda k: CAST(0 AS BIGINT)) AS indcollation, "
        "list_transform(conkey, lambda k: CAST(0 AS BIGINT)) AS indclass, "
        "list_transform(conkey, lambda k: CAST(0 AS SMALLINT)) AS indoption, "
        "CAST(NULL AS VARCHAR) AS indexprs, CAST(NULL AS VARCHAR) AS indpred "
        f"FROM ({constraints_sql(session)}) WHERE contype IN ('p', 'u')"
    )


def pg_indexes(session: Session) -> str:
    """pg_catalog.pg_indexes: the index behind each PRIMARY KEY and UNIQUE constraint."""
    return (
        "SELECT nspname AS schemaname, relname AS tablename, conname AS indexname, "
        "CAST(NULL AS VARCHAR) AS tablespace, 'CREATE UNIQUE INDEX ' || conname || ' ON ' "
        "|| nspname || '.' || relname || ' USING btree (' || array_to_string(column_names, ', ') "
        f"|| ')' AS indexdef FROM ({constraints_sql(session)}) WHERE contype IN ('p', 'u')"
    )


VIEWS = (
    View("pg_catalog", "pg_constraint", pg_constraint),
    View("pg_catalog", "pg_depend", pg_depend),
    View("pg_catalog", "pg_index", pg_index),
    View("pg_catalog", "pg_indexes", pg_indexes),
)
