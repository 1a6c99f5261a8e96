"""pg_catalog.pg_namespace: the current database's schemas, plus pg_catalog and information_schema.

DuckDB's own ``main`` schema is hidden; ``public`` and ``pg_catalog`` carry PostgreSQL's fixed
OIDs. Each schema shows its recorded owner or, without one (the catalog schemas among them),
the namespace's first superuser.
"""

from __future__ import annotations

from catalog.views.acl import default_owner_sql, owners_sql
from catalog.views.base import (
    INFORMATION_SCHEMA_OID,
    PG_CATALOG_OID,
    Session,
    View,
    lit,
    schema_oid_sql,
    user_oid_expr,
    user_schemas_filter,
)


def schemas_sql(session: Session) -> str:
    """The current database's schemas and the catalog schemas: (oid, nspname, owner), owner
    by name."""
    rows = (
        f"SELECT CAST({PG_CATALOG_OID} AS BIGINT) AS oid, 'pg_catalog' AS nspname "
        f"UNION ALL SELECT {INFORMATION_SCHEMA_OID}, 'information_schema' "
        f"UNION ALL SELECT {schema_oid_sql(session, 'schema_name')}, schema_name "
        f"FROM duckdb_schemas() WHERE {user_schemas_filter(session)}"
    )
    return (
        f"SELECT s.oid, s.nspname, coalesce(o.owner, {default_owner_sql(session)}) AS owner "
        f"FROM ({rows}) s LEFT JOIN ({owners_sql(session, 'schema')}) o "
        f"ON o.database = {lit(session.database)} AND o.schema_name = s.nspname"
    )


def pg_namespace(session: Session) -> str:
    """pg_catalog.pg_namespace for the session's current database."""
    return (
        f"SELECT oid, nspname, {user_oid_expr('owner')} AS nspowner, "
        f"CAST(NULL AS VARCHAR[]) AS nspacl FROM ({schemas_sql(session)})"
    )


VIEWS = (View("pg_catalog", "pg_namespace", pg_namespace),)
