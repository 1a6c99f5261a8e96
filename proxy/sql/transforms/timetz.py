"""TIMETZ (TIME WITH TIME ZONE) values are UTC, as Redshift keeps them.

Redshift converts a TIMETZ to UTC when it reads one (``'20:41:19 EST'::timetz`` is
``01:41:19+00``); DuckDB keeps the offset it was given, and its equality compares offsets too.
So a cast to TIMETZ is converted to UTC (``timezone('UTC', ...)``), and a string literal cast
to TIMETZ is read here, where Redshift's forms DuckDB lacks are understood: a zone
abbreviation (``UTC``, ``PST``...), ``Z``, an offset of hours with or without minutes, the
compact ``HHMMSS``. A literal that is none of these is 22007, as in PostgreSQL. In a session
time zone other than UTC, a time without a written zone (a literal, a TIME) takes the offset
the zone has at that time of the current date, as PostgreSQL reads one (``ZONED_TIMETZ``).

A TIMETZ column gets a CHECK that its values are UTC: a value stored without a cast (a plain
string in INSERT ... VALUES, COPY) keeps its offset in DuckDB, which would then compare and
extract differently from Redshift, so one with another offset is refused (0A000).
"""

from __future__ import annotations

import re

from sqlglot import exp

from catalog.errors import InvalidDatetimeFormat
from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.session_time_zone import is_utc, running_zone

_T = exp.DataType.Type
_DAY_US = 86_400_000_000
# Fixed-offset abbreviations PostgreSQL (and Redshift) know by default, in hours east of UTC;
# names of regions (America/New_York) have no offset without a date.
_ZONES = {
    "utc": 0.0, "gmt": 0.0, "z": 0.0, "ut": 0.0, "zulu": 0.0,
    "est": -5.0, "edt": -4.0, "cst": -6.0, "cdt": -5.0, "mst": -7.0, "mdt": -6.0,
    "pst": -8.0, "pdt": -7.0, "akst": -9.0, "akdt": -8.0, "hst": -10.0,
    "cet": 1.0, "cest": 2.0, "eet": 2.0, "eest": 3.0, "wet": 0.0, "west": 1.0,
    "bst": 1.0, "jst": 9.0, "kst": 9.0, "nzst": 12.0, "nzdt": 13.0,
}
_TIME = re.compile(
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?P<f>\.\d*)?)?"
    r"|(?P<ch>\d{2})(?P<cm>\d{2})(?P<cs>\d{2})?(?P<cf>\.\d*)?"
)
_OFFSET = re.compile(r"(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?")
_CHECK_MESSAGE = (
    "feature not supported on Duckshift: storing a TIMETZ value whose offset is not +00 "
    "without casting it to TIMETZ"
)


def _offset_seconds(zone: str) -> int | None:
    """Seconds east of UTC of a zone written after a time, or None if it is not one."""
    if not zone:
        return 0
    if zone.lower() in _ZONES:
        return int(_ZONES[zone.lower()] * 3600)
    match = _OFFSET.fullmatch(zone)
    if match is None or int(match["h"]) > 15 or int(match["m"] or 0) > 59:
        return None
    seconds = int(match["h"]) * 3600 + int(match["m"] or 0) * 60
    return -seconds if match["sign"] == "-" else seconds


def utc_text(text: str) -> str | None:
    """The UTC time of a TIMETZ literal as ``HH:MM:SS[.ffffff]+00``, or None if it is not one.

    >>> utc_text("20:41:19 EST")
    '01:41:19.000000+00'
    """
    value = text.strip()
    match = _TIME.match(value)
    if match is None:
        return None
    hours = int(match["h"] or match["ch"])
    minutes = int(match["m"] or match["cm"])
    seconds = int(match["s"] or match["cs"] or 0)
    fraction = match["f"] or match["cf"] or "."
    offset = _offset_seconds(value[match.end():].strip())
    if offset is None or minutes > 59 or seconds > 59 or hours > 24:
        return None
    micros = round(float("0" + fraction) * 1_000_000)
    total = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros
    if total > _DAY_US:
        return None
    if total < _DAY_US or offset:  # 24:00:00 is the end of the day, kept as such
        total = (total - offset * 1_000_000) % _DAY_US
    whole, micros = divmod(total, 1_000_000)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{micros:06d}+00"


def _without_zone(value: exp.Expr) -> bool:
    """Whether ``value``, cast to TIMETZ, would take the session's offset: a time literal
    without a written zone, or a value that is not a literal (a TIME or a TIMESTAMP)."""
    if isinstance(value, exp.Null):
        return False
    if isinstance(value, exp.Literal) and value.is_string:
        match = _TIME.match(value.this.strip())
        return match is not None and not value.this.strip()[match.end():].strip()
    return not isinstance(value, exp.Literal)


def _utc_cast(cast: exp.Cast, ctx: Context) -> exp.Expr:
    """A cast to TIMETZ whose value is UTC."""
    value = cast.this
    if isinstance(value, exp.Literal) and value.is_string:
        text = utc_text(value.this)
        if text is None:
            raise InvalidDatetimeFormat(
                f'invalid input syntax for type time with time zone: "{value.this}"')
        if not is_utc(ctx) and _without_zone(value):
            # The offset the session's zone has at that time today (PostgreSQL's rule for a
            # time without a date); a literal is read in the zone of the session writing it.
            return call(macros.ZONED_TIMETZ, exp.cast(value.copy(), "TIME"),
                        exp.Literal.string(ctx.zone))
        return exp.cast(exp.Literal.string(text), "TIMETZ")
    if not is_utc(ctx) and _without_zone(value):
        return call(macros.ZONED_TIMETZ, value.copy(), running_zone(ctx))
    return exp.Anonymous(this="timezone", expressions=[exp.Literal.string("UTC"), cast])


def _utc_check(column: exp.Identifier) -> exp.ColumnConstraint:
    # NULL has no offset: the comparison is NULL and falls to TRUE.
    offset = exp.Anonymous(this="date_part", expressions=[
        exp.Literal.string("timezone"), exp.column(column.copy())])
    guard = exp.Case(
        ifs=[exp.If(this=exp.NEQ(this=offset, expression=exp.Literal.number(0)),
                    true=exp.Anonymous(this="error",
                                       expressions=[exp.Literal.string(_CHECK_MESSAGE)]))],
        default=exp.true(),
    )
    return exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=guard))


def timetz(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Make every cast to TIMETZ UTC and give TIMETZ columns their UTC CHECK."""
    if isinstance(tree, exp.Create):
        for col in tree.find_all(exp.ColumnDef):
            kind = col.args.get("kind")
            if isinstance(kind, exp.DataType) and kind.this == _T.TIMETZ:
                col.append("constraints", _utc_check(col.this))
    for cast in list(tree.find_all(exp.Cast)):
        if cast.to.this == _T.TIMETZ:
            cast.replace(_utc_cast(cast.copy(), ctx))
    return tree
