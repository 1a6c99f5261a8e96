"""Redshift date/time functions whose DuckDB translation by sqlglot gives different answers.

* ``DATEDIFF(week, a, b)`` counts the Monday boundaries between a and b in Redshift; DuckDB's
  ``date_diff('week')`` counts whole 7-day spans (Sunday to Monday gives 0, not 1). Centuries
  and millennia are counted by Redshift's own numbering (the 21st century starts in 2001),
  where DuckDB divides the year by 100.
* ``DATEADD(year, n, d)`` from February 29 lands on March 1 in a non-leap year in Redshift
  (``dateadd(year, 1, '2016-02-29')`` is ``2017-03-01``) while ``dateadd(month, 12, ...)``
  gives February 28, as DuckDB does for both.
* ``TRUNC(timestamp)`` is the date; DuckDB's ``trunc`` takes only numbers. The argument's
  type is often a column's, unknown here, so the engine's TRUNC macro picks by it. DuckDB
  cannot pick a typed macro overload for an aggregate's, a window's or a parameter's value,
  so there the
  type is inferred here: a timestamp from literals, casts and datetime functions (``TRUNC(
  MAX(ts))`` of a bare column still fails loudly, as DuckDB has no trunc(timestamp)).
* ``CONVERT_TIMEZONE`` with a time zone abbreviation (``'PST'``) uses its fixed offset from
  UTC in Redshift, with no daylight saving time; ICU reads several abbreviations as the
  region (``PST`` as America/Los_Angeles). Literal abbreviations become ``Etc/GMT`` zones.
* ``DATEADD`` of a date part DuckDB's intervals do not have (``dow``, ``epoch``, a misspelt
  one) is 22023 ``unit "..." not recognized``, as DATEDIFF's and DATE_TRUNC's are, instead of
  DuckDB's syntax error in the generated SQL.
* ``LAST_DAY('2024-02-10')`` and ``NEXT_DAY('2024-02-10', 'Monday')`` read a string literal
  as a timestamp, as Redshift's implicit conversion does; DuckDB finds the literal ambiguous
  between its DATE and TIMESTAMP overloads.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types

from catalog.errors import InvalidParameterValue
from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of DuckDB's own function ``name`` (not sqlglot's canonical node for it)."""
    return exp.Anonymous(this=name, expressions=list(args))

# PostgreSQL's default abbreviations (pg_timezone_abbrevs) with whole-hour offsets, in hours
# east of UTC.
_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "ZULU": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1,
    "CEST": 2, "MET": 1, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "JST": 9, "KST": 9,
    "HKT": 8, "AWST": 8, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "EST": -5,
    "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "AST": -4, "ADT": -3, "NST": -3,
}


def _timestamp(node: exp.Expr) -> exp.Expr:
    return exp.cast(node.copy(), "TIMESTAMP")


def _datediff(node: exp.TsOrDsDiff) -> exp.Expr | None:
    unit = node.text("unit").upper()
    start, end = _timestamp(node.expression), _timestamp(node.this)
    if unit == "WEEK":
        days = _call(
            "date_diff", exp.Literal.string("day"),
            _call("date_trunc", exp.Literal.string("week"), start),
            _call("date_trunc", exp.Literal.string("week"), end),
        )
        return exp.Paren(this=exp.IntDiv(this=days, expression=exp.Literal.number(7)))
    if unit in ("CENTURY", "MILLENNIUM", "MILLENIUM"):
        part = exp.Literal.string("century" if unit == "CENTURY" else "millennium")
        return exp.Paren(this=exp.Sub(
            this=_call("date_part", part, end), expression=_call("date_part", part, start)
        ))
    return None


def _dateadd_year(node: exp.TsOrDsAdd) -> exp.Expr:
    ts = _timestamp(node.this)
    years = exp.Interval(this=node.expression.copy(), unit=exp.var("YEAR"))
    added = exp.Add(this=ts, expression=years)
    from_leap_day = exp.and_(
        exp.EQ(this=_call("month", ts.copy()), expression=exp.Literal.number(2)),
        exp.EQ(this=_call("day", ts.copy()), expression=exp.Literal.number(29)),
        exp.EQ(this=_call("day", added.copy()), expression=exp.Literal.number(28)),
    )
    return exp.Case(
        ifs=[exp.If(this=from_leap_day, true=exp.Add(
            this=added.copy(), expression=exp.Interval(
                this=exp.Literal.number(1), unit=exp.var("DAY")
            ),
        ))],
        default=added,
    )


def _fixed_zone(node: exp.Expr | None) -> None:
    if not isinstance(node, exp.Literal) or not node.is_string:
        return
    hours = _ABBREVIATIONS.get(node.this.upper())
    if hours is not None:
        # POSIX sign convention: Etc/GMT+8 is eight hours west of UTC.
        node.replace(exp.Literal.string(f"Etc/GMT{-hours:+d}" if hours else "UTC"))


# The units of DuckDB's INTERVAL n UNIT, which DATEADD becomes (sqlglot names Redshift's
# abbreviations by these).
_INTERVAL_UNITS = frozenset(
    u + s for u in ("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND",
                    "MICROSECOND", "WEEK", "QUARTER", "DECADE") for s in ("", "S")
) | {"CENTURY", "CENTURIES", "MILLENNIUM", "MILLENNIA"}
_TEMPORAL = {exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP,
             exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.DATETIME}


def _trunc(arg: exp.Expr) -> exp.Expr | None:
    if not arg.find(exp.AggFunc, exp.Window, exp.Placeholder, exp.Parameter):
        return call(macros.TRUNC, arg.copy())
    typed = annotate_types(arg.copy(), dialect="redshift")
    if typed.type is not None and typed.type.this in _TEMPORAL:
        return exp.cast(arg.copy(), "DATE")
    return None  # a number: DuckDB's own trunc


def datetime_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite DATEDIFF(week), DATEADD(year), TRUNC(timestamp), CONVERT_TIMEZONE zones and
    the string literals of LAST_DAY and NEXT_DAY."""
    for node in list(tree.find_all(exp.TsOrDsDiff, exp.TsOrDsAdd, exp.Trunc,
                                   exp.ConvertTimezone, exp.LastDay, exp.NextDay)):
        new: exp.Expr | None = None
        if isinstance(node, (exp.LastDay, exp.NextDay)):
            if isinstance(node.this, exp.Literal) and node.this.is_string:
                node.this.replace(_timestamp(node.this))
        elif isinstance(node, exp.TsOrDsDiff):
            new = _datediff(node)
        elif isinstance(node, exp.TsOrDsAdd):
            unit = node.text("unit").upper()
            if unit and unit not in _INTERVAL_UNITS:
                raise InvalidParameterValue(f'unit "{unit.lower()}" not recognized')
            if unit == "YEAR":
                new = _dateadd_year(node)
        elif isinstance(node, exp.Trunc):
            if node.args.get("decimals") is None:
                new = _trunc(node.this)
        elif isinstance(node, exp.ConvertTimezone):
            _fixed_zone(node.args.get("source_tz"))
            _fixed_zone(node.args.get("target_tz"))
        if new is not None:
            node.replace(new)
    return tree
