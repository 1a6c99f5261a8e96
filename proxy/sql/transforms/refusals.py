"""SQL that Redshift refuses, refused here too, instead of being run by DuckDB.

sqlglot's Redshift dialect inherits PostgreSQL's and DuckDB's grammar, so statements Redshift
rejects parse and DuckDB would happily run them. Each gets the error Redshift gives:

* Redshift's parser (PostgreSQL 8.0's) has no ``RETURNING`` and no ``ON CONFLICT``, nor
  DuckDB's ``SELECT * REPLACE``, ``COLUMNS(...)`` and ``{'k': v}`` struct literals: 42601
  syntax errors at the word.
* Redshift's ``EXCLUDE column_list`` ends a select list and names columns left out of it,
  with or without parentheses: sqlglot reads ``* EXCLUDE a, b`` as ``* EXCLUDE (a)`` and a
  column ``b``, so the names after it join its list (anything else there is a 42601). DuckDB
  leaves them out of the ``*`` only, which is the same unless another item of the list has
  an excluded name (0A000). (DuckDB's FROM-first SELECT and ``[1, 2]`` list
  literals, which parse like Redshift forms, are refused by ``pipeline.parse``.)
* Indexes, sequences, triggers, user-defined types, array column types and CHECK constraints
  do not exist in Redshift: 0A000 naming the feature.
* Redshift's spatial types (GEOMETRY, GEOGRAPHY) and HyperLogLog sketches (HLLSKETCH) exist
  there but not here (DuckDB has neither their functions nor their formats): 0A000 naming
  the type, in a column, a cast or anywhere a type is written.
* Collations: CASE_SENSITIVE (CS) is every string's collation here, as it is Redshift's
  default, so a column's ``COLLATE case_sensitive`` and ``COLLATE(x, 'cs')`` are dropped;
  CASE_INSENSITIVE (CI) is 0A000 (DuckDB's NOCASE is not exact: its COUNT(DISTINCT) and
  functions of a column disagree with Redshift's), and another name 42704 (but PostgreSQL's
  "default", "C" and "POSIX", which clients send, are the binary collation DuckDB has).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported, SyntaxError_, UndefinedObject
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


def _exclude(star: exp.Star) -> None:
    """Give a ``* EXCLUDE`` the names written after it in its select list."""
    item = star.parent if isinstance(star.parent, exp.Column) else star
    select = item.parent
    if not isinstance(select, exp.Select) or item.arg_key != "expressions":
        raise _syntax("exclude")
    items = select.expressions
    after = items[item.index + 1:] if item.index is not None else []
    for extra in after:
        if not isinstance(extra, exp.Column) or extra.table or isinstance(extra.this, exp.Star):
            # Where Redshift's parser stops: after a name, at its "(" or "."; else at it.
            # (output_names may have named the item: an alias around what was written.)
            written = extra.unalias()
            word = ("(" if isinstance(written, exp.Func) else "."
                    if isinstance(written, exp.Column) else written.sql("redshift").split(" ")[0])
            raise _syntax(word)
        star.append("except_", extra.pop())
    excluded = {c.name.lower() for c in star.args["except_"]}
    if any(other is not item and other.alias_or_name.lower() in excluded
           for other in select.expressions):
        raise FeatureNotSupported(
            "feature not supported on Duckshift: EXCLUDE of a column the select list names")


_CASE_SENSITIVE = frozenset({"case_sensitive", "cs"})
_CASE_INSENSITIVE = frozenset({"case_insensitive", "ci"})


def _collation(node: exp.Collate | exp.CollateColumnConstraint) -> None:
    """Drop a case-sensitive collation; refuse the others (module docstring)."""
    name = node.expression.name if isinstance(node, exp.Collate) else node.this.name
    if name.lower() in ("default", "c", "posix"):
        return  # PostgreSQL's names of the binary collation (psql's patterns): DuckDB's own
    if name.lower() in _CASE_INSENSITIVE:
        raise FeatureNotSupported(
            "feature not supported on Duckshift: COLLATE CASE_INSENSITIVE")
    if name.lower() not in _CASE_SENSITIVE:
        raise UndefinedObject(f'collation "{name}" does not exist')
    if isinstance(node, exp.Collate):
        node.replace(node.this)
    elif isinstance(node.parent, exp.ColumnConstraint):
        node.parent.pop()


def refusals(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Refuse statements and syntax Redshift does not have."""
    _statement(tree)
    for node in list(tree.find_all(exp.Star, exp.Columns, exp.Struct, exp.ColumnDef,
                                   exp.DataType, exp.Collate, exp.CollateColumnConstraint,
                                   exp.CheckColumnConstraint)):
        if isinstance(node, exp.CheckColumnConstraint):
            raise _unsupported("CHECK constraints")
        if isinstance(node, exp.Collate | exp.CollateColumnConstraint):
            _collation(node)
            continue
        if isinstance(node, exp.DataType):
            if node.this in _NOT_HERE:
                raise FeatureNotSupported(
                    f"feature not supported on Duckshift: the {_NOT_HERE[node.this]} type")
            continue
        if isinstance(node, exp.Star) and (node.args.get("replace") or node.args.get("rename")):
            raise _syntax("replace")
        if isinstance(node, exp.Star) and node.args.get("except_"):
            _exclude(node)
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
