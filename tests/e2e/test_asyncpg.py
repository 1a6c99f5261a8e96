"""asyncpg (binary extended protocol): types, prepared statements, cursors, COPY, concurrency."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from tests.e2e.server import RunningServer

UTC = dt.UTC


async def connect(server: RunningServer, **kw: Any) -> asyncpg.Connection:
    return await asyncpg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        database=server.database,
        ssl=kw.pop("ssl", False),
        timeout=15,
        **kw,
    )


@pytest.fixture
def conn(apg: asyncpg.Connection) -> asyncpg.Connection:
    return apg



# (type the parameter is cast to, value sent in binary, value expected back)
PARAMS: list[Any] = [
    ("bool", True),
    ("bool", False),
    ("int2", -32768),
    ("int4", 2147483647),
    ("int8", -(2**63)),
    ("float4", 1.5),
    ("float4", math.inf),
    ("float8", -math.inf),
    ("float8", 1e308),
    ("numeric(10,2)", Decimal("-12345678.90")),
    ("numeric(38,9)", Decimal("1234567890123456789.123456789")),
    ("numeric(38,9)", Decimal("12345678901234567890.123456789")),
    ("numeric(18,9)", Decimal("0.000000001")),
    ("text", "héllo wörld ✓"),
    ("text", ""),
    ("varchar", "v"),
    ("date", dt.date(2024, 2, 29)),
    ("date", dt.date(1, 1, 1)),
    ("date", dt.date(9999, 12, 31)),
    ("time", dt.time(23, 59, 59, 999999)),
    ("timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 6)),
    ("timestamp", dt.datetime(1970, 1, 1)),
    ("timestamp", dt.datetime(1899, 12, 31, 23, 59, 59)),
    ("interval", dt.timedelta(days=-3, microseconds=5)),
    ("interval", dt.timedelta(hours=49, seconds=1)),
    ("uuid", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
    ("json", '{"a": [1, 2], "b": null}'),
    ("int4", None),
    ("text", None),
    ("timestamptz", None),
]


@pytest.mark.parametrize(("typ", "value"), PARAMS)
async def test_binary_param_round_trip(conn: asyncpg.Connection, typ: str, value: Any) -> None:
    got = await conn.fetchval(f"select $1::{typ}", value)
    assert got == value
    if isinstance(value, uuid.UUID):
        assert isinstance(got, uuid.UUID)
    elif value is not None:
        assert type(got) is type(value)


async def test_connection_still_usable_after_numeric(conn: asyncpg.Connection) -> None:
    got = await conn.fetchval("select $1::numeric(38,9)", Decimal("1234567890123456789.123456789"))
    assert got == Decimal("1234567890123456789.123456789")
    assert await conn.fetchval("select 1") == 1


async def test_inferred_float_parameter_arithmetic_overflows(conn: asyncpg.Connection) -> None:
    # asyncpg binds $1 as the DOUBLE PRECISION the server inferred from its comparison: its
    # arithmetic is then checked as a floating point column's is.
    with pytest.raises(asyncpg.NumericValueOutOfRangeError, match="value out of range: overflow"):
        await conn.fetchrow("select $1 > 0.5::float8, $1 * 10", 1e308)
    assert tuple(await conn.fetchrow("select $1 > 0.5::float8, $1 * 10", 2.5)) == (True, 25.0)


async def test_float_nan(conn: asyncpg.Connection) -> None:
    for typ in ("float4", "float8"):
        assert math.isnan(await conn.fetchval(f"select $1::{typ}", math.nan))
        assert math.isnan(await conn.fetchval(f"select 'NaN'::{typ}"))
    row = await conn.fetchrow("select 'Infinity'::float8, '-Infinity'::float4")
    assert row is not None
    assert tuple(row) == (math.inf, -math.inf)


@pytest.mark.parametrize("offset", [dt.timedelta(hours=-7, minutes=-30), dt.timedelta(hours=9)])
async def test_timestamptz_non_utc_input(conn: asyncpg.Connection, offset: dt.timedelta) -> None:
    value = dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone(offset))
    got = await conn.fetchval("select $1::timestamptz", value)
    assert got == value
    assert got.utcoffset() == dt.timedelta(0)
    lit = await conn.fetchval("select '2024-01-02 03:04:05-07:30'::timestamptz")
    assert lit == dt.datetime(2024, 1, 2, 10, 34, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "utc"),
    [
        (dt.timedelta(hours=-5), dt.time(15, 30, 15, 123456)),
        (dt.timedelta(hours=-12), dt.time(22, 30, 15, 123456)),
        (dt.timedelta(hours=5, minutes=30), dt.time(5, 0, 15, 123456)),
        (dt.timedelta(hours=14), dt.time(20, 30, 15, 123456)),
    ],
)
async def test_timetz_parameter_east_and_west(
    conn: asyncpg.Connection, offset: dt.timedelta, utc: dt.time
) -> None:
    # asyncpg sends datetime.time with a zone in binary; Redshift reads a TIMETZ as UTC.
    value = dt.time(10, 30, 15, 123456, tzinfo=dt.timezone(offset))
    assert await conn.fetchval("select $1::timetz", value) == utc.replace(tzinfo=UTC)
    table = f"tz_param_{int(offset.total_seconds()) + 86400}"
    await conn.execute(f"create temp table {table} (t timetz)")
    await conn.execute(f"insert into {table} values ($1)", value)
    assert await conn.fetchval(f"select t::varchar from {table}") == f"{utc.isoformat()}+00"


async def test_infinity_dates(conn: asyncpg.Connection) -> None:
    # asyncpg maps PostgreSQL's binary +/-infinity to datetime.max / datetime.min
    row = await conn.fetchrow(
        "select 'infinity'::timestamp, '-infinity'::timestamp, 'infinity'::date,"
        " '-infinity'::date, 'infinity'::timestamptz"
    )
    assert row is not None
    assert row[0] == dt.datetime.max
    assert row[1] == dt.datetime.min
    assert row[2] == dt.date.max
    assert row[3] == dt.date.min
    assert row[4].replace(tzinfo=None) == dt.datetime.max
    text = await conn.fetchval("select ('infinity'::timestamp)::varchar")
    assert text == "infinity"


async def test_literal_types(conn: asyncpg.Connection) -> None:
    row = await conn.fetchrow(
        "select true, 1::int2, 2::int4, 3::int8, 1.5::float4, 2.25::float8,"
        " 12345678901234567890.123456789::numeric(38,9), 'abc'::text, 'x'::varchar(5),"
        " '2024-02-29'::date, '12:34:56.789'::time, '2024-01-02 03:04:05.123456'::timestamp,"
        " '1 day 02:03:04'::interval, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid,"
        " '{\"k\": 1}'::json, null::int4"
    )
    assert row is not None
    assert tuple(row) == (
        True,
        1,
        2,
        3,
        1.5,
        2.25,
        Decimal("12345678901234567890.123456789"),
        "abc",
        "x",
        dt.date(2024, 2, 29),
        dt.time(12, 34, 56, 789000),
        dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
        dt.timedelta(days=1, hours=2, minutes=3, seconds=4),
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        '{"k": 1}',
        None,
    )


async def test_char_column_is_bpchar(conn: asyncpg.Connection) -> None:
    # A CHAR(n) column comes back padded, typed bpchar (binary), and compares with a
    # parameter without trailing blanks.
    await conn.execute("create table asyncpg_char_cols (id int, code char(5), name varchar(5))")
    await conn.execute("insert into asyncpg_char_cols values (1, 'ab  ', 'ab  '), (2, null, '')")
    statement = await conn.prepare(
        "select code, name from asyncpg_char_cols where code = $1 or code is null order by id")
    assert [(a.name, a.type.oid, a.type.name) for a in statement.get_attributes()] == [
        ("code", 1042, "bpchar"), ("name", 1043, "varchar")]
    rows = await statement.fetch("ab")
    assert [tuple(r) for r in rows] == [("ab   ", "ab  "), (None, "")]
    grouped = await conn.fetch("select code, count(*) from asyncpg_char_cols group by code "
                               "order by code")
    assert [tuple(r) for r in grouped] == [("ab   ", 1), (None, 1)]


@pytest.mark.parametrize("value", [b"\x00\xff\x80abc", b""])
async def test_bytes_parameter_is_a_varbyte(conn: asyncpg.Connection, value: bytes) -> None:
    # A VARBYTE result has Redshift's OID 6551, which asyncpg cannot decode: read it as hex.
    got = await conn.fetchval("select from_varbyte($1::varbyte, 'hex')", value)
    assert got == value.hex()


async def test_fetch_with_params_of_each_type(conn: asyncpg.Connection) -> None:
    await conn.execute("drop table if exists apg_types")
    await conn.execute(
        "create table apg_types (b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,"
        " n numeric(20,4), t text, v varchar(20), d date, tm time, ts timestamp,"
        " tz timestamptz, iv interval, by varbyte, u uuid)"
    )
    row = (
        True,
        7,
        70000,
        2**40,
        0.5,
        -1.25,
        Decimal("1234567890123456.7891"),
        "text",
        "vc",
        dt.date(2020, 1, 1),
        dt.time(8, 30),
        dt.datetime(2020, 1, 1, 8, 30),
        dt.datetime(2020, 1, 1, 8, 30, tzinfo=UTC),
        dt.timedelta(minutes=90),
        b"\x01\x02",
        uuid.UUID(int=42),
    )
    await conn.execute(
        "insert into apg_types values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
        " $15, $16)",
        *row,
    )
    await conn.execute(
        "insert into apg_types values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
        " $15, $16)",
        *([None] * 16),
    )
    names = [
        "b",
        "i2",
        "i4",
        "i8",
        "f4",
        "f8",
        "n",
        "t",
        "v",
        "d",
        "tm",
        "ts",
        "tz",
        "iv",
        "by",
        "u",
    ]
    for name, value in zip(names, row, strict=True):
        # A varbyte (OID 6551, which asyncpg cannot decode) is read back as hex.
        column = f"from_varbyte({name}, 'hex')" if name == "by" else name
        expected = value.hex() if isinstance(value, bytes) else value
        got = await conn.fetch(f"select {column} from apg_types where {name} = $1", value)
        assert [tuple(r) for r in got] == [(expected,)], name
        nulls = await conn.fetchval(f"select count(*) from apg_types where {name} is null")
        assert nulls == 1, name


async def test_prepared_statement_reused(conn: asyncpg.Connection) -> None:
    stmt = await conn.prepare("select catname from category where catid = $1")
    assert [a.name for a in stmt.get_attributes()] == ["catname"]
    assert [t.name for t in stmt.get_parameters()] == ["int2"]  # category.catid is smallint
    names = [await stmt.fetchval(i) for i in range(1, 12)]
    assert names[:3] == ["MLB", "NHL", "NFL"]
    assert len(set(names)) == 11
    assert await stmt.fetchval(999) is None
    # the same statement keeps working after an error on the connection
    with pytest.raises(asyncpg.UndefinedTableError):
        await conn.fetch("select * from nope_apg")
    assert await stmt.fetchval(1) == "MLB"
    rows = await stmt.fetch(2)
    assert [tuple(r) for r in rows] == [("NHL",)]


async def test_statement_cache_many_queries(conn: asyncpg.Connection) -> None:
    for _ in range(3):
        for i in range(20):
            assert await conn.fetchval(f"select $1::int4 + {i}", 1) == 1 + i


async def test_cursor_prefetch_in_transaction(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        n = 0
        last = 0
        async for rec in conn.cursor(
            "select salesid from sales where salesid <= $1 order by salesid", 25_000, prefetch=1000
        ):
            assert rec["salesid"] > last
            last = rec["salesid"]
            n += 1
        assert n == 25_000


async def test_cursor_fetch_chunks(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        cur = await conn.cursor("select listid from listing order by listid")
        first = await cur.fetch(5000)
        assert len(first) == 5000
        after = await cur.fetch(3)
        assert [r[0] for r in after] == [r[0] + 5000 for r in first[:3]]
        row = await cur.fetchrow()
        assert row is not None
        assert row[0] == after[-1][0] + 1
        rest = await cur.fetch(1_000_000)
        assert len(first) + len(after) + 1 + len(rest) == 192_497
        assert await cur.fetch(10) == []


async def test_copy_records_to_table(conn: asyncpg.Connection) -> None:
    await conn.execute("drop table if exists apg_copy")
    await conn.execute(
        "create table apg_copy (id int, name varchar(30), price numeric(10,2), ts timestamp,"
        " ok bool)"
    )
    records = [
        (
            i,
            f"name {i}" if i % 7 else None,
            Decimal(i) / 4,
            dt.datetime(2024, 1, 1, i % 24),
            i % 2 == 0,
        )
        for i in range(12_000)
    ]
    records = [(r[0], r[1], r[2].quantize(Decimal("0.01")), r[3], r[4]) for r in records]
    status = await conn.copy_records_to_table("apg_copy", records=records)
    assert status == "COPY 12000"
    got = await conn.fetch("select * from apg_copy order by id")
    assert [tuple(r) for r in got] == records


async def test_copy_from_query(conn: asyncpg.Connection, tmp_path: Any) -> None:
    out = tmp_path / "cat.csv"
    status = await conn.copy_from_query(
        "select catid, catname from category where catid <= 3 order by catid",
        output=str(out),
        format="csv",
        header=True,
    )
    assert status == "COPY 3"
    assert out.read_text() == "catid,catname\n1,MLB\n2,NHL\n3,NFL\n"
    chunks: list[bytes] = []

    async def sink(data: bytes) -> None:
        chunks.append(data)

    await conn.copy_from_table("venue", output=sink)
    assert b"".join(chunks).count(b"\n") == 202


async def test_concurrent_connections(server: RunningServer) -> None:
    async def work(i: int) -> tuple[int, int]:
        c = await connect(server)
        try:
            total = await c.fetchval("select count(*) from sales where sellerid % 8 = $1", i)
            same = await c.fetchval("select $1::int4", i)
            return total, same
        finally:
            await c.close(timeout=5)

    results = await asyncio.gather(*(work(i) for i in range(8)))
    assert [r[1] for r in results] == list(range(8))
    assert sum(r[0] for r in results) == 172_456


async def test_pipelined_queries_one_connection_each(server: RunningServer) -> None:
    conns = await asyncio.gather(*(connect(server) for _ in range(8)))
    try:
        out = await asyncio.gather(
            *(
                c.fetch("select eventid from event where eventid % 8 = $1", i)
                for i, c in enumerate(conns)
            )
        )
        assert sum(len(rows) for rows in out) == 8798
    finally:
        await asyncio.gather(*(c.close(timeout=5) for c in conns))


async def test_errors(conn: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.PostgresSyntaxError):
        await conn.fetch("selec 1")
    with pytest.raises(asyncpg.UndefinedColumnError):
        await conn.fetch("select nocol from users where userid = $1", 1)
    with pytest.raises(asyncpg.InvalidTextRepresentationError):
        await conn.fetchval("select $1::text::int4", "x")
    async with conn.transaction():
        with pytest.raises(asyncpg.UndefinedTableError):
            await conn.fetch("select * from nope_apg_tx")
        with pytest.raises(asyncpg.InFailedSQLTransactionError):
            await conn.fetchval("select 1")
    assert await conn.fetchval("select 1") == 1


async def test_tls(server: RunningServer) -> None:
    import ssl

    ctx = ssl.create_default_context(cafile=str(server.cert))
    ctx.check_hostname = False
    c = await connect(server, ssl=ctx)
    try:
        assert await c.fetchval("select count(*) from date") == 365
    finally:
        await c.close(timeout=5)


async def test_tls_big_results(server: RunningServer) -> None:
    # Big batches of rows go to the transport as views of Arrow buffers, several at a time:
    # whole through TLS, and page by page through a cursor.
    import ssl

    ctx = ssl.create_default_context(cafile=str(server.cert))
    ctx.check_hostname = False
    c = await connect(server, ssl=ctx)
    sql = "select d1.dateid a, d2.caldate b, repeat('x', 40) c from date d1, date d2"
    try:
        expected = await c.fetchval(f"select sum(a) from ({sql}) t")
        rows = await c.fetch(sql)
        assert len(rows) == 365 * 365 and sum(r["a"] for r in rows) == expected
        assert {r["c"] for r in rows} == {"x" * 40}
        async with c.transaction():
            total = 0
            async for row in c.cursor(sql, prefetch=50_000):
                total += row["a"]
        assert total == expected
    finally:
        await c.close(timeout=5)


TOKEN_BUG = "server bug: '$1,$2' without a space after the comma fails to tokenize (42601)"


async def test_params_without_spaces(conn: asyncpg.Connection) -> None:
    row = await conn.fetchrow("select $1::int4,$2::text", 1, "a")
    assert row is not None
    assert tuple(row) == (1, "a")




async def test_copy_from_query_with_args(conn: asyncpg.Connection, tmp_path: Any) -> None:
    # asyncpg inlines the arguments with quote_literal($1::"pg_catalog"."int2"::text)
    out = tmp_path / "cat.txt"
    await conn.copy_from_query("select catname from category where catid = $1", 1, output=str(out))
    assert out.read_text() == "MLB\n"


async def test_numeric_param_arithmetic(conn: asyncpg.Connection) -> None:
    assert await conn.fetchval("select $1::numeric(10,2) + 1", Decimal("1.25")) == Decimal("2.25")


async def test_decimal_parameter_division_is_exact(conn: asyncpg.Connection) -> None:
    # asyncpg binds by the inferred type (NUMERIC beside a DECIMAL): the parameter is typed by
    # its value's digits, as a literal of them, and the quotient is Redshift's exact DECIMAL.
    statement = await conn.prepare("select 10.00 / $1, $2 / 3.0")
    row = await statement.fetchrow(Decimal("3"), Decimal("10.00"))
    assert [str(v) for v in row] == ["3.3333", "3.3333"]
    row = await statement.fetchrow(Decimal("30"), Decimal("1"))
    assert [str(v) for v in row] == ["0.33333", "0.3333"]
