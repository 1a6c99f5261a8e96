"""The namespace's users, roles, grants and owners, as SQL over the system tables.

Users, roles, memberships, grants and owners live in the system database
(``catalog.store.SYSTEM_SCHEMA``), attached to the same DuckDB instance as the namespaces'
databases. The views read those tables when they run, so a GRANT or CREATE USER shows at the
next query without a cached translation having to be forgotten. User SQL can never name them
(the sandbox refuses ``__ds_`` identifiers before the views are spliced in). Every read here is
filtered to the session's namespace, and the password verifiers are never selected.

Identities are numbered as the pg_* views number them: a user or role by the hash OID of its
name (``user_oid_expr``), so pg_user.usesysid, pg_roles.oid, relowner and pg_auth_members
agree. The SVV views' identity_id is that OID for users and the role id for roles, as Redshift
numbers roles apart from users.

Visibility follows Redshift: superusers, and users holding ACCESS SYSTEM TABLE through a role,
see every row of the SVV privilege views; other users see the rows about themselves, about the
roles they hold (directly or nested) and about PUBLIC.
"""

from __future__ import annotations

from catalog.security import SYSTEM_ROLES
from catalog.store import SYSTEM_SCHEMA
from catalog.views.base import Session, lit, user_oid_expr, values

PUBLIC_IDENTITY_ID = 0  # PostgreSQL's ACLs name PUBLIC by OID 0


def system_table(name: str) -> str:
    """The qualified name of one of the system database's tables."""
    return f"{SYSTEM_SCHEMA}.{name}"


def _in_namespace(session: Session) -> str:
    return f"namespace_guid = {lit(session.namespace)}"


def users_sql(session: Session) -> str:
    """The namespace's users: (name, oid, superuser, createdb, connection_limit, valid_until,
    session_timeout). No verifier column is read."""
    return (
        f"SELECT name, {user_oid_expr('name')} AS oid, superuser, createdb, connection_limit, "
        "valid_until, session_timeout "
        f"FROM {system_table('users')} WHERE {_in_namespace(session)}"
    )


def _system_roles_sql() -> str:
    rows = [(role_id, name, None, None) for name, (role_id, _) in SYSTEM_ROLES.items()]
    return values(rows, [("role_id", "INTEGER"), ("name", "VARCHAR"), ("owner", "VARCHAR"),
                         ("external_id", "VARCHAR")])


def roles_sql(session: Session) -> str:
    """The namespace's roles, system roles included: (role_id, name, owner, external_id)."""
    return (
        "SELECT CAST(role_id AS INTEGER) AS role_id, name, owner, external_id "
        f"FROM {system_table('roles')} WHERE {_in_namespace(session)} "
        f"UNION ALL {_system_roles_sql()}"
    )


def memberships_sql(session: Session) -> str:
    """Roles granted to users and to roles: (member_kind, member, role, admin_option)."""
    return (
        "SELECT member_kind, member, role, admin_option "
        f"FROM {system_table('memberships')} WHERE {_in_namespace(session)}"
    )


def grants_sql(session: Session) -> str:
    """The namespace's grants, except those to datashares (SVV_DATASHARE_* show those)."""
    return (
        "SELECT object_kind, database, schema_name, name, scope, privilege, column_name, "
        "grantee_kind, grantee, grantable, grantor "
        f"FROM {system_table('grants')} "
        f"WHERE {_in_namespace(session)} AND grantee_kind <> 'datashare'"
    )


def system_privileges_sql(session: Session) -> str:
    """(role, privilege): system privileges granted to roles, and those the system roles hold
    by definition."""
    builtin = [(role, privilege) for role, (_, privileges) in SYSTEM_ROLES.items()
               for privilege in sorted(privileges)]
    return (
        f"SELECT role, privilege FROM {system_table('system_privileges')} "
        f"WHERE {_in_namespace(session)} "
        f"UNION ALL {values(builtin, [('role', 'VARCHAR'), ('privilege', 'VARCHAR')])}"
    )


def default_privileges_sql(session: Session) -> str:
    """ALTER DEFAULT PRIVILEGES entries of the current database."""
    return (
        "SELECT for_user, schema_name, object_kind, privilege, grantee_kind, grantee, grantable "
        f"FROM {system_table('default_privileges')} "
        f"WHERE {_in_namespace(session)} AND database = {lit(session.database)}"
    )


def default_owner_sql(session: Session) -> str:
    """A scalar subquery: the owner of objects with no recorded owner, the namespace's first
    superuser (lowest usesysid)."""
    return (
        f"(SELECT name FROM {system_table('users')} "
        f"WHERE {_in_namespace(session)} AND superuser ORDER BY usesysid LIMIT 1)"
    )


def owners_sql(session: Session, kind: str) -> str:
    """Recorded owners of one kind of object (table, schema, database):
    (database, schema_name, name, owner)."""
    return (
        "SELECT database, schema_name, name, owner "
        f"FROM {system_table('owners')} "
        f"WHERE {_in_namespace(session)} AND object_kind = {lit(kind)}"
    )


def identities_sql(session: Session) -> str:
    """Every grantee by kind and name with its identity_id: users (hash OID), roles (role id)
    and PUBLIC (0, name '')."""
    return (
        "SELECT 'user' AS kind, name, CAST(oid AS INTEGER) AS identity_id "
        f"FROM ({users_sql(session)}) "
        f"UNION ALL SELECT 'role', name, role_id FROM ({roles_sql(session)}) "
        f"UNION ALL SELECT 'public', '', {PUBLIC_IDENTITY_ID}"
    )


def held_roles_sql(session: Session) -> str:
    """The roles the session user holds, directly or through nested roles (one column, role).

    UNION (not UNION ALL) makes the recursion stop on a cycle of role grants.
    """
    memberships = system_table("memberships")
    return (
        "WITH RECURSIVE held(role) AS ("
        f"SELECT role FROM {memberships} WHERE {_in_namespace(session)} "
        f"AND member_kind = 'user' AND member = {lit(session.user)} "
        f"UNION SELECT m.role FROM {memberships} m JOIN held h ON m.member = h.role "
        f"WHERE m.namespace_guid = {lit(session.namespace)} AND m.member_kind = 'role') "
        "SELECT role FROM held"
    )


def sees_all_sql(session: Session) -> str:
    """SQL true when the session may see every row: a superuser, or a holder of ACCESS SYSTEM
    TABLE through one of its roles."""
    if session.superuser:
        return "true"
    return (
        f"EXISTS (SELECT 1 FROM ({system_privileges_sql(session)}) sp "
        f"WHERE sp.privilege = 'ACCESS SYSTEM TABLE' AND sp.role IN ({held_roles_sql(session)}))"
    )


def visible_sql(session: Session, kind: str, name: str) -> str:
    """SQL true for a row about the identity (kind, name: SQL expressions) that the session
    may see: itself, a role it holds, PUBLIC; every identity if it sees all."""
    if session.superuser:
        return "true"
    return (
        f"({kind} = 'public' OR ({kind} = 'user' AND {name} = {lit(session.user)}) "
        f"OR ({kind} = 'role' AND {name} IN ({held_roles_sql(session)})) "
        f"OR {sees_all_sql(session)})"
    )
