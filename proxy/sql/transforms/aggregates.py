"""Redshift aggregate and window functions that DuckDB lacks or answers differently.

* ``RATIO_TO_REPORT(x) OVER (PARTITION BY ...)`` is ``x / SUM(x) OVER (PARTITION BY ...)``
  (DuckDB has no such function), computed in DOUBLE PRECISION so integers do not truncate.
* ``LISTAGG(x)`` without a delimiter concatenates with none in Redshift; sqlglot's DuckDB
  output puts a comma between the values.
* ``LISTAGG(DISTINCT x, d)``: sqlglot reads the delimiter as a second DISTINCT expression
  and prints a row constructor; the delimiter is put back in its place.
* LISTAGG ignores empty strings as it ignores NULLs (Redshift documents both): the
  aggregate reads its rows through ``FILTER (WHERE x::VARCHAR <> '')`` (a FILTER rather than
  NULLIF(x, ''), which DuckDB would not order a DISTINCT aggregate by ``x`` with).
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
    value = arg.expressions[0] if isinstance(arg, exp.Distinct) else arg
    if isinstance(value, exp.Order):  # STRING_AGG(x, d ORDER BY y): the value is x
        value = value.this
    if not isinstance(value, exp.Expr):
        return
    aggregate = node.parent if isinstance(node.parent, exp.WithinGroup) else node
    # As text: LISTAGG takes any type, and only a string can be empty.
    not_empty = exp.NEQ(this=exp.cast(value.copy(), "VARCHAR"), expression=exp.Literal.string(""))
    if isinstance(aggregate.parent, exp.Filter):
        where = aggregate.parent.expression
        where.set("this", exp.and_(where.this, not_empty))
    else:
        aggregate.replace(exp.Filter(this=aggregate.copy(), expression=exp.Where(this=not_empty)))


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
