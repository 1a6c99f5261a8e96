"""The datashare statements, producer and consumer side.

``DatashareCommands`` is mixed into ``Connection``. Producer side: CREATE/ALTER/DROP DATASHARE,
GRANT/REVOKE USAGE ON DATASHARE to namespaces and accounts, ALTER/SHARE on a datashare to users
and roles, privileges granted TO DATASHARE (which let consumers write), DESC DATASHARE and SHOW
DATASHARES. Consumer side: CREATE DATABASE ... FROM DATASHARE (and DROP DATABASE of one).
Who may run each is Redshift's rule; everyone else gets 42501.
"""

from __future__ import annotations

import fnmatch
import re
from collections import deque
from typing import TYPE_CHECKING

import pyarrow as pa

from catalog import errors as err
from catalog.datashares import Datashare, ExternalSchema, SharedObject, now
from catalog.security import Grant, Grantee, ObjectKey
from engine import streaming
from policies import access
from proxy.access_commands import split_name
from proxy.session import Outcome, Session
from proxy.sql import datashare_sql as ds_sql
from proxy.sql import dcl
from proxy.sql.references import Ref

if TYPE_CHECKING:
    from proxy.connection import Connection

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# What may be granted to a share, by object kind.
_SHARE_PRIVILEGES = {
    "table": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "DROP", "ALTER",
              "REFERENCES"),
    "schema": ("CREATE", "USAGE", "ALTER", "DROP"),
    "database": ("CREATE", "USAGE", "ALTER", "DROP"),
}


def _result(columns: list[tuple[str, pa.DataType]], rows: list[tuple[object, ...]]
            ) -> streaming.Result:
    arrays = [pa.array([r[i] for r in rows], t) for i, (_, t) in enumerate(columns)]
    batch = pa.record_batch(arrays, names=[c for c, _ in columns])
    return streaming.Result(schema=batch.schema, pending=deque([batch]), exhausted=True)


class DatashareCommands:
    """Handlers of datashare commands (a mixin of ``Connection``)."""

    def _share(self: Connection, session: Session, name: str) -> Datashare:
        share = self.server.authorizer.shares.share(session.namespace.guid, name)
        if share is None:
            raise err.UndefinedObject(f'datashare "{name}" does not exist')
        return share

    def _may_alter_share(self: Connection, session: Session, share: Datashare,
                         privilege: str = "ALTER") -> access.Principal:
        who = self._who(session)
        if who.superuser or share.owner == who.user or access.has_system_privilege(
                who, f"{privilege} DATASHARE"):
            return who
        key = ObjectKey("datashare", name=share.name)
        security = self.server.security
        if access.has_privilege(security, who, key, privilege, "") or access.has_privilege(
                security, who, key, "ALL", ""):
            return who
        raise err.InsufficientPrivilege(f"permission denied for datashare {share.name}")

    def _local_database(self: Connection, session: Session, what: str) -> None:
        if self.server.authorizer.shares.consumer_database(session.namespace.guid,
                                                           session.database):
            raise err.FeatureNotSupported(
                f"feature not supported on datashare databases: {what}")

    # -- producer side --------------------------------------------------------------------
    async def _cmd_create_datashare(self: Connection, session: Session,
                                    cmd: ds_sql.CreateDatashare, _: list[object]) -> Outcome:
        self._local_database(session, "CREATE DATASHARE")
        who = self._who(session)
        owner = self.server.authorizer.default_owner(session.namespace.guid)
        db_key = ObjectKey("database", session.database)
        if not (access.has_system_privilege(who, "CREATE DATASHARE")
                or access.is_owner(self.server.security, who, db_key, owner)):
            raise err.InsufficientPrivilege("permission denied to create datashare")
        if cmd.name.startswith(("ds:", "sys:")):
            raise err.ReservedName(f'datashare name "{cmd.name}" is reserved')
        self.server.authorizer.shares.create(session.namespace.guid, cmd.name, session.database,
                                             who.user, cmd.public, cmd.managed_by)
        return Outcome("CREATE DATASHARE")

    async def _cmd_drop_datashare(self: Connection, session: Session,
                                  cmd: ds_sql.DropDatashare, _: list[object]) -> Outcome:
        shares = self.server.authorizer.shares
        share = shares.share(session.namespace.guid, cmd.name)
        if share is None:
            if cmd.if_exists:
                return Outcome("DROP DATASHARE")
            raise err.UndefinedObject(f'datashare "{cmd.name}" does not exist')
        self._may_alter_share(session, share, "DROP")
        shares.drop(session.namespace.guid, cmd.name)
        ns = session.namespace.guid
        self.server.security.forget_object(ns, ObjectKey("datashare", name=cmd.name))
        self.server.security.forget_grantee(ns, Grantee("datashare", cmd.name))
        return Outcome("DROP DATASHARE")

    async def _cmd_alter_datashare(self: Connection, session: Session,
                                   cmd: ds_sql.AlterDatashare, _: list[object]) -> Outcome:
        share = self._share(session, cmd.name)
        who = self._may_alter_share(session, share)
        shares = self.server.authorizer.shares
        if share.database != session.database:
            raise err.ObjectNotInPrerequisiteState(
                f'datashare "{share.name}" belongs to database "{share.database}"',
                hint=f"Connect to (or USE) {share.database} to alter it.")
        if cmd.action == "public":
            shares.set_public(share, cmd.value)
        elif cmd.action == "includenew":
            if not who.superuser:
                raise err.InsufficientPrivilege(
                    "permission denied: only superusers may change INCLUDENEW")
            row = share.schema_shared(cmd.schema)
            if row is None:
                raise err.ObjectNotInPrerequisiteState(
                    f'schema "{cmd.schema}" is not in datashare "{share.name}"')
            shares.add_object(share, SharedObject("schema", cmd.schema, "", cmd.value))
        else:
            for obj in self._share_objects(session, share, cmd.kind, cmd.objects, who):
                if cmd.action == "add":
                    shares.add_object(share, obj)
                elif not shares.remove_object(share, obj.kind, obj.schema, obj.name):
                    raise err.UndefinedObject(
                        f'{obj.kind} "{obj.schema}{"." + obj.name if obj.name else ""}" is '
                        f'not in datashare "{share.name}"')
        return Outcome("ALTER DATASHARE")

    def _share_objects(self: Connection, session: Session, share: Datashare, kind: str,
                       names: tuple[tuple[str, ...], ...],
                       who: access.Principal) -> list[SharedObject]:
        """The objects an ALTER DATASHARE names, each checked: it exists in the share's
        database, its schema is in the share first, and the user may share it."""
        authorizer = self.server.authorizer
        alias = session.alias()
        owner = authorizer.default_owner(session.namespace.guid)
        out: list[SharedObject] = []
        for parts in names:
            if kind == "schema":
                if not authorizer.directory.schema_exists(alias, parts[0]):
                    raise err.InvalidSchemaName(f'schema "{parts[0]}" does not exist')
                out.append(SharedObject("schema", parts[0]))
                continue
            if kind == "all_functions":
                schema = parts[0]
                self._schema_in_share(share, schema)
                out.extend(SharedObject("function", schema, name)
                           for name in authorizer.directory.functions(alias, schema))
                continue
            if kind == "function":
                if len(parts) > 2:
                    raise err.FeatureNotSupported(
                        "only functions of the datashare's own database can be added to it")
                key = authorizer.function_key(session, Ref(
                    "function", None, parts[0] if len(parts) == 2 else None, parts[-1],
                    "SHARE"))
                if key is None:
                    raise err.UndefinedFunction(f"function {'.'.join(parts)} does not exist")
                self._schema_in_share(share, key.schema)
                if not (who.superuser or access.is_owner(self.server.security, who, key,
                                                         owner)):
                    raise err.InsufficientPrivilege(f"must be owner of function {key.name}")
                out.append(SharedObject("function", key.schema, key.name))
                continue
            if kind == "all_tables":
                schema = parts[0]
                self._schema_in_share(share, schema)
                out.extend(SharedObject(r.kind, schema, r.name)
                           for r in authorizer.directory.relations(alias, schema))
                continue
            if len(parts) == 3 and authorizer.shares.consumer_database(
                    session.namespace.guid, parts[0]):
                raise err.FeatureNotSupported(
                    "objects of a datashare database cannot be added to a datashare")
            ref = Ref("relation", *split_name(parts), "SELECT")
            r = authorizer.resolve(session, ref)
            if r.via is not None or r.key.database != share.database:
                raise err.FeatureNotSupported(
                    "only objects of the datashare's own database can be added to it")
            self._schema_in_share(share, r.schema)
            if not (who.superuser or access.has_privilege(
                    self.server.security, who, r.key, "SELECT", owner)):
                raise err.InsufficientPrivilege(f"permission denied for relation {r.key.name}")
            out.append(SharedObject(r.relation.kind if r.relation else "table", r.schema,
                                    r.key.name))
        return out

    @staticmethod
    def _schema_in_share(share: Datashare, schema: str) -> None:
        if share.schema_shared(schema) is None:
            raise err.ObjectNotInPrerequisiteState(
                f'schema "{schema}" must be added to datashare "{share.name}" before its '
                "objects")

    def grant_on_datashare(self: Connection, session: Session,
                           cmd: dcl.GrantPrivileges) -> None:
        """GRANT/REVOKE USAGE ON DATASHARE to consumers; ALTER/SHARE to users and roles."""
        shares = self.server.authorizer.shares
        for (name, *rest) in cmd.target.names:
            if rest:
                raise err.SyntaxError_(f'syntax error at or near "{".".join(rest)}"')
            share = self._share(session, name)
            for priv in cmd.privileges:
                if priv.name == "USAGE":
                    self._may_alter_share(session, share, "SHARE")
                    consumers = [g for g in cmd.grantees
                                 if g.kind in ("namespace", "account")]
                    if len(consumers) != len(cmd.grantees):
                        raise err.InvalidGrantOperation(
                            "USAGE on a datashare can only be granted to a namespace or an "
                            "account")
                    if len(consumers) != 1:
                        raise err.InvalidGrantOperation(
                            "only one data consumer can be granted in a GRANT statement")
                    if share.managed_by == "ADX":
                        raise err.InsufficientPrivilege(
                            "Permission denied to add/remove consumer to/from datashare "
                            f"{share.name}. Datashare consumers are managed by ADX.")
                    consumer = consumers[0]
                    if consumer.kind == "namespace" and not _GUID.match(consumer.name):
                        raise err.InvalidParameterValue(
                            f'invalid namespace "{consumer.name}": expected a namespace GUID')
                    if consumer.kind == "namespace" and consumer.name == share.namespace:
                        raise err.InvalidGrantOperation(
                            "a datashare cannot be granted to its own namespace")
                    if cmd.revoke:
                        shares.revoke_usage(share, consumer.kind, consumer.name)
                    else:
                        shares.grant_usage(share, consumer.kind, consumer.name)
                elif priv.name in ("ALTER", "SHARE", "ALL"):
                    self._may_alter_share(session, share, "SHARE")
                    key = ObjectKey("datashare", name=share.name)
                    names = ("ALTER", "SHARE") if priv.name == "ALL" else (priv.name,)
                    for grantee in cmd.grantees:
                        if grantee.kind not in ("user", "role", "public"):
                            raise err.InvalidGrantOperation(
                                f"{priv.name} on a datashare can only be granted to users "
                                "and roles")
                        self._check_grantee(session, grantee)
                        for n in names:
                            if cmd.revoke:
                                self.server.security.remove_grants(
                                    session.namespace.guid, key, n, grantee)
                            else:
                                self.server.security.add_grants(session.namespace.guid, [Grant(
                                    key, n, grantee, cmd.grant_option and grantee.kind == "user",
                                    grantor=session.user.name)])
                else:
                    raise err.InvalidGrantOperation(
                        f"invalid privilege type {priv.name} for datashare")

    def grant_to_datashare(self: Connection, session: Session,
                           cmd: dcl.GrantPrivileges) -> None:
        """GRANT/REVOKE privileges ON objects TO DATASHARE: what consumers may do with them
        (granting USAGE on a schema, or any privilege on a relation, also shares it)."""
        ns = session.namespace.guid
        security = self.server.security
        shares = self.server.authorizer.shares
        for grantee in cmd.grantees:
            if grantee.kind != "datashare":
                raise err.InvalidGrantOperation(
                    "a GRANT TO DATASHARE cannot name other grantees")
            share = self._share(session, grantee.name)
            who = self._may_alter_share(session, share)
            scoped = cmd.target.kind.startswith("scope_")
            keys = ([] if scoped else self._objects(session, cmd.target))
            if scoped:
                (schema, database), = cmd.target.names
                database = database or session.database
                keys = [ObjectKey("schema", database, schema) if schema
                        else ObjectKey("database", database)]
            scope = cmd.target.kind.removeprefix("scope_") if scoped else ""
            owner = self.server.authorizer.default_owner(ns)
            for key in keys:
                if key.database != share.database:
                    raise err.FeatureNotSupported(
                        "only objects of the datashare's own database can be granted to it")
                kind = "table" if scope == "tables" else key.kind
                for priv in _share_privileges(cmd.privileges, kind):
                    if not access.may_grant(security, who, key, priv, owner) and not scoped:
                        raise err.InsufficientPrivilege(access.denied_message(key))
                    if cmd.revoke:
                        security.remove_grants(ns, key, priv, grantee, scope=scope)
                        continue
                    if key.kind == "table" and not scoped:
                        self._schema_in_share(share, key.schema)
                    security.add_grants(ns, [Grant(key, priv, grantee, False, scope, "",
                                                   who.user)])
                if cmd.revoke or scoped:
                    continue
                if key.kind == "schema":
                    shares.add_object(share, SharedObject("schema", key.schema))
                elif key.kind == "table" and not share.relation_shared(key.schema, key.name):
                    rel = self.server.authorizer.directory.relation(
                        session.alias(), key.schema, key.name)
                    shares.add_object(share, SharedObject(
                        rel.kind if rel else "table", key.schema, key.name))

    async def _cmd_desc_datashare(self: Connection, session: Session,
                                  cmd: ds_sql.DescDatashare, _: list[object]) -> Outcome:
        shares = self.server.authorizer.shares
        ns = session.namespace.guid
        accounts = self.server.authorizer.shared.accounts
        if cmd.namespace is None:
            share = self._share(session, cmd.name)
            self._may_alter_share(session, share)
            kind = "OUTBOUND"
        else:
            found = shares.share(cmd.namespace, cmd.name)
            if found is None or found not in shares.inbound(ns, accounts.get(ns, "")):
                raise err.UndefinedObject(
                    f'datashare "{cmd.name}" of namespace {cmd.namespace} does not exist or '
                    "is not shared with this namespace")
            share, kind = found, "INBOUND"
        rows = [
            (accounts.get(share.namespace, ""), share.namespace, kind, share.name, o.kind,
             f"{o.schema}.{o.name}" if o.name else o.schema,
             o.include_new if o.kind == "schema" and kind == "OUTBOUND" else None)
            for o in sorted(share.objects.values(), key=lambda o: (o.schema, o.name))
        ]
        return Outcome("SHOW", result=_result([
            ("producer_account", pa.string()), ("producer_namespace", pa.string()),
            ("share_type", pa.string()), ("share_name", pa.string()),
            ("object_type", pa.string()), ("object_name", pa.string()),
            ("include_new", pa.bool_()),
        ], rows))

    async def _cmd_show_datashares(self: Connection, session: Session,
                                   cmd: ds_sql.ShowDatashares, _: list[object]) -> Outcome:
        shares = self.server.authorizer.shares
        ns = session.namespace.guid
        accounts = self.server.authorizer.shared.accounts
        consumer_dbs = {(c.producer, c.share): c.name for c in shares.consumer_databases(ns)}
        rows: list[tuple[object, ...]] = []
        for share in shares.shares(ns):
            rows.append((share.name, share.owner, share.database, None, "OUTBOUND",
                         share.created_at, share.publicly_accessible, None,
                         accounts.get(ns, ""), ns, share.managed_by))
        for share in shares.inbound(ns, accounts.get(ns, "")):
            rows.append((share.name, None, None, consumer_dbs.get((share.namespace, share.name)),
                         "INBOUND", None, share.publicly_accessible, None,
                         accounts.get(share.namespace, ""), share.namespace, share.managed_by))
        if cmd.like is not None:
            pattern = cmd.like.replace("%", "*").replace("_", "?")
            rows = [r for r in rows if fnmatch.fnmatchcase(str(r[0]), pattern)]
        return Outcome("SHOW", result=_result([
            ("share_name", pa.string()), ("share_owner", pa.string()),
            ("source_database", pa.string()), ("consumer_database", pa.string()),
            ("share_type", pa.string()), ("createdate", pa.timestamp("us")),
            ("is_publicaccessible", pa.bool_()), ("share_acl", pa.string()),
            ("producer_account", pa.string()), ("producer_namespace", pa.string()),
            ("managed_by", pa.string()),
        ], rows))

    # -- consumer side --------------------------------------------------------------------
    async def _cmd_consumer_database(self: Connection, session: Session,
                                     cmd: ds_sql.CreateConsumerDatabase,
                                     _: list[object]) -> Outcome:
        session.outside_transaction("CREATE DATABASE")
        ns = session.namespace.guid
        user = self.server.catalog.user(ns, session.user.name)
        if user is None or not (user.superuser or user.createdb):
            raise err.InsufficientPrivilege("permission denied to create database")
        authorizer = self.server.authorizer
        shares = authorizer.shares
        accounts = authorizer.shared.accounts
        share = shares.share(cmd.namespace, cmd.share)
        if cmd.namespace == ns:
            raise err.InvalidParameterValue(
                "a namespace cannot create a database from its own datashare")
        if share is None or share not in shares.inbound(ns, accounts.get(ns, "")) or (
                cmd.account is not None and accounts.get(share.namespace) != cmd.account):
            raise err.UndefinedObject(
                f'datashare "{cmd.share}" of namespace {cmd.namespace} does not exist or is not '
                "shared with this namespace")
        if cmd.name in session.aliases or self.server.catalog.database(ns, cmd.name):
            raise err.DuplicateDatabase(f'database "{cmd.name}" already exists')
        cdb = shares.create_consumer_database(ns, cmd.name, share, cmd.with_permissions)
        self.server.security.forget_object(ns, ObjectKey("database", cmd.name))
        self.server.security.set_owner(ns, ObjectKey("database", cmd.name), session.user.name)
        self.server.mount(cdb)
        return Outcome("CREATE DATABASE")

    async def _cmd_external_schema(self: Connection, session: Session,
                                   cmd: ds_sql.CreateExternalSchema, _: list[object]) -> Outcome:
        ns = session.namespace.guid
        authorizer = self.server.authorizer
        who = self._who(session)
        owner = authorizer.default_owner(ns)
        if not access.has_privilege(self.server.security, who,
                                    ObjectKey("database", session.database), "CREATE", owner):
            raise err.InsufficientPrivilege(f"permission denied for database {session.database}")
        session.alias(cmd.database)  # 3D000 when the source database does not exist
        taken = authorizer.directory.schema_exists(session.alias(), cmd.name) or (
            session.database, cmd.name) in authorizer.shares.external_of(ns)
        if taken:
            if cmd.if_not_exists:
                return Outcome("CREATE SCHEMA")
            raise err.DuplicateSchema(f'schema "{cmd.name}" already exists')
        authorizer.shares.create_external_schema(ExternalSchema(
            ns, session.database, cmd.name, cmd.database, cmd.schema, who.user, now()))
        self.server.names_changed(ns)
        return Outcome("CREATE SCHEMA")

    async def _cmd_drop_external_schema(self: Connection, session: Session,
                                        cmd: ds_sql.DropExternalSchema,
                                        _: list[object]) -> Outcome:
        ns = session.namespace.guid
        shares = self.server.authorizer.shares
        ext = shares.external_of(ns).get((session.database, cmd.name))
        if ext is None:
            raise err.InvalidSchemaName(f'schema "{cmd.name}" does not exist')
        who = self._who(session)
        if not (who.superuser or ext.owner == who.user):
            raise err.InsufficientPrivilege(f"must be owner of schema {cmd.name}")
        shares.drop_external_schema(ns, session.database, cmd.name)
        self.server.security.forget_object(ns, ObjectKey("schema", session.database, cmd.name))
        self.server.names_changed(ns)
        return Outcome("DROP SCHEMA")

    async def _cmd_write_switch(self: Connection, session: Session, cmd: ds_sql.WriteSwitch,
                                _: list[object]) -> Outcome:
        ns = session.namespace.guid
        shares = self.server.authorizer.shares
        if cmd.side == "authorize":
            share = self._share(session, cmd.share)
            self._may_alter_share(session, share, "SHARE")
            shares.set_write_switch("authorize", ns, ns, share.name, cmd.account, cmd.on)
        else:
            if not self._who(session).superuser:
                raise err.InsufficientPrivilege(
                    "permission denied: only superusers may associate datashares")
            assert cmd.namespace is not None
            shares.set_write_switch("associate", ns, cmd.namespace, cmd.share, cmd.account,
                                    cmd.on)
        return Outcome(ds_sql.tag_of(cmd)[1])

    def drop_consumer_database(self: Connection, session: Session, name: str) -> bool:
        """DROP DATABASE of a consumer database (never touches the producer's file);
        False when ``name`` is not one."""
        ns = session.namespace.guid
        shares = self.server.authorizer.shares
        if shares.consumer_database(ns, name) is None:
            return False
        shares.drop_consumer_database(ns, name)
        self.server.security.forget_object(ns, ObjectKey("database", name))
        self.server.unmount(ns, name)
        return True


def _share_privileges(privileges: tuple[dcl.Privilege, ...], kind: str) -> list[str]:
    allowed = _SHARE_PRIVILEGES.get(kind, ())
    out: list[str] = []
    for p in privileges:
        if p.columns:
            raise err.InvalidGrantOperation("column privileges cannot be granted to a datashare")
        if p.name == "ALL":
            out.extend(allowed)
        elif p.name in allowed:
            out.append(p.name)
        else:
            raise err.InvalidGrantOperation(
                f"invalid privilege type {p.name} for {kind} granted to a datashare")
    return out


HANDLERS = {
    ds_sql.CreateDatashare: DatashareCommands._cmd_create_datashare,
    ds_sql.DropDatashare: DatashareCommands._cmd_drop_datashare,
    ds_sql.AlterDatashare: DatashareCommands._cmd_alter_datashare,
    ds_sql.DescDatashare: DatashareCommands._cmd_desc_datashare,
    ds_sql.ShowDatashares: DatashareCommands._cmd_show_datashares,
    ds_sql.CreateConsumerDatabase: DatashareCommands._cmd_consumer_database,
    ds_sql.CreateExternalSchema: DatashareCommands._cmd_external_schema,
    ds_sql.DropExternalSchema: DatashareCommands._cmd_drop_external_schema,
    ds_sql.WriteSwitch: DatashareCommands._cmd_write_switch,
}
