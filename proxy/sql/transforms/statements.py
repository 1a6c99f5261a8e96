"""Redshift statements that sqlglot reads or DuckDB runs differently.

* ``#name`` tables are temporary tables: ``CREATE TABLE #t`` becomes a TEMPORARY table named
  ``#t`` (DuckDB temporary tables belong to the session's own connection), and every ``#t``
  identifier is quoted, since DuckDB's grammar has no ``#`` in names.
* ``MERGE ... WHEN NOT MATCHED THEN INSERT VALUES (...)`` without a column list: sqlglot
  reads the VALUES as a call of a function ``values`` in the column list; it becomes the
  VALUES row it is.
* ``MERGE ... REMOVE DUPLICATES`` (Redshift's simplified MERGE; ``pipeline.parse`` reads the
  clause as one action of each kind): of the target rows a source row matches one is updated
  to its values and the others deleted, and a source row nothing matches is inserted, as
  Redshift documents. It is one DuckDB MERGE over the source's rows twice, a flag column
  telling the copies to insert; the UPDATE's and INSERT's values are the source's columns,
  read when it runs (``proxy/late_ddl.py``).
* SQL UDFs are read by their own grammar (``proxy/sql/udfs.py``); a CREATE FUNCTION it does
  not read (``CREATE TEMP FUNCTION``) is refused with 0A000.
* TRUNCATE commits the transaction it runs in, as in Redshift (``proxy/late_ddl.py``).
* ALTER TABLE ... RENAME TO renames a view too, as in Redshift: whether the relation is a
  view is known when it runs (``proxy/late_ddl.py``).
* A materialized view is a view over a hidden table of its rows, recorded as materialized
  (``meta.MATERIALIZED_VIEWS``, with the first mutable function its query calls); its rows are
  stored when it runs and when it is refreshed (``proxy/materialized_views.py``); DROP
  MATERIALIZED VIEW drops it with its hidden parts. AUTO REFRESH YES of a query that calls a
  mutable function (GETDATE, RANDOM ...) is refused, as Redshift refuses it.
* Regular views bind to the relations they read, late-binding views (WITH NO SCHEMA BINDING)
  by name when queried: CREATE VIEW records which kind a view is (``meta.LATE_BINDING_VIEWS``),
  and RENAME TO, RENAME COLUMN and DROP TABLE/VIEW act on the regular views over what they
  change when they run (``proxy/bound_views.py``).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from engine import table_metadata as meta
from engine.storage import INTERNAL_PREFIX, quote_literal
from proxy.sql.context import Context
from proxy.sql.late import (
    CommitFirst,
    CreateView,
    DropRelations,
    MergeAllColumns,
    Place,
    RenameColumn,
    RenameRelation,
)
from proxy.sql.transforms import companions

# Meta mark of a MERGE written with REMOVE DUPLICATES (set by ``pipeline.parse``).
REMOVE_DUPLICATES = "remove_duplicates"
_INSERTED = f"{INTERNAL_PREFIX}inserted"


def _refuse(what: str) -> FeatureNotSupported:
    return FeatureNotSupported(f"feature not supported on Duckshift: {what}")


def _merge_insert_values(tree: exp.Merge) -> None:
    for insert in tree.find_all(exp.Insert):
        columns = insert.this
        if not isinstance(columns, exp.Tuple) or insert.expression:
            continue
        items = columns.expressions
        if len(items) == 1 and isinstance(items[0], exp.Anonymous) and (
            items[0].name.lower() == "values"
        ):
            row = exp.Tuple(expressions=[e.copy() for e in items[0].expressions])
            insert.set("this", None)
            insert.set("expression", row)


def _merge_remove_duplicates(tree: exp.Merge) -> None:
    """Rewrite a REMOVE DUPLICATES MERGE (module docstring)."""
    using = tree.args["using"]
    name = using.alias_or_name
    source = using.copy()

    def rows(inserted: bool) -> exp.Select:
        return exp.select(exp.Star(), exp.alias_(exp.Boolean(this=inserted), _INSERTED)).from_(
            source.copy())

    copies = exp.union(rows(False), rows(True), distinct=False)
    tree.set("using", exp.Subquery(this=copies, alias=exp.TableAlias(
        this=exp.to_identifier(name))))
    flag = exp.column(_INSERTED, table=name)
    tree.set("on", exp.and_(exp.paren(tree.args["on"]), exp.not_(flag.copy())))
    insert = tree.find(exp.Insert)
    assert insert is not None and isinstance(insert.parent, exp.When)
    insert.parent.set("condition", flag)
    insert.set("this", None)  # every column, in order: the values are set when it runs
    companions.set_late(tree, MergeAllColumns(_INSERTED))


def _place(table: exp.Table, ctx: Context) -> Place:
    catalog, db = table.args.get("catalog"), table.args.get("db")
    alias = catalog.name if catalog is not None else ctx.databases.get(ctx.database, "")
    return Place(alias, db.name if db is not None else None, table.name)


# Redshift's mutable functions (their result changes between calls with the same arguments):
# a materialized view calling one is always stale and cannot AUTO REFRESH. By the name Redshift
# gives them; sqlglot reads them as these nodes or as calls it does not know.
_MUTABLE = frozenset({
    "getdate", "sysdate", "now", "current_date", "current_time", "current_timestamp",
    "localtime", "localtimestamp", "timeofday", "random", "current_user", "session_user",
    "user", "current_schema", "current_schemas", "current_database", "version",
    "pg_backend_pid", "age", "to_timestamp", "date_cmp_timestamptz", "has_database_privilege",
    "has_schema_privilege", "has_table_privilege", "pg_last_query_id", "pg_last_copy_id",
    "pg_last_copy_count", "pg_last_unload_id", "pg_last_unload_count",
})
_MUTABLE_NODES = (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime, exp.Localtime,
                  exp.Localtimestamp, exp.Rand, exp.CurrentUser, exp.SessionUser,
                  exp.CurrentSchema, exp.CurrentVersion, exp.CurrentDatabase, exp.StrToTime,
                  exp.Anonymous)


def mutable_function(query: exp.Expr) -> str | None:
    """The first mutable function ``query`` calls, as Redshift names it (lower case)."""
    for node in query.find_all(*_MUTABLE_NODES):
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
        else:  # the name Redshift's dialect writes it with (NOW is GETDATE)
            name = node.sql("redshift").split("(", 1)[0].strip().lower()
        if name in _MUTABLE:
            return name
    return None


def auto_refresh_refused(function: str, verb: str) -> FeatureNotSupported:
    """Redshift's refusal of AUTO REFRESH YES for a materialized view calling ``function``."""
    return FeatureNotSupported(
        f"materialized view cannot be {verb}, reason: auto refresh is not supported for "
        f"materialized view with mutable function. Found mutable function :{function}.")


def _create_view(tree: exp.Create, ctx: Context) -> None:
    """Record whether the view binds late and whether it is a materialized view (a replaced
    view may change kind)."""
    table = tree.find(exp.Table)
    props = tree.args.get("properties")
    kept = props.expressions if isinstance(props, exp.Properties) else []
    if table is None or any(isinstance(p, exp.TemporaryProperty) for p in kept):
        return
    place = _place(table, ctx)
    schema = quote_literal(place.schema) if place.schema else "current_schema()"
    name = quote_literal(place.name)
    late = meta.qualified(place.alias, meta.LATE_BINDING_VIEWS)
    materialized = meta.qualified(place.alias, meta.MATERIALIZED_VIEWS)
    for views in (late, materialized):
        companions.after(tree, f"DELETE FROM {views} WHERE lower(schema_name) = "
                               f"lower({schema}) AND lower(view_name) = lower({name})")
    if tree.meta.get("late_binding"):
        companions.after(tree, f"INSERT INTO {late} VALUES ({schema}, {name})")
    if any(isinstance(p, exp.MaterializedProperty) for p in kept):
        auto = any(isinstance(p, exp.AutoRefreshProperty) and p.name.upper() == "YES"
                   for p in kept)
        query = tree.expression
        mutable = mutable_function(query) if query is not None else None
        if auto and mutable is not None:
            raise auto_refresh_refused(mutable, "created")
        companions.after(tree, f"INSERT INTO {materialized} (schema_name, view_name, "
                               f"autorefresh, stale, mutable) VALUES ({schema}, {name}, "
                               f"{str(auto).lower()}, false, "
                               f"{quote_literal(mutable) if mutable else 'NULL'})")
        # Its rows are stored when it runs (``proxy/materialized_views.py``).
        companions.set_late(tree, CreateView(place, True))
    elif tree.args.get("replace"):
        # It may replace a materialized view, whose hidden parts go then.
        companions.set_late(tree, CreateView(place, False))


def _drop(tree: exp.Drop, ctx: Context) -> None:
    # A materialized view is a view (its hidden parts and metadata row go with it).
    materialized = bool(tree.args.get("materialized"))
    tree.set("materialized", False)
    kind = (tree.args.get("kind") or "").upper()
    tables = [t for t in tree.args.get("tables") or [tree.this] if isinstance(t, exp.Table)]
    if kind in ("TABLE", "VIEW") and tables:
        companions.set_late(tree, DropRelations(
            tuple(_place(t, ctx) for t in tables), kind, bool(tree.args.get("cascade")),
            materialized))


def statements(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite or refuse the statements listed in the module docstring."""
    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "FUNCTION":
            raise _refuse("CREATE FUNCTION in this form")
        table = tree.find(exp.Table)
        if kind == "TABLE" and table is not None and table.name.startswith("#"):
            props = tree.args.get("properties")
            if not isinstance(props, exp.Properties):
                props = exp.Properties(expressions=[])
                tree.set("properties", props)
            if not any(isinstance(p, exp.TemporaryProperty) for p in props.expressions):
                props.append("expressions", exp.TemporaryProperty())
    if isinstance(tree, exp.Merge):
        if tree.meta.get(REMOVE_DUPLICATES):
            _merge_remove_duplicates(tree)
        else:
            _merge_insert_values(tree)
    if isinstance(tree, exp.TruncateTable):
        companions.set_late(tree, CommitFirst())
    if isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "VIEW":
        _create_view(tree, ctx)
    if isinstance(tree, exp.Drop):
        _drop(tree, ctx)
    if isinstance(tree, exp.Alter) and (tree.args.get("kind") or "").upper() == "TABLE" and (
        isinstance(tree.this, exp.Table)
    ):
        for action in tree.args.get("actions") or ():
            if isinstance(action, exp.AlterRename):
                companions.set_late(tree, RenameRelation(_place(tree.this, ctx),
                                                         action.this.name))
            elif isinstance(action, exp.RenameColumn):
                companions.set_late(tree, RenameColumn(
                    _place(tree.this, ctx), action.this.name, action.args["to"].name))
    for ident in tree.find_all(exp.Identifier):
        if ident.name.startswith("#"):
            ident.set("quoted", True)
    return tree
