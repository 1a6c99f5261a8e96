"""Redshift statements that sqlglot reads or DuckDB runs differently.

* ``#name`` tables are temporary tables: ``CREATE TABLE #t`` becomes a TEMPORARY table named
  ``#t`` (DuckDB temporary tables belong to the session's own connection), and every ``#t``
  identifier is quoted, since DuckDB's grammar has no ``#`` in names.
* ``MERGE ... WHEN NOT MATCHED THEN INSERT VALUES (...)`` without a column list: sqlglot
  reads the VALUES as a call of a function ``values`` in the column list; it becomes the
  VALUES row it is.
* ``CREATE TABLE t (LIKE s)`` and SQL UDFs (``CREATE FUNCTION ... LANGUAGE sql``) are refused
  with 0A000 for now: DuckDB has no LIKE in CREATE TABLE (a CTAS would lose the column
  constraints that enforce lengths), and its macros take named arguments, not ``$1``.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context


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


def statements(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite or refuse the statements listed in the module docstring."""
    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "FUNCTION":
            raise _refuse("CREATE FUNCTION (SQL UDFs)")
        schema = tree.this
        if kind == "TABLE" and isinstance(schema, exp.Schema) and any(
            isinstance(e, exp.LikeProperty) for e in schema.expressions
        ):
            raise _refuse("CREATE TABLE (LIKE ...)")
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
    for ident in tree.find_all(exp.Identifier):
        if ident.name.startswith("#"):
            ident.set("quoted", True)
    return tree
