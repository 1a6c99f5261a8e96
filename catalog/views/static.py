"""Small pg_catalog relations with fixed or no rows: pg_am, pg_language, pg_settings,
pg_tablespace, pg_description, pg_stat_user_tables.

pg_description holds the comments DuckDB keeps (COMMENT ON TABLE / COLUMN); the others are
what a Redshift-like server without indexes or tunable planner settings
answers, with PostgreSQL's columns so that ``x.*`` selects and joins keep working.
"""

from __future__ import annotations

from catalog.views.base import (
    BOOTSTRAP_SUPERUSER_OID,
    BTREE_AM_OID,
    CATALOG_OIDS,
    HEAP_AM_OID,
    Session,
    View,
    relation_oid_sql,
    values,
)
from catalog.views.scope import engine_rows_sql

DEFAULT_TABLESPACE_OID = 1663
GLOBAL_TABLESPACE_OID = 1664


def pg_am(session: Session) -> str:
    """pg_catalog.pg_am: heap and btree."""
    return values(
        [(HEAP_AM_OID, "heap", "heap_tableam_handler", "t"),
         (BTREE_AM_OID, "btree", "bthandler", "i")],
        [("oid", "BIGINT"), ("amname", "VARCHAR"), ("amhandler", "VARCHAR"),
         ("amtype", "VARCHAR")],
    )


# name, setting, category, short description, vartype
_SETTINGS = (
    ("block_size", "8192", "Preset Options", "Shows the size of a disk block.", "integer"),
    ("DateStyle", "ISO, MDY", "Client Connection Defaults / Locale and Formatting",
     "Sets the display format for date and time values.", "string"),
    ("default_table_access_method", "heap", "Client Connection Defaults / Statement Behavior",
     "Sets the default table access method for new tables.", "string"),
    ("integer_datetimes", "on", "Preset Options",
     "Shows whether datetimes are integer based.", "bool"),
    ("jit", "off", "Query Tuning / Other Planner Options",
     "Allow JIT compilation.", "bool"),
    ("max_identifier_length", "127", "Preset Options",
     "Shows the maximum identifier length.", "integer"),
    ("max_index_keys", "32", "Preset Options",
     "Shows the maximum number of index keys.", "integer"),
    ("search_path", "$user, public", "Client Connection Defaults / Statement Behavior",
     "Sets the schema search order for names that are not schema-qualified.", "string"),
    ("server_encoding", "UNICODE", "Preset Options",
     "Shows the server (database) character set encoding.", "string"),
    ("server_version", "8.0.2", "Preset Options", "Shows the server version.", "string"),
    ("standard_conforming_strings", "on", "Version and Platform Compatibility",
     "Causes '...' strings to treat backslashes literally.", "bool"),
    ("TimeZone", "UTC", "Client Connection Defaults / Locale and Formatting",
     "Sets the time zone for displaying and interpreting time stamps.", "string"),
)


def pg_settings(session: Session) -> str:
    """pg_catalog.pg_settings: the server defaults clients look up, and the session's
    TimeZone."""
    # The session's time zone (SET timezone), which current_setting('timezone') reads too.
    current = {"TimeZone": session.time_zone}
    rows = [
        (name, current.get(name, setting), None, category, desc, None, "user", vartype,
         "session" if current.get(name, setting) != setting else "default", None, None, None,
         setting, setting, None, None, False)
        for name, setting, category, desc, vartype in _SETTINGS
    ]
    return values(rows, [
        ("name", "VARCHAR"), ("setting", "VARCHAR"), ("unit", "VARCHAR"),
        ("category", "VARCHAR"), ("short_desc", "VARCHAR"), ("extra_desc", "VARCHAR"),
        ("context", "VARCHAR"), ("vartype", "VARCHAR"), ("source", "VARCHAR"),
        ("min_val", "VARCHAR"), ("max_val", "VARCHAR"), ("enumvals", "VARCHAR[]"),
        ("boot_val", "VARCHAR"), ("reset_val", "VARCHAR"), ("sourcefile", "VARCHAR"),
        ("sourceline", "INTEGER"), ("pending_restart", "BOOLEAN"),
    ])


def pg_description(session: Session) -> str:
    """pg_catalog.pg_description: comments on tables, views and columns."""
    pg_class = CATALOG_OIDS["pg_class"]
    return (
        f"SELECT {relation_oid_sql('datname', 'schema_name', 'table_name')} AS objoid, "
        f"CAST({pg_class} AS BIGINT) AS classoid, 0 AS objsubid, comment AS description "
        f"FROM ({engine_rows_sql(session, 'duckdb_tables')}) WHERE comment IS NOT NULL "
        f"UNION ALL SELECT {relation_oid_sql('datname', 'schema_name', 'view_name')}, "
        f"{pg_class}, 0, comment "
        f"FROM ({engine_rows_sql(session, 'duckdb_views')}) WHERE comment IS NOT NULL "
        f"UNION ALL SELECT {relation_oid_sql('datname', 'schema_name', 'table_name')}, "
        f"{pg_class}, column_index, comment "
        f"FROM ({engine_rows_sql(session, 'duckdb_columns')}) WHERE comment IS NOT NULL"
    )


def pg_tablespace(session: Session) -> str:
    """pg_catalog.pg_tablespace: PostgreSQL's two built-in tablespaces."""
    return values(
        [(DEFAULT_TABLESPACE_OID, "pg_default", BOOTSTRAP_SUPERUSER_OID, None, None),
         (GLOBAL_TABLESPACE_OID, "pg_global", BOOTSTRAP_SUPERUSER_OID, None, None)],
        [("oid", "BIGINT"), ("spcname", "VARCHAR"), ("spcowner", "BIGINT"),
         ("spcacl", "VARCHAR[]"), ("spcoptions", "VARCHAR[]")],
    )


def pg_language(session: Session) -> str:
    """pg_catalog.pg_language: PostgreSQL's built-in languages and plpgsql, the language of
    stored procedures (its OID the one pg_proc.prolang gives them)."""
    return values(
        [(12, "internal", BOOTSTRAP_SUPERUSER_OID, False, False, 0, 0, 2246, None),
         (13, "c", BOOTSTRAP_SUPERUSER_OID, False, False, 0, 0, 2247, None),
         (14, "sql", BOOTSTRAP_SUPERUSER_OID, False, True, 0, 0, 2248, None),
         (100125, "plpgsql", BOOTSTRAP_SUPERUSER_OID, True, True, 0, 0, 0, None)],
        [("oid", "BIGINT"), ("lanname", "VARCHAR"), ("lanowner", "BIGINT"),
         ("lanispl", "BOOLEAN"), ("lanpltrusted", "BOOLEAN"), ("lanplcallfoid", "BIGINT"),
         ("laninline", "BIGINT"), ("lanvalidator", "BIGINT"), ("lanacl", "VARCHAR[]")],
    )


def pg_stat_user_tables(session: Session) -> str:
    """pg_catalog.pg_stat_user_tables: the current database's tables with DuckDB's estimate
    of their rows as n_live_tup (Metabase reads it); activity counters are not kept (0)."""
    zero = "CAST(0 AS BIGINT)"
    counters = ", ".join(f"{zero} AS {c}" for c in (
        "seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd",
        "n_tup_del", "n_tup_hot_upd"))
    never = ", ".join(f"CAST(NULL AS TIMESTAMPTZ) AS {c}" for c in (
        "last_vacuum", "last_autovacuum", "last_analyze", "last_autoanalyze"))
    times = ", ".join(f"{zero} AS {c}" for c in (
        "vacuum_count", "autovacuum_count", "analyze_count", "autoanalyze_count"))
    return (
        f"SELECT {relation_oid_sql('datname', 'schema_name', 'table_name')} AS relid, "
        f"schema_name AS schemaname, table_name AS relname, {counters}, "
        f"CAST(estimated_size AS BIGINT) AS n_live_tup, {zero} AS n_dead_tup, "
        f"{zero} AS n_mod_since_analyze, {never}, {times} "
        f"FROM ({engine_rows_sql(session, 'duckdb_tables')})"
    )


VIEWS = (
    View("pg_catalog", "pg_am", pg_am),
    View("pg_catalog", "pg_language", pg_language),
    View("pg_catalog", "pg_stat_user_tables", pg_stat_user_tables),
    View("pg_catalog", "pg_tablespace", pg_tablespace),
    View("pg_catalog", "pg_settings", pg_settings),
    View("pg_catalog", "pg_description", pg_description),
)
