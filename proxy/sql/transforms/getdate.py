"""GETDATE(), TIMEOFDAY() and ADD_MONTHS, which sqlglot would read as other functions.

sqlglot parses ``GETDATE()`` as CURRENT_TIMESTAMP and ``ADD_MONTHS(d, n)`` as
``DATEADD(month, n, d)``; their Redshift answers differ, so ``pipeline.parse`` keeps both as
calls by name and they are rewritten here:

* ``GETDATE()`` is a TIMESTAMP (the session's wall clock) truncated to whole seconds, where
  CURRENT_TIMESTAMP is a TIMESTAMPTZ with microseconds. Redshift takes the start of the
  statement; DuckDB only has the start of the transaction, which is the same outside a
  transaction block. (SYSDATE, the transaction start as a TIMESTAMP, is translated right by
  sqlglot.)
* ``TIMEOFDAY()`` is the same moment as text, ``Thu Sep 19 22:53:50.333525 2013 UTC`` (the
  session's wall clock and zone abbreviation), as Redshift documents it.
* ``ADD_MONTHS(d, n)`` keeps the last day of a month the last day of the result month
  (``add_months('2008-04-30', 1)`` is ``2008-05-31``; DATEADD gives ``2008-05-30``), keeps
  the time of day, and returns a TIMESTAMP as in Redshift.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context
from proxy.sql.transforms.datetime_formats import to_char
from proxy.sql.transforms.session_time_zone import local


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of DuckDB's own function ``name`` (not sqlglot's canonical node for it)."""
    return exp.Anonymous(this=name, expressions=list(args))


def _getdate(ctx: Context) -> exp.Expr:
    now = exp.cast(local(exp.CurrentTimestamp(), ctx), "TIMESTAMP")
    return _call("date_trunc", exp.Literal.string("second"), now)


def _add_months(when: exp.Expr, months: exp.Expr, ctx: Context) -> exp.Expr:
    ts = exp.cast(local(when, ctx), "TIMESTAMP")
    added = exp.Add(this=ts.copy(), expression=_call("to_months", months))
    time_of_day = exp.Paren(this=exp.Sub(
        this=ts.copy(), expression=_call("date_trunc", exp.Literal.string("day"), ts.copy())
    ))
    month_end = exp.Add(
        this=exp.cast(_call("last_day", added.copy()), "TIMESTAMP"), expression=time_of_day
    )
    is_month_end = exp.EQ(
        this=exp.cast(ts.copy(), "DATE"), expression=_call("last_day", ts.copy())
    )
    return exp.Case(ifs=[exp.If(this=is_month_end, true=month_end)], default=added)


def getdate_add_months(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite GETDATE(), TIMEOFDAY() and ADD_MONTHS(d, n) (the first and last kept as calls
    by ``pipeline.parse``)."""
    for node in list(tree.find_all(exp.Anonymous)):
        name = node.name.lower()
        args = node.expressions
        if name == "getdate" and not args:
            node.replace(_getdate(ctx))
        elif name == "timeofday" and not args:
            node.replace(to_char(exp.CurrentTimestamp(), "Dy Mon DD HH24:MI:SS.US YYYY TZ", ctx))
        elif name == "add_months" and len(args) == 2:
            node.replace(_add_months(args[0].copy(), args[1].copy(), ctx))
    return tree
