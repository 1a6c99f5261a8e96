"""pg_catalog.pg_class and its summaries pg_tables and pg_views.

``relations_sql`` is the one list of the current database's relations that every relation
view reads: tables (relkind ``r``), views (``v``), and one index (``i``) per PRIMARY KEY or
UNIQUE constraint, named after the constraint as PostgreSQL names the index behind it.
PostgreSQL's own catalogs are listed in pg_catalog with their fixed OIDs, so that
``'pg_class'::regclass`` and ``classoid`` columns agree with pg_class. In a consumer database
only the shared relations show (``scope``), and a shared view's query text does not: it is
the producer's, and may name what the share does not show.
"""

from __future__ import annotations

from catalog.table_attributes import MATERIALIZED_VIEWS, MV_QUERY_PREFIX
from catalog.views.acl import default_owner_sql, owners_sql
from catalog.views.aclitems import acl_items_sql, acl_sql
from catalog.views.base import (
    BTREE_AM_OID,
    CATALOG_OIDS,
    HEAP_AM_OID,
    PG_CATALOG_OID,
    Session,
    View,
    lit,
    relation_oid_sql,
    schema_oid_sql,
    unalias_sql,
    user_oid_expr,
)
from catalog.views.scope import attribute_rows_sql, engine_rows_sql


def view_definition_sql(session: Session, sql: str) -> str:
    """SQL for a view's query text from DuckDB's CREATE VIEW text (the ``sql`` expression).

    DuckDB keeps the statement it ran, in which database names are internal aliases: they are
    put back to the Redshift names.
    """
    text = unalias_sql(session, f"substr({sql}, strpos({sql}, ' AS ') + 4)")
    return f"' ' || rtrim({text}, ';')"


def _views_sql(session: Session, everywhere: bool) -> str:
    """``engine_rows_sql`` of the views, a materialized view's ``sql`` being its hidden query
    view's (it reads its stored rows, which the catalog does not show)."""
    return (
        f"SELECT v.* REPLACE (coalesce(q.sql, v.sql) AS sql) "
        f"FROM ({engine_rows_sql(session, 'duckdb_views', everywhere)}) v "
        f"LEFT JOIN ({attribute_rows_sql(session, MATERIALIZED_VIEWS, everywhere)}) m "
        "ON m.datname = v.datname AND lower(m.schema_name) = lower(v.schema_name) "
        "AND lower(m.view_name) = lower(v.view_name) "
        "LEFT JOIN duckdb_views() q ON q.database_name = v.database_name "
        f"AND q.schema_name = v.schema_name AND q.view_name = {lit(MV_QUERY_PREFIX)} || m.storage"
    )


def relations_sql(session: Session, everywhere: bool = False) -> str:
    """The relations of the databases in scope (see ``scope``): (datname, shared, oid, nspoid,
    nspname, relname, relkind, relnatts, reltuples, relhasindex, definition, owner).

    ``owner`` is the owner's name: the recorded one or the namespace's first superuser; an
    index belongs to its table's owner, as in PostgreSQL.
    """
    oid = relation_oid_sql("datname", "schema_name", "table_name")
    index_oid = relation_oid_sql("datname", "schema_name", "constraint_name")
    nsp = schema_oid_sql("datname", "schema_name")
    definition = f"CASE WHEN shared THEN NULL ELSE {view_definition_sql(session, 'sql')} END"
    keys = engine_rows_sql(session, "duckdb_constraints", everywhere)
    # A key Redshift keeps (and DuckDB does not enforce) has its index too (``pg_index``).
    keyed = (f"(datname, schema_name, table_name) IN (SELECT datname, schema_name, table_name "
             f"FROM ({keys}) WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE'))")
    rows = (
        f"SELECT datname, shared, {oid} AS oid, {nsp} AS nspoid, schema_name AS nspname, "
        "table_name AS relname, 'r' AS relkind, column_count AS relnatts, "
        f"estimated_size AS reltuples, index_count > 0 OR has_primary_key OR {keyed} "
        "AS relhasindex, "
        "CAST(NULL AS VARCHAR) AS definition, table_name AS owned_via "
        f"FROM ({engine_rows_sql(session, 'duckdb_tables', everywhere)}) "
        f"UNION ALL SELECT datname, shared, "
        f"{relation_oid_sql('datname', 'schema_name', 'view_name')}, {nsp}, "
        f"schema_name, view_name, 'v', column_count, 0, false, {definition}, view_name "
        f"FROM ({_views_sql(session, everywhere)}) WHERE NOT internal "
        f"UNION ALL SELECT datname, shared, {index_oid}, {nsp}, schema_name, constraint_name, "
        "'i', len(constraint_column_indexes), 0, false, NULL, table_name "
        f"FROM ({keys}) WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
    )
    return (
        "SELECT r.datname, r.shared, r.oid, r.nspoid, r.nspname, r.relname, r.relkind, "
        "r.relnatts, r.reltuples, r.relhasindex, r.definition, "
        f"coalesce(o.owner, {default_owner_sql(session)}) AS owner "
        f"FROM ({rows}) r LEFT JOIN ({owners_sql(session, 'table')}) o "
        "ON o.database = r.datname AND o.schema_name = r.nspname AND o.name = r.owned_via"
    )


def pg_class(session: Session) -> str:
    """pg_catalog.pg_class: PostgreSQL's columns plus Redshift's reldiststyle; relacl from
    the grants on tables and views (``aclitems``)."""
    catalogs = " UNION ALL ".join(
        f"SELECT {lit(session.database)}, false, {oid}, {PG_CATALOG_OID}, 'pg_catalog', "
        f"'{name}', 'r', 0, 0, false, NULL, {default_owner_sql(session)}"
        for name, oid in CATALOG_OIDS.items()
    )
    return (
        "SELECT oid, relname, nspoid AS relnamespace, CAST(0 AS BIGINT) AS reltype, "
        f"CAST(0 AS BIGINT) AS reloftype, {user_oid_expr('owner')} AS relowner, "
        f"CAST(CASE relkind WHEN 'i' THEN {BTREE_AM_OID} WHEN 'r' THEN {HEAP_AM_OID} ELSE 0 END "
        "AS BIGINT) AS relam, oid AS relfilenode, CAST(0 AS BIGINT) AS reltablespace, "
        "CAST(0 AS INTEGER) AS relpages, CAST(reltuples AS REAL) AS reltuples, "
        "CAST(0 AS INTEGER) AS relallvisible, CAST(0 AS BIGINT) AS reltoastrelid, "
        "relhasindex, false AS relisshared, 'p' AS relpersistence, relkind, "
        "CAST(relnatts AS SMALLINT) AS relnatts, CAST(0 AS SMALLINT) AS relchecks, "
        "false AS relhasoids, false AS relhasrules, false AS relhastriggers, "
        "false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity, "
        "true AS relispopulated, 'd' AS relreplident, false AS relispartition, "
        "CAST(0 AS BIGINT) AS relrewrite, CAST(0 AS BIGINT) AS relfrozenxid, "
        f"CAST(0 AS BIGINT) AS relminmxid, {acl_sql('a.items', 'table', 'owner')} AS relacl, "
        "CAST(NULL AS VARCHAR[]) AS reloptions, CAST(NULL AS VARCHAR) AS relpartbound, "
        "CAST(0 AS INTEGER) AS reldiststyle "
        f"FROM ({relations_sql(session)} UNION ALL {catalogs}) r "
        f"LEFT JOIN ({acl_items_sql(session, 'table')}) a ON r.relkind IN ('r', 'v') "
        "AND a.database = r.datname AND a.schema_name = r.nspname AND a.name = r.relname"
    )


def pg_tables(session: Session) -> str:
    """pg_catalog.pg_tables: the current database's tables."""
    return (
        "SELECT nspname AS schemaname, relname AS tablename, owner AS tableowner, "
        "CAST(NULL AS VARCHAR) AS tablespace, relhasindex AS hasindexes, false AS hasrules, "
        "false AS hastriggers, false AS rowsecurity "
        f"FROM ({relations_sql(session)}) WHERE relkind = 'r'"
    )


def views_sql(session: Session) -> str:
    """The current database's views: (nspname, relname, owner, definition).

    A materialized view's text starts ``create materialized view <name> as``, as Redshift
    shows it: clients tell the two kinds apart by it (dbt-redshift looks for that phrase in
    information_schema.views and refreshes a materialized view rather than rebuild it).
    """
    return (
        "SELECT r.nspname, r.relname, r.owner, CASE WHEN m.view_name IS NULL THEN r.definition "
        "ELSE 'create materialized view ' || r.relname || ' as' || r.definition END "
        f"AS definition FROM ({relations_sql(session)}) r "
        f"LEFT JOIN ({attribute_rows_sql(session, MATERIALIZED_VIEWS)}) m "
        "ON m.datname = r.datname AND lower(m.schema_name) = lower(r.nspname) "
        "AND lower(m.view_name) = lower(r.relname) WHERE r.relkind = 'v'"
    )


def pg_views(session: Session) -> str:
    """pg_catalog.pg_views: the current database's views and their query text."""
    return (
        "SELECT nspname AS schemaname, relname AS viewname, owner AS viewowner, "
        f"definition FROM ({views_sql(session)})"
    )


VIEWS = (
    View("pg_catalog", "pg_class", pg_class),
    View("pg_catalog", "pg_tables", pg_tables),
    View("pg_catalog", "pg_views", pg_views),
)
