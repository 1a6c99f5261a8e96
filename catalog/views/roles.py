"""pg_database, pg_user, pg_roles, pg_group and pg_auth_members: the namespace's databases and
identities.

Databases are the namespace's, by their Redshift names (never the internal aliases), each with
its recorded owner or, without one, the namespace's first superuser. Users and roles are read
from the system tables (see ``acl``), only the session's namespace's; as in Redshift and
PostgreSQL every user may read these views, and passwords show as ``********``. Views that
would show password hashes (pg_shadow, pg_authid, pg_user_info) do not exist, so user SQL
naming them is refused. Redshift's groups do not exist on Duckshift: pg_group is empty.
"""

from __future__ import annotations

from catalog.views.acl import (
    default_owner_sql,
    memberships_sql,
    owners_sql,
    roles_sql,
    users_sql,
)
from catalog.views.aclitems import acl_items_sql, acl_sql
from catalog.views.base import Session, View, lit, oid_sql, user_oid_expr, values

_UTF8 = 6  # pg_encoding_to_char(6) = 'UTF8'
_DEFAULT_TABLESPACE = 1663


def database_oid_sql(name: str) -> str:
    """SQL for the OID of a database of the namespace (by its Redshift name)."""
    return oid_sql("'database'", lit(name))


def databases_sql(session: Session) -> str:
    """The namespace's databases: (oid, datname, owner), owner by name."""
    rows = " UNION ALL ".join(
        f"SELECT {database_oid_sql(name)} AS oid, {lit(name)} AS datname"
        for name in sorted(session.databases)
    )
    return (
        f"SELECT d.oid, d.datname, coalesce(o.owner, {default_owner_sql(session)}) AS owner "
        f"FROM ({rows}) d LEFT JOIN ({owners_sql(session, 'database')}) o "
        "ON o.database = d.datname"
    )


def pg_database(session: Session) -> str:
    """pg_catalog.pg_database: one row per database of the namespace; datacl from the grants
    on databases (``aclitems``)."""
    return (
        f"SELECT d.oid, d.datname, {user_oid_expr('d.owner')} AS datdba, {_UTF8} AS encoding, "
        "'c' AS datlocprovider, false AS datistemplate, true AS datallowconn, "
        "-1 AS datconnlimit, CAST(0 AS BIGINT) AS datfrozenxid, "
        "CAST(0 AS BIGINT) AS datminmxid, "
        f"CAST({_DEFAULT_TABLESPACE} AS BIGINT) AS dattablespace, 'C' AS datcollate, "
        "'C' AS datctype, CAST(NULL AS VARCHAR) AS daticulocale, "
        "CAST(NULL AS VARCHAR) AS datcollversion, "
        f"{acl_sql('a.items', 'database', 'd.owner')} AS datacl "
        f"FROM ({databases_sql(session)}) d "
        f"LEFT JOIN ({acl_items_sql(session, 'database')}) a ON a.database = d.datname"
    )


def pg_user(session: Session) -> str:
    """pg_catalog.pg_user: the namespace's users (PostgreSQL's columns and Redshift's
    usecatupd)."""
    return (
        "SELECT name AS usename, oid AS usesysid, createdb AS usecreatedb, superuser AS usesuper, "
        "false AS usecatupd, false AS userepl, false AS usebypassrls, '********' AS passwd, "
        "CAST(valid_until AS TIMESTAMP WITH TIME ZONE) AS valuntil, "
        "CAST(NULL AS VARCHAR[]) AS useconfig "
        f"FROM ({users_sql(session)})"
    )


def pg_roles(session: Session) -> str:
    """pg_catalog.pg_roles: the namespace's users (login roles) and roles, system roles
    included, numbered like pg_user so that pg_auth_members and relowner join."""
    return (
        "SELECT name AS rolname, superuser AS rolsuper, true AS rolinherit, "
        "superuser AS rolcreaterole, createdb AS rolcreatedb, true AS rolcanlogin, "
        "false AS rolreplication, CAST(coalesce(connection_limit, -1) AS INTEGER) AS rolconnlimit, "
        "'********' AS rolpassword, "
        "CAST(valid_until AS TIMESTAMP WITH TIME ZONE) AS rolvaliduntil, "
        "false AS rolbypassrls, CAST(NULL AS VARCHAR[]) AS rolconfig, oid "
        f"FROM ({users_sql(session)}) "
        "UNION ALL SELECT name, false, true, false, false, false, false, -1, '********', NULL, "
        f"false, NULL, {user_oid_expr('name')} FROM ({roles_sql(session)})"
    )


def pg_group(session: Session) -> str:
    """pg_catalog.pg_group: empty (Duckshift has roles, not Redshift's groups)."""
    return values([], [("groname", "VARCHAR"), ("grosysid", "BIGINT"),
                       ("grolist", "UINTEGER[]")])


def pg_auth_members(session: Session) -> str:
    """pg_catalog.pg_auth_members: roles granted to users and to roles. The grantor is not
    recorded: the role's owner stands for it (the first superuser for system roles)."""
    return (
        f"SELECT {user_oid_expr('m.role')} AS roleid, {user_oid_expr('m.member')} AS member, "
        f"{user_oid_expr(f'coalesce(r.owner, {default_owner_sql(session)})')} AS grantor, "
        "m.admin_option "
        f"FROM ({memberships_sql(session)}) m LEFT JOIN ({roles_sql(session)}) r "
        "ON r.name = m.role"
    )


VIEWS = (
    View("pg_catalog", "pg_database", pg_database),
    View("pg_catalog", "pg_user", pg_user),
    View("pg_catalog", "pg_roles", pg_roles),
    View("pg_catalog", "pg_group", pg_group),
    View("pg_catalog", "pg_auth_members", pg_auth_members),
)
