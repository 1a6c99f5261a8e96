"""Date literals read in the session's DateStyle order, as Redshift reads them.

A string literal cast to DATE, TIMESTAMP or TIMESTAMPTZ (``'01/02/2024'::date``, ``DATE
'01/02/2024'``) whose date is three numbers separated by ``-``, ``/`` or ``.`` is read as
PostgreSQL reads it: a first number of three or more digits is the year (``2024/1/2`` is
year-month-day in every order); otherwise the numbers are month-day-year, day-month-year or
year-month-day by ``SET DateStyle`` (MDY by default). A year of one or two digits is in
1970-2069. A month or day that does not exist is PostgreSQL's 22008 ``date/time field value
out of range``. The date becomes ISO text, which DuckDB reads; the rest of the literal (a
time, a zone) is kept.

A string literal read as a date without a cast is read the same way where the statement shows
what it is read beside (``implicit_date_literals``, after ``session_time_zone``): compared
with an expression (``=``, ``<`` ..., BETWEEN, IN), stored into a column (INSERT VALUES or
SELECT, UPDATE SET), or the value of the session zone's ``OPERAND``/``STORED`` macros. It
becomes the engine's ``DATESTYLE`` macro, whose overloads DuckDB picks by that expression's
type when it binds: the ISO text beside a DATE, TIMESTAMP or TIMESTAMPTZ, the literal as
written beside anything else (a string compared with a string). A date that does not exist
fails only beside a date (22008).

DuckDB reads only year-first dates, so other strings (a column's values, a literal beside an
aggregate's or a window's value, whose type DuckDB does not know when it picks the macro's
overload, a function's argument) are not read by DateStyle: they fail as they did, or are read
year first.
"""

from __future__ import annotations

import calendar
import re

from sqlglot import exp

from catalog.errors import DatetimeFieldOverflow
from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call

_T = exp.DataType.Type
_DATETIME_TYPES = {_T.DATE, _T.TIMESTAMP, _T.TIMESTAMPTZ, _T.DATETIME}
# Three numbers with one separator, then the end or a time (after blanks or T).
_NUMERIC_DATE = re.compile(r"\s*(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})(?=$|[\sT])(.*)", re.DOTALL)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.NullSafeEQ,
                exp.NullSafeNEQ)
# The session zone's macros whose second argument is read as their first one's type.
_READ_AS_FIRST = frozenset({macros.OPERAND, macros.STORED})


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


def _stored_into(literal: exp.Literal) -> exp.Expr | None:
    """The column of an INSERT that ``literal`` (a value of its VALUES or SELECT list) is
    stored into, as an expression of its type: a subquery reading none of its rows."""
    value: exp.Expr = literal
    if isinstance(literal.parent, exp.Alias):
        value = literal.parent  # INSERT ... SELECT '01/02/2024' AS d
    row = value.parent
    source = row.parent if isinstance(row, exp.Tuple) else row
    if not isinstance(row, exp.Tuple | exp.Select) or (
            isinstance(row, exp.Tuple) and not isinstance(source, exp.Values)):
        return None
    insert = source.parent if source is not None else None
    if not isinstance(insert, exp.Insert) or insert.expression is not source:
        return None
    position = next((i for i, v in enumerate(row.expressions) if v is value), None)
    target = insert.this
    if position is None:
        return None  # not a value of the list (a SELECT's LIMIT, say)
    if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
        if position >= len(target.expressions):
            return None
        column: exp.Expr = exp.column(target.expressions[position].copy())
        table = target.this
    elif isinstance(target, exp.Table):
        column, table = exp.var(f"#{position + 1}"), target  # DuckDB names the n-th #n
    else:
        return None
    return exp.Subquery(this=exp.select(column).from_(table.copy()).limit(0))


def _read_beside(literal: exp.Literal) -> exp.Expr | None:
    """The expression whose type ``literal`` is read as, where the statement shows one."""
    parent = literal.parent
    beside: exp.Expr | None = None
    if isinstance(parent, _COMPARISONS):
        beside = parent.expression if parent.this is literal else parent.this
    elif isinstance(parent, exp.Between | exp.In) and parent.this is not literal:
        beside = parent.this
    elif (isinstance(parent, exp.Anonymous) and parent.name in _READ_AS_FIRST
          and len(parent.expressions) == 3 and parent.expressions[1] is literal):
        beside = parent.expressions[0]
    else:
        return _stored_into(literal)
    if isinstance(beside, exp.Literal | exp.Null | exp.Parameter | exp.Placeholder) or (
            beside.find(exp.AggFunc, exp.Window) is not None):
        return None
    return beside


def implicit_date_literals(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Read the date of each string literal read as a date without a cast in the session's
    DateStyle order, as the module docstring says."""
    for literal in list(tree.find_all(exp.Literal)):
        if not literal.is_string:
            continue
        try:
            iso = iso_date(literal.this, ctx.date_order)
            read: exp.Expr | None = exp.Literal.string(iso) if iso is not None else None
        except DatetimeFieldOverflow as error:
            iso, read = None, exp.Anonymous(this="error",
                                            expressions=[exp.Literal.string(error.message)])
        if read is None or iso == literal.this:
            continue
        beside = _read_beside(literal)
        if beside is not None:
            literal.replace(call(macros.DATESTYLE, beside.copy(), read, literal.copy()))
    return tree
