"""Enforcement: every object a statement touches is resolved and checked before it runs.

The statement's references (``proxy.sql.references``, cached with its translation) are resolved
for the session (current database, search_path, its own uncommitted objects) against the
catalog's directory of relations, and each is checked by ``policies.access`` against the
security state as it is now, so a GRANT or REVOKE reaches open sessions at their next
statement. Views are checked for the user, then their base relations as the view's owner.
Anything that cannot be resolved is denied. Superusers skip the checks.

After a statement succeeds, its effects on ownership and grants (new objects are owned by their
creator and get the matching default privileges; dropped objects lose their grants; renamed
ones keep them) wait for the transaction's commit, and vanish with a rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from catalog import errors as err
from catalog.datashares import (
    ConsumerDatabase,
    Datashare,
    Datashares,
    ExternalSchema,
    SharedObject,
    consumer_identity,
)
from catalog.directory import Directory, Relation
from catalog.security import PUBLIC, DefaultPrivilege, Grant, ObjectKey, Security
from catalog.store import Catalog
from catalog.table_attributes import MV_ROWS_PREFIX
from policies import access
from proxy import columns
from proxy.shared_access import SharedAccess
from proxy.sql.references import Ref, references

if TYPE_CHECKING:
    from proxy.session import Session
    from proxy.sql.pipeline import Statement

# What each has_*_privilege function may ask about.
_INQUIRY_PRIVILEGES: dict[str, frozenset[str]] = {
    "table": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "REFERENCES",
                        "ALTER", "TRUNCATE", "RULE", "TRIGGER"}),
    "schema": frozenset({"CREATE", "USAGE", "ALTER", "DROP"}),
    "database": frozenset({"CREATE", "TEMP", "USAGE", "CONNECT", "ALTER", "DROP"}),
}

# Deeper view nesting than this is refused rather than followed.
_MAX_VIEW_DEPTH = 32
_VIEW_CACHE_SIZE = 2048


@dataclass(frozen=True, slots=True)
class Created:
    """An object a transaction created: who will own it, and the share it went into."""

    namespace: str
    key: ObjectKey
    owner: str
    share: Datashare | None = None
    consumer: ConsumerDatabase | None = None


@dataclass(slots=True)
class PendingEffects:
    """Ownership and grant changes waiting for the session's transaction to commit."""

    created: list[Created] = field(default_factory=list)
    dropped: list[tuple[str, ObjectKey]] = field(default_factory=list)
    renamed: list[tuple[str, ObjectKey, ObjectKey]] = field(default_factory=list)
    # Relations the transaction created, visible only to it: (alias, schema, name).
    own: set[tuple[str, str, str]] = field(default_factory=set)
    # Temporary tables it created and dropped (they are the session's only once committed).
    temp_created: set[str] = field(default_factory=set)
    temp_dropped: set[str] = field(default_factory=set)
    # It ran DDL, which may have changed CHAR columns of tables it did not create (ADD
    # COLUMN): until it ends, they are what its own cursor sees.
    altered: bool = False
    # What the running statement creates that existed before it ran (see Authorizer.before).
    existing: set[ObjectKey] = field(default_factory=set)
    # The functions it creates or drops, found before it ran (a dropped one is gone after).
    functions: dict[Ref, ObjectKey] = field(default_factory=dict)


@dataclass(slots=True)
class Narrowing:
    """A relation the user may use only some columns of: action -> permitted columns."""

    name: str
    allowed: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A reference resolved to a physical place and a securable object."""

    ref: Ref
    namespace: str
    alias: str
    schema: str
    key: ObjectKey
    relation: Relation | None  # None: being created, or the session's own uncommitted object
    via: ConsumerDatabase | None = None  # reached through this consumer database
    share: Datashare | None = None  # ... of this (live) datashare
    external: ExternalSchema | None = None  # named through this external schema


class Authorizer:
    """Resolves and checks statements; records ownership after they run."""

    def __init__(self, catalog: Catalog, security: Security, directory: Directory,
                 shares: Datashares) -> None:
        self.catalog = catalog
        self.security = security
        self.directory = directory
        self.shares = shares
        self.shared = SharedAccess(self, shares)
        # internal alias -> (namespace guid, database name); kept by the server.
        self.places: dict[str, tuple[str, str]] = {}
        self._principals: dict[tuple[str, str], tuple[int, access.Principal]] = {}
        self._default_owners: dict[str, tuple[int, str]] = {}
        self._views: dict[tuple[str, str, str, str], tuple[Ref, ...]] = {}
        # Called with (session, committed) whenever a session's transaction ends.
        self.settle_hooks: list[Callable[[Session, bool], None]] = []

    # -- who ------------------------------------------------------------------------------
    def default_owner(self, namespace: str) -> str:
        """Who owns objects with no recorded owner: the namespace's first superuser."""
        hit = self._default_owners.get(namespace)
        if hit is not None and hit[0] == self.catalog.version:
            return hit[1]
        supers = [u for u in self.catalog.users(namespace) if u.superuser]
        owner = supers[0].name if supers else ""
        self._default_owners[namespace] = (self.catalog.version, owner)
        return owner

    def principal(self, namespace: str, user: str) -> access.Principal:
        """The principal of a user as the catalog stands now (memoized per version)."""
        version = self.security.version + self.catalog.version
        hit = self._principals.get((namespace, user))
        if hit is not None and hit[0] == version:
            return hit[1]
        record = self.catalog.user(namespace, user)
        superuser = record is not None and record.superuser
        p = access.principal(self.security, namespace, user, superuser)
        self._principals[(namespace, user)] = (version, p)
        return p

    # -- checking -------------------------------------------------------------------------
    def check(self, session: Session, stmt: Statement) -> str | None:
        """Raise 42501 (or 42P01/3D000/3F000) unless the session may run ``stmt``.

        Returns the DuckDB SQL to run instead when column privileges narrow the statement
        (``SELECT *`` over a table the user may read only some columns of), else None.
        """
        who = self.principal(session.namespace.guid, session.user.name)
        through_shares = any(self.shared.consumer_database(session, ref) is not None
                             for ref in stmt.refs)
        if who.superuser and not through_shares:
            # A view may still read another namespace's shared data: its owner's view bodies
            # are checked against the share like any consumer's.
            for ref in stmt.refs:
                if ref.kind == "function" or ref.action != "SELECT":
                    continue  # only reading a view reads what its body names
                r = self.resolve_quietly(session, ref)
                if r is not None and r.relation is not None and r.relation.kind == "view":
                    self._check_view(session, r, 0)
            return None
        if not stmt.understood:
            raise err.InsufficientPrivilege(
                f"permission denied: {stmt.tag} is not allowed for user {who.user}"
            )
        narrowed: dict[tuple[str, str, str], Narrowing] = {}
        for ref in stmt.refs:
            if ref.action == "VIEWREF":
                self._check_view_source(session, ref)
                continue
            if ref.kind == "function":
                self._check_function(session, who, ref)
                continue
            r = self.resolve(session, ref)
            if r.via is not None:
                self.shared.check(session, who, r)
            elif not who.superuser:
                self._check_ref(session, who, r, 0, narrowed)
        if not narrowed:
            return None
        return columns.narrowed_sql(session, stmt, narrowed, self)

    def effective_sql(self, session: Session, stmt: Statement) -> str | None:
        """``check``'s replacement SQL without its errors (Describe does not check access)."""
        try:
            return self.check(session, stmt)
        except err.SQLError:
            return None

    def _check_ref(self, session: Session, who: access.Principal, r: Resolved,
                   depth: int, narrowed: dict[tuple[str, str, str], Narrowing]) -> None:
        ref = r.ref
        owner = self.default_owner(r.namespace)
        if ref.kind == "database":
            return
        if ref.kind == "schema":
            self._check_schema_ref(who, r, owner)
            return
        if r.relation is None and ref.action != "CREATE":
            return  # the session's own uncommitted relation
        if ref.action == "CREATE":
            self._require_schema(who, r, "CREATE", owner)
            if r.relation is not None and ref.replace and not access.is_owner(
                    self.security, who, r.key, owner):
                raise err.InsufficientPrivilege(f"must be owner of relation {ref.name}")
            return
        self._require_schema(who, r, "USAGE", owner)
        shown = ref.name
        if ref.action in ("OWNER", "DROP", "ALTER") and not (
            access.is_owner(self.security, who, r.key, owner)
            or (ref.action != "OWNER"
                and access.has_privilege(self.security, who, r.key, ref.action, owner))
        ):
            raise err.InsufficientPrivilege(f"must be owner of relation {shown}")
        if ref.action not in ("OWNER", "DROP", "ALTER") and not access.has_privilege(
            self.security, who, r.key, ref.action, owner
        ):
            cols = (access.column_privileges(self.security, who, r.key, ref.action, r.namespace)
                    if ref.action in ("SELECT", "UPDATE") and depth == 0 else set())
            if not cols:
                raise err.InsufficientPrivilege(f"permission denied for relation {shown}")
            place = (r.alias, r.schema, ref.name)
            held = narrowed.setdefault(place, Narrowing(ref.name))
            held.allowed[ref.action] = cols
        if r.relation is not None and r.relation.kind == "view" and ref.action == "SELECT":
            self._check_view(session, r, depth)

    def _check_schema_ref(self, who: access.Principal, r: Resolved, owner: str) -> None:
        ref = r.ref
        if ref.action == "CREATE":
            db_key = ObjectKey("database", r.key.database)
            if not access.has_privilege(self.security, who, db_key, "CREATE", owner):
                raise err.InsufficientPrivilege(
                    f"permission denied for database {r.key.database}")
            return
        if not self.directory.schema_exists(r.alias, r.schema):
            raise err.InvalidSchemaName(f'schema "{r.schema}" does not exist')
        if not (access.is_owner(self.security, who, r.key, owner)
                or access.has_privilege(self.security, who, r.key, ref.action, owner)):
            raise err.InsufficientPrivilege(f"must be owner of schema {r.schema}")

    def _require_schema(self, who: access.Principal, r: Resolved, privilege: str,
                        owner: str) -> None:
        key = ObjectKey("schema", r.key.database, r.schema)
        if not access.has_privilege(self.security, who, key, privilege, owner):
            raise err.InsufficientPrivilege(f"permission denied for schema {r.schema}")

    def function_key(self, session: Session, ref: Ref) -> ObjectKey | None:
        """The SQL UDF a function reference names (search_path for an unqualified name), or
        None for a built-in. For CREATE, where it will be. Through a consumer database, the
        producer's function."""
        database = ref.database or session.database
        alias = session.aliases.get(database)
        if alias is None:
            raise err.InvalidCatalogName(f'database "{database}" does not exist')
        _, db = self.places.get(alias, (session.namespace.guid, database))
        schemas = [ref.schema] if ref.schema else self.search_path(session)
        for schema in schemas:
            if self.directory.function_exists(alias, schema, ref.name):
                return ObjectKey("function", db, schema, ref.name)
        if ref.action == "CREATE":
            schema = ref.schema or self._creation_schema(session, alias)
            return ObjectKey("function", db, schema, ref.name)
        return None

    def _check_function(self, session: Session, who: access.Principal, ref: Ref) -> None:
        """EXECUTE to call a SQL UDF; CREATE on its schema to create one, and its ownership
        to replace or drop one. Through a consumer database only shared functions exist."""
        key = self.function_key(session, ref)
        if key is None:
            return  # a built-in function
        ns = session.namespace.guid
        cdb = self.shares.consumer_database(ns, ref.database or session.database)
        if cdb is not None:
            self.shared.check_function(who, cdb, key, ref)
            return
        owner = self.default_owner(ns)
        alias = session.alias(ref.database)
        exists = self.directory.function_exists(alias, key.schema, key.name)
        if ref.action == "EXECUTE":
            if not access.has_privilege(self.security, who, key, "EXECUTE", owner):
                raise err.InsufficientPrivilege(f"permission denied for function {ref.name}")
            return
        if ref.action == "CREATE":
            schema = ObjectKey("schema", key.database, key.schema)
            if not access.has_privilege(self.security, who, schema, "CREATE", owner):
                raise err.InsufficientPrivilege(f"permission denied for schema {key.schema}")
        if exists and not (who.superuser or access.is_owner(self.security, who, key, owner)):
            raise err.InsufficientPrivilege(f"must be owner of function {ref.name}")

    def _check_view_source(self, session: Session, ref: Ref) -> None:
        """A view may read shared objects only when it binds late (Redshift's rule)."""
        if self.shared.consumer_database(session, ref) is not None and not ref.late_binding:
            raise err.FeatureNotSupported(
                "cannot create a view over objects of a datashare database unless it is a "
                "late-binding view", hint="Add WITH NO SCHEMA BINDING.")

    def check_view_as_owner(self, session: Session, r: Resolved) -> None:
        """Check a view's base relations as the view's owner."""
        self._check_view(session, r, 0)

    def check_materialized(self, session: Session | None, alias: str, schema: str, name: str,
                           query_sql: str) -> None:
        """A refresh of the materialized view ``schema.name`` of ``alias`` (``query_sql``: the
        DuckDB CREATE VIEW of its query): its owner must still read what it reads (Redshift:
        SELECT on its bases), through a datashare as the share and the consumer's grants allow
        now. ``session`` is None for an auto refresh (the checks of reads use none)."""
        ns, db = self.places[alias]
        key = ObjectKey("table", db, schema, name)
        owner = self.principal(ns, self.security.owner(ns, key) or self.default_owner(ns))
        if owner.superuser and not any(
                other in query_sql for other, (where, _) in self.places.items() if where != ns):
            return  # a superuser reads everything of its own namespace
        query = Relation(alias, schema, name, "view", query_sql)
        r = Resolved(Ref("relation", None, schema, name, "SELECT"), ns, alias, schema, key, query)
        self._check_view(session, r, 0)  # type: ignore[arg-type]

    def _check_view(self, session: Session, r: Resolved, depth: int) -> None:
        """A view's base relations are checked as the view's owner."""
        if depth >= _MAX_VIEW_DEPTH:
            raise err.InsufficientPrivilege(f"permission denied for relation {r.ref.name}")
        assert r.relation is not None
        owner_name = self.security.owner(r.namespace, r.key) or self.default_owner(r.namespace)
        owner = self.principal(r.namespace, owner_name)
        for ref in self._view_refs(r.relation):
            if ref.kind == "function":
                self._check_view_function(ref, r, owner)
                continue
            if ref.name.startswith(MV_ROWS_PREFIX):
                # A materialized view's stored rows (no user SQL can name them): reading it
                # needs SELECT on it alone, as in Redshift.
                continue
            base = self._resolve_in_view(ref, r)
            if base.via is not None:
                self.shared.check(session, owner, base)
            elif not owner.superuser:
                self._check_ref(session, owner, base, depth + 1, {})
            elif base.relation is not None and base.relation.kind == "view":
                self._check_view(session, base, depth + 1)

    def _view_refs(self, view: Relation) -> tuple[Ref, ...]:
        key = (view.alias, view.schema, view.name, view.sql or "")
        refs = self._views.get(key)
        if refs is None:
            try:
                tree = sqlglot.parse_one(view.sql or "", read="duckdb")
            except sqlglot.errors.ParseError:
                raise err.InsufficientPrivilege(
                    f"permission denied for relation {view.name}") from None
            body = tree.args.get("expression") if isinstance(tree, exp.Create) else None
            if body is None:
                raise err.InsufficientPrivilege(f"permission denied for relation {view.name}")
            refs, understood = references(body)
            if not understood:
                raise err.InsufficientPrivilege(f"permission denied for relation {view.name}")
            if len(self._views) >= _VIEW_CACHE_SIZE:
                self._views.clear()
            self._views[key] = refs
        return refs

    def _check_view_function(self, ref: Ref, view: Resolved, owner: access.Principal) -> None:
        """A SQL UDF a view calls: EXECUTE is checked as the view's owner."""
        if owner.superuser or view.relation is None:
            return
        _, db = self.places.get(view.alias, (view.namespace, view.key.database))
        for schema in [ref.schema] if ref.schema else [view.schema, "public", "main"]:
            if self.directory.function_exists(view.alias, schema, ref.name):
                key = ObjectKey("function", db, schema, ref.name)
                if not access.has_privilege(self.security, owner, key, "EXECUTE",
                                            self.default_owner(view.namespace), view.namespace):
                    raise err.InsufficientPrivilege(f"permission denied for function {ref.name}")
                return

    def _resolve_in_view(self, ref: Ref, view: Resolved) -> Resolved:
        """A view body's names bind in the view's own database and schema (as DuckDB does)."""
        alias = ref.database or view.alias
        place = self.places.get(alias)
        if place is None:
            raise err.InsufficientPrivilege(f"permission denied for relation {ref.name}")
        ns, db = place
        if ns != view.namespace:
            return self.shared.resolve_view_base(ref, view, alias)
        schemas = [ref.schema] if ref.schema else [view.schema, "public", "main"]
        for schema in schemas:
            rel = self.directory.relation(alias, schema, ref.name)
            if rel is not None:
                return Resolved(ref, ns, alias, schema,
                                ObjectKey("table", db, schema, ref.name), rel)
        # A late-binding view over a relation that is gone: what DuckDB would say.
        raise err.UndefinedTable(f'relation "{ref.name}" does not exist')

    # -- resolution -----------------------------------------------------------------------
    def resolve(self, session: Session, ref: Ref) -> Resolved:
        """Where ``ref`` points for this session; 42P01/3F000/3D000 if nowhere."""
        external = None
        if ref.database is None and ref.schema is not None:
            external = self.shares.external_of(session.namespace.guid).get(
                (session.database, ref.schema))
            if external is not None:
                # ext.t is source_database.source_schema.t (CREATE EXTERNAL SCHEMA).
                ref = replace(ref, database=external.source_database,
                              schema=external.source_schema)
        database = ref.database or session.database
        cdb = self.shares.consumer_database(session.namespace.guid, database)
        if cdb is not None:
            return replace(self.shared.resolve(session, ref, cdb), external=external)
        alias = session.aliases.get(database)
        if alias is None:
            raise err.InvalidCatalogName(f'database "{database}" does not exist')
        ns, db = self.places.get(alias, (session.namespace.guid, database))
        if ref.kind == "schema":
            schema = ref.schema or ""
            return Resolved(ref, ns, alias, schema, ObjectKey("schema", db, schema), None)
        if ref.action == "CREATE":
            schema = ref.schema or self._creation_schema(session, alias)
            known = self.directory.schema_exists(alias, schema) or (
                (alias, schema, "") in session.effects.own)
            if not ref.temporary and not known:
                raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
            # Set when the relation exists already: IF NOT EXISTS makes the CREATE a no-op and
            # OR REPLACE keeps its owner and grants; either way nobody new owns it.
            existing = None if ref.temporary else self.directory.relation(alias, schema, ref.name)
            return Resolved(ref, ns, alias, schema, ObjectKey("table", db, schema, ref.name),
                            existing)
        schemas = [ref.schema] if ref.schema else self.search_path(session)
        for attempt in range(2):
            for schema in schemas:
                if (alias, schema, ref.name) in session.effects.own or (
                    ref.schema is None and _is_temp(session, ref.name)
                ):
                    return Resolved(ref, ns, alias, schema,
                                    ObjectKey("table", db, schema, ref.name), None)
                rel = self.directory.relation(alias, schema, ref.name)
                if rel is not None:
                    return Resolved(ref, ns, alias, schema,
                                    ObjectKey("table", db, schema, ref.name), rel)
            if attempt == 0:
                # Another session may have just committed it.
                self.directory.invalidate()
        if ref.schema is None and _is_temp(session, ref.name):
            return Resolved(ref, ns, alias, "", ObjectKey("table", db, "", ref.name), None)
        shown = ref.name if ref.schema is None else f"{ref.schema}.{ref.name}"
        raise err.UndefinedTable(f'relation "{shown}" does not exist')

    def search_path(self, session: Session) -> list[str]:
        """The session's search_path schemas, ``$user`` expanded."""
        out: list[str] = []
        for raw in session.values["search_path"].split(","):
            name = raw.strip().strip('"')
            if name == "$user":
                name = session.user.name
            if name and name not in out:
                out.append(name)
        return out or ["public"]

    def _creation_schema(self, session: Session, alias: str) -> str:
        for schema in self.search_path(session):
            if self.directory.schema_exists(alias, schema):
                return schema
        return "public"

    # -- privilege inquiry functions ------------------------------------------------------
    def inquire(self, namespace: str, database: str, kind: str, user: str, name: str,
                column: str | None, privilege: str) -> bool:
        """has_table_privilege and its siblings: whether ``user`` holds ``privilege`` (a
        comma-separated list, any of which will do, with optional WITH GRANT OPTION) on the
        object ``name`` of the database ``database``. Errors as ``ValueError("<SQLSTATE>
        <message>")`` (see ``Engine.register_function``)."""
        if self.catalog.user(namespace, user) is None:
            raise ValueError(f'42704 role "{user}" does not exist')
        who = self.principal(namespace, user)
        owner = self.default_owner(namespace)
        any_column = kind == "any_column"
        key, obj_kind = self._inquiry_object(namespace, database,
                                             "table" if any_column else kind, name, user)
        for raw in privilege.split(","):
            priv = raw.strip().upper()
            grant_option = priv.endswith(" WITH GRANT OPTION")
            priv = priv.removesuffix(" WITH GRANT OPTION").strip()
            priv = "TEMP" if priv == "TEMPORARY" else priv
            if priv not in _INQUIRY_PRIVILEGES[obj_kind]:
                raise ValueError(f'22023 unrecognized privilege type: "{raw.strip()}"')
            if priv == "CONNECT":
                return True  # Redshift has no CONNECT privilege: every user may connect
            if grant_option:
                if access.may_grant(self.security, who, key, priv, owner):
                    return True
                continue
            if access.has_privilege(self.security, who, key, priv, owner):
                return True
            if column is not None and column in access.column_privileges(
                    self.security, who, key, priv):
                return True
            if any_column and access.column_privileges(self.security, who, key, priv):
                return True
        return False

    def _inquiry_object(self, namespace: str, database: str, kind: str, name: str,
                        user: str) -> tuple[ObjectKey, str]:
        aliases = {db: alias for alias, (ns, db) in self.places.items() if ns == namespace}
        if kind == "database":
            if name not in aliases:
                raise ValueError(f'3D000 database "{name}" does not exist')
            return ObjectKey("database", name), "database"
        alias = aliases.get(database)
        if alias is None:
            raise ValueError(f'3D000 database "{database}" does not exist')
        parts = [p.strip('"') if p.startswith('"') else p.lower() for p in name.split(".")]
        if kind == "schema":
            if len(parts) != 1 or not self.directory.schema_exists(alias, parts[0]):
                raise ValueError(f'3F000 schema "{name}" does not exist')
            return ObjectKey("schema", database, parts[0]), "schema"
        if len(parts) == 3:
            if parts[0] != database:
                raise ValueError("0A000 cross-database references are not implemented: "
                                 f"{name}")
            parts = parts[1:]
        schemas = parts[:-1] or ["public", user]
        for schema in schemas:
            if self.directory.relation(alias, schema, parts[-1]) is not None:
                return ObjectKey("table", database, schema, parts[-1]), "table"
        raise ValueError(f'42P01 relation "{name}" does not exist')

    # -- effects --------------------------------------------------------------------------
    def before(self, session: Session, stmt: Statement) -> None:
        """Just before a statement runs: note which objects it creates exist already (their
        CREATE ... IF NOT EXISTS or OR REPLACE must not hand them to a new owner)."""
        fx = session.effects
        fx.existing.clear()
        fx.functions.clear()
        for ref in stmt.refs:
            if ref.kind == "function" and ref.action in ("CREATE", "DROP"):
                key = self.function_key(session, ref)
                if key is None:
                    continue
                fx.functions[ref] = key
                if ref.action == "CREATE" and self.directory.function_exists(
                        session.alias(ref.database), key.schema, key.name):
                    fx.existing.add(key)
                continue
            if ref.action != "CREATE" or ref.temporary:
                continue
            r = self.resolve_quietly(session, ref)
            if r is None:
                continue
            if ref.kind == "schema":
                if self.directory.schema_exists(r.alias, r.schema):
                    fx.existing.add(r.key)
            elif r.relation is not None or (r.alias, r.schema, ref.name) in fx.own:
                fx.existing.add(r.key)

    def ran(self, session: Session, stmt: Statement) -> None:
        """A statement succeeded: note its effects on ownership, applied at commit."""
        fx = session.effects
        if stmt.statement_type in ("DDL", "CTAS"):
            # It may have made, altered or dropped a CHAR column, which translations read.
            self.directory.invalidate()
            session.own_char_columns = None
            fx.altered = True
        for ref in stmt.refs:
            if ref.action not in ("CREATE", "DROP") and ref.new_name is None:
                continue
            if ref.kind == "function":
                key = fx.functions.get(ref)
                if key is None or key in fx.existing:
                    continue
                if ref.action == "CREATE":
                    fx.created.append(Created(session.namespace.guid, key, session.user.name))
                else:
                    fx.dropped.append((session.namespace.guid, key))
                continue
            r = self.resolve_quietly(session, ref)
            if r is None:
                continue
            if ref.action == "CREATE" and ref.temporary:
                fx.temp_created.add(ref.name)
                fx.temp_dropped.discard(ref.name)
            elif ref.action == "CREATE" and r.key in fx.existing:
                continue
            elif ref.action == "CREATE":
                fx.created.append(Created(r.namespace, r.key, session.user.name, r.share, r.via))
                fx.own.add((r.alias, r.schema, ref.name if ref.kind == "relation" else ""))
            elif ref.action == "DROP":
                fx.dropped.append((r.namespace, r.key))
                fx.own.discard((r.alias, r.schema, ref.name))
                if ref.schema is None:
                    fx.temp_created.discard(ref.name)
                    fx.temp_dropped.add(ref.name)
            elif ref.new_name is not None:
                new = ObjectKey(r.key.kind, r.key.database, r.key.schema, ref.new_name)
                fx.renamed.append((r.namespace, r.key, new))
                fx.own.add((r.alias, r.schema, ref.new_name))
        if fx.created or fx.dropped or fx.renamed:
            self.directory.invalidate()

    def resolve_quietly(self, session: Session, ref: Ref) -> Resolved | None:
        """``resolve`` without errors (for bookkeeping after the statement ran)."""
        try:
            return self.resolve(session, ref)
        except err.SQLError:
            return None

    def settle(self, session: Session, committed: bool) -> None:
        """The session's transaction ended: apply (or forget) its pending effects."""
        fx = session.effects
        if committed:
            session.temp_tables -= fx.temp_dropped
            session.temp_tables |= fx.temp_created
            for ns, old, new in fx.renamed:
                self.security.rename_object(ns, old, new)
                self.shares.object_renamed(ns, old.database, old.schema, old.name, new.name)
            for ns, key in fx.dropped:
                self.security.forget_object(ns, key)
                self.shares.object_dropped(ns, key.database, key.schema, key.name)
            for c in fx.created:
                self._created(c)
        if fx.created or fx.dropped or fx.renamed or fx.altered:
            self.directory.invalidate()
        if not committed:
            session.own_char_columns = None  # the tables the transaction made are gone
        session.effects = PendingEffects()
        for hook in self.settle_hooks:
            hook(session, committed)

    def _created(self, c: Created) -> None:
        """Record a committed new object: its owner, default privileges, shares it joins."""
        self.security.forget_object(c.namespace, c.key)
        if c.consumer is None:
            self.security.set_owner(c.namespace, c.key, c.owner)
            if c.key.kind == "table":
                self._apply_defaults(c.namespace, c.key, c.owner)
            if c.key.kind == "function":
                # Redshift: EXECUTE on a new function is granted to PUBLIC.
                self.security.add_grants(c.namespace, [
                    Grant(c.key, "EXECUTE", PUBLIC, grantor=c.owner)])
        else:
            # Made by a consumer in a shared database: the consumer's user owns it on the
            # consumer's side; on the producer's, the share's consumer identity does.
            consumer_key = ObjectKey(c.key.kind, c.consumer.name, c.key.schema, c.key.name)
            self.security.set_owner(c.consumer.namespace, consumer_key, c.owner)
            assert c.share is not None
            self.security.set_owner(c.namespace, c.key, consumer_identity(c.share.name))
        for share in self.shares.shares(c.namespace):
            if share.database != c.key.database:
                continue
            joined = share is c.share or (
                c.key.kind == "table" and (row := share.schema_shared(c.key.schema)) is not None
                and row.include_new)
            if joined:
                kind = "schema" if c.key.kind == "schema" else "table"
                self.shares.add_object(share, SharedObject(
                    kind, c.key.schema, c.key.name if kind == "table" else ""))

    def _apply_defaults(self, ns: str, key: ObjectKey, creator: str) -> None:
        grants = [
            Grant(key, d.privilege, d.grantee, d.grantable, grantor=creator)
            for d in self.security.default_privileges(ns)
            if _default_applies(d, key, creator)
        ]
        if grants:
            self.security.add_grants(ns, grants)


def _is_temp(session: Session, name: str) -> bool:
    """Whether ``name`` is one of the session's temporary tables right now (a rolled-back
    CREATE TEMP TABLE leaves none behind, or a real table of that name would pass as one)."""
    fx = session.effects
    if name in fx.temp_dropped:
        return False
    return name in fx.temp_created or name in session.temp_tables


def _default_applies(d: DefaultPrivilege, key: ObjectKey, creator: str) -> bool:
    return (
        d.object_kind == "tables"
        and d.database == key.database
        and (not d.for_user or d.for_user == creator)
        and (not d.schema or d.schema == key.schema)
    )
