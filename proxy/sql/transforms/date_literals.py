"""Date literals read in the session's DateStyle order, as Redshift reads them.

A string literal cast to DATE, TIMESTAMP or TIMESTAMPTZ (``'01/02/2024'::date``, ``DATE
'01/02/2024'``) whose date is three numbers separated by ``-``, ``/`` or ``.`` is read as
PostgreSQL reads it: a first number of three or more digits is the year (``2024/1/2`` is
year-month-day in every order); otherwise the numbers are month-day-year, day-month-year or
year-month-day by ``SET DateStyle`` (MDY by default). A year of one or two digits is in
1970-2069. A month or day that does not exist is PostgreSQL's 22008 ``date/time field value
out of range``. The date becomes ISO text, which DuckDB reads; the rest of the literal (a
time, a zone) is kept.

DuckDB reads only year-first dates, so other strings (a column's values, a literal compared
with a date without a cast) are not read by DateStyle: they fail as they did, or are read
year first.
"""

from __future__ import annotations

import calendar
import re

from sqlglot import exp

from catalog.errors import DatetimeFieldOverflow
from proxy.sql.context import Context

_T = exp.DataType.Type
_DATETIME_TYPES = {_T.DATE, _T.TIMESTAMP, _T.TIMESTAMPTZ, _T.DATETIME}
# Three numbers with one separator, then the end or a time (after blanks or T).
_NUMERIC_DATE = re.compile(r"\s*(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})(?=$|[\sT])(.*)", re.DOTALL)


def _year(text: str) -> int:
    """A year as written: one or two digits are 1970-2069, as PostgreSQL reads them."""
    year = int(text)
    if len(text) <= 2:
        year += 2000 if year < 70 else 1900
    return year


def iso_date(literal: str, order: str) -> str | None:
    """``literal`` with its date as ISO text read in ``order`` (MDY, DMY or YMD), or None when
    its date is not three numbers.

    >>> iso_date("01/02/2024", "DMY")
    '2024-02-01'
    >>> iso_date("1/2/03 10:00", "MDY")
    '2003-01-02 10:00'
    """
    match = _NUMERIC_DATE.fullmatch(literal)
    if match is None:
        return None
    first, _, second, third, rest = match.groups()
    if len(first) >= 3 or order == "YMD":
        year, month, day = first, second, third
    elif order == "DMY":
        day, month, year = first, second, third
    else:
        month, day, year = first, second, third
    y, m, d = _year(year), int(month), int(day)
    if not (1 <= m <= 12 and 1 <= d <= calendar.monthrange(max(y, 1), m)[1]):
        raise DatetimeFieldOverflow(f'date/time field value out of range: "{literal}"')
    return f"{y:04d}-{m:02d}-{d:02d}{rest}"


def date_literals(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite the date of each string literal cast to a date or timestamp as ISO text."""
    for cast in tree.find_all(exp.Cast):
        literal = cast.this
        if (
            cast.to.this in _DATETIME_TYPES
            and isinstance(literal, exp.Literal)
            and literal.is_string
        ):
            iso = iso_date(literal.this, ctx.date_order)
            if iso is not None and iso != literal.this:
                literal.replace(exp.Literal.string(iso))
    return tree
