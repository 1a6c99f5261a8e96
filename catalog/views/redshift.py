"""Redshift's own catalog views: svv_tables, svv_columns, svv_table_info, pg_table_def (the
current database's objects), svv_all_* and svv_redshift_* (every database of the namespace,
consumer databases included), the materialized views' (svv_mv_info, stv_mv_info,
svl_mv_refresh_status, sys_mv_refresh_history), svv_external_*.

They live in pg_catalog as in Redshift, so unqualified names reach them. External (Spectrum)
schemas do not exist on Duckshift, but the svv_external_* views are there, empty and with the
right columns, because redshift_connector and the Redshift JDBC driver probe
svv_external_schemas before every get_tables/get_columns. pg_table_def shows, as Redshift
does, only tables whose schema is on the search_path.

A consumer database (CREATE DATABASE ... FROM DATASHARE) is ``shared`` in
svv_redshift_databases, and its schemas are ``shared`` in svv_all_schemas and
svv_redshift_schemas; it shows only the objects of its share (``scope``), and no catalog
schemas of its own. Its tables keep table_type TABLE or VIEW, as Redshift's examples show them.
"""

from __future__ import annotations

from catalog.table_attributes import (
    COLUMN_ATTRIBUTES,
    MATERIALIZED_VIEWS,
    MV_REFRESHES,
    TABLE_ATTRIBUTES,
)
from catalog.views.acl import system_table
from catalog.views.aclitems import acl_items_sql, acl_text_sql
from catalog.views.base import (
    Session,
    View,
    lit,
    oid_sql,
    relation_oid_sql,
    user_oid_expr,
    values,
)
from catalog.views.information_schema import column_facts_sql, table_rows_sql
from catalog.views.pg_class import relations_sql
from catalog.views.pg_namespace import schemas_sql
from catalog.views.roles import databases_sql
from catalog.views.scope import attribute_rows_sql, consumer_databases_sql


def svv_tables(session: Session) -> str:
    """svv_tables: the current database's tables and views."""
    return table_rows_sql(session, "CAST(NULL AS VARCHAR) AS remarks")


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


# svv_external_schemas.eskind of a schema of another (local or shared) Redshift database.
_ESKIND_REDSHIFT_DATABASE = 4


def svv_external_schemas(session: Session) -> str:
    """svv_external_schemas: the current database's CREATE EXTERNAL SCHEMA ... FROM REDSHIFT
    DATABASE schemas (eskind 4); superusers see all, others those they own."""
    mine = "" if session.superuser else f" AND owner = {lit(session.user)}"
    return (
        f"SELECT {oid_sql(lit(session.database), 'name')} AS esoid, "
        f"CAST({_ESKIND_REDSHIFT_DATABASE} AS SMALLINT) AS eskind, name AS schemaname, "
        f"CAST({user_oid_expr('owner')} AS INTEGER) AS esowner, "
        "source_database AS databasename, "
        "'{\"SCHEMA\":\"' || source_schema || '\"}' AS esoptions "
        f"FROM {system_table('external_schemas')} "
        f"WHERE namespace_guid = {lit(session.namespace)} "
        f"AND database = {lit(session.database)}{mine}"
    )


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


def _attributes(session: Session, table: str, alias: str, on: str,
                everywhere: bool = False) -> str:
    """A LEFT JOIN of the attribute table ``table`` (as ``alias``) of the databases in scope
    (``attribute_rows_sql``) to the relation ``on``, whose datname, nspname and relname it
    matches (the names case-insensitively, as DuckDB resolves them)."""
    return (
        f"LEFT JOIN ({attribute_rows_sql(session, table, everywhere)}) {alias} "
        f"ON {alias}.datname = {on}.datname "
        f"AND lower({alias}.schema_name) = lower({on}.nspname) "
        f"AND lower({alias}.table_name) = lower({on}.relname)"
    )


def _key_columns(table: str, column: str, attribute: str) -> str:
    """encoding, distkey and sortkey of column ``attribute`` as pg_table_def and
    svv_redshift_columns show them, from the attribute rows ``table`` (the table's) and
    ``column`` (the column's): an interleaved sort key's positions alternate in sign."""
    position = f"list_position({table}.sortkey, {attribute})"
    return (
        f"coalesce({column}.encoding, 'none') AS encoding, "
        f"coalesce(lower({table}.distkey) = lower({attribute}), false) AS distkey, "
        f"CAST(CASE WHEN {position} IS NULL THEN 0 "
        f"WHEN {table}.sortkey_type = 'INTERLEAVED' AND {position} % 2 = 0 THEN -{position} "
        f"ELSE {position} END AS INTEGER) AS sortkey"
    )


def pg_table_def(session: Session) -> str:
    """pg_table_def: columns of the tables on the search_path, with the encodings, the
    distribution key and the sort key positions CREATE/ALTER TABLE declared (an interleaved
    sort key's positions alternate in sign, as Redshift shows them)."""
    return (
        "SELECT c.nspname AS schemaname, c.relname AS tablename, c.attname AS \"column\", "
        f"c.formatted_type AS type, {_key_columns('t', 'a', 'c.attname')}, "
        "c.attnotnull AS notnull "
        f"FROM ({column_facts_sql(session)}) c "
        f"JOIN ({relations_sql(session)}) r ON r.oid = c.attrelid AND r.relkind = 'r' "
        f"{_attributes(session, TABLE_ATTRIBUTES, 't', 'c')} "
        f"{_attributes(session, COLUMN_ATTRIBUTES, 'a', 'c')} "
        "AND lower(a.column_name) = lower(c.attname) "
        "WHERE list_contains(current_schemas(false), c.nspname) "
        "ORDER BY c.nspname, c.relname, c.attnum"
    )


def svv_table_info(session: Session) -> str:
    """svv_table_info: one row per table, with the distribution style, sort key and encodings
    CREATE/ALTER TABLE declared (Redshift's AUTO(EVEN) when none was); sizes not measured are
    NULL. A materialized view is listed too, as Redshift lists the table behind one (clients
    such as dbt-redshift describe a materialized view from this row)."""
    first_key = "list_extract(t.sortkey, 1)"
    return (
        f"SELECT {lit(session.database)} AS database, r.nspname AS schema, "
        "CAST(r.oid AS BIGINT) AS table_id, r.relname AS \"table\", "
        "CASE WHEN e.encoded THEN 'Y' ELSE 'N' END AS encoded, "
        "CASE WHEN t.diststyle IN ('EVEN', 'ALL') THEN t.diststyle "
        "WHEN t.diststyle = 'KEY' THEN 'KEY(' || t.distkey || ')' "
        # A materialized view has no AUTO distribution: EVEN unless it declared another.
        "WHEN mv.view_name IS NOT NULL THEN 'EVEN' ELSE 'AUTO(EVEN)' END AS diststyle, "
        "CASE WHEN t.sortkey_type = 'AUTO' THEN 'AUTO(SORTKEY)' "
        f"WHEN t.sortkey_type = 'INTERLEAVED' THEN 'INTERLEAVED' ELSE {first_key} END "
        "AS sortkey1, "
        "CAST(coalesce(m.max_varchar, 0) AS INTEGER) AS max_varchar, "
        f"CASE WHEN {first_key} IS NOT NULL THEN coalesce(k.encoding, 'none') END "
        "AS sortkey1_enc, "
        "CAST(coalesce(len(t.sortkey), 0) AS INTEGER) AS sortkey_num, "
        "CAST(NULL AS BIGINT) AS size, CAST(NULL AS DECIMAL(10,4)) AS pct_used, "
        "CAST(NULL AS BIGINT) AS empty, CAST(NULL AS DECIMAL(5,2)) AS unsorted, "
        "CAST(NULL AS DECIMAL(5,2)) AS stats_off, CAST(r.reltuples AS DECIMAL(38,0)) AS tbl_rows, "
        "CAST(NULL AS DECIMAL(19,2)) AS skew_sortkey1, CAST(NULL AS DECIMAL(19,2)) AS skew_rows, "
        "CAST(r.reltuples AS DECIMAL(38,0)) AS estimated_visible_rows, "
        "CAST(NULL AS VARCHAR) AS risk_event, CAST(NULL AS DECIMAL(12,2)) AS vacuum_sort_benefit, "
        "CAST(NULL AS TIMESTAMP) AS create_time "
        f"FROM ({relations_sql(session)}) r LEFT JOIN (SELECT attrelid, "
        "max(character_maximum_length) AS max_varchar "
        f"FROM ({column_facts_sql(session)}) GROUP BY attrelid) m ON m.attrelid = r.oid "
        f"{_attributes(session, TABLE_ATTRIBUTES, 't', 'r')} "
        f"{_attributes(session, COLUMN_ATTRIBUTES, 'k', 'r')} "
        f"AND lower(k.column_name) = lower({first_key}) "
        "LEFT JOIN (SELECT schema_name AS nspname, table_name AS relname, "
        "bool_or(encoding IS NOT NULL AND encoding <> 'raw') AS encoded "
        f"FROM ({attribute_rows_sql(session, COLUMN_ATTRIBUTES)}) "
        "GROUP BY ALL) e ON lower(e.nspname) = lower(r.nspname) "
        "AND lower(e.relname) = lower(r.relname) "
        f"LEFT JOIN ({attribute_rows_sql(session, MATERIALIZED_VIEWS)}) mv "
        "ON mv.datname = r.datname AND lower(mv.schema_name) = lower(r.nspname) "
        "AND lower(mv.view_name) = lower(r.relname) "
        "WHERE r.relkind = 'r' OR (r.relkind = 'v' AND mv.view_name IS NOT NULL)"
    )


def svv_redshift_databases(session: Session) -> str:
    """svv_redshift_databases: the namespace's databases with their owners' ids, local or
    shared (consumer databases), and the isolation level each was created with (a consumer
    database has none of its own)."""
    return (
        "SELECT d.datname AS database_name, "
        f"CAST({user_oid_expr('d.owner')} AS INTEGER) AS database_owner, "
        "CASE WHEN c.datname IS NULL THEN 'local' ELSE 'shared' END AS database_type, "
        f"{acl_text_sql('a.items', 'database', 'd.owner')} AS database_acl, "
        "CAST(NULL AS VARCHAR) AS database_options, "
        "CASE s.isolation WHEN 'SERIALIZABLE' THEN 'Serializable' "
        "WHEN 'SNAPSHOT' THEN 'Snapshot Isolation' END AS database_isolation_level "
        f"FROM ({databases_sql(session)}) d "
        f"LEFT JOIN ({consumer_databases_sql(session)}) c ON c.datname = d.datname "
        f"LEFT JOIN ({acl_items_sql(session, 'database')}) a ON a.database = d.datname "
        f"LEFT JOIN {system_table('databases')} s "
        f"ON s.namespace_guid = {lit(session.namespace)} AND s.name = d.datname"
    )


def _schema_rows(session: Session) -> str:
    """Every database's schemas for svv_all_schemas and svv_redshift_schemas, with
    schema_type and schema_acl: a consumer database has only its shared schemas."""
    return (
        "SELECT s.datname AS database_name, s.nspname AS schema_name, "
        f"CAST({user_oid_expr('s.owner')} AS INTEGER) AS schema_owner, "
        "CASE WHEN s.shared THEN 'shared' ELSE 'local' END AS schema_type, "
        f"{acl_text_sql('a.items', 'schema', 's.owner')} AS schema_acl "
        f"FROM ({schemas_sql(session, everywhere=True)}) s "
        f"LEFT JOIN ({acl_items_sql(session, 'schema')}) a "
        "ON a.database = s.datname AND a.schema_name = s.nspname "
        "WHERE NOT (s.shared AND s.nspname IN ('pg_catalog', 'information_schema'))"
    )


def svv_all_schemas(session: Session) -> str:
    """svv_all_schemas: the schemas of every database of the namespace, with their owners'
    ids."""
    return (
        "SELECT *, CAST(NULL AS VARCHAR) AS source_database, "
        f"CAST(NULL AS VARCHAR) AS schema_option FROM ({_schema_rows(session)})"
    )


def svv_redshift_schemas(session: Session) -> str:
    """svv_redshift_schemas: svv_all_schemas without external schemas' source_database."""
    return f"SELECT *, CAST(NULL AS VARCHAR) AS schema_option FROM ({_schema_rows(session)})"


def _table_rows(session: Session) -> str:
    """Every database's tables and views for svv_all_tables and svv_redshift_tables, with
    table_acl and the owner's name."""
    return (
        "SELECT r.datname AS database_name, r.nspname AS schema_name, "
        "r.relname AS table_name, "
        "CASE r.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END AS table_type, "
        f"{acl_text_sql('a.items', 'table', 'r.owner')} AS table_acl, "
        "CAST(NULL AS VARCHAR) AS remarks, r.owner AS table_owner "
        f"FROM ({relations_sql(session, everywhere=True)}) r "
        f"LEFT JOIN ({acl_items_sql(session, 'table')}) a ON a.database = r.datname "
        "AND a.schema_name = r.nspname AND a.name = r.relname WHERE r.relkind IN ('r', 'v')"
    )


def svv_all_tables(session: Session) -> str:
    """svv_all_tables: the tables and views of every database of the namespace."""
    return f"SELECT * EXCLUDE (table_owner) FROM ({_table_rows(session)})"


def svv_redshift_tables(session: Session) -> str:
    """svv_redshift_tables: svv_all_tables with each table's owner."""
    return _table_rows(session)


def svv_all_columns(session: Session) -> str:
    """svv_all_columns: the columns of every database of the namespace."""
    return (
        "SELECT datname AS database_name, nspname AS schema_name, "
        "relname AS table_name, attname AS column_name, "
        "CAST(attnum AS INTEGER) AS ordinal_position, default_sql AS column_default, "
        "CASE WHEN attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable, "
        "formatted_type AS data_type, character_maximum_length, numeric_precision, "
        "numeric_scale, CAST(NULL AS VARCHAR) AS remarks "
        f"FROM ({column_facts_sql(session, everywhere=True)})"
    )


def svv_redshift_columns(session: Session) -> str:
    """svv_redshift_columns: every database's columns with the encodings, distribution key
    and sort key positions CREATE/ALTER TABLE declared, and the column grants (column_acl)."""
    return (
        "SELECT c.datname AS database_name, c.nspname AS schema_name, "
        "c.relname AS table_name, c.attname AS column_name, "
        "CAST(c.attnum AS INTEGER) AS ordinal_position, c.formatted_type AS data_type, "
        "c.default_sql AS column_default, "
        "CASE WHEN c.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable, "
        f"{_key_columns('t', 'k', 'c.attname')}, "
        f"{acl_text_sql('g.items')} AS column_acl, CAST(NULL AS VARCHAR) AS remarks "
        f"FROM ({column_facts_sql(session, everywhere=True)}) c "
        f"{_attributes(session, TABLE_ATTRIBUTES, 't', 'c', everywhere=True)} "
        f"{_attributes(session, COLUMN_ATTRIBUTES, 'k', 'c', everywhere=True)} "
        "AND lower(k.column_name) = lower(c.attname) "
        f"LEFT JOIN ({acl_items_sql(session, 'table', columns=True)}) g "
        "ON g.database = c.datname AND g.schema_name = c.nspname AND g.name = c.relname "
        "AND g.column_name = c.attname"
    )


def _mv_rows(session: Session) -> str:
    """The current database's materialized views: the facts svv_mv_info and stv_mv_info show.
    is_stale is 't' once a committed write changed a base table since the last refresh
    (``proxy/materialized_views.py``), and always for one that calls a mutable function (as
    Redshift documents); state 0 (a refresh recomputes all its rows); autorewrite 'f' (queries
    are never rewritten to read one); updated_upto_xid, the transaction of its last refresh."""
    history = attribute_rows_sql(session, MV_REFRESHES)
    return (
        "SELECT r.datname, r.nspname, r.relname, r.owner, "
        "CASE WHEN m.stale OR m.mutable IS NOT NULL THEN 't' ELSE 'f' END AS is_stale, "
        "CAST(0 AS INTEGER) AS state, "
        "CASE WHEN m.autorefresh THEN 't' ELSE 'f' END AS autorefresh, 'f' AS autorewrite, "
        f"(SELECT max(h.xid) FROM ({history}) h WHERE h.datname = r.datname "
        "AND lower(h.schema_name) = lower(r.nspname) "
        "AND lower(h.view_name) = lower(r.relname)) AS xid "
        f"FROM ({relations_sql(session)}) r "
        f"JOIN ({attribute_rows_sql(session, MATERIALIZED_VIEWS)}) m "
        "ON m.datname = r.datname AND lower(m.schema_name) = lower(r.nspname) "
        "AND lower(m.view_name) = lower(r.relname) WHERE r.relkind = 'v'"
    )


def svv_mv_info(session: Session) -> str:
    """svv_mv_info: the current database's materialized views (``_mv_rows``)."""
    return (
        "SELECT datname AS database_name, nspname AS schema_name, owner AS user_name, "
        "relname AS name, is_stale, state, autorefresh, autorewrite "
        f"FROM ({_mv_rows(session)})"
    )


def stv_mv_info(session: Session) -> str:
    """stv_mv_info: svv_mv_info's facts with Redshift's STV column names (``_mv_rows``)."""
    return (
        "SELECT datname AS db_name, nspname AS schema, relname AS name, "
        "CAST(xid AS BIGINT) AS updated_upto_xid, is_stale, owner AS owner_user_name, state, "
        f"autorefresh, autorewrite FROM ({_mv_rows(session)})"
    )


# The user id Redshift's own work shows (rdsdb): auto refreshes run as it.
_RDSDB_ID = 1


def _refreshes(session: Session) -> str:
    """The refreshes of the current database's materialized views (``MV_REFRESHES``) the
    session may see: a superuser all, another user those it ran; none through a consumer
    database (they are the producer's)."""
    mine = "" if session.superuser else f" AND user_name = {lit(session.user)}"
    user_id = f"CASE WHEN user_name IS NULL THEN {_RDSDB_ID} ELSE {user_oid_expr('user_name')} END"
    return (f"SELECT *, {user_id} AS user_id "
            f"FROM ({attribute_rows_sql(session, MV_REFRESHES)}) h "
            f"WHERE NOT EXISTS (SELECT 1 FROM ({consumer_databases_sql(session)}) c "
            f"WHERE c.datname = h.datname){mine}")


def svl_mv_refresh_status(session: Session) -> str:
    """svl_mv_refresh_status: one row per refresh of a materialized view (manual or auto), as
    ``proxy/materialized_views.py`` records them."""
    return (
        "SELECT datname AS db_name, CAST(user_id AS BIGINT) AS userid, schema_name, "
        "view_name AS mv_name, xid, start_time AS starttime, end_time AS endtime, status, "
        f"refresh_type FROM ({_refreshes(session)})"
    )


def sys_mv_refresh_history(session: Session) -> str:
    """sys_mv_refresh_history: svl_mv_refresh_status's rows with the SYS view's columns (its
    session, the view's OID, the duration in microseconds)."""
    mv_id = relation_oid_sql("datname", "schema_name", "view_name")
    return (
        "SELECT CAST(user_id AS INTEGER) AS user_id, session_pid AS session_id, "
        "xid AS transaction_id, datname AS database_name, schema_name, "
        f"CAST({mv_id} AS BIGINT) AS mv_id, view_name AS mv_name, refresh_type, status, "
        "start_time, end_time, date_diff('microsecond', start_time, end_time) AS duration "
        f"FROM ({_refreshes(session)})"
    )


VIEWS = (
    View("pg_catalog", "svv_table_info", svv_table_info),
    View("pg_catalog", "svv_redshift_databases", svv_redshift_databases),
    View("pg_catalog", "svv_all_schemas", svv_all_schemas),
    View("pg_catalog", "svv_redshift_schemas", svv_redshift_schemas),
    View("pg_catalog", "svv_all_tables", svv_all_tables),
    View("pg_catalog", "svv_redshift_tables", svv_redshift_tables),
    View("pg_catalog", "svv_all_columns", svv_all_columns),
    View("pg_catalog", "svv_redshift_columns", svv_redshift_columns),
    View("pg_catalog", "svv_mv_info", svv_mv_info),
    View("pg_catalog", "stv_mv_info", stv_mv_info),
    View("pg_catalog", "svl_mv_refresh_status", svl_mv_refresh_status),
    View("pg_catalog", "sys_mv_refresh_history", sys_mv_refresh_history),
    View("pg_catalog", "svv_tables", svv_tables),
    View("pg_catalog", "svv_columns", svv_columns),
    View("pg_catalog", "svv_external_schemas", svv_external_schemas),
    View("pg_catalog", "svv_external_tables", svv_external_tables),
    View("pg_catalog", "svv_external_columns", svv_external_columns),
    View("pg_catalog", "pg_table_def", pg_table_def),
)
