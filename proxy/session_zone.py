"""The session time zone: which values ``SET timezone`` takes and the zone each one means.

Redshift takes a time zone name from the IANA database (``America/New_York``, ``CST6CDT``,
``GB``; case does not matter and the canonical spelling is kept), a POSIX-style
``STDoffset`` whose offset counts hours *west* of UTC (``UTC+3`` is three hours behind UTC, as
in PostgreSQL), and a bare number of hours, which counts *east* (``-8`` is eight hours behind).
An ISO-8601-looking offset (``+05:30``, ``-3:00``) is read as PostgreSQL 15 reads it, as
a POSIX offset: its sign counts west too (``+05:30`` is five and a half hours behind UTC).
Every value is resolved here to one zone that DuckDB (ICU), pyarrow and ``zoneinfo`` all read
alike: a whole-hour offset becomes ``Etc/GMT+h``, whose POSIX sign is west as well; one of
other than whole hours, which no zone name means, becomes ``+05:30`` (east, as ISO-8601 and
pyarrow write it), which the engine's ``ZONE_INSTANT`` and ``ZONE_WALL_CLOCK`` macros and
``engine.time_zones.tzinfo`` read.
A value that is none of these is PostgreSQL's 22023.
"""

from __future__ import annotations

import functools
import re
import zoneinfo

from catalog.errors import InvalidParameterValue
from engine.time_zones import engine_zone_names

UTC = "UTC"
# LOCAL (SET TIME ZONE LOCAL) is the default, as in PostgreSQL.
_UTC_NAMES = frozenset({"utc", "gmt", "etc/utc", "z", "zulu", "uct", "+00", "0", "00:00", "local"})
# A POSIX offset, with its zone abbreviation or without (``+05:30``, which is no ISO-8601 offset
# to PostgreSQL).
_POSIX = re.compile(r"(?P<std>[A-Za-z]{3,})?(?P<sign>[+-]?)(?P<h>\d{1,2})(?::(?P<m>\d{2}))?")
_HOURS = re.compile(r"(?P<sign>[+-]?)(?P<h>\d{1,2})(?P<fraction>\.\d+)?")


@functools.cache
def _names() -> dict[str, str]:
    """Lower-case IANA name -> canonical name, for the names every layer knows."""
    known = zoneinfo.available_timezones() & engine_zone_names()
    return {name.lower(): name for name in known}


def _fixed(minutes_west: int, value: str) -> str:
    """The zone of a fixed offset: ``Etc/GMT+h`` for whole hours, ``+hh:mm`` (east) else."""
    if minutes_west == 0:
        return "Etc/UTC"
    if abs(minutes_west) > 14 * 60:
        raise InvalidParameterValue(f'invalid value for parameter "TimeZone": "{value}"')
    hours, minutes = divmod(abs(minutes_west), 60)
    if minutes == 0:
        return f"Etc/GMT{minutes_west // 60:+d}"
    return f"{'-' if minutes_west > 0 else '+'}{hours:02d}:{minutes:02d}"


@functools.cache
def resolve(value: str) -> tuple[str, str]:
    """(the value as SHOW prints it, the IANA zone it means) for ``SET timezone = value``.

    >>> resolve("america/new_york")
    ('America/New_York', 'America/New_York')
    >>> resolve("UTC+3")
    ('UTC+3', 'Etc/GMT+3')
    >>> resolve("-8")
    ('-8', 'Etc/GMT+8')
    >>> resolve("+05:30"), resolve("5.5")
    (('+05:30', '-05:30'), ('5.5', '+05:30'))
    """
    text = value.strip()
    if text.lower() in _UTC_NAMES:
        return UTC, UTC
    name = _names().get(text.lower())
    if name is not None:
        return name, name
    hours = _HOURS.fullmatch(text)
    if hours is not None:
        minutes = int(hours["h"]) * 60 + float(hours["fraction"] or 0) * 60
        if minutes.is_integer():
            east = int(minutes) * (-1 if hours["sign"] == "-" else 1)
            return text, _fixed(-east, value)
    posix = _POSIX.fullmatch(text)
    if posix is not None and (posix["std"] or posix["sign"]) and int(posix["m"] or 0) < 60:
        west = (int(posix["h"]) * 60 + int(posix["m"] or 0)) * (
            -1 if posix["sign"] == "-" else 1)
        return text, _fixed(west, value)
    raise InvalidParameterValue(f'invalid value for parameter "TimeZone": "{value}"')


def engine_zone(shown: str) -> str:
    """The IANA zone of a session's (already validated) TimeZone value."""
    return resolve(shown)[1]
