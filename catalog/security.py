"""Roles, role memberships, privileges, ownership and default privileges, per namespace.

Persisted in the system DuckDB database beside users; every read is served from the in-memory
copy that each write keeps current, so a privilege check costs dictionary lookups. ``version``
moves on every change: decisions memoized by callers are keyed by it, which is how a GRANT or
REVOKE reaches open sessions at their next statement.

Objects are named, not numbered: an object key is (kind, database, schema, name) with
Redshift's names. Dropping or renaming an object must therefore move or forget its rows
(``forget_object``, ``rename_object``), or a new object of the same name would inherit them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import duckdb

from catalog.errors import DuplicateObject, UndefinedObject
from catalog.persisted import Persisted

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.roles (
    namespace_guid VARCHAR NOT NULL, role_id INTEGER NOT NULL, name VARCHAR NOT NULL,
    owner VARCHAR, external_id VARCHAR, PRIMARY KEY (namespace_guid, name));
CREATE TABLE IF NOT EXISTS {s}.memberships (
    namespace_guid VARCHAR NOT NULL, member_kind VARCHAR NOT NULL, member VARCHAR NOT NULL,
    role VARCHAR NOT NULL, admin_option BOOLEAN NOT NULL,
    PRIMARY KEY (namespace_guid, member_kind, member, role));
CREATE TABLE IF NOT EXISTS {s}.grants (
    namespace_guid VARCHAR NOT NULL, object_kind VARCHAR NOT NULL, database VARCHAR NOT NULL,
    schema_name VARCHAR NOT NULL, name VARCHAR NOT NULL, scope VARCHAR NOT NULL,
    privilege VARCHAR NOT NULL, column_name VARCHAR NOT NULL, grantee_kind VARCHAR NOT NULL,
    grantee VARCHAR NOT NULL, grantable BOOLEAN NOT NULL, grantor VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.owners (
    namespace_guid VARCHAR NOT NULL, object_kind VARCHAR NOT NULL, database VARCHAR NOT NULL,
    schema_name VARCHAR NOT NULL, name VARCHAR NOT NULL, owner VARCHAR NOT NULL,
    PRIMARY KEY (namespace_guid, object_kind, database, schema_name, name));
CREATE TABLE IF NOT EXISTS {s}.system_privileges (
    namespace_guid VARCHAR NOT NULL, role VARCHAR NOT NULL, privilege VARCHAR NOT NULL,
    PRIMARY KEY (namespace_guid, role, privilege));
CREATE TABLE IF NOT EXISTS {s}.default_privileges (
    namespace_guid VARCHAR NOT NULL, database VARCHAR NOT NULL, for_user VARCHAR NOT NULL,
    schema_name VARCHAR NOT NULL, object_kind VARCHAR NOT NULL, privilege VARCHAR NOT NULL,
    grantee_kind VARCHAR NOT NULL, grantee VARCHAR NOT NULL, grantable BOOLEAN NOT NULL);
"""

# Role ids live apart from user ids (users start at 100) so SVV views can show both.
FIRST_ROLE_ID = 100_000

# Redshift's system privileges (GRANT <privilege> TO ROLE r).
SYSTEM_PRIVILEGES = frozenset({
    "CREATE USER", "DROP USER", "ALTER USER", "CREATE SCHEMA", "DROP SCHEMA",
    "ALTER DEFAULT PRIVILEGES", "CREATE TABLE", "DROP TABLE", "ALTER TABLE",
    "CREATE OR REPLACE FUNCTION", "CREATE OR REPLACE EXTERNAL FUNCTION", "DROP FUNCTION",
    "CREATE OR REPLACE PROCEDURE", "DROP PROCEDURE", "CREATE OR REPLACE VIEW", "DROP VIEW",
    "CREATE MODEL", "DROP MODEL", "CREATE DATASHARE", "ALTER DATASHARE", "DROP DATASHARE",
    "CREATE LIBRARY", "DROP LIBRARY", "CREATE ROLE", "DROP ROLE", "TRUNCATE TABLE",
    "VACUUM", "ANALYZE", "CANCEL", "ACCESS SYSTEM TABLE", "EXPLAIN RLS", "IGNORE RLS",
    "EXPLAIN MASKING", "ACCESS CATALOG",
})

_MONITOR = frozenset({"ACCESS SYSTEM TABLE", "ACCESS CATALOG"})
_OPERATOR = _MONITOR | {"ANALYZE", "VACUUM", "CANCEL"}
_DBA = _OPERATOR | {
    "CREATE SCHEMA", "DROP SCHEMA", "CREATE TABLE", "DROP TABLE", "ALTER TABLE",
    "TRUNCATE TABLE", "CREATE OR REPLACE FUNCTION", "CREATE OR REPLACE EXTERNAL FUNCTION",
    "DROP FUNCTION", "CREATE OR REPLACE PROCEDURE", "DROP PROCEDURE",
    "CREATE OR REPLACE VIEW", "DROP VIEW", "ALTER DEFAULT PRIVILEGES",
}
_SECADMIN = frozenset({
    "CREATE USER", "DROP USER", "ALTER USER", "CREATE ROLE", "DROP ROLE", "EXPLAIN RLS",
    "IGNORE RLS", "EXPLAIN MASKING",
})
# The system-defined roles of every namespace, with their documented powers. Their ids are
# fixed so that they are the same in every namespace and across restarts.
SYSTEM_ROLES: dict[str, tuple[int, frozenset[str]]] = {
    "sys:monitor": (1, _MONITOR),
    "sys:operator": (2, _OPERATOR),
    "sys:dba": (3, _DBA),
    "sys:superuser": (4, SYSTEM_PRIVILEGES),
    "sys:secadmin": (5, _SECADMIN),
}
# Reserved name prefixes (Redshift creates ds:<share> roles itself).
RESERVED_PREFIXES = ("sys:", "ds:")


@dataclass(frozen=True, slots=True)
class ObjectKey:
    """A securable object by name: kind is database, schema, table, function or datashare."""

    kind: str
    database: str = ""
    schema: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Grantee:
    """Who a privilege or role is granted to: kind is user, role, public or datashare."""

    kind: str
    name: str = ""


PUBLIC = Grantee("public")


@dataclass(frozen=True, slots=True)
class Grant:
    """One privilege on one object (or scope), to one grantee.

    ``scope`` is empty for an object grant; for scoped grants it names what the grant covers
    inside the object (``tables``, ``schemas``, ``functions``), current and future alike.
    ``column`` is set for a column-level grant.
    """

    obj: ObjectKey
    privilege: str
    grantee: Grantee
    grantable: bool = False
    scope: str = ""
    column: str = ""
    grantor: str = ""


@dataclass(frozen=True, slots=True)
class Role:
    """A role of a namespace."""

    role_id: int
    name: str
    owner: str | None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """A role granted to a user or to another role."""

    member: Grantee
    role: str
    admin_option: bool = False


@dataclass(frozen=True, slots=True)
class DefaultPrivilege:
    """ALTER DEFAULT PRIVILEGES: granted on each object ``for_user`` later creates."""

    database: str
    for_user: str
    schema: str  # empty: every schema of the database
    object_kind: str  # tables or functions
    privilege: str
    grantee: Grantee
    grantable: bool = False


class _NamespaceAcl:
    """The in-memory security state of one namespace."""

    def __init__(self) -> None:
        self.roles: dict[str, Role] = {}
        self.memberships: dict[tuple[Grantee, str], Membership] = {}
        self.grants: dict[ObjectKey, set[Grant]] = {}
        self.owners: dict[ObjectKey, str] = {}
        self.system_privileges: dict[str, set[str]] = {}
        self.default_privileges: set[DefaultPrivilege] = set()


class Security(Persisted):
    """Roles, memberships, grants, owners and default privileges of every namespace."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        super().__init__(con, schema, _SCHEMA)
        self._acls: dict[str, _NamespaceAcl] = {}
        self._load()

    # -- loading and persistence ---------------------------------------------------------
    def _load(self) -> None:
        s = self._s
        for ns, rid, name, owner, ext in self._con.execute(
            f"SELECT namespace_guid, role_id, name, owner, external_id FROM {s}.roles"
        ).fetchall():
            self.acl(ns).roles[name] = Role(rid, name, owner, ext)
        for ns, kind, member, role, admin in self._con.execute(
            f"SELECT namespace_guid, member_kind, member, role, admin_option FROM {s}.memberships"
        ).fetchall():
            m = Membership(Grantee(kind, member), role, admin)
            self.acl(ns).memberships[(m.member, role)] = m
        for row in self._con.execute(
            "SELECT namespace_guid, object_kind, database, schema_name, name, scope, privilege, "
            f"column_name, grantee_kind, grantee, grantable, grantor FROM {s}.grants"
        ).fetchall():
            g = Grant(ObjectKey(row[1], row[2], row[3], row[4]), row[6],
                      Grantee(row[8], row[9]), row[10], row[5], row[7], row[11])
            self.acl(row[0]).grants.setdefault(g.obj, set()).add(g)
        for ns, kind, db, sch, name, owner in self._con.execute(
            "SELECT namespace_guid, object_kind, database, schema_name, name, owner "
            f"FROM {s}.owners"
        ).fetchall():
            self.acl(ns).owners[ObjectKey(kind, db, sch, name)] = owner
        for ns, role, priv in self._con.execute(
            f"SELECT namespace_guid, role, privilege FROM {s}.system_privileges"
        ).fetchall():
            self.acl(ns).system_privileges.setdefault(role, set()).add(priv)
        for row in self._con.execute(
            "SELECT namespace_guid, database, for_user, schema_name, object_kind, privilege, "
            f"grantee_kind, grantee, grantable FROM {s}.default_privileges"
        ).fetchall():
            self.acl(row[0]).default_privileges.add(DefaultPrivilege(
                row[1], row[2], row[3], row[4], row[5], Grantee(row[6], row[7]), row[8]))

    def acl(self, namespace_guid: str) -> _NamespaceAcl:
        """The security state of one namespace (created empty on first use)."""
        acl = self._acls.get(namespace_guid)
        if acl is None:
            acl = self._acls[namespace_guid] = _NamespaceAcl()
        return acl

    # -- roles ---------------------------------------------------------------------------
    def role(self, ns: str, name: str) -> Role | None:
        """A role by name, system roles included."""
        sysrole = SYSTEM_ROLES.get(name)
        if sysrole is not None:
            return Role(sysrole[0], name, None)
        return self.acl(ns).roles.get(name)

    def roles(self, ns: str) -> list[Role]:
        """Every role of a namespace, system roles first."""
        system = [Role(rid, name, None) for name, (rid, _) in SYSTEM_ROLES.items()]
        return system + sorted(self.acl(ns).roles.values(), key=lambda r: r.role_id)

    def create_role(self, ns: str, name: str, owner: str, external_id: str | None) -> Role:
        """CREATE ROLE; raises DuplicateObject when the name is taken."""
        with self._lock:
            acl = self.acl(ns)
            if name in acl.roles or name in SYSTEM_ROLES:
                raise DuplicateObject(f'role "{name}" already exists')
            rid = max((r.role_id for r in acl.roles.values()), default=FIRST_ROLE_ID) + 1
            role = Role(rid, name, owner, external_id)
            self._con.execute(f"INSERT INTO {self._s}.roles VALUES (?, ?, ?, ?, ?)",
                              [ns, rid, name, owner, external_id])
            acl.roles[name] = role
            self._changed()
            return role

    def drop_role(self, ns: str, name: str) -> None:
        """DROP ROLE: the role, its memberships, its grants and its system privileges."""
        with self._lock:
            acl = self.acl(ns)
            if name not in acl.roles:
                raise UndefinedObject(f'role "{name}" does not exist')
            del acl.roles[name]
            s = self._s
            self._con.execute(f"DELETE FROM {s}.roles WHERE namespace_guid = ? AND name = ?",
                              [ns, name])
            self._con.execute(
                f"DELETE FROM {s}.memberships WHERE namespace_guid = ? AND (role = ? OR "
                "(member_kind = 'role' AND member = ?))", [ns, name, name])
            self._con.execute(
                f"DELETE FROM {s}.system_privileges WHERE namespace_guid = ? AND role = ?",
                [ns, name])
            for key in [k for k in acl.memberships if k[1] == name
                        or k[0] == Grantee("role", name)]:
                del acl.memberships[key]
            acl.system_privileges.pop(name, None)
            self._forget_grantee(ns, Grantee("role", name))
            self._changed()

    def grant_role(self, ns: str, member: Grantee, role: str, admin_option: bool) -> None:
        """GRANT ROLE role TO user|ROLE r [WITH ADMIN OPTION]."""
        with self._lock:
            acl = self.acl(ns)
            m = Membership(member, role, admin_option)
            old = acl.memberships.get((member, role))
            if old is not None and (old.admin_option or not admin_option):
                return
            self._con.execute(
                f"INSERT OR REPLACE INTO {self._s}.memberships VALUES (?, ?, ?, ?, ?)",
                [ns, member.kind, member.name, role, admin_option])
            acl.memberships[(member, role)] = m
            self._changed()

    def revoke_role(self, ns: str, member: Grantee, role: str, admin_only: bool) -> bool:
        """REVOKE [ADMIN OPTION FOR] ROLE; False when there was nothing to revoke."""
        with self._lock:
            acl = self.acl(ns)
            old = acl.memberships.get((member, role))
            if old is None:
                return False
            s = self._s
            if admin_only:
                self._con.execute(
                    f"UPDATE {s}.memberships SET admin_option = false WHERE namespace_guid = ? "
                    "AND member_kind = ? AND member = ? AND role = ?",
                    [ns, member.kind, member.name, role])
                acl.memberships[(member, role)] = Membership(member, role, False)
            else:
                self._con.execute(
                    f"DELETE FROM {s}.memberships WHERE namespace_guid = ? AND member_kind = ? "
                    "AND member = ? AND role = ?", [ns, member.kind, member.name, role])
                del acl.memberships[(member, role)]
            self._changed()
            return True

    def memberships(self, ns: str) -> list[Membership]:
        """Every role membership of a namespace."""
        return list(self.acl(ns).memberships.values())

    def roles_of(self, ns: str, member: Grantee) -> set[str]:
        """The roles ``member`` holds directly or through nesting (its closure)."""
        acl = self.acl(ns)
        direct: dict[Grantee, list[str]] = {}
        for (who, role) in acl.memberships:
            direct.setdefault(who, []).append(role)
        seen: set[str] = set()
        todo = list(direct.get(member, ()))
        while todo:
            role = todo.pop()
            if role in seen:
                continue
            seen.add(role)
            todo.extend(direct.get(Grantee("role", role), ()))
        return seen

    # -- system privileges ---------------------------------------------------------------
    def grant_system(self, ns: str, role: str, privileges: Iterable[str]) -> None:
        """GRANT <system privilege> TO ROLE role."""
        with self._lock:
            held = self.acl(ns).system_privileges.setdefault(role, set())
            for priv in privileges:
                if priv not in held:
                    self._con.execute(
                        f"INSERT INTO {self._s}.system_privileges VALUES (?, ?, ?)",
                        [ns, role, priv])
                    held.add(priv)
            self._changed()

    def revoke_system(self, ns: str, role: str, privileges: Iterable[str]) -> None:
        """REVOKE <system privilege> FROM ROLE role."""
        with self._lock:
            held = self.acl(ns).system_privileges.setdefault(role, set())
            for priv in privileges:
                if priv in held:
                    self._con.execute(
                        f"DELETE FROM {self._s}.system_privileges WHERE namespace_guid = ? "
                        "AND role = ? AND privilege = ?", [ns, role, priv])
                    held.discard(priv)
            self._changed()

    def system_privileges_of_roles(self, ns: str, roles: Iterable[str]) -> set[str]:
        """The system privileges held through ``roles`` (system roles included)."""
        acl = self.acl(ns)
        out: set[str] = set()
        for role in roles:
            sysrole = SYSTEM_ROLES.get(role)
            if sysrole is not None:
                out |= sysrole[1]
            out |= acl.system_privileges.get(role, set())
        return out

    def system_grants(self, ns: str) -> Iterator[tuple[str, str]]:
        """(role, privilege) for every system privilege granted to a user-defined role."""
        for role, privs in self.acl(ns).system_privileges.items():
            for priv in sorted(privs):
                yield role, priv

    # -- object grants -------------------------------------------------------------------
    def grants_on(self, ns: str, obj: ObjectKey) -> set[Grant]:
        """The grants on one object (object-level and scoped alike)."""
        return self.acl(ns).grants.get(obj, set())

    def all_grants(self, ns: str) -> Iterator[Grant]:
        """Every grant of a namespace."""
        for grants in self.acl(ns).grants.values():
            yield from grants

    def add_grants(self, ns: str, grants: Iterable[Grant]) -> None:
        """Record grants; an existing grant gains WITH GRANT OPTION if the new one has it."""
        with self._lock:
            acl = self.acl(ns)
            for g in grants:
                held = acl.grants.setdefault(g.obj, set())
                plain = _with(g, grantable=False, grantor="")
                same = [h for h in held if _with(h, grantable=False, grantor="") == plain]
                if any(h.grantable or not g.grantable for h in same):
                    continue
                for h in same:
                    self._delete_grant(ns, h)
                    held.discard(h)
                self._insert_grant(ns, g)
                held.add(g)
            self._changed()

    def remove_grants(
        self, ns: str, obj: ObjectKey, privilege: str, grantee: Grantee, *,
        scope: str = "", column: str | None = None, grant_option_only: bool = False,
    ) -> list[Grant]:
        """Revoke: the grants removed (or reduced to no grant option); column None = any."""
        with self._lock:
            acl = self.acl(ns)
            held = acl.grants.get(obj, set())
            hit = [g for g in held if g.privilege == privilege and g.grantee == grantee
                   and g.scope == scope and (column is None or g.column == column)]
            for g in hit:
                self._delete_grant(ns, g)
                held.discard(g)
                if grant_option_only:
                    kept = _with(g, grantable=False)
                    self._insert_grant(ns, kept)
                    held.add(kept)
            if hit:
                self._changed()
            return hit

    def _insert_grant(self, ns: str, g: Grant) -> None:
        self._con.execute(
            f"INSERT INTO {self._s}.grants VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ns, g.obj.kind, g.obj.database, g.obj.schema, g.obj.name, g.scope, g.privilege,
             g.column, g.grantee.kind, g.grantee.name, g.grantable, g.grantor])

    def _delete_grant(self, ns: str, g: Grant) -> None:
        self._con.execute(
            f"DELETE FROM {self._s}.grants WHERE namespace_guid = ? AND object_kind = ? "
            "AND database = ? AND schema_name = ? AND name = ? AND scope = ? AND privilege = ? "
            "AND column_name = ? AND grantee_kind = ? AND grantee = ?",
            [ns, g.obj.kind, g.obj.database, g.obj.schema, g.obj.name, g.scope, g.privilege,
             g.column, g.grantee.kind, g.grantee.name])

    def forget_grantee(self, ns: str, grantee: Grantee) -> None:
        """Every grant to ``grantee`` (a dropped role or datashare) goes."""
        with self._lock:
            self._forget_grantee(ns, grantee)
            self._changed()

    def _forget_grantee(self, ns: str, grantee: Grantee) -> None:
        acl = self.acl(ns)
        self._con.execute(
            f"DELETE FROM {self._s}.grants WHERE namespace_guid = ? AND grantee_kind = ? "
            "AND grantee = ?", [ns, grantee.kind, grantee.name])
        for held in acl.grants.values():
            for g in [g for g in held if g.grantee == grantee]:
                held.discard(g)
        self._con.execute(
            f"DELETE FROM {self._s}.default_privileges WHERE namespace_guid = ? "
            "AND grantee_kind = ? AND grantee = ?", [ns, grantee.kind, grantee.name])
        acl.default_privileges = {d for d in acl.default_privileges if d.grantee != grantee}

    def forget_user(self, ns: str, user: str) -> None:
        """DROP USER: the user's grants, memberships and default privileges go with it."""
        with self._lock:
            acl = self.acl(ns)
            self._forget_grantee(ns, Grantee("user", user))
            self._con.execute(
                f"DELETE FROM {self._s}.memberships WHERE namespace_guid = ? "
                "AND member_kind = 'user' AND member = ?", [ns, user])
            for key in [k for k in acl.memberships if k[0] == Grantee("user", user)]:
                del acl.memberships[key]
            self._changed()

    def rename_grantee(self, ns: str, old: str, new: str) -> None:
        """ALTER USER ... RENAME TO: the user's grants, memberships and objects follow it."""
        with self._lock:
            acl = self.acl(ns)
            s = self._s
            for held in acl.grants.values():
                for g in [g for g in held if g.grantee == Grantee("user", old)
                          or g.grantor == old]:
                    self._delete_grant(ns, g)
                    held.discard(g)
                    g2 = _with(g, grantee=Grantee("user", new) if g.grantee.name == old
                               and g.grantee.kind == "user" else g.grantee,
                               grantor=new if g.grantor == old else g.grantor)
                    self._insert_grant(ns, g2)
                    held.add(g2)
            self._con.execute(
                f"UPDATE {s}.memberships SET member = ? WHERE namespace_guid = ? "
                "AND member_kind = 'user' AND member = ?", [new, ns, old])
            for key in [k for k in acl.memberships if k[0] == Grantee("user", old)]:
                m = acl.memberships.pop(key)
                acl.memberships[(Grantee("user", new), m.role)] = Membership(
                    Grantee("user", new), m.role, m.admin_option)
            self._con.execute(f"UPDATE {s}.owners SET owner = ? WHERE namespace_guid = ? "
                              "AND owner = ?", [new, ns, old])
            for key, owner in list(acl.owners.items()):
                if owner == old:
                    acl.owners[key] = new
            self._changed()

    # -- ownership -----------------------------------------------------------------------
    def owner(self, ns: str, obj: ObjectKey) -> str | None:
        """The recorded owner of an object, if any."""
        return self.acl(ns).owners.get(obj)

    def owned_by(self, ns: str, user: str) -> list[ObjectKey]:
        """The objects a user owns."""
        return [k for k, v in self.acl(ns).owners.items() if v == user]

    def set_owner(self, ns: str, obj: ObjectKey, owner: str) -> None:
        """Record (or change) an object's owner."""
        with self._lock:
            self._con.execute(
                f"INSERT OR REPLACE INTO {self._s}.owners VALUES (?, ?, ?, ?, ?, ?)",
                [ns, obj.kind, obj.database, obj.schema, obj.name, owner])
            self.acl(ns).owners[obj] = owner
            self._changed()

    def forget_object(self, ns: str, obj: ObjectKey) -> None:
        """An object was dropped: its owner, grants (and, for containers, everything inside)."""
        with self._lock:
            acl = self.acl(ns)
            gone = [k for k in set(acl.owners) | set(acl.grants) if _inside(k, obj)]
            for key in gone:
                acl.owners.pop(key, None)
                for g in acl.grants.pop(key, set()):
                    self._delete_grant(ns, g)
                self._con.execute(
                    f"DELETE FROM {self._s}.owners WHERE namespace_guid = ? AND object_kind = ? "
                    "AND database = ? AND schema_name = ? AND name = ?",
                    [ns, key.kind, key.database, key.schema, key.name])
            self._changed()

    def rename_object(self, ns: str, old: ObjectKey, new: ObjectKey) -> None:
        """An object was renamed: its owner and grants (and its contents') follow it."""
        with self._lock:
            acl = self.acl(ns)
            moves = [k for k in set(acl.owners) | set(acl.grants) if _inside(k, old)]
            for key in moves:
                moved = _moved(key, old, new)
                owner = acl.owners.pop(key, None)
                grants = acl.grants.pop(key, set())
                for g in grants:
                    self._delete_grant(ns, g)
                self._con.execute(
                    f"DELETE FROM {self._s}.owners WHERE namespace_guid = ? AND object_kind = ? "
                    "AND database = ? AND schema_name = ? AND name = ?",
                    [ns, key.kind, key.database, key.schema, key.name])
                if owner is not None:
                    self._con.execute(
                        f"INSERT OR REPLACE INTO {self._s}.owners VALUES (?, ?, ?, ?, ?, ?)",
                        [ns, moved.kind, moved.database, moved.schema, moved.name, owner])
                    acl.owners[moved] = owner
                for g in grants:
                    g2 = _with(g, obj=moved)
                    self._insert_grant(ns, g2)
                    acl.grants.setdefault(moved, set()).add(g2)
            self._changed()

    # -- default privileges --------------------------------------------------------------
    def default_privileges(self, ns: str) -> set[DefaultPrivilege]:
        """Every ALTER DEFAULT PRIVILEGES entry of a namespace."""
        return self.acl(ns).default_privileges

    def add_default(self, ns: str, d: DefaultPrivilege) -> None:
        """ALTER DEFAULT PRIVILEGES ... GRANT."""
        with self._lock:
            acl = self.acl(ns)
            if d in acl.default_privileges:
                return
            self._con.execute(
                f"INSERT INTO {self._s}.default_privileges VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [ns, d.database, d.for_user, d.schema, d.object_kind, d.privilege,
                 d.grantee.kind, d.grantee.name, d.grantable])
            acl.default_privileges.add(d)
            self._changed()

    def remove_default(self, ns: str, d: DefaultPrivilege) -> None:
        """ALTER DEFAULT PRIVILEGES ... REVOKE (grant option and all)."""
        with self._lock:
            acl = self.acl(ns)
            for held in [h for h in acl.default_privileges
                         if _with_default(h) == _with_default(d)]:
                self._con.execute(
                    f"DELETE FROM {self._s}.default_privileges WHERE namespace_guid = ? "
                    "AND database = ? AND for_user = ? AND schema_name = ? AND object_kind = ? "
                    "AND privilege = ? AND grantee_kind = ? AND grantee = ?",
                    [ns, held.database, held.for_user, held.schema, held.object_kind,
                     held.privilege, held.grantee.kind, held.grantee.name])
                acl.default_privileges.discard(held)
            self._changed()


def _with(g: Grant, **changes: object) -> Grant:
    fields = {f: getattr(g, f) for f in Grant.__slots__}
    fields.update(changes)
    return Grant(**fields)  # type: ignore[arg-type]


def _with_default(d: DefaultPrivilege) -> tuple[object, ...]:
    return (d.database, d.for_user, d.schema, d.object_kind, d.privilege, d.grantee)


def _inside(key: ObjectKey, container: ObjectKey) -> bool:
    """Whether ``key`` is ``container`` or lives inside it (a schema's tables, a database's
    schemas and tables)."""
    if key == container:
        return True
    if container.kind == "database":
        return key.kind != "datashare" and key.database == container.database
    if container.kind == "schema":
        return (key.kind in ("table", "function") and key.database == container.database
                and key.schema == container.schema)
    return False


def _moved(key: ObjectKey, old: ObjectKey, new: ObjectKey) -> ObjectKey:
    if key == old:
        return new
    if old.kind == "database":
        return ObjectKey(key.kind, new.database, key.schema, key.name)
    return ObjectKey(key.kind, key.database, new.schema, key.name)
