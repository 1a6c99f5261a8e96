"""information_schema.table_privileges and column_privileges.

Every relation is shown as owned by the session user (see ``roles``), and an owner holds every
privilege on what it owns, grantable: so each table and view lists PostgreSQL's table
privileges, and each column the column privileges, granted by and to the session user.
"""

from __future__ import annotations

from catalog.views.base import Session, View, lit
from catalog.views.information_schema import column_facts_sql
from catalog.views.pg_class import relations_sql

_TABLE_PRIVILEGES = ("INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
_COLUMN_PRIVILEGES = ("INSERT", "SELECT", "UPDATE", "REFERENCES")


def _privileges(names: tuple[str, ...]) -> str:
    return "(SELECT unnest([" + ", ".join(lit(p) for p in names) + "]) AS privilege_type)"


def table_privileges(session: Session) -> str:
    """information_schema.table_privileges: the owner's privileges on each table and view."""
    user, db = lit(session.user), lit(session.database)
    return (
        f"SELECT {user} AS grantor, {user} AS grantee, {db} AS table_catalog, "
        "nspname AS table_schema, relname AS table_name, privilege_type, "
        "'YES' AS is_grantable, "
        "CASE privilege_type WHEN 'SELECT' THEN 'YES' ELSE 'NO' END AS with_hierarchy "
        f"FROM ({relations_sql(session)}) CROSS JOIN {_privileges(_TABLE_PRIVILEGES)} "
        "WHERE relkind IN ('r', 'v')"
    )


def column_privileges(session: Session) -> str:
    """information_schema.column_privileges: the owner's privileges on each column."""
    user, db = lit(session.user), lit(session.database)
    return (
        f"SELECT {user} AS grantor, {user} AS grantee, {db} AS table_catalog, "
        "nspname AS table_schema, relname AS table_name, attname AS column_name, "
        "privilege_type, 'YES' AS is_grantable "
        f"FROM ({column_facts_sql(session)}) CROSS JOIN {_privileges(_COLUMN_PRIVILEGES)}"
    )


VIEWS = (
    View("information_schema", "table_privileges", table_privileges),
    View("information_schema", "column_privileges", column_privileges),
)
