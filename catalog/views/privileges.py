"""information_schema.table_privileges, role_table_grants and column_privileges.

As PostgreSQL shows them: the privileges granted on each table and view of the current
database (to users, roles and PUBLIC), plus those its owner holds by owning it, granted by
and to the owner and grantable. column_privileges lists, per column, the column grants and the
table-level grants of the column privileges (a table-level SELECT covers every column).
Scoped grants (FOR TABLES IN SCHEMA ...) are not object grants and do not show here; the
SVV_*_PRIVILEGES views list them.

A row shows when its grantor or grantee is the session user, one of the roles it holds, or
PUBLIC; superusers see every row (PostgreSQL's "currently enabled role" rule).
"""

from __future__ import annotations

from catalog.views.acl import grants_sql, visible_sql
from catalog.views.base import Session, View, lit
from catalog.views.pg_class import relations_sql
from catalog.views.scope import engine_rows_sql

_TABLE_PRIVILEGES = ("INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
_COLUMN_PRIVILEGES = ("INSERT", "SELECT", "UPDATE", "REFERENCES")
_USER = "'user'"  # an owner is a user


def _privileges(names: tuple[str, ...]) -> str:
    return "(SELECT unnest([" + ", ".join(lit(p) for p in names) + "]) AS privilege_type)"


def _in(names: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(p) for p in names) + ")"


def _grantee_name() -> str:
    return "CASE g.grantee_kind WHEN 'public' THEN 'PUBLIC' ELSE g.grantee END"


def _table_grants_sql(session: Session) -> str:
    """The current database's object grants on tables and views, joined to their relations:
    (nspname, relname, grantor, grantee, privilege, grantable, column_name)."""
    return (
        f"SELECT r.nspname, r.relname, g.grantor, {_grantee_name()} AS grantee, "
        "g.privilege, g.grantable, g.column_name "
        f"FROM ({relations_sql(session)}) r JOIN ({grants_sql(session)}) g "
        f"ON g.object_kind = 'table' AND g.database = {lit(session.database)} "
        "AND g.schema_name = r.nspname AND g.name = r.relname AND g.scope = '' "
        "WHERE r.relkind IN ('r', 'v') "
        f"AND ({visible_sql(session, 'g.grantee_kind', 'g.grantee')} "
        f"OR g.grantor = {lit(session.user)})"
    )


def table_privileges(session: Session) -> str:
    """information_schema.table_privileges: grants on tables and views, and owners'
    privileges."""
    db = lit(session.database)
    hierarchy = "CASE privilege_type WHEN 'SELECT' THEN 'YES' ELSE 'NO' END AS with_hierarchy"
    return (
        f"SELECT owner AS grantor, owner AS grantee, {db} AS table_catalog, "
        "nspname AS table_schema, relname AS table_name, privilege_type, "
        f"'YES' AS is_grantable, {hierarchy} "
        f"FROM ({relations_sql(session)}) CROSS JOIN {_privileges(_TABLE_PRIVILEGES)} "
        f"WHERE relkind IN ('r', 'v') AND {visible_sql(session, _USER, 'owner')} "
        f"UNION ALL SELECT grantor, grantee, {db}, nspname, relname, privilege AS privilege_type, "
        f"CASE WHEN grantable THEN 'YES' ELSE 'NO' END, {hierarchy} "
        f"FROM ({_table_grants_sql(session)}) WHERE column_name = ''"
    )


def column_privileges(session: Session) -> str:
    """information_schema.column_privileges: column grants, table-level grants of column
    privileges, and owners' privileges, per column."""
    db = lit(session.database)
    columns = (
        "SELECT schema_name AS nspname, table_name AS relname, column_name AS attname "
        f"FROM ({engine_rows_sql(session, 'duckdb_columns')})"
    )
    return (
        f"SELECT r.owner AS grantor, r.owner AS grantee, {db} AS table_catalog, "
        "r.nspname AS table_schema, r.relname AS table_name, c.attname AS column_name, "
        "p.privilege_type, 'YES' AS is_grantable "
        f"FROM ({relations_sql(session)}) r JOIN ({columns}) c "
        "ON c.nspname = r.nspname AND c.relname = r.relname "
        f"CROSS JOIN {_privileges(_COLUMN_PRIVILEGES)} p "
        f"WHERE r.relkind IN ('r', 'v') AND {visible_sql(session, _USER, 'r.owner')} "
        f"UNION ALL SELECT g.grantor, g.grantee, {db}, g.nspname, g.relname, c.attname, "
        "g.privilege, CASE WHEN g.grantable THEN 'YES' ELSE 'NO' END "
        f"FROM ({_table_grants_sql(session)}) g JOIN ({columns}) c "
        "ON c.nspname = g.nspname AND c.relname = g.relname "
        "AND (g.column_name = c.attname OR g.column_name = '') "
        f"WHERE g.privilege IN {_in(_COLUMN_PRIVILEGES)}"
    )


VIEWS = (
    View("information_schema", "table_privileges", table_privileges),
    # PostgreSQL's role_table_grants is table_privileges seen through enabled roles, which is
    # the visibility rule table_privileges already follows here.
    View("information_schema", "role_table_grants", table_privileges),
    View("information_schema", "column_privileges", column_privileges),
)
