"""A session time zone other than UTC over the wire: ParameterStatus, and what drivers decode.

Text results show a TIMESTAMPTZ's wall clock and offset in the session's zone (psycopg reads
the offset); binary results stay UTC microseconds (asyncpg), so both decode the same instant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from tests.e2e.server import RunningServer
from tests.e2e.test_asyncpg import connect

INSTANT = dt.datetime(2024, 3, 10, 7, 30, tzinfo=dt.UTC)


def test_parameter_status_on_set_and_reset(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        assert conn.info.parameter_status("TimeZone") == "UTC"
        conn.execute("set timezone to 'america/new_york'")
        assert conn.info.parameter_status("TimeZone") == "America/New_York"
        assert conn.execute("show timezone").fetchone() == ("America/New_York",)
        conn.execute("set time zone 'UTC+3'")
        assert conn.info.parameter_status("TimeZone") == "UTC+3"
        conn.execute("reset timezone")
        assert conn.info.parameter_status("TimeZone") == "UTC"


def test_psycopg_text_and_binary_decode_the_same_instant(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("set timezone = 'America/New_York'")
        sql = "select timestamptz '2024-03-10 07:30:00+00', '2024-03-10 03:30:00'::timestamptz"
        text = conn.execute(sql).fetchone()
        binary = conn.cursor(binary=True).execute(sql).fetchone()
        assert text is not None and binary is not None
        assert text[0] == binary[0] == INSTANT
        assert text[0].utcoffset() == dt.timedelta(hours=-4)
        assert text[1] == INSTANT


async def test_asyncpg_binary_is_utc(server: RunningServer) -> None:
    conn: Any = await connect(server)
    try:
        await conn.execute("set timezone = 'Europe/Berlin'")
        got = await conn.fetchval("select timestamptz '2024-03-10 08:30:00'")
        assert got == INSTANT
        local = await conn.fetchval("select cast(timestamptz '2024-03-10 08:30:00' as timestamp)")
        assert local == dt.datetime(2024, 3, 10, 8, 30)
        assert got.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None) == local
    finally:
        await conn.close()


def test_timestamptz_parameters_without_offset_are_session_time(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("set timezone = 'America/New_York'")
        # psycopg sends a naive datetime as timestamp; a string typed as timestamptz is text
        row = conn.execute("select %s::timestamptz, %s::timestamptz",
                           ("2024-03-10 03:30:00", "2024-11-03 01:30:00")).fetchone()
        assert row is not None
        assert row[0] == INSTANT
        # the repeated hour is read as standard time (psycopg gives fold=1, which compares
        # unequal across zones, so compare in UTC)
        assert row[1].astimezone(dt.UTC) == dt.datetime(2024, 11, 3, 6, 30, tzinfo=dt.UTC)


async def test_asyncpg_text_parameters(server: RunningServer) -> None:
    conn: Any = await connect(server)
    try:
        await conn.execute("set timezone = 'America/New_York'")
        got = await conn.fetchval("select $1::timestamptz", INSTANT)
        assert got == INSTANT
        naive = await conn.fetchval("select $1::timestamp::timestamptz",
                                    dt.datetime(2024, 3, 10, 3, 30))
        assert naive == INSTANT
    finally:
        await conn.close()


def test_copy_reads_and_writes_in_the_session_zone(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("create table stz_copy (id int, at timestamptz)")
        try:
            conn.execute("set timezone = 'America/New_York'")
            with conn.cursor().copy("copy stz_copy from stdin") as copy:
                copy.write("1\t2024-03-10 03:30:00\n2\t2024-03-10 07:30:00+00\n")
            out = bytearray()
            with conn.cursor().copy("copy stz_copy to stdout") as copy:
                for data in copy:
                    out += data
            assert out.decode().splitlines() == [
                "1\t2024-03-10 03:30:00-04", "2\t2024-03-10 03:30:00-04"]
            conn.execute("reset timezone")
            row = conn.execute("select count(distinct at) from stz_copy").fetchone()
            assert row == (1,)
        finally:
            conn.execute("drop table stz_copy")


def test_time_zone_from_the_startup_message(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True,
                         options="-c timezone=Europe/Berlin") as conn:
        assert conn.info.parameter_status("TimeZone") == "Europe/Berlin"
        row = conn.execute("select cast(timestamptz '2024-03-10 08:30:00' as varchar)").fetchone()
        assert row == ("2024-03-10 08:30:00+01",)


def test_a_fixed_offset_of_other_than_whole_hours(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute("set timezone = '5.5'")  # east, as a bare number; '+05:30' would be west
        assert conn.info.parameter_status("TimeZone") == "5.5"
        sql = ("select timestamptz '2024-03-10 13:00:00', "
               "cast(timestamptz '2024-03-10 13:00:00' as varchar)")
        text = conn.execute(sql).fetchone()
        binary = conn.cursor(binary=True).execute(sql).fetchone()
        assert text is not None and binary is not None
        assert text[0] == binary[0] == INSTANT
        assert text[1] == "2024-03-10 13:00:00+05:30"
        param = conn.execute("select %s::timestamptz", ("2024-03-10 13:00:00",)).fetchone()
        assert param == (INSTANT,)


def test_a_view_follows_each_reading_session_zone(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as new_york, \
            psycopg.connect(server.dsn, autocommit=True) as kolkata:
        new_york.execute("create table stz_view_rows (at timestamptz, local_at timestamp)")
        try:
            new_york.execute("insert into stz_view_rows values "
                             "('2024-03-10 07:30:00+00', '2024-03-10 03:30:00')")
            new_york.execute("create view stz_view_hours as select extract(hour from at) as h, "
                             "at = local_at as same from stz_view_rows")
            new_york.execute("set timezone = 'America/New_York'")
            kolkata.execute("set timezone = 'Asia/Kolkata'")
            # Interleaved, so that neither reads the other's zone.
            assert new_york.execute("select * from stz_view_hours").fetchall() == [(3, True)]
            assert kolkata.execute("select * from stz_view_hours").fetchall() == [(13, False)]
            assert new_york.execute("select * from stz_view_hours").fetchall() == [(3, True)]
        finally:
            new_york.execute("drop view stz_view_hours")
            new_york.execute("drop table stz_view_rows")
