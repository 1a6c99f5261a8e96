"""Redshift's identity and privilege views: SVV_RELATION_PRIVILEGES, SVV_SCHEMA_PRIVILEGES,
SVV_DATABASE_PRIVILEGES, SVV_COLUMN_PRIVILEGES, SVV_FUNCTION_PRIVILEGES,
SVV_DEFAULT_PRIVILEGES, SVV_DATASHARE_PRIVILEGES (ALTER and SHARE on the namespace's own
datashares), SVV_ROLES, SVV_USER_GRANTS, SVV_ROLE_GRANTS, SVV_SYSTEM_PRIVILEGES and
SVV_USER_INFO, with Redshift's columns.

They list what was granted explicitly (an owner's implicit privileges are not rows, as in
Redshift). Scoped grants (FOR TABLES IN SCHEMA s, FOR SCHEMAS IN DATABASE d ...) show in the
schema and database views with their privilege_scope (TABLES, SCHEMAS, FUNCTIONS; SCHEMA or
DATABASE for a grant on the object itself). Relation, column and schema rows are the current
database's; database rows are the namespace's databases.

Visibility (see ``acl``): superusers and holders of ACCESS SYSTEM TABLE see every row; other
users see rows about themselves, the roles they hold and PUBLIC (SVV_USER_GRANTS: the roles
granted to them; SVV_USER_INFO: their own row). SVV_ROLES is visible to all.
"""

from __future__ import annotations

from catalog.views.acl import (
    PUBLIC_IDENTITY_ID,
    default_privileges_sql,
    grants_sql,
    held_roles_sql,
    identities_sql,
    memberships_sql,
    roles_sql,
    sees_all_sql,
    system_privileges_sql,
    users_sql,
    visible_sql,
)
from catalog.views.base import Session, View, lit, user_oid_expr, values


def _identity_columns() -> str:
    """identity_id, identity_name, identity_type of the grantee of the grant ``g`` (joined
    to its identity ``i``)."""
    return (
        f"CAST(coalesce(i.identity_id, {PUBLIC_IDENTITY_ID}) AS INTEGER) AS identity_id, "
        "CASE g.grantee_kind WHEN 'public' THEN 'public' ELSE g.grantee END AS identity_name, "
        "g.grantee_kind AS identity_type"
    )


def _grants(session: Session, where: str) -> str:
    """FROM clause: the visible grants matching ``where`` (over ``g``), each joined to its
    grantee's identity ``i``."""
    return (
        f"FROM ({grants_sql(session)}) g LEFT JOIN ({identities_sql(session)}) i "
        "ON i.kind = g.grantee_kind AND i.name = g.grantee "
        f"WHERE {where} AND {visible_sql(session, 'g.grantee_kind', 'g.grantee')}"
    )


def _scope(object_scope: str) -> str:
    """privilege_scope: the object's own scope for an object grant, else the scoped grant's
    kind in upper case."""
    return (
        f"CASE g.scope WHEN '' THEN {lit(object_scope)} ELSE upper(g.scope) END "
        "AS privilege_scope"
    )


def _current_database(session: Session) -> str:
    return f"g.database = {lit(session.database)}"


def svv_relation_privileges(session: Session) -> str:
    """SVV_RELATION_PRIVILEGES: privileges granted on tables and views."""
    where = (f"g.object_kind = 'table' AND {_current_database(session)} AND g.scope = '' "
             "AND g.column_name = ''")
    return (
        "SELECT g.schema_name AS namespace_name, g.name AS relation_name, "
        f"g.privilege AS privilege_type, {_identity_columns()}, g.grantable AS admin_option "
        f"{_grants(session, where)}"
    )


def svv_column_privileges(session: Session) -> str:
    """SVV_COLUMN_PRIVILEGES: privileges granted on columns."""
    where = (f"g.object_kind = 'table' AND {_current_database(session)} AND g.scope = '' "
             "AND g.column_name <> ''")
    return (
        "SELECT g.schema_name AS namespace_name, g.name AS relation_name, "
        "g.column_name AS column_name, g.privilege AS privilege_type, "
        f"{_identity_columns()} {_grants(session, where)}"
    )


def svv_schema_privileges(session: Session) -> str:
    """SVV_SCHEMA_PRIVILEGES: privileges granted on schemas, and scoped grants held on them."""
    where = f"g.object_kind = 'schema' AND {_current_database(session)}"
    return (
        "SELECT g.schema_name AS namespace_name, g.privilege AS privilege_type, "
        f"{_identity_columns()}, g.grantable AS admin_option, {_scope('SCHEMA')} "
        f"{_grants(session, where)}"
    )


def svv_database_privileges(session: Session) -> str:
    """SVV_DATABASE_PRIVILEGES: privileges granted on the namespace's databases, and scoped
    grants held on them."""
    return (
        "SELECT g.database AS database_name, g.privilege AS privilege_type, "
        f"{_identity_columns()}, g.grantable AS admin_option, {_scope('DATABASE')} "
        f"{_grants(session, 'g.object_kind = ' + lit('database'))}"
    )


def svv_function_privileges(session: Session) -> str:
    """SVV_FUNCTION_PRIVILEGES: empty (there are no user-defined functions yet)."""
    return values([], [
        ("namespace_name", "VARCHAR"), ("function_name", "VARCHAR"),
        ("argument_types", "VARCHAR"), ("privilege_type", "VARCHAR"),
        ("identity_id", "INTEGER"), ("identity_name", "VARCHAR"),
        ("identity_type", "VARCHAR"), ("admin_option", "BOOLEAN"),
    ])


def svv_default_privileges(session: Session) -> str:
    """SVV_DEFAULT_PRIVILEGES: ALTER DEFAULT PRIVILEGES of the current database; a NULL
    schema_name covers every schema. Others than superusers see those granted to them (or to
    their roles, or PUBLIC) and those they set for their own objects."""
    visible = visible_sql(session, "d.grantee_kind", "d.grantee")
    return (
        "SELECT CASE d.schema_name WHEN '' THEN NULL ELSE d.schema_name END AS schema_name, "
        "CASE d.object_kind WHEN 'functions' THEN 'FUNCTION' ELSE 'RELATION' END "
        "AS object_type, "
        f"CAST({user_oid_expr('d.for_user')} AS INTEGER) AS owner_id, "
        "d.for_user AS owner_name, 'user' AS owner_type, d.privilege AS privilege_type, "
        f"CAST(coalesce(i.identity_id, {PUBLIC_IDENTITY_ID}) AS INTEGER) AS grantee_id, "
        "CASE d.grantee_kind WHEN 'public' THEN 'public' ELSE d.grantee END AS grantee_name, "
        "d.grantee_kind AS grantee_type, d.grantable AS admin_option "
        f"FROM ({default_privileges_sql(session)}) d "
        f"LEFT JOIN ({identities_sql(session)}) i "
        "ON i.kind = d.grantee_kind AND i.name = d.grantee "
        f"WHERE {visible} OR d.for_user = {lit(session.user)}"
    )


def svv_datashare_privileges(session: Session) -> str:
    """SVV_DATASHARE_PRIVILEGES: ALTER and SHARE granted on the namespace's own datashares."""
    where = "g.object_kind = 'datashare' AND g.privilege IN ('ALTER', 'SHARE')"
    return (
        "SELECT g.name AS datashare_name, g.privilege AS privilege_type, "
        f"{_identity_columns()}, g.grantable AS admin_option {_grants(session, where)}"
    )


def svv_roles(session: Session) -> str:
    """SVV_ROLES: every role of the namespace, system roles included (visible to all)."""
    return (
        "SELECT role_id, name AS role_name, owner AS role_owner, external_id "
        f"FROM ({roles_sql(session)})"
    )


def svv_user_grants(session: Session) -> str:
    """SVV_USER_GRANTS: roles granted to users (others than superusers: to themselves)."""
    own = "true" if session.superuser else (
        f"(m.member = {lit(session.user)} OR {sees_all_sql(session)})"
    )
    return (
        f"SELECT CAST({user_oid_expr('m.member')} AS INTEGER) AS user_id, "
        "m.member AS user_name, r.role_id, m.role AS role_name, m.admin_option "
        f"FROM ({memberships_sql(session)}) m JOIN ({roles_sql(session)}) r "
        f"ON r.name = m.role WHERE m.member_kind = 'user' AND {own}"
    )


def svv_role_grants(session: Session) -> str:
    """SVV_ROLE_GRANTS: roles granted to roles (others than superusers: to roles they hold)."""
    return (
        "SELECT r.role_id, m.member AS role_name, gr.role_id AS granted_role_id, "
        "m.role AS granted_role_name "
        f"FROM ({memberships_sql(session)}) m JOIN ({roles_sql(session)}) r "
        f"ON r.name = m.member JOIN ({roles_sql(session)}) gr ON gr.name = m.role "
        f"WHERE m.member_kind = 'role' AND {visible_sql(session, 'm.member_kind', 'm.member')}"
    )


def svv_system_privileges(session: Session) -> str:
    """SVV_SYSTEM_PRIVILEGES: system privileges of roles, the system roles' built-in ones
    included (others than superusers: of the roles they hold)."""
    visible = "true" if session.superuser else (
        f"(p.role IN ({held_roles_sql(session)}) OR {sees_all_sql(session)})"
    )
    return (
        "SELECT p.privilege AS system_privilege, r.role_id AS identity_id, "
        "p.role AS identity_name, 'role' AS identity_type "
        f"FROM ({system_privileges_sql(session)}) p JOIN ({roles_sql(session)}) r "
        f"ON r.name = p.role WHERE {visible}"
    )


def svv_user_info(session: Session) -> str:
    """SVV_USER_INFO: the namespace's users (others than superusers: themselves)."""
    own = "true" if session.superuser else f"name = {lit(session.user)}"
    return (
        "SELECT name AS user_name, CAST(oid AS INTEGER) AS user_id, createdb, superuser, "
        "false AS catalog_update, "
        "coalesce(CAST(connection_limit AS VARCHAR), 'UNLIMITED') AS connection_limit, "
        "'RESTRICTED' AS syslog_access, CAST(NULL AS TIMESTAMP) AS last_ddl_timestamp, "
        "CAST(coalesce(session_timeout, 0) AS INTEGER) AS session_timeout, "
        "CAST(NULL AS VARCHAR) AS external_user_id "
        f"FROM ({users_sql(session)}) WHERE {own}"
    )


VIEWS = (
    View("pg_catalog", "svv_relation_privileges", svv_relation_privileges),
    View("pg_catalog", "svv_column_privileges", svv_column_privileges),
    View("pg_catalog", "svv_schema_privileges", svv_schema_privileges),
    View("pg_catalog", "svv_database_privileges", svv_database_privileges),
    View("pg_catalog", "svv_function_privileges", svv_function_privileges),
    View("pg_catalog", "svv_default_privileges", svv_default_privileges),
    View("pg_catalog", "svv_datashare_privileges", svv_datashare_privileges),
    View("pg_catalog", "svv_roles", svv_roles),
    View("pg_catalog", "svv_user_grants", svv_user_grants),
    View("pg_catalog", "svv_role_grants", svv_role_grants),
    View("pg_catalog", "svv_system_privileges", svv_system_privileges),
    View("pg_catalog", "svv_user_info", svv_user_info),
)
