"""Comparisons of row values with Redshift's (and PostgreSQL's) NULL semantics.

``(a, b) = (3, -2)`` compares pair by pair: true where every pair is equal, false where one
pair is unequal, NULL otherwise (a NULL in a pair that does not decide). DuckDB compares the
two rows as STRUCT values, where a NULL field is a value like any other, so ``(NULL, NULL) =
(3, -2)`` is false instead of NULL and ``(a, b) NOT IN ((3, -2), (7, 7))`` keeps rows that
Redshift leaves out. Each comparison of two row constructors of the same width becomes the
scalar comparisons it stands for:

* ``=`` is the AND of the pairs' ``=``; ``<>`` the OR of their ``<>``;
* ``<``, ``<=``, ``>``, ``>=`` compare left to right: ``(a1, a2) < (b1, b2)`` is
  ``a1 < b1 OR (a1 = b1 AND a2 < b2)`` (the last pair with the operator itself), which is
  NULL exactly where the first pair that is not equal holds a NULL;
* ``IN`` a list of row constructors is the OR of the row equalities, ``NOT IN`` its NOT.

A row ``IN`` (or ``= ANY``) a subquery of as many columns is true where some row of the
subquery equals it, NULL where none does but some comparison is NULL, false otherwise (DuckDB
answers NULL for rows that match nothing): ``CASE WHEN EXISTS (... WHERE <equal>) THEN true
WHEN EXISTS (... WHERE (<equal>) IS NULL) THEN NULL ELSE false END`` over the subquery as a
derived table with columns of our own names (so they cannot capture the row's own columns).

Only statements that compare a row constructor pay anything (one walk for ``exp.Tuple``
otherwise finds none outside INSERT's and VALUES' rows).
"""

from __future__ import annotations

from sqlglot import exp

from engine.storage import INTERNAL_PREFIX
from proxy.sql.context import Context

_ORDERINGS: dict[type[exp.Expr], type[exp.Expr]] = {
    exp.LT: exp.LT, exp.LTE: exp.LT, exp.GT: exp.GT, exp.GTE: exp.GT,
}
_ROWS = f"{INTERNAL_PREFIX}rows"


def _pairs(left: exp.Tuple, right: exp.Expr) -> list[tuple[exp.Expr, exp.Expr]] | None:
    """The pairs of two row constructors of the same width (None where ``right`` is not one)."""
    if not isinstance(right, exp.Tuple) or len(right.expressions) != len(left.expressions):
        return None
    return [(a.copy(), b.copy()) for a, b in zip(left.expressions, right.expressions,
                                                 strict=True)]


def _equal(pairs: list[tuple[exp.Expr, exp.Expr]]) -> exp.Expr:
    return exp.paren(exp.and_(*(exp.EQ(this=a, expression=b) for a, b in pairs)), copy=False)


def _compared(node: exp.Expr, pairs: list[tuple[exp.Expr, exp.Expr]]) -> exp.Expr:
    """The scalar form of a comparison of two rows (see the module docstring)."""
    if isinstance(node, exp.EQ):
        return _equal(pairs)
    if isinstance(node, exp.NEQ):
        return exp.paren(exp.or_(*(exp.NEQ(this=a, expression=b) for a, b in pairs)),
                         copy=False)
    # Left to right: the last pair decides with the operator itself, each earlier one with
    # its strict form, or passes on where it is equal.
    a, b = pairs[-1]
    out: exp.Expr = type(node)(this=a, expression=b)
    strict = _ORDERINGS[type(node)]
    for a, b in reversed(pairs[:-1]):
        out = exp.or_(strict(this=a, expression=b),
                      exp.and_(exp.EQ(this=a.copy(), expression=b.copy()), exp.paren(out)))
    return exp.paren(out, copy=False)


def _in_subquery(row: exp.Tuple, query: exp.Expr) -> exp.Expr | None:
    """A row IN a subquery of as many columns, as the CASE of two EXISTS (module docstring)."""
    select = query.this if isinstance(query, exp.Subquery) else query
    if not isinstance(select, exp.Query) or len(select.selects) != len(row.expressions):
        return None
    names = [f"{INTERNAL_PREFIX}c{i}" for i in range(1, len(row.expressions) + 1)]
    pairs = [(e.copy(), exp.column(name, _ROWS)) for e, name in zip(row.expressions, names,
                                                                    strict=True)]

    def exists(condition: exp.Expr) -> exp.Expr:
        rows = exp.Subquery(this=select.copy(), alias=exp.TableAlias(
            this=exp.to_identifier(_ROWS), columns=[exp.to_identifier(n) for n in names]))
        return exp.Exists(this=exp.select("1").from_(rows).where(condition))

    return exp.Case(ifs=[
        exp.If(this=exists(_equal(pairs)), true=exp.true()),
        exp.If(this=exists(exp.Is(this=_equal(pairs), expression=exp.Null())),
               true=exp.Null()),
    ], default=exp.false())


def row_comparisons(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite comparisons of row constructors into scalar ones (see the module docstring)."""
    rows = [t for t in tree.find_all(exp.Tuple) if t.arg_key == "this"
            and isinstance(t.parent, (exp.In, exp.EQ, exp.NEQ, *_ORDERINGS))]
    # Innermost first: an outer comparison copies an inner one already rewritten.
    for row in reversed(rows):
        node = row.parent
        new: exp.Expr | None = None
        if isinstance(node, exp.In):
            query = node.args.get("query")
            if query is not None:
                new = _in_subquery(row, query)
            else:
                equalities = [_pairs(row, item) for item in node.expressions]
                if equalities and all(p is not None for p in equalities):
                    new = exp.paren(exp.or_(*(_equal(p) for p in equalities if p)), copy=False)
        elif isinstance(node.expression, exp.Any) and isinstance(node, exp.EQ):
            new = _in_subquery(row, node.expression.this)
        else:
            pairs = _pairs(row, node.expression)
            if pairs:
                new = _compared(node, pairs)
        if new is not None:
            node.replace(new)
    return tree
