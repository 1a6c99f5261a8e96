"""Tests for proxy/wire/backend.py and framing.frame(): backend messages, byte for byte."""

from __future__ import annotations

import struct

import pytest

from catalog import errors as e
from proxy.wire import backend as b
from proxy.wire.framing import frame


def msg(mtype: bytes, body: bytes = b"") -> bytes:
    """A backend message spelled out: type, int32 length counting itself, body."""
    return mtype + struct.pack("!i", len(body) + 4) + body


def test_frame() -> None:
    assert frame(b"Z", b"I") == b"Z\x00\x00\x00\x05I"
    assert frame(b"1") == b"1\x00\x00\x00\x04"
    assert frame(b"d", b"x" * 300) == b"d\x00\x00\x010" + b"x" * 300


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (b.authentication_ok(), b"R\x00\x00\x00\x08\x00\x00\x00\x00"),
        (b.authentication_cleartext(), b"R\x00\x00\x00\x08\x00\x00\x00\x03"),
        (b.authentication_md5(b"salt"), b"R\x00\x00\x00\x0c\x00\x00\x00\x05salt"),
        (b.authentication_request(13, b"\x01\x02"),
         b"R\x00\x00\x00\x0a\x00\x00\x00\x0d\x01\x02"),
        (b.authentication_sasl(b"SCRAM-SHA-256\x00\x00"),
         msg(b"R", b"\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00")),
        (b.authentication_sasl_continue(b"r=abc"), msg(b"R", b"\x00\x00\x00\x0br=abc")),
        (b.authentication_sasl_final(b"v=xyz"), msg(b"R", b"\x00\x00\x00\x0cv=xyz")),
        (b.parameter_status("client_encoding", "UTF8"),
         msg(b"S", b"client_encoding\x00UTF8\x00")),
        (b.parameter_status("a", ""), b"S\x00\x00\x00\x07a\x00\x00"),
        (b.backend_key_data(1234, -2), b"K\x00\x00\x00\x0c\x00\x00\x04\xd2\xff\xff\xff\xfe"),
        (b.ready_for_query("I"), b"Z\x00\x00\x00\x05I"),
        (b.ready_for_query("T"), b"Z\x00\x00\x00\x05T"),
        (b.ready_for_query("E"), b"Z\x00\x00\x00\x05E"),
        (b.command_complete("SELECT 3"), b"C\x00\x00\x00\x0dSELECT 3\x00"),
        (b.command_complete("INSERT 0 1"), msg(b"C", b"INSERT 0 1\x00")),
        (b.empty_query_response(), b"I\x00\x00\x00\x04"),
        (b.parse_complete(), b"1\x00\x00\x00\x04"),
        (b.bind_complete(), b"2\x00\x00\x00\x04"),
        (b.close_complete(), b"3\x00\x00\x00\x04"),
        (b.no_data(), b"n\x00\x00\x00\x04"),
        (b.portal_suspended(), b"s\x00\x00\x00\x04"),
        (b.copy_data(b"1\tx\n"), b"d\x00\x00\x00\x081\tx\n"),
        (b.copy_done(), b"c\x00\x00\x00\x04"),
        (b.parameter_description([]), b"t\x00\x00\x00\x06\x00\x00"),
        (b.parameter_description([23, 25]),
         b"t\x00\x00\x00\x0e\x00\x02\x00\x00\x00\x17\x00\x00\x00\x19"),
        (b.parameter_description([0xFFFFFFFF]),
         b"t\x00\x00\x00\x0a\x00\x01\xff\xff\xff\xff"),
    ],
)
def test_simple_messages(encoded: bytes, expected: bytes) -> None:
    assert encoded == expected


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (b.copy_in_response(0), b"G\x00\x00\x00\x07\x00\x00\x00"),
        (b.copy_in_response(2), b"G\x00\x00\x00\x0b\x00\x00\x02\x00\x00\x00\x00"),
        (b.copy_in_response(2, 1), b"G\x00\x00\x00\x0b\x01\x00\x02\x00\x01\x00\x01"),
        (b.copy_out_response(1), b"H\x00\x00\x00\x09\x00\x00\x01\x00\x00"),
        (b.copy_out_response(3, 1),
         b"H\x00\x00\x00\x0d\x01\x00\x03\x00\x01\x00\x01\x00\x01"),
    ],
)
def test_copy_responses(encoded: bytes, expected: bytes) -> None:
    assert encoded == expected


def test_row_description() -> None:
    fields = [
        b.FieldDescription("id", 23, 4),
        b.FieldDescription("name", 25, -1, -1, 1, 16384, 2),
        b.FieldDescription("n", 1700, -1, (10 << 16 | 2) + 4),
    ]
    body = (
        b"\x00\x03"
        + b"id\x00" + struct.pack("!ihihih", 0, 0, 23, 4, -1, 0)
        + b"name\x00" + struct.pack("!ihihih", 16384, 2, 25, -1, -1, 1)
        + b"n\x00" + struct.pack("!ihihih", 0, 0, 1700, -1, 655366, 0)
    )
    assert b.row_description(fields) == msg(b"T", body)


def test_row_description_empty_and_unicode() -> None:
    assert b.row_description([]) == b"T\x00\x00\x00\x06\x00\x00"
    encoded = b.row_description([b.FieldDescription("é☃", 25)])
    assert encoded == msg(b"T", b"\x00\x01" + "é☃".encode() + b"\x00"
                          + struct.pack("!ihihih", 0, 0, 25, -1, -1, 0))


@pytest.mark.parametrize(
    ("err", "fields"),
    [
        (e.SyntaxError_('syntax error at or near "x"'),
         [b"SERROR", b"VERROR", b"C42601", b'Msyntax error at or near "x"']),
        (e.SyntaxError_("bad", position=17),
         [b"SERROR", b"VERROR", b"C42601", b"Mbad", b"P17"]),
        (e.UndefinedTable("relation \"t\" does not exist", detail="d", hint="h", position=3,
                          where="w"),
         [b"SERROR", b"VERROR", b"C42P01", b'Mrelation "t" does not exist', b"Dd", b"Hh",
          b"P3", b"Ww"]),
        (e.UniqueViolation("dup", hint="use another key"),
         [b"SERROR", b"VERROR", b"C23505", b"Mdup", b"Huse another key"]),
        (e.ProtocolViolation("invalid message format"),
         [b"SFATAL", b"VFATAL", b"C08P01", b"Minvalid message format"]),
        (e.InvalidPassword('password authentication failed for user "bob"'),
         [b"SFATAL", b"VFATAL", b"C28P01",
          b'Mpassword authentication failed for user "bob"']),
        # An explicit SQLSTATE overrides the class's.
        (e.make("22P05", "untranslatable character"),
         [b"SERROR", b"VERROR", b"C22P05", b"Muntranslatable character"]),
        # UTF-8 text; a NUL inside a value is dropped, never ends the field early.
        (e.DataException("bad \x00value é"),
         [b"SERROR", b"VERROR", b"C22000", "Mbad value é".encode()]),
    ],
)
def test_error_response(err: e.SQLError, fields: list[bytes]) -> None:
    assert b.error_response(err) == msg(b"E", b"".join(x + b"\x00" for x in fields) + b"\x00")


def test_notice_response() -> None:
    assert b.notice_response("hello") == msg(
        b"N", b"SNOTICE\x00VNOTICE\x00C00000\x00Mhello\x00\x00"
    )
    assert b.notice_response("careful", "01000", "WARNING") == msg(
        b"N", b"SWARNING\x00VWARNING\x00C01000\x00Mcareful\x00\x00"
    )
