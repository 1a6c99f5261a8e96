"""Tests for proxy/wire/frontend.py and the reading side of proxy/wire/framing.py.

Every message body is built by hand, byte for byte, from the protocol documentation.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.errors import CharacterNotInRepertoire, ProgramLimitExceeded, ProtocolViolation
from proxy.wire import frontend as f
from proxy.wire.framing import MAX_STARTUP_BYTES, read_message, read_startup


def i16(*values: int) -> bytes:
    return struct.pack(f"!{len(values)}h", *values)


def i32(*values: int) -> bytes:
    return struct.pack(f"!{len(values)}i", *values)


def cstr(s: str) -> bytes:
    return s.encode() + b"\x00"


# -- typed messages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mtype", "body", "expected"),
    [
        (b"Q", cstr("select 1"), f.Query("select 1")),
        (b"Q", cstr(""), f.Query("")),
        (b"Q", cstr("select 'é☃'"), f.Query("select 'é☃'")),
        (b"P", cstr("s1") + cstr("select $1, $2") + i16(2) + i32(23, 25),
         f.Parse("s1", "select $1, $2", (23, 25))),
        (b"P", cstr("") + cstr("select 1") + i16(0), f.Parse("", "select 1", ())),
        (b"P", cstr("") + cstr("x") + i16(1) + i32(-1), f.Parse("", "x", (0xFFFFFFFF,))),
        (b"B", cstr("p") + cstr("s") + i16(0) + i16(0) + i16(0),
         f.Bind("p", "s", (), (), ())),
        (b"B", cstr("") + cstr("s") + i16(1, 1) + i16(3) + i32(2) + b"ab" + i32(-1) + i32(0)
         + i16(2, 0, 1),
         f.Bind("", "s", (1,), (b"ab", None, b""), (0, 1))),
        (b"B", cstr("") + cstr("") + i16(2, 0, 1) + i16(2) + i32(1) + b"x" + i32(1) + b"\x00"
         + i16(1, 1),
         f.Bind("", "", (0, 1), (b"x", b"\x00"), (1,))),
        (b"D", b"S" + cstr("s1"), f.Describe("S", "s1")),
        (b"D", b"P" + cstr(""), f.Describe("P", "")),
        (b"E", cstr("") + i32(0), f.Execute("", 0)),
        (b"E", cstr("p1") + i32(100), f.Execute("p1", 100)),
        (b"C", b"S" + cstr("s1"), f.Close("S", "s1")),
        (b"C", b"P" + cstr("p"), f.Close("P", "p")),
        (b"S", b"", f.Sync()),
        (b"H", b"", f.Flush()),
        (b"X", b"", f.Terminate()),
        (b"d", b"1\tx\n\x00\xff", f.CopyData(b"1\tx\n\x00\xff")),
        (b"d", b"", f.CopyData(b"")),
        (b"c", b"", f.CopyDone()),
        (b"f", cstr("client gave up"), f.CopyFail("client gave up")),
        (b"p", cstr("secret"), f.Password(b"secret\x00")),
        (b"p", b"SCRAM-SHA-256\x00" + i32(3) + b"n,,", f.Password(b"SCRAM-SHA-256\x00"
                                                                 + i32(3) + b"n,,")),
    ],
)
def test_decode(mtype: bytes, body: bytes, expected: f.Message) -> None:
    assert f.decode(mtype, body) == expected


@pytest.mark.parametrize(
    ("mtype", "body", "message"),
    [
        # Truncated or missing terminators.
        (b"Q", b"select 1", "invalid string in message"),
        (b"Q", b"", "invalid string in message"),
        (b"Q", cstr("a") + b"junk", "invalid message format"),
        (b"P", cstr("s"), "invalid string in message"),
        (b"P", cstr("s") + cstr("q"), "invalid message format"),
        (b"P", cstr("s") + cstr("q") + i16(2) + i32(23), "invalid message format"),
        (b"P", cstr("s") + cstr("q") + i16(0) + b"\x00", "invalid message format"),
        # Counts are unsigned: 0xFFFF announces 65535 entries, which are missing here.
        (b"P", cstr("s") + cstr("q") + i16(-1), "invalid message format"),
        (b"B", cstr("p"), "invalid string in message"),
        (b"B", cstr("p") + cstr("s") + i16(1), "invalid message format"),
        (b"B", cstr("p") + cstr("s") + i16(-1), "invalid message format"),
        (b"B", cstr("p") + cstr("s") + i16(0) + i16(-2), "invalid message format"),
        (b"B", cstr("p") + cstr("s") + i16(0) + i16(1) + i32(-2),
         "invalid parameter length -2"),
        (b"B", cstr("p") + cstr("s") + i16(0) + i16(1) + i32(5) + b"abc",
         "invalid message format"),
        (b"B", cstr("p") + cstr("s") + i16(0) + i16(0) + i16(-1), "invalid message format"),
        (b"B", cstr("p") + cstr("s") + i16(0) + i16(0), "invalid message format"),
        (b"B", cstr("p") + cstr("s") + i16(0) + i16(0) + i16(0) + b"x",
         "invalid message format"),
        # Bad format codes, in either list.
        (b"B", cstr("p") + cstr("s") + i16(1, 2) + i16(0) + i16(0), "invalid format code: 2"),
        (b"B", cstr("p") + cstr("s") + i16(0) + i16(0) + i16(1, -1),
         "invalid format code: -1"),
        # Describe and Close subtypes.
        (b"D", b"X" + cstr("s"), "invalid DESCRIBE message subtype 'X'"),
        (b"C", b"s" + cstr("s"), "invalid CLOSE message subtype 's'"),
        (b"D", b"", "invalid message format"),
        (b"D", b"S", "invalid string in message"),
        (b"C", b"S" + cstr("x") + b"y", "invalid message format"),
        (b"E", cstr("p") + b"\x00\x00", "invalid message format"),
        (b"E", cstr("p") + i32(1) + b"x", "invalid message format"),
        # Messages that must be empty.
        (b"S", b"\x00", "invalid message format"),
        (b"H", b"x", "invalid message format"),
        (b"X", b"x", "invalid message format"),
        (b"c", b"x", "invalid message format"),
        (b"f", b"oops", "invalid string in message"),
        # Unknown message types.
        (b"Z", b"", "invalid frontend message type 90"),
        (b"\x00", b"", "invalid frontend message type 0"),
        (b"F", b"", "invalid frontend message type 70"),  # FunctionCall is not supported
    ],
)
def test_malformed(mtype: bytes, body: bytes, message: str) -> None:
    with pytest.raises(ProtocolViolation) as info:
        f.decode(mtype, body)
    assert info.value.message == message
    assert info.value.sqlstate == "08P01"
    assert info.value.severity == "FATAL"


@pytest.mark.parametrize(
    ("mtype", "body", "message"),
    [
        (b"Q", b"select '\xff'\x00", 'invalid byte sequence for encoding "UTF8": 0xff'),
        (b"P", b"\xc3\x28\x00" + cstr("q") + i16(0),
         'invalid byte sequence for encoding "UTF8": 0xc3'),
        (b"P", cstr("s") + b"select '\xe2\x82'\x00" + i16(0),
         'invalid byte sequence for encoding "UTF8": 0xe2 0x82'),
        (b"B", b"\xff\x00" + cstr("s") + i16(0, 0, 0),
         'invalid byte sequence for encoding "UTF8": 0xff'),
        (b"f", b"\xed\xa0\x80\x00", 'invalid byte sequence for encoding "UTF8": 0xed'),
    ],
)
def test_invalid_utf8_is_an_error_of_the_message(mtype: bytes, body: bytes, message: str) -> None:
    # As in PostgreSQL: 22021 at ERROR severity, so the session survives the message.
    with pytest.raises(CharacterNotInRepertoire) as info:
        f.decode(mtype, body)
    assert info.value.message == message
    assert (info.value.sqlstate, info.value.severity) == ("22021", "ERROR")


def test_counts_are_unsigned() -> None:
    n = 40_000  # above an int16
    parse = f.decode(b"P", cstr("") + cstr("q") + struct.pack("!H", n) + i32(23) * n)
    assert isinstance(parse, f.Parse) and len(parse.param_oids) == n
    body = cstr("") + cstr("") + i16(0) + struct.pack("!H", n) + i32(-1) * n + i16(0)
    bind = f.decode(b"B", body)
    assert isinstance(bind, f.Bind) and bind.params == (None,) * n


@pytest.mark.parametrize("max_rows", [-1, -(2**31)])
def test_execute_without_a_positive_row_count_fetches_all(max_rows: int) -> None:
    assert f.decode(b"E", cstr("p") + i32(max_rows)) == f.Execute("p", 0)


@pytest.mark.parametrize("mtype", [b"Q", b"P"])
def test_statement_length_limit(mtype: bytes) -> None:
    body = (b"" if mtype == b"Q" else cstr("s")) + cstr("select 'é'") + (
        b"" if mtype == b"Q" else i16(0)
    )
    assert f.decode(mtype, body, max_statement_length=10)  # 10 characters, 11 bytes
    with pytest.raises(ProgramLimitExceeded) as info:
        f.decode(mtype, body, max_statement_length=9)
    assert info.value.message == "statement is too long: 10 characters (the limit is 9)"
    assert (info.value.sqlstate, info.value.severity) == ("54000", "ERROR")
    assert info.value.hint == "Raise max_statement_length in [server.limits]."


# -- startup packets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (i32(80877103), f.SSLRequest()),
        (i32(80877104), f.GSSENCRequest()),
        (i32(80877102, 1234, -5), f.CancelRequest(1234, -5)),
        (i32(196608) + cstr("user") + cstr("alice") + cstr("database") + cstr("dev") + b"\x00",
         f.Startup({"user": "alice", "database": "dev"})),
        (i32(196608) + b"\x00", f.Startup({})),
        (i32(196608) + cstr("options") + cstr("") + b"\x00", f.Startup({"options": ""})),
        (i32(196608) + cstr("application_name") + cstr("psql ☃") + b"\x00",
         f.Startup({"application_name": "psql ☃"})),
    ],
)
def test_decode_startup(body: bytes, expected: object) -> None:
    assert f.decode_startup(body) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "invalid message format"),
        (b"\x00\x03", "invalid message format"),
        (i32(80877103) + b"\x00", "invalid message format"),
        (i32(80877104) + b"x", "invalid message format"),
        (i32(80877102, 1), "invalid message format"),
        (i32(80877102, 1, 2, 3), "invalid message format"),
        (i32(196608) + cstr("user") + cstr("a"), "invalid string in message"),
        (i32(196608) + cstr("user"), "invalid string in message"),
        (i32(196608), "invalid string in message"),
        (i32(196608) + b"\x00extra", "invalid message format"),
        (i32(196608) + b"us\xffer\x00a\x00\x00",
         'invalid byte sequence for encoding "UTF8": 0xff'),
        (i32(196608) + cstr("user") + b"\xc0\xaf\x00\x00",
         'invalid byte sequence for encoding "UTF8": 0xc0'),
        (i32(0x00020000) + b"\x00",
         "unsupported frontend protocol 2.0: server supports 3.0 to 3.0"),
        (i32(0x00040000) + b"\x00",
         "unsupported frontend protocol 4.0: server supports 3.0 to 3.0"),
        (i32(1234) + b"\x00", "unsupported frontend protocol 0.1234: server supports 3.0 to 3.0"),
    ],
)
def test_malformed_startup(body: bytes, message: str) -> None:
    with pytest.raises(ProtocolViolation) as info:
        f.decode_startup(body)
    assert info.value.message == message


# -- random input never escapes as anything but ProtocolViolation (or 22021) -------------

_TYPES = [b"Q", b"P", b"B", b"D", b"E", b"C", b"S", b"H", b"X", b"d", b"c", b"f", b"p", b"Z"]


def _structured_body() -> st.SearchStrategy[bytes]:
    """Bodies that often get past the first fields: strings, small ints, raw tails."""
    piece = st.one_of(
        st.binary(max_size=8),
        st.text(max_size=6).map(cstr),
        st.integers(-3, 4).map(lambda n: i16(n)),
        st.integers(-3, 4).map(lambda n: i32(n)),
        st.sampled_from([b"S", b"P", b"\x00"]),
    )
    return st.lists(piece, max_size=10).map(b"".join)


@pytest.mark.parametrize("mtype", _TYPES)
@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.binary(max_size=64), _structured_body()))
def test_random_bodies_only_raise_protocol_violation(mtype: bytes, body: bytes) -> None:
    with contextlib.suppress(ProtocolViolation, CharacterNotInRepertoire):
        f.decode(mtype, body)


@settings(max_examples=500, deadline=None)
@given(
    body=st.one_of(
        st.binary(max_size=64),
        st.tuples(st.sampled_from([80877103, 80877104, 80877102, 196608]),
                  _structured_body()).map(lambda t: i32(t[0]) + t[1]),
    )
)
def test_random_startup_only_raises_protocol_violation(body: bytes) -> None:
    with contextlib.suppress(ProtocolViolation):
        f.decode_startup(body)


# -- framing: reading --------------------------------------------------------------------


def reader(data: bytes, eof: bool = True) -> asyncio.StreamReader:
    r = asyncio.StreamReader()
    r.feed_data(data)
    if eof:
        r.feed_eof()
    return r


async def test_read_startup() -> None:
    body = i32(196608) + cstr("user") + cstr("a") + b"\x00"
    r = reader(i32(len(body) + 4) + body + b"Qnext")
    assert await read_startup(r) == body
    assert await r.read() == b"Qnext"


@pytest.mark.parametrize("length", [-1, 0, 7, MAX_STARTUP_BYTES + 1, 2**31 - 1])
async def test_read_startup_bad_length(length: int) -> None:
    with pytest.raises(ProtocolViolation) as info:
        await read_startup(reader(i32(length) + b"\x00" * 16))
    assert info.value.message == f"invalid length of startup packet: {length}"


async def test_read_startup_accepts_limits() -> None:
    assert await read_startup(reader(i32(8) + i32(80877103))) == i32(80877103)
    big = b"\x00" * (MAX_STARTUP_BYTES - 4)
    assert await read_startup(reader(i32(MAX_STARTUP_BYTES) + big)) == big


async def test_read_startup_truncated() -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        await read_startup(reader(i32(16) + b"\x00" * 4))


async def test_read_message() -> None:
    r = reader(b"Q" + i32(13) + cstr("select 1") + b"S" + i32(4))
    assert await read_message(r, 1024) == (b"Q", cstr("select 1"))
    assert await read_message(r, 1024) == (b"S", b"")


@pytest.mark.parametrize("length", [-5, 0, 3])
async def test_read_message_length_below_four(length: int) -> None:
    with pytest.raises(ProtocolViolation) as info:
        await read_message(reader(b"Q" + i32(length) + b"\x00" * 8), 1024)
    assert info.value.message == f"invalid message length {length}"


async def test_read_message_over_the_limit() -> None:
    with pytest.raises(ProtocolViolation) as info:
        await read_message(reader(b"d" + i32(4 + 101), eof=False), 100)
    assert info.value.message == "message of 105 bytes exceeds the limit of 100 bytes"
    # Exactly at the limit is fine.
    assert await read_message(reader(b"d" + i32(104) + b"x" * 100), 100) == (b"d", b"x" * 100)


async def test_read_message_truncated() -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        await read_message(reader(b"Q" + i32(20) + b"abc"), 1024)
