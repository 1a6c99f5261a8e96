"""Arithmetic fails where Redshift's does, instead of giving NULL, infinity or zero.

* Division by zero: Redshift (like PostgreSQL) fails ``x / 0`` and ``x % 0`` with 22012
  ``division by zero`` for every numeric type. DuckDB answers NULL for integers
  (``integer_division`` is on) and infinity for floating point, which would be a silently
  wrong answer. Each divisor that is not a non-zero numeric literal is wrapped in
  ``CASE WHEN d = 0 THEN error('division by zero') ELSE d END``: the CASE keeps the divisor's
  type (so integer division still truncates) and only raises for a row that really divides by
  zero; a NULL divisor still gives NULL. DuckDB raises the message as an invalid-input error,
  which ``engine/duckdb_errors.py`` maps to 22012. A modulo by -1 is a modulo by 1 (the same
  answer for every type), since DuckDB fails the smallest integer modulo -1.
* Floating point overflow and underflow: ``1e300::float8 * 1e300`` fails with 22003
  ``value out of range: overflow`` (a zero product of non-zero operands, ``underflow``) where
  DuckDB answers infinity or zero. Where an operand of ``+``, ``-``, ``*`` or ``/`` is
  explicitly DOUBLE PRECISION (a cast, or such an operation itself), the operation becomes the
  engine's checked macro (``FLOAT_ADD`` ...). Translation does not know the types of columns,
  so arithmetic of DOUBLE PRECISION columns without a cast keeps DuckDB's answers (as does an
  operation with an interval, date or time written beside the cast, which is not one of
  numbers); every other statement pays nothing, the check being made once per operator node
  of the walk the division guard makes anyway.
"""

from __future__ import annotations

from sqlglot import exp

from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of DuckDB's own function ``name`` (not sqlglot's canonical node for it)."""
    return exp.Anonymous(this=name, expressions=list(args))

DIVISION_BY_ZERO = "division by zero"
_FLOAT_MACROS = {
    exp.Add: macros.FLOAT_ADD, exp.Sub: macros.FLOAT_SUB, exp.Mul: macros.FLOAT_MUL,
    exp.Div: macros.FLOAT_DIV,
}
_FLOAT_RESULTS = frozenset({*_FLOAT_MACROS.values(), macros.EXP, macros.POWER})
_T = exp.DataType.Type
_TEMPORAL = frozenset({_T.INTERVAL, _T.DATE, _T.TIME, _T.TIMETZ, _T.TIMESTAMP, _T.TIMESTAMPTZ})


def _nonzero_literal(node: exp.Expr) -> bool:
    if isinstance(node, exp.Paren):
        return _nonzero_literal(node.this)
    if isinstance(node, exp.Neg):
        return _nonzero_literal(node.this)
    return isinstance(node, exp.Literal) and node.is_number and float(node.this) != 0


def _minus_one(node: exp.Expr) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    return isinstance(node, exp.Neg) and node.this.is_int and node.this.name == "1"


def guarded(divisor: exp.Expr) -> exp.Expr:
    """``divisor`` raising 22012 where it is zero (a non-zero numeric literal as it is)."""
    return divisor if _nonzero_literal(divisor) else _guarded(divisor, modulo=False)


def _guarded(divisor: exp.Expr, modulo: bool) -> exp.Expr:
    ifs = [exp.If(
        this=exp.EQ(this=divisor.copy(), expression=exp.Literal.number(0)),
        true=_call("error", exp.Literal.string(DIVISION_BY_ZERO)),
    )]
    if modulo:
        # x % -1 is x % 1 for every type, and DuckDB fails the smallest integer % -1 (an
        # overflow of the quotient it does not need), where Redshift answers 0.
        minus_one = exp.Neg(this=exp.Literal.number(1))
        ifs.append(exp.If(this=exp.EQ(this=divisor.copy(), expression=minus_one),
                          true=exp.Literal.number(1)))
    return exp.Case(ifs=ifs, default=divisor)


def _unwrapped(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren | exp.Neg):
        node = node.this
    return node


def _explicit_float(node: exp.Expr) -> bool:
    """Whether ``node`` is DOUBLE PRECISION by how it is written: a cast, or a call of one of
    the engine's checked floating point macros (an operation already rewritten)."""
    node = _unwrapped(node)
    if isinstance(node, exp.Cast):
        return node.to.this == _T.DOUBLE
    inner = node.expression if isinstance(node, exp.Dot) else None
    return isinstance(inner, exp.Anonymous) and inner.name in _FLOAT_RESULTS


def _temporal(node: exp.Expr) -> bool:
    """Whether ``node`` is an interval, date or time by how it is written (``x::float8 *
    interval '1 day'`` is an interval, not a DOUBLE PRECISION operation)."""
    node = _unwrapped(node)
    return isinstance(node, exp.Interval) or (
        isinstance(node, exp.Cast) and node.to.this in _TEMPORAL)


def _float_operation(node: exp.Expr) -> bool:
    operands = (node.this, node.expression)
    return any(_explicit_float(o) for o in operands) and not any(_temporal(o) for o in operands)


def guard_arithmetic(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Make ``/``, ``%`` and integer division raise on a zero divisor, and DOUBLE PRECISION
    arithmetic raise on overflow and underflow (see the module docstring)."""
    # Innermost first: an operation rewritten into a checked macro makes its parent's
    # operand explicitly DOUBLE PRECISION too.
    nodes = list(tree.find_all(exp.Div, exp.Mod, exp.IntDiv, exp.Add, exp.Sub, exp.Mul))
    for node in reversed(nodes):
        divisor = node.expression
        if isinstance(node, exp.Mod) and _minus_one(divisor):
            node.set("expression", exp.Literal.number(1))
        elif isinstance(node, exp.Div | exp.Mod | exp.IntDiv) and not (
            divisor is None or _nonzero_literal(divisor)
        ):
            node.set("expression", _guarded(divisor.copy(), isinstance(node, exp.Mod)))
        macro = _FLOAT_MACROS.get(type(node))
        if macro is not None and _float_operation(node):
            node.replace(call(macro, node.this.copy(), node.expression.copy()))
    return tree
