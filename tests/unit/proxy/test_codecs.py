"""Round-trip and PostgreSQL-text tests for proxy.codecs."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from proxy.codecs import decode_parameter, encode_data_rows, pg_type_from_arrow, pg_type_from_duckdb
from proxy.codecs.rows import encode_columns

ALL_TYPES = """select true b, -1::tinyint ti, 2::smallint si, 3::integer i, 4::bigint bi,
 1::hugeint hi, 1::uhugeint uhi, 255::utinyint uti, 1::usmallint usi, 1::uinteger ui,
 18446744073709551615::ubigint ubi, 1.5e-7::float f, 1e15::double d, 1.5::decimal(4,1) d4,
 1.5::decimal(38,10) d38, 'a b'::varchar v, '\\x01ab'::blob bl, date '2020-01-01' dt,
 time '01:02:03.5' t, timetz '01:02:03+05:30' ttz, timestamp '2020-01-01 01:02:03.25' ts,
 timestamptz '2020-01-01 01:02:03+00' tstz, timestamp_ns '2020-01-01' tsns,
 timestamp_ms '2020-01-01' tsms, timestamp_s '2020-01-01' tss,
 interval '1 year 2 months -3 days 04:05:06.5' iv,
 '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid u, '{"a":1}'::json j, [1,null,3] li,
 [[1,2],[3,4]] nl, ['a b', null, '', 'NULL', 'x"y'] sl, [1,2,3]::integer[3] arr,
 {'a':1, 'b': 'x'} st, map {'a':1} mp, 'a'::enum_t e, '101'::bit bt,
 (-12345678901234567890123)::bignum vi"""

EXPECTED_TEXT = {
    "b": "t",
    "ti": "-1",
    "hi": "1",
    "ubi": "18446744073709551615",
    "f": "1.5e-07",
    "d": "1e+15",
    "d4": "1.5",
    "d38": "1.5000000000",
    "bl": "016162",  # Redshift prints VARBYTE as bare hex
    "t": "01:02:03.5",
    "ttz": "01:02:03+05:30",
    "ts": "2020-01-01 01:02:03.25",
    "tstz": "2020-01-01 01:02:03+00",
    "tsns": "2020-01-01 00:00:00",
    "iv": "1 year 2 mons -3 days +04:05:06.5",
    "u": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "li": "{1,NULL,3}",
    "nl": "{{1,2},{3,4}}",
    "sl": '{"a b",NULL,"","NULL","x\\"y"}',
    "arr": "{1,2,3}",
    "e": "a",
    "bt": "101",
    "vi": "-12345678901234567890123",
}


@pytest.fixture(scope="module")
def lossless() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set arrow_lossless_conversion=true")
    con.execute("create type enum_t as enum ('a','b')")
    return con


def test_duckdb_and_arrow_mappings_agree(lossless: duckdb.DuckDBPyConnection) -> None:
    described = lossless.execute("describe " + ALL_TYPES).fetchall()
    schema = lossless.execute(ALL_TYPES).to_arrow_reader(10).schema
    for (name, duck_type, *_), field in zip(described, schema, strict=True):
        assert pg_type_from_duckdb(duck_type) == pg_type_from_arrow(field.type), name


def test_text_matches_postgresql(lossless: duckdb.DuckDBPyConnection) -> None:
    batch = lossless.execute(ALL_TYPES).to_arrow_reader(10).read_next_batch()
    columns = encode_columns(batch, [0] * batch.num_columns)
    got = {f.name: c[0].as_py().decode() for f, c in zip(batch.schema, columns, strict=True)}
    for name, text in EXPECTED_TEXT.items():
        assert got[name] == text, name


@pytest.mark.parametrize("fmt", [0, 1])
def test_every_type_round_trips(lossless: duckdb.DuckDBPyConnection, fmt: int) -> None:
    batch = lossless.execute(ALL_TYPES).to_arrow_reader(10).read_next_batch()
    columns = encode_columns(batch, [fmt] * batch.num_columns)
    expected = {
        "i": 3,
        "d4": Decimal("1.5"),
        "d38": Decimal("1.5000000000"),
        "v": "a b",
        "bl": b"\x01ab",
        "dt": datetime.date(2020, 1, 1),
        "li": [1, None, 3],
        "nl": [[1, 2], [3, 4]],
        "sl": ["a b", None, "", "NULL", 'x"y'],
        "u": uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
        "tstz": datetime.datetime(2020, 1, 1, 1, 2, 3, tzinfo=datetime.UTC),
        "vi": Decimal(-12345678901234567890123),
    }
    for field, column in zip(batch.schema, columns, strict=True):
        if field.name in expected:
            oid = pg_type_from_arrow(field.type).oid
            assert decode_parameter(oid, fmt, column[0].as_py()) == expected[field.name]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (1e20, "1e+20"),
        (1.5e-7, "1.5e-07"),
        (123456789012345.6, "123456789012345.6"),
        (1e15, "1e+15"),
        (0.0001, "0.0001"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (-0.0, "-0"),
        (0.1 + 0.2, "0.30000000000000004"),
    ],
)
def test_float8_text(value: float, text: str) -> None:
    batch = pa.record_batch({"x": pa.array([value])})
    assert encode_columns(batch, [0])[0][0].as_py().decode() == text


@pytest.mark.parametrize(
    "value", ["0.00", "1.50", "-1234567890123.45", "0.01", "10000.00", "99999999.99"]
)
def test_numeric_binary_round_trip(value: str) -> None:
    batch = pa.record_batch({"x": pa.array([Decimal(value)], pa.decimal128(15, 2))})
    encoded = encode_columns(batch, [1])[0][0].as_py()
    decoded = decode_parameter(1700, 1, encoded)
    assert decoded == Decimal(value) and str(decoded) == value


def test_data_row_framing() -> None:
    batch = pa.record_batch({"a": [1, None], "b": ["x", "yz"]})
    out = encode_data_rows(batch, [0, 1])
    assert out == (
        b"D\x00\x00\x00\x10\x00\x02\x00\x00\x00\x011\x00\x00\x00\x01x"
        b"D\x00\x00\x00\x10\x00\x02\xff\xff\xff\xff\x00\x00\x00\x02yz"
    )


@pytest.mark.parametrize(
    ("oid", "text", "value"),
    [
        (23, " 42 ", 42),
        (16, "yes", True),
        (16, "of", False),
        (701, "NaN", None),
        (1700, "1.50", Decimal("1.50")),
        (1082, "2020-01-02", datetime.date(2020, 1, 2)),
        (1184, "2020-01-01 05:00:00+05", datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)),
        (1007, "{1,2,NULL}", [1, 2, None]),
        (0, "abc", "abc"),
    ],
)
def test_decode_text_parameters(oid: int, text: str, value: object) -> None:
    got = decode_parameter(oid, 0, text.encode())
    assert got == value or (value is None and got != got)


@pytest.mark.parametrize(("text", "digits"), [("1E+5", "100000"), ("-2.5e3", "-2500"),
                                              ("1e-3", "0.001"), ("1.50", "1.50")])
def test_numeric_text_with_an_exponent_keeps_its_digits(text: str, digits: str) -> None:
    # DuckDB binds Decimal("1E+5") as 1; the same value with its digits written out is right.
    got = decode_parameter(1700, 0, text.encode())
    assert isinstance(got, Decimal) and str(got) == digits


def test_decode_errors_use_postgresql_wording() -> None:
    from catalog.errors import InvalidTextRepresentation, NumericValueOutOfRange

    with pytest.raises(InvalidTextRepresentation, match='type integer: "abc"'):
        decode_parameter(23, 0, b"abc")
    with pytest.raises(NumericValueOutOfRange):
        decode_parameter(21, 0, b"40000")


@pytest.mark.parametrize(
    ("micros", "west", "value"),
    [
        (37_815_000_000, 18_000, datetime.time(15, 30, 15, tzinfo=datetime.UTC)),  # -05:00
        (37_815_000_000, -19_800, datetime.time(5, 0, 15, tzinfo=datetime.UTC)),  # +05:30
        (3_600_000_000, -7_200, datetime.time(23, 0, tzinfo=datetime.UTC)),  # wraps back a day
        (86_399_000_000, 3_600, datetime.time(0, 59, 59, tzinfo=datetime.UTC)),  # and forward
        (86_400_000_000, 0, "24:00:00+00"),
        (86_400_000_000, 18_000, datetime.time(5, 0, tzinfo=datetime.UTC)),
    ],
)
def test_decode_binary_timetz_in_utc(micros: int, west: int, value: object) -> None:
    data = micros.to_bytes(8, "big", signed=True) + west.to_bytes(4, "big", signed=True)
    assert decode_parameter(1266, 1, data) == value


def test_decode_binary_timetz_range() -> None:
    from catalog.errors import DatetimeFieldOverflow, InvalidBinaryRepresentation

    with pytest.raises(InvalidBinaryRepresentation, match="displacement"):
        decode_parameter(1266, 1, (0).to_bytes(8, "big") + (57_600).to_bytes(4, "big"))
    with pytest.raises(DatetimeFieldOverflow):
        decode_parameter(1266, 1, (86_400_000_001).to_bytes(8, "big") + bytes(4))
