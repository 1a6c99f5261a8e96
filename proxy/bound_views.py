"""Regular views stay bound to the relations they read, as in Redshift and PostgreSQL.

A regular view binds to its relations when it is created (by OID): renaming a table or one of
its columns leaves the view reading the same table and column, and a table (or view) that
regular views depend on cannot be dropped (2BP01) unless CASCADE drops them too. A
late-binding view (WITH NO SCHEMA BINDING, listed in ``meta.LATE_BINDING_VIEWS``) names its
relations only when queried, as DuckDB does every view.

DuckDB keeps a view as the text of its query, bound by name when queried, so the statements
that change a relation under regular views change those views with it, in the same
transaction: RENAME TO re-creates them over the new name, RENAME COLUMN over the new column
name (the view's own columns keep their names), DROP ... CASCADE drops them first. A view's
names are resolved as DuckDB resolves them when the view is queried: in the view's database,
in its schema, then ``public`` and ``main``. Views in other databases are not followed (only
late-binding views may read another database in Redshift).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from catalog import errors as err
from engine import table_metadata as meta
from engine.storage import quote_ident

_FALLBACK_SCHEMAS = ("public", "main")


@dataclass(frozen=True, slots=True)
class Relation:
    """A table or view as DuckDB stores it."""

    alias: str
    schema: str
    name: str

    def same(self, other: Relation) -> bool:
        """Whether both name one relation (names compare as DuckDB resolves them)."""
        return (self.alias, self.schema.lower(), self.name.lower()) == (
            other.alias, other.schema.lower(), other.name.lower())


@dataclass
class _View:
    """A regular view: where it is and its parsed CREATE VIEW statement."""

    relation: Relation
    tree: exp.Create

    def query(self) -> exp.Expr:
        body = self.tree.expression
        assert body is not None
        return body

    def create_sql(self) -> str:
        """CREATE OR REPLACE VIEW of the (changed) view, at its own qualified name."""
        tree = self.tree.copy()
        tree.set("replace", True)
        name = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        assert isinstance(name, exp.Table)
        name.set("catalog", exp.to_identifier(self.relation.alias, quoted=True))
        name.set("db", exp.to_identifier(self.relation.schema, quoted=True))
        return tree.sql("duckdb")


def _regular_views(cur: duckdb.DuckDBPyConnection, alias: str) -> list[_View]:
    """The regular (not late-binding) views of a database."""
    late = {
        (s.lower(), v.lower()) for s, v in cur.execute(
            f"SELECT schema_name, view_name FROM {meta.qualified(alias, meta.LATE_BINDING_VIEWS)}"
        ).fetchall()
    }
    views = []
    for schema, name, sql in cur.execute(
        "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = ? "
        "AND NOT internal AND NOT temporary", [alias],
    ).fetchall():
        if (schema.lower(), name.lower()) in late:
            continue
        try:
            tree = sqlglot.parse_one(sql, read="duckdb")
        except SqlglotError:
            continue  # not one of ours to follow
        if isinstance(tree, exp.Create):
            views.append(_View(Relation(alias, schema, name), tree))
    return views


def _exists(cur: duckdb.DuckDBPyConnection, rel: Relation) -> bool:
    row = cur.execute(
        "SELECT count(*) FROM (SELECT database_name, schema_name, table_name AS name "
        "FROM duckdb_tables() UNION ALL SELECT database_name, schema_name, view_name "
        "FROM duckdb_views()) WHERE database_name = ? AND lower(schema_name) = lower(?) "
        "AND lower(name) = lower(?)", [rel.alias, rel.schema, rel.name],
    ).fetchone()
    return bool(row and row[0])


def _bound(cur: duckdb.DuckDBPyConnection, view: _View, table: exp.Table) -> Relation | None:
    """The relation a name in a view's query resolves to (None: another database's, or
    none)."""
    catalog, db = table.args.get("catalog"), table.args.get("db")
    alias = catalog.name if catalog is not None else view.relation.alias
    if alias != view.relation.alias:
        return None
    if db is not None:
        return Relation(alias, db.name, table.name)
    for schema in dict.fromkeys((view.relation.schema, *_FALLBACK_SCHEMAS)):
        candidate = Relation(alias, schema, table.name)
        if _exists(cur, candidate):
            return candidate
    return None


def _tables(view: _View) -> list[exp.Table]:
    """The relation names in a view's query (not its CTEs' names)."""
    ctes = {cte.alias_or_name.lower() for cte in view.query().find_all(exp.CTE)}
    return [
        t for t in view.query().find_all(exp.Table)
        if t.name and not (t.args.get("db") is None and t.name.lower() in ctes)
    ]


def _dependents(cur: duckdb.DuckDBPyConnection, target: Relation) -> list[_View]:
    """The regular views whose query reads ``target``."""
    return [
        view for view in _regular_views(cur, target.alias)
        if any((b := _bound(cur, view, t)) is not None and b.same(target)
               for t in _tables(view))
    ]


def _stored(cur: duckdb.DuckDBPyConnection, view: Relation) -> _View | None:
    """The view ``view`` as DuckDB stores it (None: gone, or not read)."""
    row = cur.execute(
        "SELECT sql FROM duckdb_views() WHERE database_name = ? AND schema_name = ? "
        "AND view_name = ?", [view.alias, view.schema, view.name]).fetchone()
    tree = _parsed(row[0]) if row is not None else None
    return _View(view, tree) if isinstance(tree, exp.Create) else None


def reads(cur: duckdb.DuckDBPyConnection, view: Relation) -> list[Relation]:
    """The relations of its own database the view ``view`` reads, as its names resolve now
    (none for a view that is gone)."""
    found = _stored(cur, view)
    if found is None:
        return []
    return [b for t in _tables(found) if (b := _bound(cur, found, t)) is not None]


def reads_elsewhere(cur: duckdb.DuckDBPyConnection, view: Relation) -> list[Relation]:
    """The relations of other databases the view ``view`` names (by database alias, as a
    consumer's materialized view names a producer's shared tables)."""
    found = _stored(cur, view)
    if found is None:
        return []
    return [
        Relation(t.catalog, t.db or "main", t.name) for t in _tables(found)
        if t.catalog and t.catalog != view.alias
    ]


@lru_cache(maxsize=1024)
def _parsed(sql: str) -> exp.Expr | None:
    """A view's DuckDB SQL parsed (not to be changed: the parse is shared)."""
    try:
        return sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError:
        return None


def rename_sql(cur: duckdb.DuckDBPyConnection, target: Relation, new_name: str) -> list[str]:
    """Statements re-creating the regular views over ``target`` to read it under
    ``new_name`` (to run after the rename)."""
    out = []
    for view in _dependents(cur, target):
        for table in _tables(view):
            bound = _bound(cur, view, table)
            if bound is not None and bound.same(target):
                table.set("this", exp.to_identifier(new_name, quoted=True))
        out.append(view.create_sql())
    return out


def rename_column_sql(cur: duckdb.DuckDBPyConnection, target: Relation, old: str,
                      new: str) -> list[str]:
    """Statements re-creating the regular views over ``target`` to read its column ``old``
    as ``new`` (to run after the rename), their own columns keeping their names."""
    out = []
    for view in _dependents(cur, target):
        query = _qualified(cur, view)
        changed = False
        for scope in traverse_scope(query):
            for column in scope.columns:
                source = scope.sources.get(column.table)
                if isinstance(source, exp.Table) and column.name.lower() == old.lower() and (
                    (b := _bound(cur, view, source)) is not None and b.same(target)
                ):
                    column.set("this", exp.to_identifier(new, quoted=True))
                    changed = True
        if changed:
            view.tree.set("expression", query)
            out.append(view.create_sql())
    return out


def _qualified(cur: duckdb.DuckDBPyConnection, view: _View) -> exp.Expr:
    """The view's query with every column qualified by its source and every output named
    (sqlglot's qualify, over the columns of the relations it reads)."""
    query = view.query().copy()
    schema: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for table in query.find_all(exp.Table):
        bound = _bound(cur, view, table)
        if bound is None:
            continue
        table.set("catalog", exp.to_identifier(bound.alias))
        table.set("db", exp.to_identifier(bound.schema))
        columns = cur.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
            "AND lower(schema_name) = lower(?) AND lower(table_name) = lower(?) "
            "ORDER BY column_index", [bound.alias, bound.schema, bound.name],
        ).fetchall()
        schema.setdefault(bound.alias, {}).setdefault(bound.schema, {})[table.name] = {
            name: dtype for name, dtype in columns
        }
    try:
        return qualify(query, dialect="duckdb", schema=schema, quote_identifiers=False,
                       validate_qualify_columns=False)
    except SqlglotError:
        raise err.FeatureNotSupported(
            f"feature not supported on Duckshift: RENAME COLUMN under view "
            f'"{view.relation.name}", whose query cannot be rewritten') from None


def _shown(cur: duckdb.DuckDBPyConnection, rel: Relation) -> tuple[Relation, bool]:
    """The relation users know ``rel`` as, and whether it is a materialized view: the hidden
    view of a materialized view's query (``meta.MATERIALIZED_VIEWS``) stands for the
    materialized view, which reads its stored rows."""
    found = meta.materialized_of_query(cur, rel.alias, rel.name)
    if found is None:
        return rel, False
    return Relation(rel.alias, *found), True


def _hidden_parts_sql(cur: duckdb.DuckDBPyConnection, rel: Relation) -> list[str]:
    """Statements dropping the hidden parts of ``rel`` if it is a materialized view."""
    key = meta.materialized_key(cur, rel.alias, rel.schema, rel.name)
    return [] if key is None else meta.materialized_parts_sql(rel.alias, rel.schema, key)


def drop_sql(cur: duckdb.DuckDBPyConnection, targets: list[Relation], kind: str,
             cascade: bool) -> tuple[list[str], list[Relation]]:
    """Statements dropping the regular views that depend on ``targets`` (to run before the
    DROP) and those views, or 2BP01 when some do and ``cascade`` is not given. A materialized
    view goes with its hidden parts, its own or a dependent one."""
    dropped: list[Relation] = []
    materialized: set[Relation] = set()
    pending = list(targets)
    while pending:
        target = pending.pop(0)
        for view in _dependents(cur, target):
            rel, is_mv = _shown(cur, view.relation)
            if any(rel.same(d) for d in [*targets, *dropped]):
                continue
            if not cascade:
                first = targets[0]
                what = "materialized view" if is_mv else "view"
                raise err.DependentObjectsStillExist(
                    f"cannot drop {kind.lower()} {first.name} because other objects depend "
                    "on it",
                    detail=f"{what} {rel.name} depends on {kind.lower()} {target.name}",
                    hint="Use DROP ... CASCADE to drop the dependent objects too.")
            dropped.append(rel)
            pending.append(rel)
            if is_mv:
                materialized.add(rel)
    if kind == "TABLE" and not cascade:
        # A foreign key of another table (kept as metadata: informational_keys) references it;
        # with CASCADE the key goes (``meta.forget_dropped``), the table stays.
        for target in targets:
            for constraint, table in meta.referencing_keys(cur, target.alias, target.schema,
                                                           target.name):
                if any(t.same(Relation(target.alias, target.schema, table)) for t in targets):
                    continue
                raise err.DependentObjectsStillExist(
                    f"cannot drop table {targets[0].name} because other objects depend on it",
                    detail=f"constraint {constraint} on table {table} depends on table "
                           f"{target.name}",
                    hint="Use DROP ... CASCADE to drop the dependent objects too.")
    # Dependents of dependents first: DuckDB checks nothing, but the order reads right.
    drops = []
    for r in reversed(dropped):
        drops.append(f"DROP VIEW IF EXISTS {quote_ident(r.alias)}.{quote_ident(r.schema)}."
                     f"{quote_ident(r.name)}")
        if r in materialized:
            drops += _hidden_parts_sql(cur, r)
    if kind == "VIEW":
        drops += [s for t in targets for s in _hidden_parts_sql(cur, t)]
    return drops, dropped
