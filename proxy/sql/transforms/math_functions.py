"""Redshift math and aggregate functions whose DuckDB counterparts answer differently.

* ``AVG`` of an integer argument returns a BIGINT, the average truncated toward zero
  (``avg(qtysold)`` is ``2``, not ``1.96``): Redshift documents BIGINT for every integer
  argument. The argument's type is known only when the statement binds, so the engine's AVG
  macros pick by it (``engine/macros.py``). ``DISTINCT`` has its own macro, a FILTER clause
  moves into the argument (``CASE WHEN cond THEN x END``: AVG skips NULLs), and a window
  becomes ``sum(x) OVER w`` and ``count(x) OVER w`` divided by the macro.
* ``CBRT`` is exact for perfect cubes, as in Redshift (DuckDB's ``cbrt(27.0)`` is
  ``3.0000000000000004``).
* ``DEXP``, ``DLOG1`` and ``DLOG10`` are Redshift's names for ``exp``, ``ln`` and ``log10``.
* ``EXP``/``DEXP`` and ``POWER``/``POW``/``^`` fail as PostgreSQL's floating point functions do
  (22003 on overflow and underflow, 2201F for zero to a negative power or a negative number to
  a non-integer one) where DuckDB answers infinity, zero or NaN: the engine's checked macros.
  So do ``DEGREES`` (22003 overflow of a finite value) and ``RADIANS`` (underflow of a
  non-zero one).
"""

from __future__ import annotations

from sqlglot import exp

from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call

_RENAMED = {"dlog1": "ln", "dlog10": "log10"}


def _avg_argument(node: exp.Avg) -> tuple[exp.Expr, bool]:
    """The averaged expression (FILTER folded in) and whether it is DISTINCT."""
    arg = node.this
    distinct = isinstance(arg, exp.Distinct)
    if distinct:
        arg = arg.expressions[0]
    arg = arg.copy()
    parent = node.parent
    if isinstance(parent, exp.Filter):
        condition = parent.expression.this
        arg = exp.Case(ifs=[exp.If(this=condition.copy(), true=arg)])
    return arg, distinct


def _avg(node: exp.Avg, over_aggregate: bool) -> None:
    if isinstance(node.this, exp.Distinct) and len(node.this.expressions) != 1:
        return  # DuckDB reports the wrong argument count itself
    arg, distinct = _avg_argument(node)
    parent = node.parent
    target: exp.Expr = parent if isinstance(parent, exp.Filter) else node
    window = target.parent
    if isinstance(window, exp.Window) and window.this is target:
        _avg_window(window, arg, distinct, over_aggregate)
        return
    target.replace(call(macros.AVG_DISTINCT if distinct else macros.AVG, arg))


def _avg_window(
    window: exp.Window, arg: exp.Expr, distinct: bool, over_aggregate: bool
) -> None:
    def over(func: exp.Expr) -> exp.Window:
        copy = window.copy()
        copy.set("this", func)
        return copy

    this = exp.Distinct(expressions=[arg.copy()]) if distinct else arg.copy()
    total = over(exp.Sum(this=this))
    count = over(exp.Count(this=this.copy()))
    if over_aggregate:
        # A window over an aggregate: DuckDB cannot pick a macro by an aggregate's type.
        window.replace(call(macros.AVG_RATIO, total, count))
        return
    window.replace(call(macros.AVG_WINDOW, total, count, arg))


def math_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite AVG, CBRT, EXP, POWER, DEGREES, RADIANS, DEXP, DLOG1 and DLOG10 as the module
    docstring says."""
    nodes = list(tree.find_all(exp.Avg, exp.Cbrt, exp.Exp, exp.Pow, exp.Degrees, exp.Radians,
                               exp.Anonymous))
    # Read before any rewrite turns an inner aggregate into a macro call.
    over_aggregate = {
        id(n) for n in nodes if isinstance(n, exp.Avg) and n.this.find(exp.AggFunc) is not None
    }
    # Innermost first: a rewritten call is copied into its enclosing call's rewrite.
    for node in reversed(nodes):
        if isinstance(node, exp.Avg):
            _avg(node, id(node) in over_aggregate)
        elif isinstance(node, exp.Cbrt):
            node.replace(call(macros.CBRT, node.this.copy()))
        elif isinstance(node, exp.Exp):
            node.replace(call(macros.EXP, node.this.copy()))
        elif isinstance(node, exp.Pow):
            node.replace(call(macros.POWER, node.this.copy(), node.expression.copy()))
        elif isinstance(node, exp.Degrees | exp.Radians):
            macro = macros.DEGREES if isinstance(node, exp.Degrees) else macros.RADIANS
            node.replace(call(macro, node.this.copy()))
        elif node.name.lower() == "dexp" and len(node.expressions) == 1:
            node.replace(call(macros.EXP, node.expressions[0].copy()))
        else:
            renamed = _RENAMED.get(node.name.lower())
            if renamed is not None:
                node.set("this", renamed)
    return tree
