"""Division by zero raises, as in Redshift, instead of giving NULL or infinity.

Redshift (like PostgreSQL) fails ``x / 0`` and ``x % 0`` with 22012 ``division by zero`` for
every numeric type. DuckDB answers NULL for integers (``integer_division`` is on) and infinity
for floating point, which would be a silently wrong answer. Each divisor that is not a non-zero
numeric literal is wrapped in ``CASE WHEN d = 0 THEN error('division by zero') ELSE d END``:
the CASE keeps the divisor's type (so integer division still truncates) and only raises for a
row that really divides by zero; a NULL divisor still gives NULL. DuckDB raises the message as
an invalid-input error, which ``engine/duckdb_errors.py`` maps to 22012.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of DuckDB's own function ``name`` (not sqlglot's canonical node for it)."""
    return exp.Anonymous(this=name, expressions=list(args))

DIVISION_BY_ZERO = "division by zero"


def _nonzero_literal(node: exp.Expr) -> bool:
    if isinstance(node, exp.Paren):
        return _nonzero_literal(node.this)
    if isinstance(node, exp.Neg):
        return _nonzero_literal(node.this)
    return isinstance(node, exp.Literal) and node.is_number and float(node.this) != 0


def guarded(divisor: exp.Expr) -> exp.Expr:
    """``divisor`` raising 22012 where it is zero (a non-zero numeric literal as it is)."""
    if _nonzero_literal(divisor):
        return divisor
    return exp.Case(
        ifs=[exp.If(
            this=exp.EQ(this=divisor.copy(), expression=exp.Literal.number(0)),
            true=_call("error", exp.Literal.string(DIVISION_BY_ZERO)),
        )],
        default=divisor,
    )


def guard_division(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Make ``/``, ``%`` and integer division raise on a zero divisor."""
    for node in list(tree.find_all(exp.Div, exp.Mod, exp.IntDiv)):
        divisor = node.expression
        if divisor is not None:
            node.set("expression", guarded(divisor.copy()))
    return tree
