"""Redshift's SUPER array and object constructors and functions, as DuckDB JSON.

* ``ARRAY(v, ...)`` is a SUPER array (``json_array``); ``ARRAY[...]`` and ``ARRAY(SELECT
  ...)`` (PostgreSQL's forms, which catalog queries of clients use) stay DuckDB lists.
* ``OBJECT(k, v, ...)`` is a SUPER object (``json_object``).
* ``ARRAY_CONCAT(a, b)``, ``ARRAY_FLATTEN(a)`` and ``SUBARRAY(a, start, length)`` through the
  engine's ``SUPER_CONCAT``, ``SUPER_FLATTEN`` and ``SUBARRAY`` macros (NULL where an argument
  is not an array, Redshift's lax mode).
* ``SPLIT_TO_ARRAY(s [, delimiter])``: a SUPER array of strings (the delimiter defaults to
  a comma).
* ``JSON_SERIALIZE_TO_VARBYTE(x)``: the UTF-8 bytes of JSON_SERIALIZE's text.
* ``ARRAY_CONTAINS``, ``ARRAY_POSITION`` and ``ARRAY_POSITIONS(a, v [, null_match])``
  through the engine's macros (elements compared as SUPER values; null_match defaults to
  the session's default_array_search_null_handling, true unless SET otherwise).
* ``OBJECT_TRANSFORM`` (proxy/sql/transforms/object_transform.py).
* ``ARRAYS_OVERLAP``, ``ARRAY_DISTINCT``, ``ARRAY_INTERSECTION``, ``ARRAY_EXCEPT``,
  ``ARRAY_UNION`` and ``ARRAY_SORT(a [, ascending [, nulls_first]])`` likewise (ascending
  defaults to true and nulls_first to descending, as Redshift's examples show).

This runs before the catalog's views are spliced in: their SQL builds DuckDB lists, which
must stay lists.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import UndefinedFunction
from engine import macros
from engine.function_macros import (
    ARRAY_CONTAINS,
    ARRAY_DISTINCT,
    ARRAY_EXCEPT,
    ARRAY_INTERSECTION,
    ARRAY_POSITION,
    ARRAY_POSITIONS,
    ARRAY_SORT,
    ARRAY_UNION,
    ARRAYS_OVERLAP,
)
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.object_transform import object_transform

_MACROS = {"array_flatten": (macros.SUPER_FLATTEN, 1), "subarray": (macros.SUBARRAY, 3),
           "arrays_overlap": (ARRAYS_OVERLAP, 2), "array_union": (ARRAY_UNION, 2)}


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _anonymous(node: exp.Anonymous, ctx: Context) -> exp.Expr | None:
    """OBJECT, ARRAY_FLATTEN, SUBARRAY and JSON_SERIALIZE_TO_VARBYTE, or None."""
    name = node.name.lower()
    args = [a.copy() for a in node.expressions]
    if name == "object":
        return _call("json_object", *args)
    if name in _MACROS and len(args) == _MACROS[name][1]:
        return call(_MACROS[name][0], *args)
    if name == "array_positions":
        return _search(ARRAY_POSITIONS, args, name, ctx)
    if name == "json_serialize_to_varbyte" and len(args) == 1:
        text = exp.Coalesce(this=exp.cast(args[0], "VARCHAR"),
                            expressions=[exp.Literal.string("null")])
        return _call("encode", text)
    return None


def _search(macro: str, args: list[exp.Expr], name: str, ctx: Context) -> exp.Expr:
    """ARRAY_POSITION or ARRAY_POSITIONS(a, v [, null_match]) through its macro."""
    if len(args) not in (2, 3):
        raise UndefinedFunction(f"function {name} does not exist")
    null_match = args[2] if len(args) == 3 else exp.Boolean(this=ctx.array_search_nulls)
    return call(macro, *(a.copy() for a in (*args[:2], null_match)))


def _set_operation(node: exp.ArrayIntersect | exp.ArrayExcept) -> exp.Expr:
    """ARRAY_INTERSECTION or ARRAY_EXCEPT(a, b [, distinct]) through its macro."""
    if isinstance(node, exp.ArrayExcept):
        # sqlglot keeps the third argument (distinct here) as "is_multiset".
        third = node.args.get("is_multiset")
        args = [node.this, node.expression, *([third] if third is not None else [])]
        macro, name = ARRAY_EXCEPT, "array_except"
    else:
        args = list(node.expressions)
        macro, name = ARRAY_INTERSECTION, "array_intersection"
    if len(args) not in (2, 3):
        raise UndefinedFunction(f"function {name} does not exist")
    distinct = args[2] if len(args) == 3 else exp.false()
    return call(macro, *(a.copy() for a in (*args[:2], distinct)))


def _sort(node: exp.ArraySort) -> exp.Expr:
    """ARRAY_SORT(a [, ascending [, nulls_first]]) through its macro."""
    # sqlglot keeps the second argument as "expression" and the third as "asc".
    ascending = node.expression or exp.true()
    nulls_first = node.args.get("asc") or exp.not_(ascending.copy())
    return call(ARRAY_SORT, node.this.copy(), ascending.copy(), nulls_first.copy())


def super_arrays(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite the SUPER constructors and functions listed in the module docstring."""
    kinds = (exp.Array, exp.ArrayConcat, exp.StringToArray, exp.ArrayContains,
             exp.ArrayPosition, exp.ArrayDistinct, exp.ArrayIntersect, exp.ArrayExcept,
             exp.ArraySort, exp.ObjectTransform, exp.Anonymous)
    # Innermost first: a rewritten argument is copied into its enclosing rewrite.
    for node in reversed(list(tree.find_all(*kinds))):
        new: exp.Expr | None = None
        if isinstance(node, exp.Array) and not node.args.get("bracket_notation") and not any(
            isinstance(a, exp.Query) for a in node.expressions
        ):
            new = _call("json_array", *(a.copy() for a in node.expressions))
        elif isinstance(node, exp.ArrayConcat) and len(node.expressions) == 1:
            new = call(macros.SUPER_CONCAT, node.this.copy(), node.expressions[0].copy())
        elif isinstance(node, exp.StringToArray):
            delimiter = node.expression or exp.Literal.string(",")
            new = _call("to_json", _call("string_split", node.this.copy(), delimiter.copy()))
        elif isinstance(node, exp.ArrayContains):
            null_match = (node.args.get("check_null")
                          or exp.Boolean(this=ctx.array_search_nulls))
            new = call(ARRAY_CONTAINS, node.this.copy(), node.expression.copy(),
                       null_match.copy())
        elif isinstance(node, exp.ArrayPosition):
            # sqlglot keeps the third argument (null_match here) as "zero_based".
            third = node.args.get("zero_based")
            new = _search(ARRAY_POSITION, [node.this, node.expression,
                                           *([third] if third is not None else [])],
                          "array_position", ctx)
        elif isinstance(node, exp.ArrayIntersect | exp.ArrayExcept):
            new = _set_operation(node)
        elif isinstance(node, exp.ArrayDistinct):
            new = call(ARRAY_DISTINCT, node.this.copy())
        elif isinstance(node, exp.ArraySort):
            new = _sort(node)
        elif isinstance(node, exp.ObjectTransform):
            new = object_transform(node)
        elif isinstance(node, exp.Anonymous):
            new = _anonymous(node, ctx)
        if new is not None:
            node.replace(new)
    return tree
