"""Malformed wire protocol: the server answers 08P01 or closes the connection, and keeps serving."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import psycopg
import pytest

from tests.e2e import rawpg
from tests.e2e.server import RunningServer


def raw_socket(server: RunningServer) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=10)


def assert_still_serving(server: RunningServer) -> None:
    with psycopg.connect(server.dsn) as c:
        assert c.execute("select count(*) from category").fetchone() == (11,)


def assert_protocol_error_or_closed(fields: dict[str, str] | None) -> None:
    if fields is not None:
        assert fields["C"] == "08P01", fields
        assert fields["S"] in ("ERROR", "FATAL")
        assert fields["M"]


@pytest.fixture
def authed(server: RunningServer) -> Iterator[rawpg.RawConn]:
    conn = rawpg.connect(server.host, server.port, server.user, server.password, server.database)
    yield conn
    conn.sock.close()


STARTUP_GARBAGE = [
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http"),
    pytest.param(struct.pack("!I", 8) + b"\xde\xad\xbe\xef", id="unknown-code"),
    pytest.param(struct.pack("!I", 3), id="too-short-length"),
    pytest.param(struct.pack("!I", 0x7FFFFFF0) + b"\0\3\0\0", id="oversized-length"),
    pytest.param(struct.pack("!II", 16, 196608) + b"user\0admin", id="unterminated-params"),
    pytest.param(struct.pack("!II", 9, 196608) + b"\0", id="no-user"),
    pytest.param(struct.pack("!II", 8, 2 << 16), id="protocol-v2"),
    pytest.param(b"\x00" * 4, id="zero-length"),
]


@pytest.mark.parametrize("payload", STARTUP_GARBAGE)
def test_garbage_startup(server: RunningServer, payload: bytes) -> None:
    with raw_socket(server) as s:
        s.sendall(payload)
        fields = rawpg.read_until_closed_or_error(s)
        if fields is not None:
            # 28000: no user name given; 0A000: unsupported protocol version (as PostgreSQL)
            assert fields["C"] in ("08P01", "28000", "0A000"), fields
            assert fields["S"] == "FATAL"
    assert_still_serving(server)


def test_random_bytes_then_close(server: RunningServer) -> None:
    import random

    rnd = random.Random(1234)
    for _ in range(10):
        with raw_socket(server) as s:
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 200))))
            s.shutdown(socket.SHUT_WR)
            rawpg.read_until_closed_or_error(s)
    assert_still_serving(server)


def test_truncated_startup_then_eof(server: RunningServer) -> None:
    with raw_socket(server) as s:
        packet = rawpg.startup_packet({"user": "admin", "database": "dev"})
        s.sendall(packet[: len(packet) // 2])
        s.shutdown(socket.SHUT_WR)
        assert rawpg.read_until_closed_or_error(s) is None
    assert_still_serving(server)


def test_ssl_request_then_garbage(server: RunningServer) -> None:
    with raw_socket(server) as s:
        s.sendall(struct.pack("!II", 8, rawpg.SSL_CODE))
        assert s.recv(1) == b"S"
        s.sendall(b"\x16\x03\x01\x00\x05hello-not-tls" * 3)
        rawpg.read_until_closed_or_error(s)
    assert_still_serving(server)


def test_unknown_message_type(server: RunningServer, authed: rawpg.RawConn) -> None:
    authed.sock.sendall(rawpg.message(b"!", b"junk"))
    fields = rawpg.read_until_closed_or_error(authed.sock)
    assert fields is not None
    assert fields["C"] == "08P01"
    assert_still_serving(server)


def test_oversized_message_after_auth(server: RunningServer, authed: rawpg.RawConn) -> None:
    authed.sock.sendall(b"Q" + struct.pack("!I", 0x7FFFFFFF) + b"select 1")
    fields = rawpg.read_until_closed_or_error(authed.sock)
    assert_protocol_error_or_closed(fields)
    assert_still_serving(server)


def test_negative_length_after_auth(server: RunningServer, authed: rawpg.RawConn) -> None:
    authed.sock.sendall(b"Q" + struct.pack("!I", 2))
    fields = rawpg.read_until_closed_or_error(authed.sock)
    assert_protocol_error_or_closed(fields)
    assert_still_serving(server)


def test_truncated_message_then_eof(server: RunningServer, authed: rawpg.RawConn) -> None:
    authed.sock.sendall(b"Q" + struct.pack("!I", 100) + b"select 1")
    authed.sock.shutdown(socket.SHUT_WR)
    fields = rawpg.read_until_closed_or_error(authed.sock)
    assert_protocol_error_or_closed(fields)
    assert_still_serving(server)


def test_query_without_terminator(server: RunningServer, authed: rawpg.RawConn) -> None:
    authed.sock.sendall(rawpg.message(b"Q", b"select 1"))  # no trailing NUL
    fields = rawpg.read_until_closed_or_error(authed.sock)
    assert_protocol_error_or_closed(fields)
    assert_still_serving(server)


def test_malformed_bind(server: RunningServer, authed: rawpg.RawConn) -> None:
    parse = rawpg.message(b"P", b"\0select $1::int4\0\0\0")
    # Bind claiming 5 parameters but carrying none
    bind = rawpg.message(b"B", b"\0\0" + struct.pack("!HH", 0, 5))
    authed.sock.sendall(parse + bind + rawpg.message(b"S"))
    fields = rawpg.read_until_closed_or_error(authed.sock)
    assert fields is not None
    assert fields["C"] == "08P01", fields
    assert_still_serving(server)


def test_error_response_fields(authed: rawpg.RawConn) -> None:
    rows, fields = authed.simple("select * from no_such_raw_table")
    assert rows == []
    assert fields is not None
    for key in "SVCM":
        assert key in fields, fields
    assert fields["S"] == fields["V"] == "ERROR"
    assert fields["C"] == "42P01"
    assert "no_such_raw_table" in fields["M"]
    # the session continues
    assert authed.simple("select 1") == ([[b"1"]], None)


def test_syntax_error_has_position(authed: rawpg.RawConn) -> None:
    _, fields = authed.simple("select 1 +")
    assert fields is not None
    assert fields["C"] == "42601"
    assert "P" in fields
    assert int(fields["P"]) >= 1


def test_terminate_is_clean(server: RunningServer, authed: rawpg.RawConn) -> None:
    authed.sock.sendall(rawpg.message(b"X"))
    assert rawpg.read_until_closed_or_error(authed.sock) is None
    assert_still_serving(server)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize(
    ("sql", "sqlstate", "message"),
    [
        # Two unnamed fields: no JSON object can hold them (Arrow refuses the dictionary).
        ("select row(1, 2)", "0A000", 'duplicate field names ("")'),
        ("select row(x, x) from range(5000) t(x)", "0A000", 'duplicate field names ("")'),
        ("select struct_pack(a := 1, b := row(2, 3))", "0A000", 'duplicate field names ("")'),
        # A date Python cannot hold, inside a structure: encoding fails, on the event loop
        # (one row) and on the worker threads (a result too big to encode inline).
        ("select struct_pack(x := 'infinity'::date)", "XX000", "could not send a result row"),
        ("select struct_pack(x := 'infinity'::date) from range(5000)", "XX000",
         "could not send a result row"),
    ],
)
def test_unencodable_result_is_an_error(
    server: RunningServer, sql: str, sqlstate: str, message: str, binary: bool
) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as info:
            conn.cursor(binary=binary).execute(sql).fetchall()
        assert info.value.sqlstate == sqlstate
        assert message in str(info.value)
        assert conn.execute("select 1").fetchone() == (1,)
