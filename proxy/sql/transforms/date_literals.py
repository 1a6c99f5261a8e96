"""Date literals read in the session's DateStyle order, as Redshift reads them.

A string literal cast to DATE, TIMESTAMP or TIMESTAMPTZ (``'01/02/2024'::date``, ``DATE
'01/02/2024'``) whose date is three numbers separated by ``-``, ``/`` or ``.`` is read as
PostgreSQL reads it: a first number of three or more digits is the year (``2024/1/2`` is
year-month-day in every order); otherwise the numbers are month-day-year, day-month-year or
year-month-day by ``SET DateStyle`` (MDY by default). A year of one or two digits is in
1970-2069. A month or day that does not exist is PostgreSQL's 22008 ``date/time field value
out of range``. The date becomes ISO text, which DuckDB reads; the rest of the literal (a
time, a zone) is kept. The other forms Redshift documents for a cast are read too: a month by
name (``January 8, 1999``, ``2000-Jan-31``, ``Jan-31-2000``, ``31-Jan-2000``; of the two
numbers, one of three or more digits is the year, otherwise the day comes first but in YMD
order), eight or six digits (``20080215``, ``080215``: year, month, day) and a year with a day
of the year (``2008.366``). So are the times Redshift documents that DuckDB does not read, in a
cast to TIME or after a date: six digits (``040506``) and a time of day with AM or PM
(``04:05 PM``; an hour past 12 is 22008).

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
import datetime
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
# A month by name and two numbers (in any order), separated by -, /, ., a comma or blanks.
_NAMED_DATE = re.compile(
    r"\s*(?:([a-z]+)[-/., ]+(\d{1,4})[-/., ]+(\d{1,4})|(\d{1,4})[-/., ]+([a-z]+)[-/., ]+(\d{1,4}))"
    r"(?=$|\s)(.*)", re.DOTALL | re.IGNORECASE)
_COMPACT_DATE = re.compile(r"\s*(\d{2}|\d{4})(\d{2})(\d{2})(?=$|[\sT])(.*)", re.DOTALL)
_DAY_OF_YEAR = re.compile(r"\s*(\d{4})\.(\d{3})(?=$|[\sT])(.*)", re.DOTALL)
_COMPACT_TIME = re.compile(r"\s*(\d{2})(\d{2})(\d{2})(\.\d+)?\s*")
_TWELVE_HOUR = re.compile(r"\s*(\d{1,2}):(\d{2})(:\d{2}(?:\.\d+)?)?\s*([ap])\.?m\.?\s*",
                          re.IGNORECASE)
# An ISO date (as written or as rewritten) and what follows it.
_ISO_DATE_AND_TIME = re.compile(r"(\s*\d{4}-\d{2}-\d{2}\s+)(.+)", re.DOTALL)
_MONTHS = {
    name: number for number, names in enumerate((
        ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
        ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
        ("oct", "october"), ("nov", "november"), ("dec", "december")), 1)
    for name in names
}
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


def _checked(literal: str, y: int, m: int, d: int, rest: str) -> str:
    if not (1 <= m <= 12 and 1 <= d <= calendar.monthrange(max(y, 1), m)[1]):
        raise DatetimeFieldOverflow(f'date/time field value out of range: "{literal}"')
    return f"{y:04d}-{m:02d}-{d:02d}{rest}"


def documented_date(literal: str, order: str) -> str | None:
    """``literal`` with its date as ISO text where the date is one of the other forms Redshift
    documents (a month by name, eight or six digits, a year and a day of the year), or None.

    >>> documented_date("January 8, 1999", "MDY")
    '1999-01-08'
    >>> documented_date("080215 04:05", "MDY")
    '2008-02-15 04:05'
    """
    named = _NAMED_DATE.fullmatch(literal)
    if named is not None:
        month_first, a1, b1, a2, month_second, b2, rest = named.groups()
        month = _MONTHS.get((month_first or month_second).lower())
        if month is None:
            return None
        first, second = (a1, b1) if month_first else (a2, b2)
        if len(second) >= 3 or (len(first) < 3 and order != "YMD"):
            day, year = first, second
        else:
            year, day = first, second
        return _checked(literal, _year(year), month, int(day), rest)
    compact = _COMPACT_DATE.fullmatch(literal)
    if compact is not None:
        year, month, day, rest = compact.groups()
        return _checked(literal, _year(year), int(month), int(day), rest)
    ordinal = _DAY_OF_YEAR.fullmatch(literal)
    if ordinal is not None:
        year, day, rest = ordinal.groups()
        y, n = int(year), int(day)
        if not 1 <= n <= (366 if calendar.isleap(y) else 365):
            return None  # PostgreSQL's 22007, which DuckDB gives for the text as written
        first = datetime.date(y, 1, 1) + datetime.timedelta(days=n - 1)
        return f"{first.isoformat()}{rest}"
    return None


def documented_time(literal: str) -> str | None:
    """``literal`` as a 24-hour time where it is six digits or a time with AM or PM, or None.

    >>> documented_time("04:05 PM")
    '16:05'
    >>> documented_time("040506.789")
    '04:05:06.789'
    """
    compact = _COMPACT_TIME.fullmatch(literal)
    if compact is not None:
        hours, minutes, seconds, fraction = compact.groups()
        return f"{hours}:{minutes}:{seconds}{fraction or ''}"
    twelve = _TWELVE_HOUR.fullmatch(literal)
    if twelve is None:
        return None
    hours, minutes, seconds, half = twelve.groups()
    hour = int(hours)
    if hour > 12:
        raise DatetimeFieldOverflow(f'date/time field value out of range: "{literal}"')
    hour = hour % 12 + (12 if half.lower() == "p" else 0)
    return f"{hour:02d}:{minutes}{seconds or ''}"


def _read(literal: str, kind: exp.DataType.Type, order: str) -> str | None:
    """The text DuckDB reads for a literal cast to ``kind``, or None for the text as written."""
    if kind == _T.TIME:
        return documented_time(literal)
    text = iso_date(literal, order) or documented_date(literal, order) or literal
    dated = _ISO_DATE_AND_TIME.fullmatch(text)
    if dated is not None:
        clock = documented_time(dated[2])
        text = text if clock is None else f"{dated[1]}{clock}"
    return text if text != literal else None


def date_literals(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite the date of each string literal cast to a date or timestamp as ISO text."""
    for cast in tree.find_all(exp.Cast):
        literal = cast.this
        if (
            (cast.to.this in _DATETIME_TYPES or cast.to.this == _T.TIME)
            and isinstance(literal, exp.Literal)
            and literal.is_string
        ):
            read = _read(literal.this, cast.to.this, ctx.date_order)
            if read is not None:
                literal.replace(exp.Literal.string(read))
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
