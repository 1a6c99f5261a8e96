"""TO_CHAR, TO_DATE and TO_TIMESTAMP with Redshift's (PostgreSQL's) datetime format strings.

sqlglot converts a format string to strftime codes while parsing, through a partial table: it
maps ``MON`` to ``%b`` (which DuckDB prints as ``Dec``, where Redshift prints ``DEC``), keeps
``Mon``, ``HH``, ``AM``/``PM``, ``Q`` ... as literal text, and so gives wrong output for most
formats. The table only maps spellings that mean the same thing in both directions, so the
original format is recovered exactly by inverting it (checked by converting the result back
and comparing). The format is then read pattern by pattern and rebuilt:

* TO_CHAR becomes ``strftime`` for the fields DuckDB formats as Redshift does, concatenated
  with expressions for the rest (upper-case and padded month and day names, AM/PM, quarter,
  week of month, 3-digit year, milliseconds); NULL in gives NULL out. A TIMESTAMPTZ is
  formatted in the session's time zone: ``OF`` is its offset from UTC (``+00``, ``-07``,
  ``+05:30``), ``TZ``/``tz`` its abbreviation at that instant (``engine/time_zones.py``); for
  a TIMESTAMP, ``TZ`` is empty and ``OF`` ``+00``, as in PostgreSQL.
* TO_DATE and TO_TIMESTAMP become ``strptime`` with the equivalent codes; TO_TIMESTAMP returns
  TIMESTAMPTZ as in Redshift, the time read being one in the session's time zone. A TO_DATE
  whose format has a day of the month rolls a day past the month's end over into the next
  month ('20010631' is 2001-07-01), or with its third argument (is_strict) true fails with
  22008, as Redshift documents (the engine's ``ROLLED_DATE`` and ``STRICT_DATE``).

A format that uses a pattern without a faithful translation (numeric formats
such as ``'999D99'``, time zones in TO_DATE/TO_TIMESTAMP) or whose format is not a literal
fails with 0A000.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.redshift import Redshift
from sqlglot.time import format_time

from catalog.errors import FeatureNotSupported
from engine import macros
from engine.time_zones import TZ_ABBREVIATION, TZ_OFFSET
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.session_time_zone import is_utc, local, running_zone


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of DuckDB's own function ``name`` (not sqlglot's canonical node for it)."""
    return exp.Anonymous(this=name, expressions=list(args))

# sqlglot's parse-time table, inverted: strftime code -> a Redshift pattern it came from.
_INVERSE = {code: pattern for pattern, code in Redshift.TIME_MAPPING.items()}
_INVERSE_KEYS = sorted(_INVERSE, key=len, reverse=True)
# Codes that two spellings map to (dd and DD): the same field, but not the same quoted text.
_AMBIGUOUS = frozenset(
    code for code in _INVERSE
    if sum(c == code for c in Redshift.TIME_MAPPING.values()) > 1
)


def original_format(converted: str, function: str) -> str:
    """The Redshift format string sqlglot turned into ``converted``."""
    out: list[str] = []
    i = 0
    quoted = False
    while i < len(converted):
        for code in _INVERSE_KEYS:
            if converted.startswith(code, i):
                if quoted and code in _AMBIGUOUS:
                    raise FeatureNotSupported(
                        f"feature not supported on Duckshift: {function} quoted text with "
                        "pattern letters"
                    )
                out.append(_INVERSE[code])
                i += len(code)
                break
        else:
            quoted ^= converted[i] == '"'
            out.append(converted[i])
            i += 1
    text = "".join(out)
    if format_time(text, Redshift.TIME_MAPPING, Redshift.TIME_TRIE) != converted:
        raise FeatureNotSupported(
            f"feature not supported on Duckshift: {function} format {text!r}"
        )
    return text


@dataclass(frozen=True, slots=True)
class Pattern:
    """One element of a format string: a field pattern (with FM) or literal text."""

    name: str  # the pattern as written (case kept), or "" for literal text
    fill: bool = True  # False after the FM prefix
    text: str = ""  # the literal text when name == ""


# Case-insensitive field patterns, longest first so HH24 wins over HH and YYYY over YY.
_FIELDS = (
    "Y,YYY", "HH24", "HH12", "IYYY", "MONTH", "YYYY", "A.M.", "P.M.", "DDD", "IYY", "MON",
    "DAY", "YYY", "HH", "MI", "SS", "MS", "US", "AM", "PM", "YY", "MM", "DD", "DY", "ID",
    "IW", "WW", "CC", "IY", "TZ", "OF", "Y", "D", "W", "Q", "J", "I",
)


def tokenize_format(fmt: str) -> list[Pattern]:
    """Read a datetime format into patterns and literal text ("..." quotes literal text)."""
    out: list[Pattern] = []
    i, fill = 0, True
    while i < len(fmt):
        if fmt[i] == '"':
            end = fmt.find('"', i + 1)
            end = len(fmt) if end < 0 else end
            out.append(Pattern("", text=fmt[i + 1:end]))
            i = end + 1
            continue
        if fmt[i:i + 2].upper() == "FM":
            fill = False
            i += 2
            continue
        for field in _FIELDS:
            if fmt[i:i + len(field)].upper() == field:
                out.append(Pattern(fmt[i:i + len(field)], fill))
                i += len(field)
                break
        else:
            out.append(Pattern("", text=fmt[i]))
            i += 1
        fill = True
    return out


def _case(written: str, value: exp.Expr) -> exp.Expr:
    """Upper, capitalized or lower case, as the pattern was written (MON, Mon, mon)."""
    if written.isupper():
        return exp.Upper(this=value)
    if written.islower():
        return exp.Lower(this=value)
    return value


def _int_text(value: exp.Expr, width: int, fill: bool) -> exp.Expr:
    text = exp.cast(value, "VARCHAR")
    return _call("lpad", text, exp.Literal.number(width), exp.Literal.string("0")) if (
        fill
    ) else text


def _part(unit: str, ts: exp.Expr) -> exp.Expr:
    return _call("date_part", exp.Literal.string(unit), ts.copy())


# Fields strftime prints as Redshift does: pattern (upper case) -> (code, code after FM).
_STRFTIME = {
    "YYYY": ("%Y", "%Y"), "YY": ("%y", "%y"), "MM": ("%m", "%-m"), "DD": ("%d", "%-d"),
    "DDD": ("%j", "%-j"), "HH": ("%I", "%-I"), "HH12": ("%I", "%-I"), "HH24": ("%H", "%-H"),
    "MI": ("%M", "%-M"), "SS": ("%S", "%-S"), "US": ("%f", "%f"), "IW": ("%V", "%V"),
    "IYYY": ("%G", "%G"),
}


def _named(pattern: Pattern, ts: exp.Expr, code: str) -> exp.Expr:
    # Full names are blank-padded to 9 characters unless FM is given.
    name = _call("strftime", ts.copy(), exp.Literal.string(code))
    if pattern.fill and code in ("%B", "%A"):
        name = _call("rpad", name, exp.Literal.number(9), exp.Literal.string(" "))
    return _case(pattern.name, name)


def _meridiem(pattern: Pattern, ts: exp.Expr) -> exp.Expr:
    dotted = "." in pattern.name
    am, pm = ("A.M.", "P.M.") if dotted else ("AM", "PM")
    if pattern.name.islower():
        am, pm = am.lower(), pm.lower()
    return exp.If(
        this=exp.LT(this=_part("hour", ts), expression=exp.Literal.number(12)),
        true=exp.Literal.string(am), false=exp.Literal.string(pm),
    )


def _zone(pattern: Pattern, ts: exp.Expr, zone: exp.Expr, function: str) -> exp.Expr:
    """The session time zone's abbreviation (``TZ_ABBREVIATION``) or offset (``TZ_OFFSET``) at
    a TIMESTAMPTZ; for a TIMESTAMP, whose strftime ``%Z`` is empty, '' and '+00'."""
    value = _call(function, _call("epoch_ms", ts.copy()), zone.copy())
    return exp.If(
        this=exp.EQ(this=_call("strftime", ts.copy(), exp.Literal.string("%Z")),
                    expression=exp.Literal.string("")),
        true=exp.Literal.string("" if function == TZ_ABBREVIATION else "+00"),
        false=exp.Lower(this=value) if pattern.name == "tz" else value,
    )


def _div(a: exp.Expr, b: int) -> exp.Expr:
    return exp.Paren(this=exp.IntDiv(this=exp.Paren(this=a), expression=exp.Literal.number(b)))


def _iso_year_digits(ts: exp.Expr, modulus: int) -> exp.Expr:
    return exp.Mod(this=_part("isoyear", ts), expression=exp.Literal.number(modulus))


def _computed(pattern: Pattern, ts: exp.Expr, original: exp.Expr, zone: exp.Expr
              ) -> exp.Expr | None:
    """Fields built from date parts; None when the pattern has no translation."""
    key = pattern.name.upper()
    one = exp.Literal.number(1)
    builders: dict[str, Callable[[], exp.Expr]] = {
        "MONTH": lambda: _named(pattern, ts, "%B"),
        "MON": lambda: _named(pattern, ts, "%b"),
        "DAY": lambda: _named(pattern, ts, "%A"),
        "DY": lambda: _named(pattern, ts, "%a"),
        "AM": lambda: _meridiem(pattern, ts),
        "PM": lambda: _meridiem(pattern, ts),
        "A.M.": lambda: _meridiem(pattern, ts),
        "P.M.": lambda: _meridiem(pattern, ts),
        "Y,YYY": lambda: _call(
            "printf", exp.Literal.string("%d,%03d"), _div(_part("year", ts), 1000),
            exp.Mod(this=_part("year", ts), expression=exp.Literal.number(1000)),
        ),
        "YYY": lambda: _int_text(
            exp.Mod(this=_part("year", ts), expression=exp.Literal.number(1000)), 3,
            pattern.fill,
        ),
        "Y": lambda: _int_text(
            exp.Mod(this=_part("year", ts), expression=exp.Literal.number(10)), 1, False
        ),
        "MS": lambda: _int_text(
            exp.Mod(this=_div(_part("microseconds", ts), 1000),
                    expression=exp.Literal.number(1000)), 3, pattern.fill,
        ),
        "Q": lambda: _int_text(_part("quarter", ts), 1, False),
        "D": lambda: _int_text(exp.Add(this=_part("dow", ts), expression=one), 1, False),
        "ID": lambda: _int_text(_part("isodow", ts), 1, False),
        "W": lambda: _int_text(
            exp.Add(this=_div(exp.Sub(this=_part("day", ts), expression=one), 7),
                    expression=one), 1, False,
        ),
        "WW": lambda: _int_text(
            exp.Add(this=_div(exp.Sub(this=_part("doy", ts), expression=one), 7),
                    expression=one), 2, pattern.fill,
        ),
        "CC": lambda: _int_text(_part("century", ts), 2, pattern.fill),
        "IYY": lambda: _int_text(_iso_year_digits(ts, 1000), 3, pattern.fill),
        "IY": lambda: _int_text(_iso_year_digits(ts, 100), 2, pattern.fill),
        "I": lambda: _int_text(_iso_year_digits(ts, 10), 1, False),
        # Julian day: days since 24 November 4714 BC, counted at local midnight (PostgreSQL).
        "J": lambda: _int_text(
            exp.cast(_call("julian", exp.cast(ts.copy(), "DATE")), "BIGINT"), 1, False),
        "TZ": lambda: _zone(pattern, original, zone, TZ_ABBREVIATION),
        "OF": lambda: _zone(pattern, original, zone, TZ_OFFSET),
    }
    build = builders.get(key)
    return build() if build else None


def _concat(parts: list[exp.Expr]) -> exp.Expr:
    out = parts[0]
    for part in parts[1:]:
        out = exp.DPipe(this=out, expression=part)
    return exp.Paren(this=out) if len(parts) > 1 else out


def to_char(original: exp.Expr, fmt: str, ctx: Context) -> exp.Expr:
    """``TO_CHAR(original, fmt)`` of a timestamp, with ``fmt`` a Redshift format string."""
    # Fields are formatted from the session's wall clock; where the session's zone is the
    # engine's, strftime prints the offset itself.
    ts = local(original, ctx)
    strftime = _STRFTIME if not is_utc(ctx) else {**_STRFTIME, "OF": ("%z", "%z")}
    zone = (running_zone(ctx) if not is_utc(ctx)
            else _call("current_setting", exp.Literal.string("TimeZone")))
    patterns = tokenize_format(fmt)
    parts: list[exp.Expr] = []
    pending = ""

    def flush() -> None:
        nonlocal pending
        if pending:
            parts.append(_call("strftime", ts.copy(), exp.Literal.string(pending)))
            pending = ""

    for p in patterns:
        codes = strftime.get(p.name.upper())
        if not p.name:
            pending += p.text.replace("%", "%%")
        elif codes is not None:
            pending += codes[0] if p.fill else codes[1]
        else:
            computed = _computed(p, ts, original, zone)
            if computed is None:
                raise FeatureNotSupported(
                    f"feature not supported on Duckshift: TO_CHAR pattern {p.name}"
                )
            flush()
            parts.append(computed)
    flush()
    if not parts:  # an empty format: Redshift gives NULL for NULL, else ''
        parts.append(_call("strftime", ts.copy(), exp.Literal.string("")))
    return _concat(parts)


# Patterns strptime reads as Redshift does (upper-case key) -> strptime code.
_STRPTIME = {
    "YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d", "DDD": "%j", "HH": "%I", "HH12": "%I",
    "HH24": "%H", "MI": "%M", "SS": "%S", "MS": "%g", "US": "%f", "MONTH": "%B", "MON": "%b",
    "DAY": "%A", "DY": "%a", "AM": "%p", "PM": "%p",
}


def strptime_format(fmt: str, function: str, day: str = "%d") -> str:
    """The strptime format reading what ``fmt`` describes (its day of the month with ``day``)."""
    out = []
    for p in tokenize_format(fmt):
        if not p.name:
            out.append(p.text.replace("%", "%%"))
            continue
        code = day if p.name.upper() == "DD" else _STRPTIME.get(p.name.upper())
        if code is None:
            raise FeatureNotSupported(
                f"feature not supported on Duckshift: {function} pattern {p.name}"
            )
        out.append(code)
    return "".join(out)


def _format_of(node: exp.Expr, function: str) -> str:
    fmt = node.args.get("format")
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        raise FeatureNotSupported(
            f"feature not supported on Duckshift: {function} with a non-literal format"
        )
    return original_format(fmt.this, function)


# Codes that read any number of up to two digits, for a day that may pass the month's end.
_LENIENT_DAYS = ("%M", "%S")


def _to_date(value: exp.Expr, fmt: str, strict: bool) -> exp.Expr:
    """TO_DATE of ``value`` with Redshift's format ``fmt``: a day past the month's end rolls
    over (or fails, ``strict``) where the format has a day of the month a free code can read."""
    strptime = strptime_format(fmt, "TO_DATE")
    codes = {p.name.upper() for p in tokenize_format(fmt) if p.name}
    lenient = next((code for code in _LENIENT_DAYS if code not in strptime), None)
    if "DD" not in codes or lenient is None:
        parsed = _call("strptime", value, exp.Literal.string(strptime))
    else:
        parsed = call(macros.STRICT_DATE if strict else macros.ROLLED_DATE, value,
                      exp.Literal.string(strptime),
                      exp.Literal.string(strptime_format(fmt, "TO_DATE", lenient)))
    return exp.cast(parsed, "DATE")


def _strictness(node: exp.Anonymous) -> bool:
    """TO_DATE's is_strict (the third argument), which must be written as TRUE or FALSE."""
    strict = node.expressions[2]
    if not isinstance(strict, exp.Boolean):
        raise FeatureNotSupported(
            "feature not supported on Duckshift: TO_DATE with an is_strict that is not TRUE "
            "or FALSE")
    return bool(strict.this)


def _is_to_date(node: exp.Expr) -> bool:
    """Whether ``node`` is TO_DATE of three arguments, kept by name at parsing."""
    return isinstance(node, exp.Anonymous) and node.name.lower() == "to_date" \
        and len(node.expressions) == 3


def datetime_formats(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite TO_CHAR, TO_DATE and TO_TIMESTAMP with Redshift's format semantics."""
    for node in list(tree.find_all(exp.TimeToStr, exp.StrToDate, exp.StrToTime, exp.Anonymous)):
        if isinstance(node, exp.Anonymous):
            if _is_to_date(node):
                fmt = node.expressions[1]
                if not isinstance(fmt, exp.Literal) or not fmt.is_string:
                    raise FeatureNotSupported(
                        "feature not supported on Duckshift: TO_DATE with a non-literal format")
                node.replace(_to_date(node.expressions[0].copy(), fmt.this, _strictness(node)))
            continue
        this = node.this.copy()
        if isinstance(node, exp.TimeToStr):
            new = to_char(this, _format_of(node, "TO_CHAR"), ctx)
        elif isinstance(node, exp.StrToDate):
            new = _to_date(this, _format_of(node, "TO_DATE"), strict=False)
        else:
            fmt = strptime_format(_format_of(node, "TO_TIMESTAMP"), "TO_TIMESTAMP")
            parsed = _call("strptime", this, exp.Literal.string(fmt))
            if is_utc(ctx):
                new = exp.cast(parsed, "TIMESTAMPTZ")
            else:  # the time read is a wall clock in the session's zone
                new = call(macros.ZONE_INSTANT, running_zone(ctx), parsed)
        node.replace(new)
    return tree
