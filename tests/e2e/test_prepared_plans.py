"""A session's kept DuckDB plans (engine/prepared_plans.py) answer as a fresh statement would:
after search_path, time zone and catalog changes, and for every value type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import asyncpg
import pytest


async def test_search_path_change_reads_the_new_schema(apg: asyncpg.Connection) -> None:
    await apg.execute("create schema plan_a; create schema plan_b; "
                       "create table plan_a.pt (id int, v varchar(5)); "
                       "create table plan_b.pt (id int, v varchar(5)); "
                       "insert into plan_a.pt values (1, 'a'); "
                       "insert into plan_b.pt values (1, 'b')")
    try:
        await apg.execute("set search_path to plan_a")
        query = await apg.prepare("select v from pt where id = $1")
        assert await query.fetchval(1) == "a"
        assert await query.fetchval(1) == "a"
        await apg.execute("set search_path to plan_b")
        assert await query.fetchval(1) == "b"
        # The first schema stays the same.
        await apg.execute("set search_path to public, plan_a")
        assert await query.fetchval(1) == "a"
        await apg.execute("set search_path to public, plan_b")
        assert await query.fetchval(1) == "b"
    finally:
        # Other tests list the shared server's schemas.
        await apg.execute("set search_path to public; drop schema plan_a cascade; "
                           "drop schema plan_b cascade")


async def test_temporary_table_hides_the_planned_one(apg: asyncpg.Connection) -> None:
    await apg.execute("create table plan_tmp (id int, v varchar(5)); "
                       "insert into plan_tmp values (1, 'perm')")
    query = await apg.prepare("select v from plan_tmp where id = $1")
    assert await query.fetchval(1) == "perm"
    await apg.execute("create temp table plan_tmp (id int, v varchar(5)); "
                       "insert into plan_tmp values (1, 'temp')")
    assert await query.fetchval(1) == "temp"


async def test_time_zone_change_reaches_column_defaults(apg: asyncpg.Connection) -> None:
    await apg.execute("create table plan_tz (id int, at timestamp default getdate())")
    insert = await apg.prepare("insert into plan_tz (id) values ($1)")
    await insert.fetch(1)
    await insert.fetch(2)
    await apg.execute("set timezone to 'Asia/Tokyo'")
    await insert.fetch(3)
    await apg.execute("set timezone to 'UTC'")
    rows = await apg.fetch("select id, at from plan_tz order by id")
    utc, again, tokyo = (r["at"] for r in rows)
    assert abs(again - utc) < dt.timedelta(minutes=5)
    assert dt.timedelta(hours=8, minutes=55) < tokyo - utc < dt.timedelta(hours=9, minutes=5)


async def test_added_column_and_dropped_table(apg: asyncpg.Connection) -> None:
    await apg.execute("create table plan_ddl (id int); insert into plan_ddl values (1)")
    query = await apg.prepare("select * from plan_ddl where id = $1")
    assert [tuple(r) for r in await query.fetch(1)] == [(1,)]
    await apg.execute("drop table plan_ddl")
    with pytest.raises(asyncpg.UndefinedTableError):
        await query.fetch(1)
    await apg.execute("create table plan_ddl (id int, w varchar(3) default 'x'); "
                       "insert into plan_ddl (id) values (1)")
    # asyncpg prepares again when the columns change; the server's plan follows the table.
    assert [tuple(r) for r in await apg.fetch("select * from plan_ddl where id = $1", 1)] == [
        (1, "x")]


async def test_values_of_each_type_through_a_plan(apg: asyncpg.Connection) -> None:
    await apg.execute(
        "create table plan_types (i int, b bigint, n numeric(20,4), f float8, r real, "
        "s varchar(20), d date, ts timestamp, tz timestamptz, ok boolean)")
    insert = await apg.prepare(
        "insert into plan_types values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
    row = (-7, 2**62, Decimal("-1234.5678"), 0.1, 1.5, "it's ✓", dt.date(2024, 2, 29),
           dt.datetime(2024, 1, 2, 3, 4, 5, 6), dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
           True)
    for _ in range(3):
        await insert.fetch(*row)
    await insert.fetch(*([None] * 10))
    rows = await apg.fetch("select * from plan_types")
    assert [tuple(r) for r in rows] == [row] * 3 + [(None,) * 10]
    query = await apg.prepare("select count(*) from plan_types where s = $1 and n < $2")
    assert await query.fetchval("it's ✓", Decimal("0")) == 3
    assert await query.fetchval("it''s ✓", Decimal("0")) == 0


async def test_identity_check_runs_at_every_execution(apg: asyncpg.Connection) -> None:
    # The check that refuses a value for an IDENTITY column runs before the planned INSERT.
    await apg.execute("create table plan_ident (id bigint identity(1, 1), v varchar(5))")
    explicit = await apg.prepare("insert into plan_ident (id, v) values ($1, $2)")
    for _ in range(2):
        with pytest.raises(asyncpg.FeatureNotSupportedError,
                           match="cannot set an identity column to a value"):
            await explicit.fetch(5, "x")
    implicit = await apg.prepare("insert into plan_ident (v) values ($1)")
    for v in ("a", "b", "c"):
        await implicit.fetch(v)
    rows = await apg.fetch("select id, v from plan_ident order by id")
    assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
