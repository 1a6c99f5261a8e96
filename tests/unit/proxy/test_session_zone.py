"""SET timezone values (proxy/session_zone.py) and TIMESTAMPTZ text in a session's zone
(proxy/codecs/datetimes.py, proxy/result_sender.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from catalog.errors import InvalidParameterValue
from engine import time_zones
from proxy import session_zone, settings
from proxy.codecs import oids
from proxy.codecs.datetimes import format_zoned
from proxy.codecs.params import decode_parameter
from proxy.codecs.registry import BINARY, TEXT, default_registry
from proxy.result_sender import in_zone


@pytest.mark.parametrize(("value", "shown", "zone"), [
    ("UTC", "UTC", "UTC"), ("gmt", "UTC", "UTC"), ("local", "UTC", "UTC"),
    ("America/New_York", "America/New_York", "America/New_York"),
    ("america/new_york", "America/New_York", "America/New_York"),
    ("Europe/Berlin", "Europe/Berlin", "Europe/Berlin"), ("GB", "GB", "GB"),
    ("CST6CDT", "CST6CDT", "CST6CDT"), ("Etc/Greenwich", "Etc/Greenwich", "Etc/Greenwich"),
    ("UTC+3", "UTC+3", "Etc/GMT+3"), ("EST5", "EST5", "Etc/GMT+5"),
    ("UTC-8", "UTC-8", "Etc/GMT-8"), ("-8", "-8", "Etc/GMT+8"), ("5", "5", "Etc/GMT-5"),
    ("UTC+0", "UTC+0", "Etc/UTC"),
    # PostgreSQL reads an ISO-8601-looking offset as POSIX: its sign counts west.
    ("+03:00", "+03:00", "Etc/GMT+3"), ("-08:00", "-08:00", "Etc/GMT-8"),
    ("+05:30", "+05:30", "-05:30"), ("-09:30", "-09:30", "+09:30"),
    ("UTC+5:30", "UTC+5:30", "-05:30"), ("IST-5:30", "IST-5:30", "+05:30"),
    ("UTC-05:45", "UTC-05:45", "+05:45"), ("5.5", "5.5", "+05:30"), ("-3.5", "-3.5", "-03:30"),
])
def test_accepted_values(value: str, shown: str, zone: str) -> None:
    assert session_zone.resolve(value) == (shown, zone)
    assert settings.validate("timezone", value) == shown


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "PST8PDT7XYZ", "UTC+15", "", "x",
                                   "+05:30:15", "UTC+5:75"])
def test_unknown_values_are_22023(value: str) -> None:
    with pytest.raises(InvalidParameterValue, match='invalid value for parameter "TimeZone"'):
        session_zone.resolve(value)


@pytest.mark.parametrize(("micros", "zone", "text"), [
    (1710052200000000, "America/New_York", "2024-03-10 01:30:00-05"),
    (1710055800000000, "America/New_York", "2024-03-10 03:30:00-04"),
    (1730615400500000, "America/New_York", "2024-11-03 01:30:00.5-05"),
    (1710052200000000, "Asia/Kolkata", "2024-03-10 12:00:00+05:30"),
    (1710052200000000, "Etc/GMT+3", "2024-03-10 03:30:00-03"),
    (1710052200000000, "-09:30", "2024-03-09 21:00:00-09:30"),
    # zoneinfo follows the zone's rule past 2037, as PostgreSQL does
    (3652041600000000, "America/New_York", "2085-09-22 20:00:00-04"),
    (2**63 - 1, "America/New_York", "infinity"),
])
def test_format_zoned(micros: int, zone: str, text: str) -> None:
    assert format_zoned(micros, time_zones.tzinfo(zone)) == text


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
                                  "Europe/Dublin", "Etc/GMT+3", "+05:45"])
def test_column_and_value_encoders_agree(zone: str) -> None:
    step = 7_777_777_777_777
    values = [*range(-2_000_000_000_000_000, 2_100_000_000_000_000, step), None]
    batch = in_zone(pa.record_batch({"t": pa.array(values, pa.timestamp("us", tz="UTC"))}),
                    zone)
    codec = default_registry().codec(oids.TIMESTAMPTZ, TEXT)
    assert codec.column(batch.column(0)).to_pylist() == codec.values(batch.column(0))


def test_binary_stays_utc() -> None:
    plain = pa.record_batch({"t": pa.array([1710052200000000], pa.timestamp("us", tz="UTC"))})
    zoned = in_zone(plain, "America/New_York")
    codec = default_registry().codec(oids.TIMESTAMPTZ, BINARY)
    assert codec.column(zoned.column(0)) == codec.column(plain.column(0))
    assert in_zone(plain, "UTC") is plain


def test_text_parameters_without_offset_are_read_in_the_zone() -> None:
    zone = ZoneInfo("America/New_York")
    utc = dt.UTC
    assert decode_parameter(oids.TIMESTAMPTZ, 0, b"2024-03-10 03:30:00", zone) == dt.datetime(
        2024, 3, 10, 7, 30, tzinfo=utc)
    # skipped by the change to daylight saving time: the offset before it
    assert decode_parameter(oids.TIMESTAMPTZ, 0, b"2024-03-10 02:30:00", zone) == dt.datetime(
        2024, 3, 10, 7, 30, tzinfo=utc)
    # repeated when it ends: the offset after it
    assert decode_parameter(oids.TIMESTAMPTZ, 0, b"2024-11-03 01:30:00", zone) == dt.datetime(
        2024, 11, 3, 6, 30, tzinfo=utc)
    assert decode_parameter(oids.TIMESTAMPTZ, 0, b"2024-11-03 01:30:00+00", zone) == dt.datetime(
        2024, 11, 3, 1, 30, tzinfo=utc)


def test_parameters_read_in_a_fixed_offset_of_other_than_whole_hours() -> None:
    zone = time_zones.tzinfo("+05:30")
    assert decode_parameter(oids.TIMESTAMPTZ, 0, b"2024-03-10 12:00:00", zone) == dt.datetime(
        2024, 3, 10, 6, 30, tzinfo=dt.UTC)
