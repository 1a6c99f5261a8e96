"""The virtual catalog: pg_catalog, information_schema and Redshift's views, per session.

``VIEWS`` lists every virtual relation; name resolution (``find``) is derived from it, so a new
view is one module plus one line here. Each view turns the session's facts into DuckDB SQL
that shows only the session's current database (pg_database: the namespace's databases).
"""

from __future__ import annotations

from catalog.views import (
    empty,
    information_schema,
    pg_attribute,
    pg_class,
    pg_constraint,
    pg_namespace,
    pg_type,
    redshift,
    roles,
    static,
)
from catalog.views.base import Session, View

VIEWS: tuple[View, ...] = (
    *pg_namespace.VIEWS,
    *pg_class.VIEWS,
    *pg_attribute.VIEWS,
    *pg_type.VIEWS,
    *pg_constraint.VIEWS,
    *roles.VIEWS,
    *static.VIEWS,
    *information_schema.VIEWS,
    *redshift.VIEWS,
    *empty.VIEWS,
)

_BY_NAME: dict[tuple[str, str], View] = {(v.schema, v.name): v for v in VIEWS}


def find(schema: str | None, name: str) -> View | None:
    """The view ``schema.name``; an unqualified name finds pg_catalog's, as the search path does.

    >>> find(None, "pg_class").name
    'pg_class'
    >>> find("information_schema", "pg_class") is None
    True
    """
    return _BY_NAME.get((schema or "pg_catalog", name))


__all__ = ["VIEWS", "Session", "View", "find"]
