"""The per-value (small batch) and vectorized DataRow paths give identical bytes.

Every supported type is run with its boundary values and a NULL through both paths of
``encode_data_rows``, forced with its ``small_rows`` threshold, in text and in binary.
"""

from __future__ import annotations

import struct
import sys
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from catalog.errors import DatetimeFieldOverflow
from proxy.codecs import encode_data_rows
from proxy.codecs.registry import redshift_registry

# DuckDB type -> literals (SQL text), each column also gets a NULL
DUCKDB_CASES: dict[str, list[str]] = {
    "boolean": ["true", "false"],
    "tinyint": ["-128", "127", "0"],
    "smallint": ["-32768", "32767"],
    "integer": ["-2147483648", "2147483647", "0"],
    "bigint": ["-9223372036854775808", "9223372036854775807"],
    "hugeint": [
        "-170141183460469231731687303715884105728",
        "170141183460469231731687303715884105727",
    ],
    "uhugeint": ["0", "340282366920938463463374607431768211455"],
    "utinyint": ["255"],
    "usmallint": ["65535"],
    "uinteger": ["4294967295"],
    "ubigint": ["0", "18446744073709551615"],
    "float": [
        *("0", "'-0'", "1.5e-7", "3.4028235e38", "1e-45", "1e6", "999999", "0.0001", "1e-5"),
        *("'nan'", "'inf'", "'-inf'", "0.1", "-2.5", "16777216"),
    ],
    "double": [
        *("0", "'-0'", "5e-324", "1.7976931348623157e308", "1e15", "999999999999999"),
        *("123456789012345.6", "0.30000000000000004", "'nan'", "'inf'", "'-inf'", "0.0001"),
        *("0.00001", "-1e-300", "1e22", "2"),
    ],
    "decimal(4,1)": ["0", "-999.9", "999.9", "0.1"],
    "decimal(15,2)": ["0", "1.50", "-1234567890123.45", "9999999999999.99", "0.01", "10000"],
    "decimal(18,6)": ["0.000001", "-999999999999.999999", "1"],
    "decimal(18,18)": ["0.000000000000000001", "-0.999999999999999999"],
    "decimal(38,0)": ["99999999999999999999999999999999999999", "-1", "0"],
    "decimal(38,10)": ["0.0000000001", "0", "-1234567890123456789012345678.0123456789", "1.5"],
    "decimal(38,37)": ["0.0000000000000000000000000000000000001", "-9.9"],
    "varchar": ["''", "'a b'", "'héllo ✓ 😀'", "'NULL'", "'x\"y\\z'", "repeat('ab', 600)"],
    "blob": ["''", "'\\x00\\xFF'::blob", "'abc'"],
    "date": [
        *("'2020-01-01'", "'0001-01-01'", "'9999-12-31'", "'0001-12-31 (BC)'"),
        *("'5000-03-01 (BC)'", "'10000-01-01'", "'infinity'", "'-infinity'", "'1969-12-31'"),
    ],
    "time": ["'00:00:00'", "'23:59:59.999999'", "'24:00:00'", "'01:02:03.5'", "'12:00:00.000001'"],
    "timetz": ["'01:02:03+05:30'", "'00:00:00-15:59:59'", "'23:59:59.5+15:59'", "'12:00:00+00'"],
    "timestamp": [
        *("'2020-01-01 01:02:03.25'", "'0001-01-01 00:00:00'", "'9999-12-31 23:59:59.999999'"),
        *("'1000-01-01 (BC) 12:00:00.5'", "'12000-06-01 00:00:00'", "'infinity'", "'-infinity'"),
        "'1969-12-31 23:59:59.999999'",
    ],
    "timestamptz": [
        *("'2020-01-01 01:02:03.25+00'", "'0001-01-01 00:00:00+00'", "'infinity'", "'-infinity'"),
        *("'1000-01-01 (BC) 12:00:00+00'", "'1969-12-31 23:59:59.000001+00'"),
    ],
    "timestamp_ns": ["'2020-01-01 01:02:03.123456789'", "'1677-09-22 00:00:00'", "'1970-01-01'"],
    "timestamp_ms": ["'2020-01-01 01:02:03.123'", "'0001-01-01'", "'9999-12-31 23:59:59.999'"],
    "timestamp_s": ["'2020-01-01 01:02:03'", "'0001-01-01'", "'infinity'"],
    "interval": [
        *("'1 year 2 months -3 days 04:05:06.5'", "'0 seconds'", "'-1 day'", "'-00:00:01'"),
        *("'100 years'", "'1 microsecond'", "'-14 months 3 days'", "'1 day -01:00:00'"),
    ],
    "uuid": [
        *("'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"),
        "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'",
    ],
    "json": ["'{\"a\": [1, null]}'", "'[]'", "'\"é\"'", "'null'"],
    "integer[]": ["[1, null, 3]", "[]", "[-2147483648]"],
    "integer[][]": ["[[1, 2], [3, 4]]", "[[null]]"],
    "varchar[]": ["['a b', null, '', 'NULL', 'x\"y', '{}', 'é']", "[]"],
    "double[]": ["[1e20, 'nan', -0.0]"],
    "decimal(15,2)[]": ["[1.5, null]"],
    "date[]": ["['2020-01-01', 'infinity']"],
    "timestamp[]": ["['2020-01-01 00:00:00.5']"],
    "uuid[]": ["['6ba7b810-9dad-11d1-80b4-00c04fd430c8']"],
    "integer[3]": ["[1, 2, 3]"],
    "struct(a integer, b varchar)": ["{'a': 1, 'b': 'x'}", "{'a': null, 'b': 'é'}"],
    "map(varchar, integer)": ["map {'a': 1}"],
    "enum_t": ["'a'", "'b'"],
    "bit": ["'101'", "'0'", "'111100001'"],
    "bignum": ["-12345678901234567890123", "0", "99999999999999999999999999999999999999999"],
}


def _arrow_cases() -> dict[str, pa.Array]:
    """Arrow layouts DuckDB does not produce but the codecs accept."""
    micros = [0, -1, 86_399_999_999, None]
    bits = np.random.default_rng(0).integers(0, 2**64, 2000, dtype=np.uint64)
    return {
        # random bit patterns: every exponent range, subnormals, NaN payloads
        "random_double": pa.array(bits.view(np.float64)),
        "random_float": pa.array(bits.view(np.float32)),
        "float16": pa.array([1.5, -0.0, 65504.0, None], pa.float16()),
        "uint64": pa.array([0, 2**64 - 1, None], pa.uint64()),
        "date64": pa.array([0, -86_400_000, 253_402_214_400_000, None], pa.date64()),
        "time32s": pa.array([0, 86_399, None], pa.time32("s")),
        "time32ms": pa.array([0, 1_500, None], pa.time32("ms")),
        "time64ns": pa.array([0, 1_234_567_890, None], pa.time64("ns")),
        "timestamp_s_tz": pa.array([0, -62_135_596_800, None], pa.timestamp("s", "UTC")),
        "duration": pa.array(micros, pa.duration("us")),
        "large_string": pa.array(["é", "", None], pa.large_string()),
        "string_view": pa.array(["é", "a" * 20, None], pa.string_view()),
        "large_binary": pa.array([b"\x00", b"", None], pa.large_binary()),
        "binary_view": pa.array([b"\x00\x01", b"x" * 20, None], pa.binary_view()),
        "fixed_binary": pa.array([b"ab", b"\xff\x00", None], pa.binary(2)),
        "dictionary": pa.array(["b", "a", None, "b"]).dictionary_encode(),
        "decimal256": pa.array([Decimal("1.5"), Decimal("-0.00001"), None], pa.decimal256(40, 5)),
        "decimal256_narrow": pa.array([Decimal("1.50"), None], pa.decimal256(20, 2)),
        "bool": pa.array([True, False, None]),
        "null": pa.nulls(2),
    }


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set arrow_lossless_conversion=true")  # as the server does
    con.execute("create type enum_t as enum ('a', 'b')")
    return con


def _duckdb_column(con: duckdb.DuckDBPyConnection, sql_type: str) -> pa.RecordBatch:
    rows = " union all ".join(
        f"select {i} k, ({literal})::{sql_type} x"
        for i, literal in enumerate([*DUCKDB_CASES[sql_type], "null"])
    )
    return con.execute(f"select x from ({rows}) order by k").to_arrow_table().to_batches()[0]


def assert_same_bytes(batch: pa.RecordBatch) -> None:
    """Both paths encode ``batch`` identically in text and in binary, whole and sliced."""
    for part in (batch, batch.slice(1)):
        for fmt in (0, 1):
            formats = [fmt] * part.num_columns
            vectorized = encode_data_rows(part, formats, small_rows=0)
            per_value = encode_data_rows(part, formats, small_rows=sys.maxsize)
            assert per_value == vectorized, f"format {fmt}, offset {part is not batch}"


@pytest.mark.parametrize("sql_type", DUCKDB_CASES)
def test_duckdb_types_same_bytes(con: duckdb.DuckDBPyConnection, sql_type: str) -> None:
    assert_same_bytes(_duckdb_column(con, sql_type))


@pytest.mark.parametrize(("name", "array"), _arrow_cases().items())
def test_arrow_layouts_same_bytes(name: str, array: pa.Array) -> None:
    assert_same_bytes(pa.record_batch({name: array}))


def test_many_columns_with_null_rows(con: duckdb.DuckDBPyConnection) -> None:
    # rows: each type's first literal, all NULL, each type's first literal again
    columns = {}
    for sql_type in DUCKDB_CASES:
        column = _duckdb_column(con, sql_type).column(0)
        columns[sql_type] = column.take([0, len(column) - 1, 0])
    assert_same_bytes(pa.record_batch(columns))


def test_columns_of_one_width_between_ragged_ones(con: duckdb.DuckDBPyConnection) -> None:
    # Non-null values of one length are glued into the row pieces beside them: integers,
    # dates, one-letter and empty strings between text of varying length and NULLs.
    batch = con.execute("""
        select range::bigint a, 'x' || range b, date '2020-01-01' + range::int c, 'F' d,
               '' e, case when range % 2 = 0 then null else range end f, 1.5::double g
        from range(40)
    """).to_arrow_table().to_batches()[0]
    assert_same_bytes(batch)
    assert_same_bytes(batch.select(["c", "d", "e", "g"]))  # fixed width only


def test_small_decimal_text_is_not_exponent_form() -> None:
    # Arrow writes 1E-10 for such values; PostgreSQL writes every scale digit
    batch = pa.record_batch({"x": pa.array([Decimal("1E-10"), Decimal(0)], pa.decimal128(38, 10))})
    for small in (0, sys.maxsize):
        assert encode_data_rows(batch, [0], small_rows=small) == (
            b"D\x00\x00\x00\x16\x00\x01\x00\x00\x00\x0c0.0000000001"
            b"D\x00\x00\x00\x16\x00\x01\x00\x00\x00\x0c0.0000000000"
        )


@pytest.mark.parametrize("scale", range(19))
def test_random_int64_decimals_binary(scale: int) -> None:
    # the vectorized encoder sizes its digit groups from the largest value and strips zero
    # groups per row: magnitudes of every length, sign, NULLs and a sliced array
    rng = np.random.default_rng(scale)
    digits = rng.integers(0, 19, 400)
    unscaled = [int(rng.integers(0, 10**d)) * int(rng.choice([-1, 1])) for d in digits]
    values = [None if i % 17 == 0 else Decimal(u).scaleb(-scale) for i, u in enumerate(unscaled)]
    array = pa.array(values, pa.decimal128(18, scale)).slice(3)
    assert_same_bytes(pa.record_batch({"x": array}))


@pytest.mark.parametrize("scale", [0, 2, 5])
def test_narrow_range_decimals_binary(scale: int) -> None:
    # values spanning fewer unscaled numbers than rows are looked up in a table of the range's
    # encodings, kept between batches: negative, zero and NULL rows, sliced, twice
    rng = np.random.default_rng(scale)
    unscaled = rng.integers(-60, 60, 400)
    values = [None if i % 13 == 0 else Decimal(int(u)).scaleb(-scale)
              for i, u in enumerate(unscaled)]
    array = pa.array(values, pa.decimal128(15, scale)).slice(5)
    for _ in range(2):
        assert_same_bytes(pa.record_batch({"x": array}))


def test_redshift_interval_binary(con: duckdb.DuckDBPyConnection) -> None:
    """Redshift's drivers get PostgreSQL 8.0's 12-byte interval: microseconds with the days in
    them, then months; both paths alike, NULLs kept."""
    batch = con.execute(
        "select * from (values (interval '1 day 02:00:00'), (interval '1 year 2 months -3 days"
        " 00:00:01.5'), (null::interval)) t(x)").to_arrow_table().to_batches()[0]
    registry = redshift_registry()
    for rows in (0, sys.maxsize):
        encoded = encode_data_rows(batch, [1], small_rows=rows, registry=registry)
        assert bytes(encoded) == b"".join([
            b"D\x00\x00\x00\x16\x00\x01\x00\x00\x00\x0c"
            + struct.pack(">qi", 26 * 3_600_000_000, 0),
            b"D\x00\x00\x00\x16\x00\x01\x00\x00\x00\x0c"
            + struct.pack(">qi", -3 * 86_400_000_000 + 1_500_000, 14),
            b"D\x00\x00\x00\x0a\x00\x01\xff\xff\xff\xff",
        ])


def test_redshift_interval_out_of_range() -> None:
    batch = pa.record_batch({"x": pa.array([pa.MonthDayNano((0, 2**31 - 1, 0))],
                                           pa.month_day_nano_interval())})
    for rows in (0, sys.maxsize):
        with pytest.raises(DatetimeFieldOverflow, match="interval out of range"):
            encode_data_rows(batch, [1], small_rows=rows, registry=redshift_registry())
