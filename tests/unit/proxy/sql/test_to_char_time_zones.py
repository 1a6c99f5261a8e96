"""TO_CHAR's TZ, tz and OF patterns in any session time zone (sessions over the wire take only
UTC so far; DuckDB itself takes any zone)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from engine import time_zones
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    time_zones.install(con)
    yield con
    con.close()


def to_char(con: duckdb.DuckDBPyConnection, value: str, fmt: str) -> object:
    stmt = StatementCache().get(f"select to_char({value}, '{fmt}')", CTX)[0]
    assert stmt.duck_sql is not None
    row = con.execute(stmt.duck_sql).fetchone()
    assert row is not None
    return row[0]


@pytest.mark.parametrize(("zone", "summer", "winter"), [
    ("UTC", "05:00 UTC +00", "05:00 UTC +00"),
    ("America/Los_Angeles", "22:00 PDT -07", "21:00 PST -08"),
    ("Asia/Kolkata", "10:30 IST +05:30", "10:30 IST +05:30"),
    ("Europe/Berlin", "07:00 CEST +02", "06:00 CET +01"),
])
def test_tz_and_of_in_the_session_time_zone(
    con: duckdb.DuckDBPyConnection, zone: str, summer: str, winter: str
) -> None:
    con.execute(f"SET TimeZone = '{zone}'")
    assert to_char(con, "timestamptz '2017-07-01 05:00:00+00'", "HH24:MI TZ OF") == summer
    assert to_char(con, "timestamptz '2017-12-31 05:00:00+00'", "HH24:MI TZ OF") == winter


def test_lower_case_tz(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET TimeZone = 'America/New_York'")
    assert to_char(con, "timestamptz '2017-07-01 05:00:00+00'", "tz") == "edt"


def test_a_timestamp_has_no_zone(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET TimeZone = 'America/Los_Angeles'")
    assert to_char(con, "timestamp '2017-07-01 05:00:00'", "HH24 [TZ] OF") == "05 [] +00"


def test_abbreviation_of_an_unknown_zone_is_the_zone() -> None:
    assert time_zones.abbreviation(0, "Nowhere/Else") == "Nowhere/Else"
    assert time_zones.abbreviation(0, "Etc/GMT+3") == "-03"
