"""Redshift statements that sqlglot reads or DuckDB runs differently.

* ``#name`` tables are temporary tables: ``CREATE TABLE #t`` becomes a TEMPORARY table named
  ``#t`` (DuckDB temporary tables belong to the session's own connection), and every ``#t``
  identifier is quoted, since DuckDB's grammar has no ``#`` in names.
* ``MERGE ... WHEN NOT MATCHED THEN INSERT VALUES (...)`` without a column list: sqlglot
  reads the VALUES as a call of a function ``values`` in the column list; it becomes the
  VALUES row it is.
* SQL UDFs are read by their own grammar (``proxy/sql/udfs.py``); a CREATE FUNCTION it does
  not read (``CREATE TEMP FUNCTION``) is refused with 0A000.
* TRUNCATE commits the transaction it runs in, as in Redshift (``proxy/late_ddl.py``).
* ALTER TABLE ... RENAME TO renames a view too, as in Redshift: whether the relation is a
  view is known when it runs (``proxy/late_ddl.py``).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context
from proxy.sql.late import CommitFirst, Place, RenameRelation
from proxy.sql.transforms import companions


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


def _place(table: exp.Table, ctx: Context) -> Place:
    catalog, db = table.args.get("catalog"), table.args.get("db")
    alias = catalog.name if catalog is not None else ctx.databases.get(ctx.database, "")
    return Place(alias, db.name if db is not None else None, table.name)


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
        _merge_insert_values(tree)
    if isinstance(tree, exp.TruncateTable):
        companions.set_late(tree, CommitFirst())
    if isinstance(tree, exp.Alter) and (tree.args.get("kind") or "").upper() == "TABLE" and any(
        isinstance(a, exp.AlterRename) for a in tree.args.get("actions") or ()
    ) and isinstance(tree.this, exp.Table):
        companions.set_late(tree, RenameRelation(_place(tree.this, ctx)))
    for ident in tree.find_all(exp.Identifier):
        if ident.name.startswith("#"):
            ident.set("quoted", True)
    return tree
