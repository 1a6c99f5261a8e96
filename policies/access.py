"""Access control decisions: may this principal do that to this object?

Pure decisions over the catalog's security state (``catalog.security.Security``) handed in;
nothing here resolves names or touches the engine. Redshift's rules:

- superusers may do everything; an object's owner holds every privilege on it;
- otherwise a privilege comes from a grant on the object to the user, to PUBLIC, or to a role
  the user holds (directly or through nested roles); from a scoped grant (``FOR TABLES IN
  SCHEMA s``, ``FOR TABLES IN DATABASE d``, ``FOR SCHEMAS IN DATABASE d``) to the user or one of
  its roles, which covers current and future objects and is independent of object grants; or,
  for the actions they name, from a system privilege held through a role (``CREATE TABLE``,
  ``DROP TABLE``, ...);
- schema privileges do not imply table privileges, and using a table needs USAGE on its schema
  as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.security import Grantee, ObjectKey, Security

# System privileges that stand in for an object privilege on any object of a kind.
_SYSTEM_EQUIVALENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("table", "DROP"): ("DROP TABLE", "DROP VIEW"),
    ("table", "ALTER"): ("ALTER TABLE",),
    ("table", "TRUNCATE"): ("TRUNCATE TABLE",),
    ("table", "ANALYZE"): ("ANALYZE",),
    ("schema", "CREATE"): ("CREATE TABLE", "CREATE OR REPLACE VIEW"),
    ("schema", "USAGE"): ("CREATE TABLE", "DROP TABLE", "ALTER TABLE"),
    ("schema", "DROP"): ("DROP SCHEMA",),
    ("schema", "ALTER"): ("DROP SCHEMA",),
    ("database", "CREATE"): ("CREATE SCHEMA",),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user of a namespace, its roles (closure) and system privileges."""

    namespace: str
    user: str
    superuser: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    system_privileges: frozenset[str] = field(default_factory=frozenset)


def principal(security: Security, namespace: str, user: str, superuser: bool) -> Principal:
    """The principal of ``user`` as the security state stands now."""
    roles = frozenset(security.roles_of(namespace, Grantee("user", user)))
    return Principal(namespace, user, superuser, roles,
                     frozenset(security.system_privileges_of_roles(namespace, roles)))


def is_owner(security: Security, who: Principal, obj: ObjectKey, default_owner: str) -> bool:
    """Whether ``who`` owns ``obj`` (objects with no recorded owner belong to the default)."""
    owner = security.owner(who.namespace, obj)
    return (owner or default_owner) == who.user


def _granted(security: Security, ns: str, who: Principal, holder: ObjectKey, privilege: str,
             scope: str, *, public: bool) -> bool:
    for g in security.grants_on(ns, holder):
        if g.privilege != privilege or g.scope != scope or g.column:
            continue
        kind, name = g.grantee.kind, g.grantee.name
        if (kind == "user" and name == who.user) or (kind == "role" and name in who.roles):
            return True
        if public and kind == "public":
            return True
    return False


def has_privilege(security: Security, who: Principal, obj: ObjectKey, privilege: str,
                  default_owner: str, ns: str | None = None) -> bool:
    """Whether ``who`` holds ``privilege`` on ``obj`` (an object of namespace ``ns``, default
    the principal's own), however it was given."""
    ns = ns or who.namespace
    if who.superuser:
        return True
    if ns == who.namespace and is_owner(security, who, obj, default_owner):
        return True
    if _granted(security, ns, who, obj, privilege, "", public=True):
        return True
    if obj.kind == "table":
        if _granted(security, ns, who, ObjectKey("schema", obj.database, obj.schema),
                    privilege, "tables", public=False):
            return True
        if _granted(security, ns, who, ObjectKey("database", obj.database), privilege,
                    "tables", public=False):
            return True
    if obj.kind == "function":
        if _granted(security, ns, who, ObjectKey("schema", obj.database, obj.schema),
                    privilege, "functions", public=False):
            return True
        if _granted(security, ns, who, ObjectKey("database", obj.database), privilege,
                    "functions", public=False):
            return True
    if obj.kind == "schema" and _granted(
        security, ns, who, ObjectKey("database", obj.database), privilege, "schemas",
        public=False,
    ):
        return True
    return any(p in who.system_privileges
               for p in _SYSTEM_EQUIVALENTS.get((obj.kind, privilege), ()))


def column_privileges(security: Security, who: Principal, obj: ObjectKey, privilege: str,
                      ns: str | None = None) -> set[str]:
    """The columns of ``obj`` on which ``who`` holds ``privilege`` through column grants."""
    ns = ns or who.namespace
    cols: set[str] = set()
    for g in security.grants_on(ns, obj):
        if g.privilege != privilege or not g.column:
            continue
        kind, name = g.grantee.kind, g.grantee.name
        if (kind == "user" and name == who.user) or (kind == "role" and name in who.roles) \
                or kind == "public":
            cols.add(g.column)
    return cols


def may_grant(security: Security, who: Principal, obj: ObjectKey, privilege: str,
              default_owner: str) -> bool:
    """Whether ``who`` may grant ``privilege`` on ``obj``: superuser, owner, or a holder of
    the privilege WITH GRANT OPTION (given to the user itself, as Redshift requires)."""
    if who.superuser or is_owner(security, who, obj, default_owner):
        return True
    return any(
        g.privilege == privilege and g.grantable and g.grantee.kind == "user"
        and g.grantee.name == who.user and not g.column
        for g in security.grants_on(who.namespace, obj)
    )


def has_role(who: Principal, role: str) -> bool:
    """Whether ``who`` holds ``role`` (directly or nested)."""
    return role in who.roles


def has_system_privilege(who: Principal, privilege: str) -> bool:
    """Whether ``who`` holds a system privilege (superusers hold them all)."""
    return who.superuser or privilege in who.system_privileges


def denied_message(key: ObjectKey) -> str:
    """Redshift's wording when ``key`` may not be used: ``permission denied for relation t``
    (schema, database, function, datashare alike)."""
    word = "relation" if key.kind == "table" else key.kind
    return f"permission denied for {word} {key.name or key.schema or key.database}"
