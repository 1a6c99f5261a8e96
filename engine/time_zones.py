"""Time zone abbreviations, which DuckDB cannot print: ``TZ_ABBREVIATION(epoch_ms, zone)``.

PostgreSQL's and Redshift's TO_CHAR pattern ``TZ`` prints the abbreviation the session's time
zone uses at an instant (``PDT`` in summer and ``PST`` in winter for America/Los_Angeles, ``IST``
for Asia/Kolkata, ``-03`` for Etc/GMT+3), from the IANA database; DuckDB's ``strftime`` has only
the zone's name. The function reads the same database through ``zoneinfo``. It is the
engine's own (its name carries the internal prefix, which user SQL cannot name).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from engine.storage import INTERNAL_PREFIX

TZ_ABBREVIATION = f"{INTERNAL_PREFIX}tz_abbreviation"


def abbreviation(epoch_ms: int, zone: str) -> str:
    """The abbreviation ``zone`` uses at ``epoch_ms`` (milliseconds since 1970 UTC).

    >>> abbreviation(1498910400000, "America/Los_Angeles")
    'PDT'
    >>> abbreviation(1514678400000, "America/Los_Angeles")
    'PST'

    A zone the IANA database does not name is printed as given.
    """
    try:
        info = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return zone
    return datetime.fromtimestamp(epoch_ms / 1000, info).tzname() or zone


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Register the function on the instance (every cursor of it sees it)."""
    con.create_function(TZ_ABBREVIATION, abbreviation, ["BIGINT", "VARCHAR"], "VARCHAR")
