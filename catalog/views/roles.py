"""pg_database, pg_user and pg_roles: the namespace's databases and the session's user.

Databases are the namespace's, by their Redshift names (never the internal aliases). Users:
the system catalog is not reachable from SQL and the session context carries only the
current user, so that is the one user shown; every object is shown as owned by it, which
keeps joins on ``relowner = usesysid`` working.
"""

from __future__ import annotations

from catalog.views.base import Session, View, lit, oid_sql, user_oid_sql, values

_UTF8 = 6  # pg_encoding_to_char(6) = 'UTF8'
_DEFAULT_TABLESPACE = 1663


def database_oid_sql(name: str) -> str:
    """SQL for the OID of a database of the namespace (by its Redshift name)."""
    return oid_sql("'database'", lit(name))


def pg_database(session: Session) -> str:
    """pg_catalog.pg_database: one row per database of the namespace."""
    owner = user_oid_sql(session.user)
    names = sorted(session.databases)
    rows = " UNION ALL ".join(
        f"SELECT {database_oid_sql(name)} AS oid, {lit(name)} AS datname" for name in names
    )
    return (
        f"SELECT oid, datname, {owner} AS datdba, {_UTF8} AS encoding, 'c' AS datlocprovider, "
        "false AS datistemplate, true AS datallowconn, -1 AS datconnlimit, "
        "CAST(0 AS BIGINT) AS datfrozenxid, CAST(0 AS BIGINT) AS datminmxid, "
        f"CAST({_DEFAULT_TABLESPACE} AS BIGINT) AS dattablespace, 'C' AS datcollate, "
        "'C' AS datctype, CAST(NULL AS VARCHAR) AS daticulocale, "
        "CAST(NULL AS VARCHAR) AS datcollversion, CAST(NULL AS VARCHAR[]) AS datacl "
        f"FROM ({rows})"
    )


def pg_user(session: Session) -> str:
    """pg_catalog.pg_user: the session user."""
    return (
        f"SELECT {lit(session.user)} AS usename, {user_oid_sql(session.user)} AS usesysid, "
        "true AS usecreatedb, false AS usesuper, false AS userepl, false AS usebypassrls, "
        "'********' AS passwd, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS valuntil, "
        "CAST(NULL AS VARCHAR[]) AS useconfig"
    )


def pg_roles(session: Session) -> str:
    """pg_catalog.pg_roles: the session user as a login role."""
    return (
        f"SELECT {lit(session.user)} AS rolname, false AS rolsuper, true AS rolinherit, "
        "false AS rolcreaterole, true AS rolcreatedb, true AS rolcanlogin, "
        "false AS rolreplication, -1 AS rolconnlimit, '********' AS rolpassword, "
        "CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS rolvaliduntil, false AS rolbypassrls, "
        f"CAST(NULL AS VARCHAR[]) AS rolconfig, {user_oid_sql(session.user)} AS oid"
    )


def pg_auth_members(session: Session) -> str:
    """pg_catalog.pg_auth_members: no role memberships."""
    return values([], [("roleid", "BIGINT"), ("member", "BIGINT"), ("grantor", "BIGINT"),
                       ("admin_option", "BOOLEAN")])


VIEWS = (
    View("pg_catalog", "pg_database", pg_database),
    View("pg_catalog", "pg_user", pg_user),
    View("pg_catalog", "pg_roles", pg_roles),
    View("pg_catalog", "pg_auth_members", pg_auth_members),
)
