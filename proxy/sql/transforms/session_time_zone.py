"""Operations whose answer depends on the session's time zone, when it is not UTC.

The engine runs in UTC and its configuration is locked (engine/instance.py), so a session's
zone cannot be DuckDB's; instead every operation that reads a zone names the session's
explicitly, through the engine's macros (engine/macros.py), which pick by the argument's type
so that only a TIMESTAMPTZ is converted:

* a cast to TIMESTAMPTZ (and a TIMESTAMPTZ literal) reads a TIMESTAMP, a DATE or a string
  without a written zone as a time in the session's zone (``ZONED``);
* a cast of a TIMESTAMPTZ to TIMESTAMP or DATE, EXTRACT/DATE_PART/DATEPART (but EPOCH, which
  is absolute), DATEADD, DATEDIFF, CONVERT_TIMEZONE's timestamp and TRUNC see its wall clock in the
  session's zone (``LOCAL``); DATE_TRUNC truncates that wall clock and returns the instant it
  names (``UNLOCAL``);
* SYSDATE and CURRENT_DATE are the session's wall clock (GETDATE: transforms/getdate.py;
  TO_CHAR: transforms/datetime_formats.py).

What cannot be answered faithfully here is refused with 0A000: EXTRACT of TIMEZONE,
TIMEZONE_HOUR or TIMEZONE_MINUTE (the engine would give UTC's).
"""

from __future__ import annotations

import re

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call

_T = exp.DataType.Type
_LOCAL_TARGETS = {_T.TIMESTAMP, _T.DATE, _T.DATETIME}
# A string literal with a zone written after its time of day (as engine/macros.py reads one).
_WRITTEN_ZONE = re.compile(
    r".*\d:\d{2}(:\d{2}(\.\d*)?)?\s*(z|[+-]\d{1,2}(:?\d{2}){0,2}|[a-z][a-z0-9_/+-]*)\s*",
    re.IGNORECASE)


def is_utc(ctx: Context) -> bool:
    """Whether the session's zone is the engine's (nothing to convert)."""
    return ctx.time_zone in ("UTC", "Etc/UTC")


def local(value: exp.Expr, ctx: Context) -> exp.Expr:
    """``value``, if a TIMESTAMPTZ, shifted so that its UTC fields are the session's."""
    if is_utc(ctx):
        return value
    return call(macros.LOCAL, value, exp.Literal.string(ctx.time_zone))


def _unlocal(value: exp.Expr, ctx: Context) -> exp.Expr:
    return call(macros.UNLOCAL, value, exp.Literal.string(ctx.time_zone))


def _zoned(cast: exp.Cast, ctx: Context) -> exp.Expr | None:
    value = cast.this
    zone = exp.Literal.string(ctx.time_zone)
    if isinstance(value, exp.Null):
        return None
    if isinstance(value, exp.Literal) and value.is_string:
        if _WRITTEN_ZONE.fullmatch(value.this.strip()):
            return None
        return exp.Anonymous(this="timezone", expressions=[zone, exp.cast(value, "TIMESTAMP")])
    return call(macros.ZONED, value, zone)


def _wrap(node: exp.Expr, key: str, ctx: Context) -> None:
    arg = node.args.get(key)
    if isinstance(arg, exp.Expr) and not isinstance(arg, exp.Literal | exp.Null):
        node.set(key, local(arg, ctx))


def _part_name(part: exp.Expr | None) -> str:
    return part.name.lower() if isinstance(part, exp.Expr) else ""


def _extract(node: exp.Extract, ctx: Context) -> None:
    part = _part_name(node.this)
    if part.startswith("timezone") or part.startswith("tz"):
        raise FeatureNotSupported(
            f"feature not supported on Duckshift: EXTRACT({part.upper()}) in a session time "
            "zone other than UTC")
    if part not in ("epoch", "epoch_ms", "epoch_us", "epoch_ns"):
        _wrap(node, "expression", ctx)


def _now(target: str, ctx: Context) -> exp.Expr:
    return exp.cast(local(exp.CurrentTimestamp(), ctx), target)


def session_time_zone(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Name the session's time zone wherever the engine's (UTC) would be read."""
    if is_utc(ctx):
        return tree
    for node in list(tree.find_all(
            exp.Cast, exp.Extract, exp.TimestampTrunc, exp.DateTrunc, exp.TsOrDsAdd,
            exp.TsOrDsDiff, exp.ConvertTimezone, exp.CurrentDate, exp.CurrentTimestamp,
            exp.Anonymous)):
        if isinstance(node, exp.Cast):
            if node.to.this == _T.TIMESTAMPTZ:
                new = _zoned(node, ctx)
                if new is not None:
                    node.replace(new)
            elif node.to.this in _LOCAL_TARGETS:
                _wrap(node, "this", ctx)
        elif isinstance(node, exp.Extract):
            _extract(node, ctx)
        elif isinstance(node, exp.TimestampTrunc | exp.DateTrunc):
            _wrap(node, "this", ctx)
            holder = exp.Null()
            node.replace(holder)
            holder.replace(_unlocal(node, ctx))
        elif isinstance(node, exp.TsOrDsAdd | exp.TsOrDsDiff):
            _wrap(node, "this", ctx)
            _wrap(node, "expression", ctx)
        elif isinstance(node, exp.ConvertTimezone):
            _wrap(node, "timestamp", ctx)
        elif isinstance(node, exp.CurrentDate):
            node.replace(_now("DATE", ctx))
        elif isinstance(node, exp.CurrentTimestamp) and node.args.get("sysdate"):
            node.replace(_now("TIMESTAMP", ctx))
        elif isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name in ("datepart", "date_part") and len(node.expressions) == 2:
                if _part_name(node.expressions[0]) not in ("epoch", "epoch_ms"):
                    node.set("expressions", [node.expressions[0], local(node.expressions[1], ctx)])
            elif name == macros.TRUNC and len(node.expressions) == 1:
                node.set("expressions", [local(node.expressions[0], ctx)])
    return tree
