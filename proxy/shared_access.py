"""Enforcement for consumer databases: what a datashare lets its consumers see and do.

A consumer database name resolves onto the producer's attached database (so reads are live,
in the same snapshot, with no copy), but only the share's objects exist there for the
consumer; writes need the producer's grant to the share and the consumer's own grants
(``policies.datashares``), and follow Redshift's transaction rules for shared databases.
``proxy.access.Authorizer`` hands every reference through a consumer database to this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from catalog import errors as err
from catalog.datashares import ConsumerDatabase, Datashare, Datashares
from catalog.security import ObjectKey
from policies import access
from policies import datashares as policy

if TYPE_CHECKING:
    from proxy.access import Authorizer, Resolved
    from proxy.session import Session
    from proxy.sql.references import Ref

# Writes a share may allow, by the object they are checked on.
_UNSUPPORTED = "feature not supported on datashare databases"


class SharedAccess:
    """Resolution and checks of references through consumer databases."""

    def __init__(self, authorizer: Authorizer, shares: Datashares) -> None:
        self.authorizer = authorizer
        self.shares = shares
        # namespace guid -> account id (accounts are configured per namespace).
        self.accounts: dict[str, str] = {}

    def consumer_database(self, session: Session, ref: Ref) -> ConsumerDatabase | None:
        """The consumer database a reference goes through (directly or by an external
        schema), if any."""
        database = ref.database
        if database is None and ref.schema is not None:
            ext = self.shares.external_of(session.namespace.guid).get(
                (session.database, ref.schema))
            if ext is not None:
                database = ext.source_database
        return self.shares.consumer_database(session.namespace.guid,
                                             database or session.database)

    def live(self, cdb: ConsumerDatabase) -> Datashare | None:
        """The share behind a consumer database while it exists and is granted."""
        return self.shares.live_share(cdb, self.accounts.get(cdb.namespace, ""))

    # -- resolution -----------------------------------------------------------------------
    def resolve(self, session: Session, ref: Ref, cdb: ConsumerDatabase) -> Resolved:
        """Resolve ``ref`` in a consumer database: only the share's objects exist there."""
        from proxy.access import Resolved

        a = self.authorizer
        alias = session.aliases.get(cdb.name)
        share = self.live(cdb)
        if alias is None or alias not in a.places:
            raise err.InvalidCatalogName(f'database "{cdb.name}" does not exist')
        ns, db = a.places[alias]
        if ref.kind == "schema":
            schema = ref.schema or ""
            if ref.action != "CREATE" and (share is None or share.schema_shared(schema) is None):
                raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
            return Resolved(ref, ns, alias, schema, ObjectKey("schema", db, schema), None,
                            cdb, share)
        if share is None:
            raise err.UndefinedTable(f'relation "{_shown(ref)}" does not exist')
        if ref.action == "CREATE":
            schema = ref.schema or next(
                (s for s in a.search_path(session) if share.schema_shared(s)), "public")
            if share.schema_shared(schema) is None and (
                    alias, schema, "") not in session.effects.own:
                raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
            return Resolved(ref, ns, alias, schema, ObjectKey("table", db, schema, ref.name),
                            a.directory.relation(alias, schema, ref.name), cdb, share)
        for schema in [ref.schema] if ref.schema else a.search_path(session):
            key = ObjectKey("table", db, schema, ref.name)
            if (alias, schema, ref.name) in session.effects.own:
                return Resolved(ref, ns, alias, schema, key, None, cdb, share)
            rel = a.directory.relation(alias, schema, ref.name)
            if rel is not None and policy.visible(share, key):
                return Resolved(ref, ns, alias, schema, key, rel, cdb, share)
        raise err.UndefinedTable(f'relation "{_shown(ref)}" does not exist')

    def resolve_view_base(self, ref: Ref, view: Resolved, alias: str) -> Resolved:
        """A base relation of a consumer's late-binding view that reads a producer's database
        (its stored SQL names the producer's alias): through the consumer database."""
        from proxy.access import Resolved

        a = self.authorizer
        ns, db = a.places[alias]
        for cdb in self.shares.consumer_databases(view.namespace):
            share = self.live(cdb)
            if share is None or share.namespace != ns or share.database != db:
                continue
            schema = ref.schema or "public"
            key = ObjectKey("table", db, schema, ref.name)
            rel = a.directory.relation(alias, schema, ref.name)
            if rel is not None and policy.visible(share, key):
                return Resolved(ref, ns, alias, schema, key, rel, cdb, share)
        raise err.InsufficientPrivilege(f"permission denied for relation {ref.name}")

    # -- checking -------------------------------------------------------------------------
    def check(self, session: Session, who: access.Principal, r: Resolved) -> None:
        """Raise unless the share and the consumer's grants allow what ``r`` does."""
        ref, share, cdb = r.ref, r.share, r.via
        assert share is not None and cdb is not None
        a = self.authorizer
        action = ref.action
        if ref.view or action in ("OWNER",):
            raise err.FeatureNotSupported(
                f"{_UNSUPPORTED}: {'CREATE VIEW' if ref.view else 'COMMENT'} in {cdb.name}")
        if action != "SELECT":
            self._check_write(session, r, share)
        consumer_key = ObjectKey(r.key.kind, cdb.name, r.key.schema, r.key.name)
        privilege = action
        if ref.kind == "relation" and action == "CREATE":
            consumer_key = ObjectKey("schema", cdb.name, r.schema)
        if ref.kind == "schema" and action == "CREATE":
            consumer_key = ObjectKey("database", cdb.name)
        if r.relation is None and action != "CREATE":
            return  # the session's own uncommitted object
        owner = a.default_owner(cdb.namespace)
        through = None if r.external is None else ObjectKey(
            "schema", r.external.database, r.external.name)
        if not policy.consumer_may(a.security, who, cdb, consumer_key, privilege, owner,
                                   through):
            raise err.InsufficientPrivilege(access.denied_message(consumer_key))
        if r.relation is not None and r.relation.kind == "view" and action == "SELECT":
            a.check_view_as_owner(session, r)

    def check_function(self, who: access.Principal, cdb: ConsumerDatabase, key: ObjectKey,
                       ref: Ref) -> None:
        """A producer's SQL UDF called through a consumer database: it must be shared (and
        its schema); consumers may call it, never create or drop it."""
        share = self.live(cdb)
        if share is None or share.schema_shared(key.schema) is None or (
                "function", key.schema, key.name) not in share.objects:
            raise err.UndefinedFunction(f"function {ref.name} does not exist")
        if ref.action != "EXECUTE":
            raise err.FeatureNotSupported(
                f"{_UNSUPPORTED}: {ref.action} FUNCTION in {cdb.name}")
        consumer_key = ObjectKey("function", cdb.name, key.schema, key.name)
        owner = self.authorizer.default_owner(cdb.namespace)
        if not policy.consumer_may(self.authorizer.security, who, cdb, consumer_key, "EXECUTE",
                                   owner):
            raise err.InsufficientPrivilege(f"permission denied for function {ref.name}")

    def _check_write(self, session: Session, r: Resolved, share: Datashare) -> None:
        ref = r.ref
        if ref.kind == "schema":
            holder = (ObjectKey("database", r.key.database) if ref.action == "CREATE"
                      else r.key)
        elif ref.action == "CREATE":
            holder = ObjectKey("schema", r.key.database, r.schema)
        else:
            holder = r.key
        if r.relation is None and ref.action != "CREATE" and ref.kind == "relation":
            return  # created by this transaction: the share's CREATE already allowed it
        db = self.authorizer.catalog.database(share.namespace, share.database)
        if db is not None and db.isolation != "SNAPSHOT":
            raise err.ObjectNotInPrerequisiteState(
                f'database "{share.database}" of the producer uses {db.isolation} isolation; '
                "other warehouses may write to it only under SNAPSHOT isolation")
        if not policy.share_grants(self.authorizer.security, share, holder, ref.action):
            raise err.InsufficientPrivilege(
                access.denied_message(holder),
                detail=f"The producer has not granted {ref.action} on it to datashare "
                f"{share.name}.")
        consumer_account = self.accounts.get(session.namespace.guid, "")
        producer_account = self.accounts.get(share.namespace, "")
        if consumer_account != producer_account and not self.shares.writes_switched_on(
                share, session.namespace.guid, consumer_account, producer_account):
            raise err.InsufficientPrivilege(
                "Datashare writes are not authorized by producer or associated by consumer.",
                hint=f"Across accounts, the producer runs AUTHORIZE DATASHARE {share.name} FOR "
                f"ACCOUNT '{consumer_account}' ALLOW WRITES and the consumer ASSOCIATE "
                f"DATASHARE {share.name} OF ACCOUNT '{producer_account}' NAMESPACE "
                f"'{share.namespace}' ALLOW WRITES.")
        if session.implicit_transaction:
            raise err.FeatureNotSupported(
                "writes to a datashare database in a multi-statement query must run in an "
                "explicit transaction block",
                hint="Wrap the statements in BEGIN ... END.")


def _shown(ref: Ref) -> str:
    return ref.name if ref.schema is None else f"{ref.schema}.{ref.name}"
