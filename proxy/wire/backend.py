"""Encoding of backend (server to client) messages, one function per message.

This is the only module that turns a ``SQLError`` into ErrorResponse fields. Column descriptions
come in as ``FieldDescription`` tuples already carrying PostgreSQL type OIDs.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from catalog.errors import SQLError
from proxy.wire.framing import frame

_I = struct.Struct("!i")
_H = struct.Struct("!h")
_FIELD = struct.Struct("!ihihih")


def _cstr(s: str) -> bytes:
    return s.encode("utf-8").replace(b"\x00", b"") + b"\x00"


@dataclass(frozen=True, slots=True)
class FieldDescription:
    """One column of a RowDescription."""

    name: str
    type_oid: int
    typlen: int = -1
    typmod: int = -1
    format: int = 0
    table_oid: int = 0
    attnum: int = 0


def authentication_ok() -> bytes:
    return frame(b"R", _I.pack(0))


def authentication_request(code: int, payload: bytes = b"") -> bytes:
    """AuthenticationRequest with any code (13 is Redshift's SHA-256 digest)."""
    return frame(b"R", _I.pack(code) + payload)


def authentication_cleartext() -> bytes:
    return frame(b"R", _I.pack(3))


def authentication_md5(salt: bytes) -> bytes:
    return frame(b"R", _I.pack(5) + salt)


def authentication_sasl(mechanisms: bytes) -> bytes:
    return frame(b"R", _I.pack(10) + mechanisms)


def authentication_sasl_continue(data: bytes) -> bytes:
    return frame(b"R", _I.pack(11) + data)


def authentication_sasl_final(data: bytes) -> bytes:
    return frame(b"R", _I.pack(12) + data)


def parameter_status(name: str, value: str) -> bytes:
    return frame(b"S", _cstr(name) + _cstr(value))


def backend_key_data(pid: int, secret: int) -> bytes:
    return frame(b"K", struct.pack("!ii", pid, secret))


def ready_for_query(status: str) -> bytes:
    return frame(b"Z", status.encode("ascii"))


def row_description(fields: Sequence[FieldDescription]) -> bytes:
    parts = [_H.pack(len(fields))]
    for f in fields:
        parts.append(_cstr(f.name))
        parts.append(
            _FIELD.pack(f.table_oid, f.attnum, f.type_oid, f.typlen, f.typmod, f.format)
        )
    return frame(b"T", b"".join(parts))


def parameter_description(oids: Sequence[int]) -> bytes:
    return frame(b"t", _H.pack(len(oids)) + b"".join(struct.pack("!I", o) for o in oids))


def command_complete(tag: str) -> bytes:
    return frame(b"C", _cstr(tag))


def empty_query_response() -> bytes:
    return frame(b"I")


def parse_complete() -> bytes:
    return frame(b"1")


def bind_complete() -> bytes:
    return frame(b"2")


def close_complete() -> bytes:
    return frame(b"3")


def no_data() -> bytes:
    return frame(b"n")


def portal_suspended() -> bytes:
    return frame(b"s")


def copy_in_response(ncols: int, fmt: int = 0) -> bytes:
    return frame(b"G", struct.pack("!bh", fmt, ncols) + _H.pack(fmt) * ncols)


def copy_out_response(ncols: int, fmt: int = 0) -> bytes:
    return frame(b"H", struct.pack("!bh", fmt, ncols) + _H.pack(fmt) * ncols)


def copy_data(data: bytes) -> bytes:
    return frame(b"d", data)


def copy_done() -> bytes:
    return frame(b"c")


def _fields(err: SQLError, severity: str) -> Iterable[tuple[bytes, str]]:
    yield b"S", severity
    yield b"V", severity
    yield b"C", err.sqlstate
    yield b"M", err.message
    if err.detail:
        yield b"D", err.detail
    if err.hint:
        yield b"H", err.hint
    if err.position:
        yield b"P", str(err.position)
    if err.where:
        yield b"W", err.where


def error_response(err: SQLError) -> bytes:
    """ErrorResponse with S, V, C, M and, when known, D, H and P."""
    body = b"".join(code + _cstr(value) for code, value in _fields(err, err.severity))
    return frame(b"E", body + b"\x00")


def notice_response(message: str, sqlstate: str = "00000", severity: str = "NOTICE") -> bytes:
    body = b"".join(
        code + _cstr(value)
        for code, value in ((b"S", severity), (b"V", severity), (b"C", sqlstate), (b"M", message))
    )
    return frame(b"N", body + b"\x00")
