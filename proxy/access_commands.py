"""The identity and privilege statements: users, roles, grants, ownership, authorization.

``AccessCommands`` is mixed into ``Connection`` next to ``SessionCommands``; each handler checks
who may run it (Redshift's rules, decided by ``policies.access``), changes the catalog, and
returns an ``Outcome``. Catalog changes take effect at once for every session (the access
checks read the catalog at each statement); they are not part of the SQL transaction, so a
ROLLBACK does not undo a GRANT.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from catalog import errors as err
from catalog.passwords import Verifiers, verifiers_from_statement
from catalog.security import (
    RESERVED_PREFIXES,
    SYSTEM_ROLES,
    DefaultPrivilege,
    Grant,
    Grantee,
    ObjectKey,
)
from catalog.views.base import user_oid
from engine import streaming
from policies import access
from proxy.session import Outcome, Session
from proxy.sql import dcl
from proxy.sql.references import Ref
from proxy.wire import backend

if TYPE_CHECKING:
    from proxy.connection import Connection

# The privileges each kind of object has; ALL expands to these.
PRIVILEGES: dict[str, tuple[str, ...]] = {
    "table": ("SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "REFERENCES", "ALTER",
              "TRUNCATE"),
    "schema": ("CREATE", "USAGE", "ALTER", "DROP"),
    "database": ("CREATE", "TEMP", "USAGE", "ALTER", "DROP"),
    "function": ("EXECUTE",),
    "procedure": ("EXECUTE",),
    "datashare": ("ALTER", "SHARE"),
}
_COLUMN_PRIVILEGES = frozenset({"SELECT", "UPDATE"})
_SCOPE_KIND = {"scope_tables": "table", "scope_schemas": "schema",
               "scope_functions": "function"}


class AccessCommands:
    """Handlers of identity and privilege commands (a mixin of ``Connection``)."""

    def _who(self: Connection, session: Session) -> access.Principal:
        return self.server.authorizer.principal(session.namespace.guid, session.user.name)

    def _require_system(self: Connection, session: Session, privilege: str,
                        what: str) -> access.Principal:
        who = self._who(session)
        if not access.has_system_privilege(who, privilege):
            raise err.InsufficientPrivilege(f"permission denied to {what}")
        return who

    # -- users ----------------------------------------------------------------------------
    async def _cmd_create_user(self: Connection, session: Session, cmd: dcl.CreateUser,
                               _: list[object]) -> Outcome:
        who = self._require_system(session, "CREATE USER", "create user")
        ns = session.namespace.guid
        _check_new_name(cmd.name, "user")
        if self.server.security.role(ns, cmd.name) is not None:
            raise err.DuplicateObject(f'role "{cmd.name}" already exists')
        opts = cmd.options
        if opts.superuser and not who.superuser:
            raise err.InsufficientPrivilege("permission denied to create a superuser")
        if opts.password is None and not opts.password_disabled:
            raise err.SyntaxError_("syntax error at end of input",
                                   hint="CREATE USER needs PASSWORD 'password' or DISABLE.")
        verifiers = (Verifiers("", "", "") if opts.password_disabled
                     else _verifiers(cmd.name, opts.password or ""))
        self.server.catalog.create_user(
            ns, cmd.name, verifiers, superuser=bool(opts.superuser),
            createdb=bool(opts.createdb),
            connection_limit=None if opts.connection_limit in (None, -1)
            else opts.connection_limit,
        )
        changes = _attribute_changes(opts)
        changes.pop("superuser", None)
        changes.pop("createdb", None)
        changes.pop("connection_limit", None)
        if changes:
            self.server.catalog.alter_user(ns, cmd.name, **changes)
        return Outcome("CREATE USER")

    async def _cmd_alter_user(self: Connection, session: Session, cmd: dcl.AlterUser,
                              _: list[object]) -> Outcome:
        ns = session.namespace.guid
        who = self._who(session)
        target = self.server.catalog.user(ns, cmd.name)
        if target is None:
            raise err.UndefinedObject(f'user "{cmd.name}" does not exist')
        opts = cmd.options
        own_password_only = (cmd.name == session.user.name and opts == dcl.UserOptions(
            password=opts.password))
        if not (own_password_only or access.has_system_privilege(who, "ALTER USER")):
            raise err.InsufficientPrivilege("permission denied to alter user")
        if (opts.superuser is not None or target.superuser) and not who.superuser:
            raise err.InsufficientPrivilege("permission denied to alter a superuser")
        changes = _attribute_changes(opts)
        if opts.password is not None:
            name = opts.rename_to or cmd.name
            v = _verifiers(name, opts.password)
            changes.update(scram_verifier=v.scram, md5_verifier=v.md5,
                           sha256_verifier=v.sha256, disabled=False)
        if opts.rename_to is not None:
            _check_new_name(opts.rename_to, "user")
            if opts.password is None and target.md5_verifier:
                # The md5 verifier is salted with the user name: it cannot survive a rename.
                changes["md5_verifier"] = ""
            changes["name"] = opts.rename_to
        self.server.catalog.alter_user(ns, cmd.name, **changes)
        if opts.rename_to is not None:
            self.server.security.rename_grantee(ns, cmd.name, opts.rename_to)
        return Outcome("ALTER USER")

    async def _cmd_drop_user(self: Connection, session: Session, cmd: dcl.DropUser,
                             _: list[object]) -> Outcome:
        self._require_system(session, "DROP USER", "drop user")
        ns = session.namespace.guid
        security = self.server.security
        for name in cmd.names:
            if self.server.catalog.user(ns, name) is None:
                if cmd.if_exists:
                    continue
                raise err.UndefinedObject(f'user "{name}" does not exist')
            if name == session.login_user.name:
                raise err.ObjectInUse("current user cannot be dropped")
            if security.owned_by(ns, name):
                raise err.DependentObjectsStillExist(
                    f'user "{name}" cannot be dropped because the user owns some object')
            self.server.catalog.drop_user(ns, name)
            security.forget_user(ns, name)
        return Outcome("DROP USER")

    # -- roles ----------------------------------------------------------------------------
    async def _cmd_create_role(self: Connection, session: Session, cmd: dcl.CreateRole,
                               _: list[object]) -> Outcome:
        self._require_system(session, "CREATE ROLE", "create role")
        ns = session.namespace.guid
        _check_new_name(cmd.name, "role")
        if self.server.catalog.user(ns, cmd.name) is not None:
            raise err.DuplicateObject(f'user "{cmd.name}" already exists')
        self.server.security.create_role(ns, cmd.name, session.user.name, cmd.external_id)
        return Outcome("CREATE ROLE")

    async def _cmd_drop_role(self: Connection, session: Session, cmd: dcl.DropRole,
                             _: list[object]) -> Outcome:
        ns = session.namespace.guid
        security = self.server.security
        role = security.role(ns, cmd.name)
        if role is None:
            raise err.UndefinedObject(f'role "{cmd.name}" does not exist')
        if cmd.name in SYSTEM_ROLES:
            raise err.InsufficientPrivilege(f'cannot drop system role "{cmd.name}"')
        who = self._who(session)
        if not (access.has_system_privilege(who, "DROP ROLE") or role.owner == who.user):
            raise err.InsufficientPrivilege("permission denied to drop role")
        granted = [m for m in security.memberships(ns) if m.role == cmd.name]
        if granted and not cmd.force:
            raise err.DependentObjectsStillExist(
                f'cannot drop role "{cmd.name}" since it has been granted on other identities',
                hint="Use DROP ROLE ... FORCE to revoke it from them first.")
        security.drop_role(ns, cmd.name)
        return Outcome("DROP ROLE")

    async def _cmd_grant_roles(self: Connection, session: Session, cmd: dcl.GrantRoles,
                               _: list[object]) -> Outcome:
        ns = session.namespace.guid
        security = self.server.security
        who = self._who(session)
        for role in cmd.roles:
            record = security.role(ns, role)
            if record is None:
                raise err.UndefinedObject(f'role "{role}" does not exist')
            admin = any(m.role == role and m.admin_option and m.member == Grantee("user",
                        who.user) for m in security.memberships(ns))
            if not (access.has_system_privilege(who, "CREATE ROLE")
                    or record.owner == who.user or admin):
                raise err.InsufficientPrivilege(f"permission denied to grant role {role}")
            for grantee in cmd.grantees:
                self._check_grantee(session, grantee)
                if cmd.revoke:
                    if not security.revoke_role(ns, grantee, role, admin_only=False):
                        self.send(backend.notice_response(
                            f'role "{role}" is not granted to "{grantee.name}"', "01000",
                            "WARNING"))
                    continue
                if grantee.kind == "role" and (grantee.name == role or grantee.name in
                                               security.roles_of(ns, Grantee("role", role))):
                    raise err.InvalidGrantOperation(
                        f'granting role "{role}" to role "{grantee.name}" would create a cycle')
                security.grant_role(ns, grantee, role,
                                    cmd.admin_option and grantee.kind == "user")
        return Outcome("REVOKE" if cmd.revoke else "GRANT")

    async def _cmd_grant_system(self: Connection, session: Session, cmd: dcl.GrantSystem,
                                _: list[object]) -> Outcome:
        ns = session.namespace.guid
        who = self._who(session)
        if not who.superuser and not access.has_role(who, "sys:secadmin"):
            raise err.InsufficientPrivilege("permission denied to grant system privileges")
        for grantee in cmd.grantees:
            if grantee.kind != "role":
                raise err.InvalidGrantOperation(
                    "system privileges can only be granted to roles")
            self._check_grantee(session, grantee)
            if grantee.name in SYSTEM_ROLES:
                raise err.InvalidGrantOperation(
                    f'cannot change the privileges of system role "{grantee.name}"')
            if cmd.revoke:
                self.server.security.revoke_system(ns, grantee.name, cmd.privileges)
            else:
                self.server.security.grant_system(ns, grantee.name, cmd.privileges)
        return Outcome("REVOKE" if cmd.revoke else "GRANT")

    def _check_grantee(self: Connection, session: Session, grantee: Grantee) -> None:
        ns = session.namespace.guid
        if grantee.kind == "user" and self.server.catalog.user(ns, grantee.name) is None:
            raise err.UndefinedObject(f'user "{grantee.name}" does not exist')
        if grantee.kind == "role" and self.server.security.role(ns, grantee.name) is None:
            raise err.UndefinedObject(f'role "{grantee.name}" does not exist')
        if grantee.kind in ("namespace", "account"):
            raise err.InvalidGrantOperation(
                "only USAGE on a datashare can be granted to a namespace or an account")

    # -- object privileges ----------------------------------------------------------------
    async def _cmd_grant_privileges(self: Connection, session: Session,
                                    cmd: dcl.GrantPrivileges, _: list[object]) -> Outcome:
        who = self._who(session)
        if cmd.target.kind == "datashare":
            self.grant_on_datashare(session, cmd)
            return Outcome("REVOKE" if cmd.revoke else "GRANT")
        if any(g.kind == "datashare" for g in cmd.grantees):
            self.grant_to_datashare(session, cmd)
            return Outcome("REVOKE" if cmd.revoke else "GRANT")
        for grantee in cmd.grantees:
            self._check_grantee(session, grantee)
        if cmd.target.kind.startswith("scope_"):
            self._grant_scoped(session, who, cmd)
        else:
            for key in self._objects(session, cmd.target):
                self._grant_on(session, who, key, cmd)
        return Outcome("REVOKE" if cmd.revoke else "GRANT")

    def _objects(self: Connection, session: Session, target: dcl.Target) -> list[ObjectKey]:
        """The objects a GRANT names, each checked to exist."""
        authorizer = self.server.authorizer
        out: list[ObjectKey] = []
        for parts in target.names:
            if target.kind == "table":
                ref = Ref("relation", *split_name(parts), "GRANT")
                r = authorizer.resolve(session, ref)
                # Through a consumer database, grants name the consumer's database.
                out.append(r.key if r.via is None else ObjectKey(
                    "table", r.via.name, r.key.schema, r.key.name))
            elif target.kind == "all_tables":
                schema = parts[0]
                alias = session.alias()
                if not authorizer.directory.schema_exists(alias, schema):
                    raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
                out.extend(ObjectKey("table", session.database, schema, r.name)
                           for r in authorizer.directory.relations(alias, schema))
            elif target.kind == "schema":
                db, schema = (parts[0], parts[1]) if len(parts) == 2 else (
                    session.database, parts[0])
                alias = session.alias(db)
                external = (db, schema) in authorizer.shares.external_of(
                    session.namespace.guid)
                if not (external or authorizer.directory.schema_exists(alias, schema)):
                    raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
                out.append(ObjectKey("schema", db, schema))
            elif target.kind == "database":
                session.alias(parts[0])  # 3D000 when it does not exist
                out.append(ObjectKey("database", parts[0]))
            elif target.kind == "function":
                if len(parts) > 2:
                    raise err.FeatureNotSupported(
                        "feature not supported on Duckshift: functions of another database")
                ref = Ref("function", None, parts[0] if len(parts) == 2 else None, parts[-1],
                          "GRANT")
                key = authorizer.function_key(session, ref)
                if key is None:
                    raise err.UndefinedFunction(f"function {'.'.join(parts)} does not exist")
                out.append(key)
            elif target.kind == "procedure":
                out.append(self._procedure_key(session, parts))
            elif target.kind == "all_functions":
                schema = parts[0]
                alias = session.alias()
                if not authorizer.directory.schema_exists(alias, schema):
                    raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
                out.extend(ObjectKey("function", session.database, schema, name)
                           for name in authorizer.directory.functions(alias, schema))
            else:
                raise err.FeatureNotSupported(
                    f"feature not supported on Duckshift: privileges on {target.kind}")
        return out

    def _grant_on(self: Connection, session: Session, who: access.Principal, key: ObjectKey,
                  cmd: dcl.GrantPrivileges) -> None:
        ns = session.namespace.guid
        security = self.server.security
        default_owner = self.server.authorizer.default_owner(ns)
        for priv in _expand(cmd.privileges, key.kind):
            if priv.columns:
                if priv.name not in _COLUMN_PRIVILEGES and priv.name != "ALL":
                    raise err.InvalidGrantOperation(
                        f"invalid privilege type {priv.name} for column")
                if not (who.superuser or access.is_owner(security, who, key, default_owner)):
                    raise err.InsufficientPrivilege(
                        f"permission denied for relation {key.name}",
                        hint="Only the owner or a superuser may grant column privileges.")
                if cmd.grant_option and not cmd.revoke:
                    raise err.InvalidGrantOperation(
                        "column privileges cannot be granted WITH GRANT OPTION")
            elif not access.may_grant(security, who, key, priv.name, default_owner):
                raise err.InsufficientPrivilege(access.denied_message(key))
            for grantee in cmd.grantees:
                if cmd.revoke:
                    self._revoke_one(session, key, priv, grantee, cmd)
                    continue
                if priv.columns:
                    if any(g.privilege == priv.name and not g.column and g.grantee == grantee
                           for g in security.grants_on(ns, key)):
                        raise err.InvalidGrantOperation(
                            f'"{grantee.name or "public"}" already holds {priv.name} on '
                            f"relation {key.name}; a privilege cannot be held at both table "
                            "and column level")
                    security.add_grants(ns, [Grant(key, priv.name, grantee, False, "", c,
                                                   who.user) for c in priv.columns])
                    continue
                if any(g.privilege == priv.name and g.column and g.grantee == grantee
                       for g in security.grants_on(ns, key)):
                    raise err.InvalidGrantOperation(
                        f'"{grantee.name or "public"}" already holds {priv.name} on columns of '
                        f"relation {key.name}; a privilege cannot be held at both table and "
                        "column level")
                security.add_grants(ns, [Grant(
                    key, priv.name, grantee, cmd.grant_option and grantee.kind == "user",
                    grantor=who.user)])

    def _revoke_one(self: Connection, session: Session, key: ObjectKey, priv: dcl.Privilege,
                    grantee: Grantee, cmd: dcl.GrantPrivileges) -> None:
        ns = session.namespace.guid
        security = self.server.security
        if priv.columns:
            held = {g.column for g in security.grants_on(ns, key)
                    if g.privilege == priv.name and g.grantee == grantee}
            if "" in held:
                raise err.InvalidGrantOperation(
                    f"cannot revoke {priv.name} on columns of relation {key.name}: it is "
                    "held at table level")
            for column in priv.columns:
                security.remove_grants(ns, key, priv.name, grantee, column=column)
            return
        # Grants this grantee made onward depend on its grant option.
        dependent = [g for g in security.grants_on(ns, key)
                     if g.privilege == priv.name and g.grantor == grantee.name
                     and grantee.kind == "user" and g.grantee != grantee]
        if dependent and not cmd.cascade:
            raise err.DependentObjectsStillExist(
                "dependent privileges exist", hint="Use CASCADE to revoke them too.")
        security.remove_grants(ns, key, priv.name, grantee, column=None,
                               grant_option_only=cmd.grant_option)
        for g in dependent:
            self._revoke_one(session, key, dcl.Privilege(priv.name), g.grantee,
                             dcl.GrantPrivileges(True, (), cmd.target, (), False, True))

    def _grant_scoped(self: Connection, session: Session, who: access.Principal,
                      cmd: dcl.GrantPrivileges) -> None:
        ns = session.namespace.guid
        security = self.server.security
        (schema, database), = cmd.target.names
        database = database or session.database
        session.alias(database)
        if schema:
            holder = ObjectKey("schema", database, schema)
            if not self.server.authorizer.directory.schema_exists(session.alias(database),
                                                                  schema):
                raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
        else:
            holder = ObjectKey("database", database)
        scope = cmd.target.kind.removeprefix("scope_")
        kind = _SCOPE_KIND[cmd.target.kind]
        default_owner = self.server.authorizer.default_owner(ns)
        for grantee in cmd.grantees:
            if grantee.kind not in ("user", "role"):
                raise err.InvalidGrantOperation(
                    "scoped permissions can only be granted to users and roles")
        for priv in _expand(cmd.privileges, kind):
            if not (who.superuser or access.is_owner(security, who, holder, default_owner)
                    or any(g.privilege == priv.name and g.scope == scope and g.grantable
                           and g.grantee == Grantee("user", who.user)
                           for g in security.grants_on(ns, holder))):
                raise err.InsufficientPrivilege(access.denied_message(holder))
            for grantee in cmd.grantees:
                if cmd.revoke:
                    security.remove_grants(ns, holder, priv.name, grantee, scope=scope,
                                           grant_option_only=cmd.grant_option)
                else:
                    security.add_grants(ns, [Grant(
                        holder, priv.name, grantee, cmd.grant_option and grantee.kind == "user",
                        scope, "", who.user)])

    async def _cmd_default_privileges(self: Connection, session: Session,
                                      cmd: dcl.AlterDefaultPrivileges,
                                      _: list[object]) -> Outcome:
        ns = session.namespace.guid
        who = self._who(session)
        users = cmd.for_users or (session.user.name,)
        if any(u != who.user for u in users) and not access.has_system_privilege(
                who, "ALTER DEFAULT PRIVILEGES"):
            raise err.InsufficientPrivilege("permission denied to alter default privileges")
        for grantee in cmd.grant.grantees:
            self._check_grantee(session, grantee)
        kind = "table" if cmd.grant.target.kind == "tables" else "function"
        for user in users:
            if self.server.catalog.user(ns, user) is None:
                raise err.UndefinedObject(f'user "{user}" does not exist')
            for schema in cmd.schemas or ("",):
                for priv in _expand(cmd.grant.privileges, kind):
                    for grantee in cmd.grant.grantees:
                        d = DefaultPrivilege(
                            session.database, user, schema, cmd.grant.target.kind, priv.name,
                            grantee, cmd.grant.grant_option and grantee.kind == "user")
                        if cmd.grant.revoke:
                            self.server.security.remove_default(ns, d)
                        else:
                            self.server.security.add_default(ns, d)
        return Outcome("ALTER DEFAULT PRIVILEGES")

    # -- ownership and authorization ------------------------------------------------------
    async def _cmd_alter_owner(self: Connection, session: Session, cmd: dcl.AlterOwner,
                               _: list[object]) -> Outcome:
        ns = session.namespace.guid
        who = self._who(session)
        if self.server.catalog.user(ns, cmd.owner) is None:
            raise err.UndefinedObject(f'user "{cmd.owner}" does not exist')
        authorizer = self.server.authorizer
        if cmd.kind in ("table", "view"):
            key = authorizer.resolve(session, Ref("relation", *split_name(cmd.name), "OWNER")).key
        elif cmd.kind == "schema":
            schema = cmd.name[-1]
            if not authorizer.directory.schema_exists(session.alias(), schema):
                raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
            key = ObjectKey("schema", session.database, schema)
        elif cmd.kind == "database":
            session.alias(cmd.name[0])
            key = ObjectKey("database", cmd.name[0])
        else:
            raise err.FeatureNotSupported(
                f"feature not supported on Duckshift: ALTER {cmd.kind.upper()} OWNER")
        owner = authorizer.default_owner(ns)
        if not (who.superuser or access.is_owner(self.server.security, who, key, owner)):
            name = key.name or key.schema or key.database
            raise err.InsufficientPrivilege(f"must be owner of {_kind_word(key)} {name}")
        self.server.security.set_owner(ns, key, cmd.owner)
        return Outcome(f"ALTER {cmd.kind.upper()}")

    async def _cmd_session_authorization(self: Connection, session: Session,
                                         cmd: dcl.SetSessionAuthorization,
                                         _: list[object]) -> Outcome:
        ns = session.namespace.guid
        login = self.server.catalog.user(ns, session.login_user.name)
        if cmd.user is None:
            target = login
        else:
            if login is None or not login.superuser:
                raise err.InsufficientPrivilege("permission denied to set session authorization")
            target = self.server.catalog.user(ns, cmd.user)
            if target is None:
                raise err.UndefinedObject(f'user "{cmd.user}" does not exist')
        assert target is not None
        session.user = target
        session.values["session_authorization"] = target.name
        session.values["is_superuser"] = "on" if target.superuser else "off"
        await self._engine_call(session.apply_search_path)
        return Outcome("RESET" if cmd.reset else "SET")

    async def _cmd_show_grants(self: Connection, session: Session, cmd: dcl.ShowGrants,
                               _: list[object]) -> Outcome:
        """SHOW GRANTS (object and scoped grants) or SHOW COLUMN GRANTS (a table's column
        grants): only the grants the session may see, as Redshift shows them."""
        ns = session.namespace.guid
        keys: set[ObjectKey] | None = None
        if cmd.target is not None:
            keys = set(self._objects(session, cmd.target))
        sees = self._sees_grants_to(session)
        rows: list[tuple[object, ...]] = []
        for g in sorted(self.server.security.all_grants(ns), key=lambda g: (
                g.obj.database, g.obj.schema, g.obj.name, g.column, g.privilege,
                g.grantee.name)):
            if bool(g.column) != cmd.columns or (keys is not None and g.obj not in keys):
                continue
            if not sees(g.grantee) or cmd.for_grantee not in (None, g.grantee):
                continue
            who = (g.privilege, self._identity_id(ns, g.grantee), g.grantee.name or "public",
                   g.grantee.kind, g.grantable)
            if cmd.columns:
                rows.append((g.obj.database, g.obj.schema, g.obj.name, g.column, "COLUMN",
                             *who, "COLUMN", g.grantor or None))
            else:
                rows.append((g.obj.database, g.obj.schema or None, g.obj.name or None,
                             _object_type(g), *who, g.scope.upper() or None, g.grantor or None))
        names = _COLUMN_GRANT_COLUMNS if cmd.columns else _GRANT_COLUMNS
        rows = rows[:cmd.limit] if cmd.limit is not None else rows
        arrays = [pa.array([r[i] for r in rows], _GRANT_TYPES.get(name, pa.string()))
                  for i, name in enumerate(names)]
        batch = pa.record_batch(arrays, names=list(names))
        result = streaming.Result(schema=batch.schema, pending=deque([batch]), exhausted=True)
        return Outcome("SHOW", result=result)

    def _sees_grants_to(self: Connection, session: Session) -> Callable[[Grantee], bool]:
        """Whether the session may see a grant to a grantee: a superuser sees every grant,
        another user those to itself, to PUBLIC, and to the roles it holds or owns."""
        if session.user.superuser:
            return lambda grantee: True
        ns, user = session.namespace.guid, session.user.name
        security = self.server.security
        roles = security.roles_of(ns, Grantee("user", user))
        roles |= {r.name for r in security.roles(ns) if r.owner == user}
        return lambda grantee: (grantee.kind == "public"
                                or (grantee.kind == "user" and grantee.name == user)
                                or (grantee.kind == "role" and grantee.name in roles))

    def _identity_id(self: Connection, ns: str, grantee: Grantee) -> int:
        """A grantee's identity_id as the SVV privilege views number it: a user by its
        pg_user.usesysid, a role by its role id, PUBLIC 0."""
        if grantee.kind == "user":
            user = self.server.catalog.user(ns, grantee.name)
            return user_oid(user.name) if user else 0
        if grantee.kind == "role":
            role = self.server.security.role(ns, grantee.name)
            return role.role_id if role else 0
        return 0


_GRANT_COLUMNS = (
    "database_name", "schema_name", "object_name", "object_type", "privilege_type",
    "identity_id", "identity_name", "identity_type", "admin_option", "privilege_scope",
    "grantor_name")
_COLUMN_GRANT_COLUMNS = (
    "database_name", "schema_name", "table_name", "column_name", "object_type",
    "privilege_type", "identity_id", "identity_name", "identity_type", "admin_option",
    "privilege_scope", "grantor_name")
_GRANT_TYPES = {"identity_id": pa.int32(), "admin_option": pa.bool_()}


def _object_type(g: Grant) -> str:
    if g.scope:
        return f"{g.scope.upper()}"
    if g.column:
        return "COLUMN"
    return g.obj.kind.upper()


def _kind_word(key: ObjectKey) -> str:
    return "relation" if key.kind == "table" else key.kind


def split_name(parts: tuple[str, ...]) -> tuple[str | None, str | None, str]:
    """(database, schema, name) of a dotted name of up to three parts."""
    if len(parts) > 3:
        raise err.SyntaxError_(f'improper qualified name (too many dotted names): '
                               f'{".".join(parts)}')
    padded = (None,) * (3 - len(parts)) + tuple(parts)
    return padded[0], padded[1], padded[2]  # type: ignore[return-value]


def _expand(privileges: tuple[dcl.Privilege, ...], kind: str) -> list[dcl.Privilege]:
    allowed = PRIVILEGES[kind]
    out: list[dcl.Privilege] = []
    for p in privileges:
        if p.name == "ALL":
            names = [n for n in allowed if not p.columns or n in _COLUMN_PRIVILEGES]
            out.extend(dcl.Privilege(n, p.columns) for n in names)
        elif p.name not in allowed:
            raise err.InvalidGrantOperation(
                f"invalid privilege type {p.name} for {_kind_word(ObjectKey(kind))}")
        else:
            out.append(p)
    return out


def _check_new_name(name: str, what: str) -> None:
    if name.startswith(RESERVED_PREFIXES) or name in ("public", "none", "current_user",
                                                        "session_user"):
        raise err.ReservedName(f'{what} name "{name}" is reserved')


def _verifiers(user: str, password: str) -> Verifiers:
    made = verifiers_from_statement(user, password)
    if isinstance(made, str):
        raise err.InvalidParameterValue(made)
    return made


def _attribute_changes(opts: dcl.UserOptions) -> dict[str, object]:
    changes: dict[str, object] = {}
    if opts.superuser is not None:
        changes["superuser"] = opts.superuser
    if opts.createdb is not None:
        changes["createdb"] = opts.createdb
    if opts.connection_limit is not None:
        changes["connection_limit"] = None if opts.connection_limit == -1 \
            else opts.connection_limit
    if opts.session_timeout is not None:
        if not 0 <= opts.session_timeout <= 1_728_000:
            raise err.InvalidParameterValue(
                "SESSION TIMEOUT must be between 60 and 1728000 seconds")
        changes["session_timeout"] = opts.session_timeout or None
    if opts.valid_until is not None:
        changes["valid_until"] = _timestamp(opts.valid_until)
    if opts.password_disabled:
        changes.update(scram_verifier="", md5_verifier="", sha256_verifier="", disabled=True)
    return changes


def _timestamp(text: str) -> datetime | None:
    if text.lower() == "infinity":
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise err.InvalidDatetimeFormat(f'invalid input syntax for type timestamp: "{text}"')


HANDLERS = {
    dcl.CreateUser: AccessCommands._cmd_create_user,
    dcl.AlterUser: AccessCommands._cmd_alter_user,
    dcl.DropUser: AccessCommands._cmd_drop_user,
    dcl.CreateRole: AccessCommands._cmd_create_role,
    dcl.DropRole: AccessCommands._cmd_drop_role,
    dcl.GrantRoles: AccessCommands._cmd_grant_roles,
    dcl.GrantSystem: AccessCommands._cmd_grant_system,
    dcl.GrantPrivileges: AccessCommands._cmd_grant_privileges,
    dcl.AlterDefaultPrivileges: AccessCommands._cmd_default_privileges,
    dcl.AlterOwner: AccessCommands._cmd_alter_owner,
    dcl.SetSessionAuthorization: AccessCommands._cmd_session_authorization,
    dcl.ShowGrants: AccessCommands._cmd_show_grants,
}
