"""Redshift aggregate and window functions that DuckDB lacks or answers differently.

* ``RATIO_TO_REPORT(x) OVER (PARTITION BY ...)`` is ``x / SUM(x) OVER (PARTITION BY ...)``
  (DuckDB has no such function), computed in DOUBLE PRECISION so integers do not truncate.
* ``LISTAGG(x)`` without a delimiter concatenates with none in Redshift; sqlglot's DuckDB
  output puts a comma between the values.
* ``LISTAGG(DISTINCT x, d)``: sqlglot reads the delimiter as a second DISTINCT expression
  and prints a row constructor; the delimiter is put back in its place.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context


def _ratio_to_report(window: exp.Window) -> exp.Expr | None:
    call = window.this
    if not isinstance(call, exp.Anonymous) or call.name.lower() != "ratio_to_report":
        return None
    if len(call.expressions) != 1:
        return None
    value = call.expressions[0]
    total = exp.Window(
        this=exp.Sum(this=value.copy()),
        partition_by=[p.copy() for p in window.args.get("partition_by") or []],
        over="OVER",
    )
    return exp.Div(this=exp.cast(value.copy(), "DOUBLE"), expression=total)


def _listagg(node: exp.GroupConcat) -> None:
    arg = node.this
    if isinstance(arg, exp.Distinct) and len(arg.expressions) == 2:
        node.set("separator", arg.expressions[1].pop())
    elif node.args.get("separator") is None:
        node.set("separator", exp.Literal.string(""))


def aggregates(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite RATIO_TO_REPORT and LISTAGG's delimiter."""
    for node in list(tree.find_all(exp.Window, exp.GroupConcat)):
        if isinstance(node, exp.GroupConcat):
            _listagg(node)
            continue
        new = _ratio_to_report(node)
        if new is not None:
            node.replace(new)
    return tree
