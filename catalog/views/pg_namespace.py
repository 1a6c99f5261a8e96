"""pg_catalog.pg_namespace: the current database's schemas, plus pg_catalog and information_schema.

DuckDB's own ``main`` schema is hidden; ``public`` and ``pg_catalog`` carry PostgreSQL's fixed
OIDs. Every schema is shown as owned by the session user (owners are not recorded yet).
"""

from __future__ import annotations

from catalog.views.base import (
    INFORMATION_SCHEMA_OID,
    PG_CATALOG_OID,
    Session,
    View,
    schema_oid_sql,
    user_oid_sql,
    user_schemas_filter,
)


def pg_namespace(session: Session) -> str:
    """pg_catalog.pg_namespace for the session's current database."""
    owner = user_oid_sql(session.user)
    return (
        f"SELECT CAST({PG_CATALOG_OID} AS BIGINT) AS oid, 'pg_catalog' AS nspname, "
        f"{owner} AS nspowner, CAST(NULL AS VARCHAR[]) AS nspacl "
        f"UNION ALL SELECT {INFORMATION_SCHEMA_OID}, 'information_schema', {owner}, NULL "
        f"UNION ALL SELECT {schema_oid_sql(session, 'schema_name')}, schema_name, {owner}, NULL "
        f"FROM duckdb_schemas() WHERE {user_schemas_filter(session)}"
    )


VIEWS = (View("pg_catalog", "pg_namespace", pg_namespace),)
