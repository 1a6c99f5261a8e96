"""SQL that Redshift refuses, refused here too, instead of being run by DuckDB.

sqlglot's Redshift dialect inherits PostgreSQL's and DuckDB's grammar, so statements Redshift
rejects parse and DuckDB would happily run them. Each gets the error Redshift gives:

* Redshift's parser (PostgreSQL 8.0's) has no ``RETURNING`` and no ``ON CONFLICT``, nor
  DuckDB's ``SELECT * EXCLUDE``/``REPLACE``, ``COLUMNS(...)`` and ``{'k': v}`` struct
  literals: 42601 syntax errors at the word. (DuckDB's FROM-first SELECT and ``[1, 2]`` list
  literals, which parse like Redshift forms, are refused by ``pipeline.parse``.)
* Indexes, sequences, triggers, user-defined types and array column types do not exist in
  Redshift: 0A000 naming the feature.
* Redshift's spatial types (GEOMETRY, GEOGRAPHY) and HyperLogLog sketches (HLLSKETCH) exist
  there but not here (DuckDB has neither their functions nor their formats): 0A000 naming
  the type, in a column, a cast or anywhere a type is written.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported, SyntaxError_
from proxy.sql.context import Context

_ARRAYS = {exp.DataType.Type.ARRAY, exp.DataType.Type.LIST}
_NOT_HERE = {exp.DataType.Type.GEOMETRY: "GEOMETRY", exp.DataType.Type.GEOGRAPHY: "GEOGRAPHY",
             exp.DataType.Type.HLLSKETCH: "HLLSKETCH"}
_CREATE_KINDS = {"INDEX": "CREATE INDEX", "SEQUENCE": "CREATE SEQUENCE",
                 "TRIGGER": "CREATE TRIGGER", "TYPE": "CREATE TYPE"}


def _syntax(word: str) -> SyntaxError_:
    return SyntaxError_(f'syntax error at or near "{word}"')


def _unsupported(what: str) -> FeatureNotSupported:
    return FeatureNotSupported(f"{what} not supported in Redshift")


def _statement(tree: exp.Expr) -> None:
    if isinstance(tree, exp.Create | exp.Drop):
        what = _CREATE_KINDS.get((tree.args.get("kind") or "").upper())
        if what is not None:
            verb = "CREATE" if isinstance(tree, exp.Create) else "DROP"
            raise _unsupported(what.replace("CREATE", verb, 1))
    dml = isinstance(tree, exp.Insert | exp.Update | exp.Delete | exp.Merge)
    if dml and tree.args.get("returning") is not None:
        raise _syntax("returning")
    if isinstance(tree, exp.Insert) and tree.args.get("conflict") is not None:
        raise _syntax("on")


def refusals(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Refuse statements and syntax Redshift does not have."""
    _statement(tree)
    for node in tree.find_all(exp.Star, exp.Columns, exp.Struct, exp.ColumnDef, exp.DataType):
        if isinstance(node, exp.DataType):
            if node.this in _NOT_HERE:
                raise FeatureNotSupported(
                    f"feature not supported on Duckshift: the {_NOT_HERE[node.this]} type")
            continue
        if isinstance(node, exp.Star) and (node.args.get("except_") or node.args.get("replace")
                                           or node.args.get("rename")):
            raise _syntax("exclude" if node.args.get("except_") else "replace")
        if isinstance(node, exp.Columns):
            raise _syntax("columns")
        if isinstance(node, exp.Struct):
            raise _syntax("{")
        kind = node.args.get("kind")
        if isinstance(node, exp.ColumnDef) and isinstance(kind, exp.DataType) and (
            kind.this in _ARRAYS
        ):
            raise _unsupported("array column types")
    return tree
