"""Redshift's window clauses, which are narrower than DuckDB's and PostgreSQL's.

* An aggregate window function (AVG, COUNT, MAX, MIN, SUM, the STDDEV and VARIANCE families,
  FIRST_VALUE, LAST_VALUE, NTH_VALUE) with an ORDER BY needs an explicit frame: Redshift
  refuses ``SUM(x) OVER (ORDER BY d)``, where DuckDB and PostgreSQL would sum with the default
  RANGE frame (peers included), an answer no Redshift query gives.
* MEDIAN, PERCENTILE_CONT, PERCENTILE_DISC, RATIO_TO_REPORT and LISTAGG take a window of
  PARTITION BY only; with an ORDER BY DuckDB would compute a running value.
* Frames are ROWS only: RANGE and GROUPS frames and EXCLUDE are not in Redshift's grammar
  (42601 at the word).
* DISTINCT is not supported in an aggregate window function (LISTAGG's excepted); DuckDB
  would count distinct values over the frame. PostgreSQL's 0A000 text.
* ``ROWS UNBOUNDED FOLLOWING`` and ``ROWS n FOLLOWING`` are frames bounded by the current row,
  as the documentation says (``BETWEEN CURRENT ROW AND ... FOLLOWING``); sqlglot would make
  the written bound the frame's start.

Redshift's documentation does not give the texts of the first two refusals; they are
Redshift's words as users report them and name the function.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported, SyntaxError_
from proxy.sql.context import Context

_FRAMED: tuple[type[exp.Expr], ...] = (
    exp.Avg, exp.Count, exp.Max, exp.Min, exp.Sum, exp.Stddev, exp.StddevPop, exp.StddevSamp,
    exp.Variance, exp.VariancePop, exp.FirstValue, exp.LastValue, exp.NthValue,
)
_PARTITION_ONLY: dict[type[exp.Expr], str] = {
    exp.Median: "median", exp.PercentileCont: "percentile_cont",
    exp.PercentileDisc: "percentile_disc", exp.GroupConcat: "listagg",
}


def _function(window: exp.Window) -> exp.Expr:
    func = window.this
    while isinstance(func, exp.IgnoreNulls | exp.RespectNulls | exp.WithinGroup):
        func = func.this
    return func


def _name(func: exp.Expr) -> str:
    if isinstance(func, exp.Func) and not isinstance(func, exp.Anonymous):
        return _PARTITION_ONLY.get(type(func)) or func.sql_name().lower()
    return func.name.lower()


def _spec(spec: exp.WindowSpec) -> None:
    kind = (spec.args.get("kind") or "").lower()
    if kind and kind != "rows":
        raise SyntaxError_(f'syntax error at or near "{kind}"')
    if spec.args.get("exclude"):
        raise SyntaxError_('syntax error at or near "exclude"')
    if spec.args.get("end") is None and (spec.args.get("start_side") or "").lower() == "following":
        spec.set("end", spec.args["start"])
        spec.set("end_side", spec.args["start_side"])
        spec.set("start", "CURRENT ROW")
        spec.set("start_side", None)


def windows(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Refuse the window clauses Redshift refuses and read its shorthand frames (module
    docstring)."""
    for window in tree.find_all(exp.Window):
        func = _function(window)
        ordered = window.args.get("order") is not None
        spec = window.args.get("spec")
        name = _name(func)
        if isinstance(func, _FRAMED):
            if ordered and spec is None:
                raise FeatureNotSupported(
                    "Aggregate window functions with an ORDER BY clause require a frame clause")
            if isinstance(func.this, exp.Distinct):
                raise FeatureNotSupported("DISTINCT is not implemented for window functions")
        elif ordered and (type(func) in _PARTITION_ONLY or name == "ratio_to_report"):
            raise FeatureNotSupported(
                f"ORDER BY is not supported in the window of {name.upper()}: Redshift's "
                f"{name.upper()} takes PARTITION BY only")
        if spec is not None:
            _spec(spec)
    return tree
