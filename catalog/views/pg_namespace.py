"""pg_catalog.pg_namespace: the current database's schemas, plus pg_catalog and information_schema.

DuckDB's own ``main`` schema is hidden; ``public`` and ``pg_catalog`` carry PostgreSQL's fixed
OIDs. Each schema shows its recorded owner or, without one (the catalog schemas among them),
the namespace's first superuser. In a consumer database only the shared schemas show.
"""

from __future__ import annotations

from catalog.views.acl import default_owner_sql, owners_sql
from catalog.views.aclitems import acl_items_sql, acl_sql
from catalog.views.base import (
    INFORMATION_SCHEMA_OID,
    PG_CATALOG_OID,
    Session,
    View,
    schema_oid_sql,
    user_oid_expr,
)
from catalog.views.scope import engine_rows_sql, scope_sql


def schemas_sql(session: Session, everywhere: bool = False) -> str:
    """The schemas of the databases in scope (see ``scope``), the catalog schemas included:
    (datname, shared, oid, nspname, owner), owner by name."""
    scope = scope_sql(session, everywhere)
    rows = (
        f"SELECT datname, shared, CAST({PG_CATALOG_OID} AS BIGINT) AS oid, "
        f"'pg_catalog' AS nspname FROM ({scope}) "
        f"UNION ALL SELECT datname, shared, {INFORMATION_SCHEMA_OID}, 'information_schema' "
        f"FROM ({scope}) "
        f"UNION ALL SELECT datname, shared, {schema_oid_sql('datname', 'schema_name')}, "
        f"schema_name FROM ({engine_rows_sql(session, 'duckdb_schemas', everywhere)})"
    )
    return (
        "SELECT s.datname, s.shared, s.oid, s.nspname, "
        f"coalesce(o.owner, {default_owner_sql(session)}) AS owner "
        f"FROM ({rows}) s LEFT JOIN ({owners_sql(session, 'schema')}) o "
        "ON o.database = s.datname AND o.schema_name = s.nspname"
    )


def pg_namespace(session: Session) -> str:
    """pg_catalog.pg_namespace for the session's current database; nspacl from the grants on
    schemas (``aclitems``)."""
    return (
        f"SELECT s.oid, s.nspname, {user_oid_expr('s.owner')} AS nspowner, "
        f"{acl_sql('a.items', 'schema', 's.owner')} AS nspacl FROM ({schemas_sql(session)}) s "
        f"LEFT JOIN ({acl_items_sql(session, 'schema')}) a "
        "ON a.database = s.datname AND a.schema_name = s.nspname"
    )


VIEWS = (View("pg_catalog", "pg_namespace", pg_namespace),)
