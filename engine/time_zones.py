"""Time zone abbreviations and offsets, which DuckDB prints only in its own (UTC) zone.

PostgreSQL's and Redshift's TO_CHAR pattern ``TZ`` prints the abbreviation the session's time
zone uses at an instant (``PDT`` in summer and ``PST`` in winter for America/Los_Angeles, ``IST``
for Asia/Kolkata, ``-03`` for Etc/GMT+3), from the IANA database; DuckDB's ``strftime`` has only
the zone's name. The function reads the same database through ``zoneinfo``. It is the
engine's own (its name carries the internal prefix, which user SQL cannot name).
``TZ_OFFSET(epoch_ms, zone)`` is the zone's offset at an instant (TO_CHAR's ``OF``) for
sessions whose time zone is not the engine's.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from datetime import tzinfo as datetime_tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from engine.storage import INTERNAL_PREFIX

TZ_ABBREVIATION = f"{INTERNAL_PREFIX}tz_abbreviation"
TZ_OFFSET = f"{INTERNAL_PREFIX}tz_offset"


# A fixed offset of other than whole hours, as proxy/session_zone.py names one: '+05:30' (east).
_FIXED = re.compile(r"[+-]\d{2}:\d{2}")


@functools.cache
def tzinfo(zone: str) -> datetime_tzinfo:
    """The ``tzinfo`` of a session's zone: an IANA zone, or a fixed offset ('+05:30').

    >>> tzinfo("-09:30")
    datetime.timezone(datetime.timedelta(days=-1, seconds=50400), '-09:30')
    """
    if _FIXED.fullmatch(zone):
        minutes = int(zone[1:3]) * 60 + int(zone[4:6])
        return timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes), zone)
    return ZoneInfo(zone)


def abbreviation(epoch_ms: int, zone: str) -> str:
    """The abbreviation ``zone`` uses at ``epoch_ms`` (milliseconds since 1970 UTC).

    >>> abbreviation(1498910400000, "America/Los_Angeles")
    'PDT'
    >>> abbreviation(1514678400000, "America/Los_Angeles")
    'PST'

    A zone the IANA database does not name is printed as given.
    """
    try:
        info = tzinfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return zone
    return datetime.fromtimestamp(epoch_ms / 1000, info).tzname() or zone


def offset(epoch_ms: int, zone: str) -> str:
    """The offset from UTC ``zone`` has at ``epoch_ms``, as PostgreSQL's TO_CHAR ``OF`` prints it.

    >>> offset(1498910400000, "America/Los_Angeles")
    '-07'
    >>> offset(1498910400000, "Asia/Kolkata")
    '+05:30'
    """
    delta = datetime.fromtimestamp(epoch_ms / 1000, tzinfo(zone)).utcoffset()
    seconds = int(delta.total_seconds()) if delta is not None else 0
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if minutes else f"{sign}{hours:02d}"


@functools.cache
def engine_zone_names() -> frozenset[str]:
    """The time zone names DuckDB's ICU knows (a session may only take one of these)."""
    with duckdb.connect(":memory:") as con:
        rows = con.execute("SELECT name FROM pg_timezone_names()").fetchall()
    return frozenset(r[0] for r in rows)


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Register the function on the instance (every cursor of it sees it)."""
    con.create_function(TZ_ABBREVIATION, abbreviation, ["BIGINT", "VARCHAR"], "VARCHAR")
    con.create_function(TZ_OFFSET, offset, ["BIGINT", "VARCHAR"], "VARCHAR")
