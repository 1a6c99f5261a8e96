"""The session time zone: which values ``SET timezone`` takes and the zone each one means.

Redshift takes a time zone name from the IANA database (``America/New_York``, ``CST6CDT``,
``GB``; case does not matter and the canonical spelling is kept), a POSIX-style
``STDoffset`` whose offset counts hours *west* of UTC (``UTC+3`` is three hours behind UTC, as
in PostgreSQL), and a bare number of hours, which counts *east* (``-8`` is eight hours behind).
Every value is resolved here to one IANA zone that DuckDB (ICU), pyarrow and ``zoneinfo`` all
read alike: a fixed offset becomes ``Etc/GMT+h``, whose POSIX sign is west as well.

Offsets that are not whole hours and ISO-8601 strings (``+03:00``, read as POSIX by
PostgreSQL, so that the sign means the opposite of what it looks like) are refused with 0A000
rather than guessed; a value that is none of these is PostgreSQL's 22023.
"""

from __future__ import annotations

import functools
import re
import zoneinfo

from catalog.errors import FeatureNotSupported, InvalidParameterValue
from engine.time_zones import engine_zone_names

UTC = "UTC"
# LOCAL (SET TIME ZONE LOCAL) is the default, as in PostgreSQL.
_UTC_NAMES = frozenset({"utc", "gmt", "etc/utc", "z", "zulu", "uct", "+00", "0", "00:00", "local"})
_POSIX = re.compile(r"(?P<std>[A-Za-z]{3,})(?P<sign>[+-]?)(?P<h>\d{1,2})(?P<m>:\d{2})?")
_HOURS = re.compile(r"(?P<sign>[+-]?)(?P<h>\d{1,2})(?P<fraction>\.\d+)?")
_ISO = re.compile(r"[+-]\d{1,2}:\d{2}")


@functools.cache
def _names() -> dict[str, str]:
    """Lower-case IANA name -> canonical name, for the names every layer knows."""
    known = zoneinfo.available_timezones() & engine_zone_names()
    return {name.lower(): name for name in known}


def _fixed(hours_west: int, value: str) -> str:
    if hours_west == 0:
        return "Etc/UTC"
    if abs(hours_west) > 14:
        raise InvalidParameterValue(f'invalid value for parameter "TimeZone": "{value}"')
    return f"Etc/GMT{hours_west:+d}"


def _not_whole(value: str) -> FeatureNotSupported:
    return FeatureNotSupported(
        f'feature not supported on Duckshift: time zone "{value}" (an offset of other than '
        "whole hours)")


@functools.cache
def resolve(value: str) -> tuple[str, str]:
    """(the value as SHOW prints it, the IANA zone it means) for ``SET timezone = value``.

    >>> resolve("america/new_york")
    ('America/New_York', 'America/New_York')
    >>> resolve("UTC+3")
    ('UTC+3', 'Etc/GMT+3')
    >>> resolve("-8")
    ('-8', 'Etc/GMT+8')
    """
    text = value.strip()
    if text.lower() in _UTC_NAMES:
        return UTC, UTC
    name = _names().get(text.lower())
    if name is not None:
        return name, name
    if _ISO.fullmatch(text):
        raise FeatureNotSupported(
            f'feature not supported on Duckshift: time zone "{value}" (an ISO-8601 offset; '
            "write a zone name or a POSIX offset such as UTC+3)")
    posix = _POSIX.fullmatch(text)
    if posix is not None:
        if posix["m"] and posix["m"] != ":00":
            raise _not_whole(value)
        west = int(posix["h"]) * (-1 if posix["sign"] == "-" else 1)
        return text, _fixed(west, value)
    hours = _HOURS.fullmatch(text)
    if hours is not None:
        if hours["fraction"] and float(hours["fraction"]) != 0:
            raise _not_whole(value)
        east = int(hours["h"]) * (-1 if hours["sign"] == "-" else 1)
        return text, _fixed(-east, value)
    raise InvalidParameterValue(f'invalid value for parameter "TimeZone": "{value}"')


def engine_zone(shown: str) -> str:
    """The IANA zone of a session's (already validated) TimeZone value."""
    return resolve(shown)[1]
