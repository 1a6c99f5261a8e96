"""CHAR, VARBYTE and TIMETZ translations (proxy/sql/transforms/casts.py, blank_padded.py,
varbyte.py and timetz.py), run on a DuckDB with the engine's macros: the answers are
Redshift's documented ones."""

from __future__ import annotations

import duckdb
import pytest

from catalog.errors import FeatureNotSupported, InvalidDatetimeFormat, InvalidParameterValue
from engine import macros
from proxy.codecs import pg_type_from_arrow, pg_type_from_duckdb
from proxy.codecs.oids import BPCHAR
from proxy.codecs.rows import encode_columns
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms.timetz import utc_text

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    macros.install(c)
    return c


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    row = con.execute(duck(sql)).fetchone()
    assert row is not None
    return row


@pytest.mark.parametrize(("sql", "expected"), [
    ("select 'abc'::varbyte", b"abc"),
    ("select 'é'::varbyte", "é".encode()),
    ("select 5::smallint::varbyte", b"\x00\x05"),
    ("select 5::varbyte", b"\x00\x00\x00\x05"),
    ("select (-2)::bigint::varbyte", b"\xff" * 7 + b"\xfe"),
    ("select from_hex('6162')", b"ab"),
    ("select to_varbyte('4', 'hex')", b"\x04"),
    ("select to_varbyte('01001101', 'binary')", b"M"),
    ("select to_varbyte('YWI=', 'BASE64')", b"ab"),
    ("select from_varbyte('ab', 'hex')", "6162"),
    ("select from_varbyte(from_hex('4d'), 'binary')", "01001101"),
    ("select from_varbyte(from_hex('c3a9'), 'utf-8')", "é"),
    ("select from_hex('c3a9')::varchar", "é"),
    ("select 'a'::varbyte + 'b'::varbyte", b"ab"),
    ("select len(from_hex('c3a9'))", 2),
    ("select octet_length(from_hex('c3a9ff'))", 3),
    ("select octet_length('é'), len('é')", 2),
    ("select ~'a'::varbyte", b"\x9e"),
    ("select 'a'::varbyte & 'b'::varbyte", b"`"),
    ("select 'a'::varbyte | 'b'", b"c"),
    ("select 'a'::varbyte # 'b'::varbyte", b"\x03"),
    ("select ~('a'::varbyte & 'b'::varbyte)", b"\x9f"),
    ("select 5 # 3, ~5 & 7", 6),
    ("select getbit(from_hex('4d'), 2)", 1),
    ("select getbit(from_hex('4d'), 7)", 0),
    ("select substring(from_hex('0102030405'), 2, 3)", b"\x02\x03\x04"),
    ("select substr('abcd'::varbyte, -1, 3)", b"a"),
    ("select substring('abcd'::varbyte from 3)", b"cd"),
    ("select substring(max(from_hex('0102'))::varbyte, 2)", b"\x02"),
    ("select substring(max('caterpillar'), 6, 4)", "pill"),
    ("select concat('a'::varbyte, 'b'::varbyte)", b"ab"),
])
def test_varbyte_answers(con: duckdb.DuckDBPyConnection, sql: str, expected: object) -> None:
    assert one(con, sql)[0] == expected


def test_varbyte_column_length_is_enforced(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(duck("create table vb (b varbyte(2), d varbyte)"))
    con.execute("insert into vb values ('\\x01\\x02'::blob, NULL)")
    with pytest.raises(duckdb.ConstraintException, match=r"binary varying\(2\)"):
        con.execute("insert into vb values ('\\x01\\x02\\x03'::blob, NULL)")
    assert "binary varying(64000)" in duck("create table vb2 (d varbyte)")


def test_varbyte_columns_without_casts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table vb_sub as select 'abcd'::blob as b, 'abcd' as v, 6 as i")
    assert one(con, "select substring(b, 2, 2), substr(b, -1, 3), substring(v, 2, 2), "
                    "substring(max(b), 2), substring(max(v), 2) from vb_sub group by b, v") == (
        b"bc", b"a", "bc", b"bcd", "bcd")
    assert one(con, "select b || 'é', v || 'é', b & 'aaaa', i & '3', 'x' || b || 'y' "
                    "from vb_sub") == (b"abcd\xc3\xa9", "abcdé", b"a`a`", 2, b"xabcdy")
    con.execute("drop table vb_sub")


def test_varbyte_formats_must_be_known_literals() -> None:
    with pytest.raises(InvalidParameterValue, match="TO_VARBYTE"):
        duck("select to_varbyte('a', 'latin1')")
    with pytest.raises(FeatureNotSupported, match="not a literal"):
        duck("select from_varbyte(b, f) from t")


def test_varbyte_bitwise_operands_of_different_lengths_are_refused(
    con: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(duckdb.InvalidInputException, match="feature not supported"):
        one(con, "select 'ab'::varbyte & 'b'::varbyte")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select 1 from t where b = 'é'", "b = memory.main.__ds_literal_bytes(b, 'c3a9', 'é')"),
        ("select 1 from t where 'a\\\\b' < b", "__ds_literal_bytes(b, '615c62', "),
        ("select 1 from t where b = 'abc'", "WHERE b = 'abc'"),
        ("select 1 from t where max(b) = 'é'", "= 'é'"),
    ],
)
def test_string_literals_compared_with_varbyte(sql: str, expected: str) -> None:
    """Only literals DuckDB's BLOB cast would misread go through LITERAL_BYTES."""
    assert expected in (StatementCache().get(sql, CTX)[-1].duck_sql or "")


def test_catalog_lengths_of_lists_are_untouched() -> None:
    # Only the statement as written measures through the macros; the catalog's SQL takes len()
    # of lists, which the macros' BLOB overload could not take.
    out = duck("select attname from pg_attribute")
    assert "__ds_length" not in out and "__ds_text" not in out


@pytest.mark.parametrize(("text", "utc"), [
    ("20:41:19 UTC", "20:41:19.000000+00"),
    ("204119 UTC", "20:41:19.000000+00"),
    ("20:41:19 EST", "01:41:19.000000+00"),
    ("10:11:12.5-08", "18:11:12.500000+00"),
    ("10:00+05:30", "04:30:00.000000+00"),
    ("10:00:00+0530", "04:30:00.000000+00"),
    ("24:00:00", "24:00:00.000000+00"),
    ("00:30:00 Z", "00:30:00.000000+00"),
])
def test_timetz_literals_are_read_as_utc(text: str, utc: str) -> None:
    assert utc_text(text) == utc


@pytest.mark.parametrize("text", ["xx", "25:00:00", "10:61:00", "10:00:00 America/New_York",
                                  "10:00:00+16", ""])
def test_timetz_literals_that_are_not(text: str) -> None:
    assert utc_text(text) is None


def test_timetz_casts_are_utc(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "select '10:11:12-08'::timetz = '18:11:12+00'::timetz")[0] is True
    assert one(con, "select extract(hour from cast(x as timetz)) from (select '10:00:00-02' x)") \
        == (12,)
    with pytest.raises(InvalidDatetimeFormat, match="time with time zone"):
        duck("select 'xx'::timetz")


def test_timetz_columns_refuse_other_offsets(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(duck("create table tz (t timetz)"))
    con.execute(duck("insert into tz values ('10:00:00-05'::timetz), ('10:00:00+00'), (null)"))
    with pytest.raises(duckdb.ConstraintException, match="offset is not"):
        con.execute(duck("insert into tz values ('10:00:00-05')"))
    assert con.execute("select count(*) from tz where t = '15:00:00+00'").fetchone() == (1,)


@pytest.mark.parametrize(("sql", "expected"), [
    ("select 'ab'::char(4)", "ab  "),
    ("select 'abcdef'::char(3)", "abc"),
    ("select 'abc'::char", "a"),
    ("select 'ab'::char(3) = 'ab  '", True),
    ("select 'ab   '::char(5) in ('ab', 'x')", True),
    ("select len('ab'::char(5))", 2),
    ("select octet_length(cast('francais   ' as char(15)))", 15),
    ("select 'aa'::char(4)::varbyte", b"aa  "),
    ("select count(distinct c) from (select 'a'::char(3) c union all select 'a  '::char(3))", 1),
])
def test_char_answers(con: duckdb.DuckDBPyConnection, sql: str, expected: object) -> None:
    assert one(con, sql)[0] == expected


def test_char_result_columns_are_bpchar(con: duckdb.DuckDBPyConnection) -> None:
    batch = con.execute(duck("select 'ab'::char(4) as c, 'x'::varchar(4) as v")).to_arrow_table()
    types = [pg_type_from_arrow(f.type) for f in batch.schema]
    assert (types[0].oid, types[0].typmod) == (BPCHAR, 8)
    assert types[1].oid != BPCHAR
    assert pg_type_from_duckdb("UNION(bpchar_4 VARCHAR)") == types[0]
    (text, _) = encode_columns(batch.to_batches()[0], [0, 0])
    assert text.to_pylist() == [b"ab  "]


def test_char_is_unpadded_where_it_is_stored() -> None:
    # Stored, its blanks would make later comparisons with other values differ.
    assert "__ds_pad" not in duck("insert into t select 'ab'::char(4)")
    assert "__ds_pad" not in duck("select 'a'::char(2) as c into t2")


def test_char_columns_hold_single_byte_characters(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(duck("create table ch (c char(3))"))
    con.execute("insert into ch values ('abc'), (null)")
    with pytest.raises(duckdb.ConstraintException, match="Multibyte character"):
        con.execute("insert into ch values ('é')")
