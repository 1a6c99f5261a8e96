"""The virtual catalog: pg_catalog, information_schema and Redshift's views, per session.

``VIEWS`` lists every virtual relation; name resolution (``find``) is derived from it, so a new
view is one module plus one line here. ``TABLE_FUNCTIONS`` are the catalog's set-returning
functions called in FROM; ``refused`` names what user SQL may not read of DuckDB's own
catalog. Each view turns the session's facts into DuckDB SQL
that shows only the session's current database (pg_database, svv_all_* and svv_redshift_*: the
namespace's databases), and of a consumer database only what its datashare shows.
"""

from __future__ import annotations

from catalog.views import (
    activity,
    constraints_info,
    empty,
    functions,
    information_schema,
    pg_attribute,
    pg_class,
    pg_constraint,
    pg_namespace,
    pg_type,
    privileges,
    redshift,
    roles,
    static,
    svv_datashares,
    svv_privileges,
    sys_queries,
    sys_serverless_scaling,
    sys_usage,
)
from catalog.views.base import Session, TableFunction, View

VIEWS: tuple[View, ...] = (
    *pg_namespace.VIEWS,
    *pg_class.VIEWS,
    *pg_attribute.VIEWS,
    *pg_type.VIEWS,
    *pg_constraint.VIEWS,
    *roles.VIEWS,
    *static.VIEWS,
    *information_schema.VIEWS,
    *constraints_info.VIEWS,
    *privileges.VIEWS,
    *functions.VIEWS,
    *redshift.VIEWS,
    *svv_privileges.VIEWS,
    *svv_datashares.VIEWS,
    *activity.VIEWS,
    *sys_queries.VIEWS,
    *sys_serverless_scaling.VIEWS,
    *sys_usage.VIEWS,
    *empty.VIEWS,
)

_BY_NAME: dict[tuple[str, str], View] = {(v.schema, v.name): v for v in VIEWS}

TABLE_FUNCTIONS: dict[str, TableFunction] = {f.name: f for f in functions.TABLE_FUNCTIONS}

# DuckDB's own relations, which no session may read: its catalog views over every attached
# database (system.main), and those of its pg_catalog and information_schema views that the
# views above do not replace (DuckDB resolves unqualified names there too).
ENGINE_RELATIONS = frozenset({
    "duckdb_columns", "duckdb_constraints", "duckdb_databases", "duckdb_indexes",
    "duckdb_logs", "duckdb_schemas", "duckdb_tables", "duckdb_types", "duckdb_views",
    "pragma_database_list", "sqlite_master", "sqlite_schema", "sqlite_temp_master",
    "sqlite_temp_schema",
})
CATALOG_SCHEMAS = ("pg_catalog", "information_schema")


def find(schema: str | None, name: str) -> View | None:
    """The view ``schema.name``; an unqualified name finds pg_catalog's, as the search path does.

    >>> find(None, "pg_class").name
    'pg_class'
    >>> find("information_schema", "pg_class") is None
    True
    """
    return _BY_NAME.get((schema or "pg_catalog", name))


def refused(schema: str | None, name: str) -> bool:
    """Whether user SQL naming the relation ``schema.name`` would reach DuckDB's own catalog.

    Any name in pg_catalog or information_schema that is not one of the views above is, and so
    is any of DuckDB's catalog views, however qualified.

    >>> refused(None, "duckdb_tables"), refused("information_schema", "tables")
    (True, False)
    """
    if name in ENGINE_RELATIONS:
        return True
    return schema in CATALOG_SCHEMAS and find(schema, name) is None


__all__ = ["TABLE_FUNCTIONS", "VIEWS", "Session", "TableFunction", "View", "find", "refused"]
