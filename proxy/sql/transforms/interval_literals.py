"""Interval literals with a field range: ``INTERVAL '2-3' YEAR TO MONTH``, ``INTERVAL '1 2:03:04'
DAY TO SECOND``.

Redshift reads them as PostgreSQL does; DuckDB's parser refuses the ranges. The literal's
SQL-standard text becomes DuckDB interval text with named units: ``Y-M`` for YEAR TO MONTH,
``D H``, ``D H:M`` and ``D H:M:S`` for DAY TO HOUR/MINUTE/SECOND, ``H:M[:S]`` for HOUR TO
MINUTE/SECOND and ``M:S`` for MINUTE TO SECOND (a sign before the days applies to the days, a
sign before a time to the whole time, as in PostgreSQL). A single number is the range's first
field (``INTERVAL '2' YEAR TO MONTH`` is two years); text with unit names (``'1 year 2
months'``) is read as it is. Anything else is PostgreSQL's 22007.

sqlglot splits ``INTERVAL '3 yrs'`` into a number and a unit, which DuckDB's grammar refuses
(42601) unless the unit is a full name; such a literal is put back together, so DuckDB reads
its text, abbreviations included, and reports a unit it does not know (``'1 fortnight'``,
22007).
"""

from __future__ import annotations

import re

from sqlglot import exp

from catalog.errors import InvalidDatetimeFormat
from proxy.sql.context import Context

_NUMBER = r"[+-]?\d+(?:\.\d*)?"
_YEAR_MONTH = re.compile(r"\s*([+-]?)(\d+)-(\d+)\s*")
_DAY_TIME = re.compile(r"\s*(?:([+-]?\d+)\s+)?([+-]?)(\d+(?::\d+){0,2}(?:\.\d*)?)\s*")
_SINGLE = re.compile(rf"\s*({_NUMBER})\s*")
_TIME_UNITS = ("hours", "minutes", "seconds")
# The units DuckDB's grammar takes after an interval literal's text (its text takes the
# abbreviations too: '3 yrs', '1 d').
_GRAMMAR_UNITS = frozenset(
    f"{unit}{plural}" for unit in (
        "year", "month", "week", "day", "hour", "minute", "second", "millisecond",
        "microsecond", "quarter", "decade") for plural in ("", "s")
) | {"century", "centuries", "millennium", "millennia"}
# The time fields a range's text holds, from its first field.
_TIME_FIELDS = {"DAY": 0, "HOUR": 0, "MINUTE": 1}


def _units(text: str, first: str, last: str) -> str | None:
    """DuckDB interval text for ``text`` read as ``first TO last``, or None when it is not
    in the range's SQL-standard form."""
    single = _SINGLE.fullmatch(text)
    if single is not None:
        return f"{single[1]} {first.lower()}s"
    if first == "YEAR":
        ym = _YEAR_MONTH.fullmatch(text) if last == "MONTH" else None
        if ym is None:
            return None
        sign, years, months = ym.groups()
        return f"{sign}{years} years {sign}{months} months"
    match = _DAY_TIME.fullmatch(text)
    if match is None:
        return None
    days, sign, clock = match.groups()
    if days is not None and first != "DAY":
        return None
    parts = [f"{days} days"] if days is not None else []
    fields = clock.split(":")
    start = _TIME_FIELDS[first]
    if start + len(fields) > len(_TIME_UNITS):
        return None
    parts += [f"{sign}{value} {unit}" for value, unit in
              zip(fields, _TIME_UNITS[start:], strict=False)]
    return " ".join(parts)


def interval_literals(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite interval literals with a field range (or a unit DuckDB's grammar lacks) into
    text DuckDB reads."""
    for node in list(tree.find_all(exp.Interval)):
        span = node.args.get("unit")
        literal = node.this
        if (isinstance(span, exp.Var) and isinstance(literal, exp.Literal)
                and span.name.lower() not in _GRAMMAR_UNITS):
            text = f"{literal.this} {span.name.lower()}"
            node.replace(exp.Interval(this=exp.Literal.string(text)))
            continue
        if not isinstance(span, exp.IntervalSpan) or not isinstance(literal, exp.Literal):
            continue
        first, last = span.this.name.upper(), span.expression.name.upper()
        text = literal.this
        units = _units(text, first, last)
        if units is None:
            if re.search(r"[a-z]", text, re.IGNORECASE) is None:
                raise InvalidDatetimeFormat(
                    f'invalid input syntax for type interval: "{text}"')
            units = text
        node.replace(exp.Interval(this=exp.Literal.string(units)))
    return tree
