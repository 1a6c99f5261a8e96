"""Decoding of frontend (client to server) messages into small frozen dataclasses.

Each decoder checks lengths and terminators as it reads, so a malformed message raises
``ProtocolViolation`` (08P01) instead of an IndexError deep in the server. Strings are UTF-8
(the server only speaks UTF8); invalid bytes are a protocol violation too.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from catalog.errors import ProtocolViolation

PROTOCOL_V3 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


class Buffer:
    """A cursor over one message body with checked reads."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolViolation("invalid message format")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int16(self) -> int:
        return struct.unpack("!h", self._take(2))[0]

    def int32(self) -> int:
        return struct.unpack("!i", self._take(4))[0]

    def byte(self) -> bytes:
        return self._take(1)

    def cstr(self) -> str:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise ProtocolViolation("invalid string in message")
        raw = self.data[self.pos : end]
        self.pos = end + 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation("invalid byte sequence for encoding \"UTF8\"") from None

    def rest(self) -> bytes:
        return self._take(len(self.data) - self.pos)

    def end(self) -> None:
        if self.pos != len(self.data):
            raise ProtocolViolation("invalid message format")


@dataclass(frozen=True, slots=True)
class Startup:
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class SSLRequest:
    pass


@dataclass(frozen=True, slots=True)
class GSSENCRequest:
    pass


@dataclass(frozen=True, slots=True)
class CancelRequest:
    pid: int
    secret: int


def decode_startup(body: bytes) -> Startup | SSLRequest | GSSENCRequest | CancelRequest:
    """Decode a startup-phase packet (its body after the length word)."""
    buf = Buffer(body)
    code = buf.int32()
    if code == SSL_REQUEST:
        buf.end()
        return SSLRequest()
    if code == GSSENC_REQUEST:
        buf.end()
        return GSSENCRequest()
    if code == CANCEL_REQUEST:
        pid, secret = buf.int32(), buf.int32()
        buf.end()
        return CancelRequest(pid, secret)
    if code >> 16 != 3:
        raise ProtocolViolation(
            f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: "
            "server supports 3.0 to 3.0"
        )
    params: dict[str, str] = {}
    while True:
        key = buf.cstr()
        if not key:
            break
        params[key] = buf.cstr()
    buf.end()
    return Startup(params)


@dataclass(frozen=True, slots=True)
class Query:
    sql: str


@dataclass(frozen=True, slots=True)
class Parse:
    name: str
    sql: str
    param_oids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Bind:
    portal: str
    statement: str
    param_formats: tuple[int, ...]
    params: tuple[bytes | None, ...]
    result_formats: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Describe:
    kind: str  # 'S' statement or 'P' portal
    name: str


@dataclass(frozen=True, slots=True)
class Execute:
    portal: str
    max_rows: int


@dataclass(frozen=True, slots=True)
class Close:
    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Sync:
    pass


@dataclass(frozen=True, slots=True)
class Flush:
    pass


@dataclass(frozen=True, slots=True)
class Terminate:
    pass


@dataclass(frozen=True, slots=True)
class CopyData:
    data: bytes


@dataclass(frozen=True, slots=True)
class CopyDone:
    pass


@dataclass(frozen=True, slots=True)
class CopyFail:
    message: str


@dataclass(frozen=True, slots=True)
class Password:
    """PasswordMessage, SASLInitialResponse or SASLResponse: told apart by the auth state."""

    data: bytes


Message = (
    Query | Parse | Bind | Describe | Execute | Close | Sync | Flush | Terminate
    | CopyData | CopyDone | CopyFail | Password
)


def _query(b: Buffer) -> Query:
    q = Query(b.cstr())
    b.end()
    return q


def _parse(b: Buffer) -> Parse:
    name, sql = b.cstr(), b.cstr()
    n = b.int16()
    if n < 0:
        raise ProtocolViolation("invalid number of parameters")
    oids = tuple(b.int32() & 0xFFFFFFFF for _ in range(n))
    b.end()
    return Parse(name, sql, oids)


def _bind(b: Buffer) -> Bind:
    portal, statement = b.cstr(), b.cstr()
    nf = b.int16()
    if nf < 0:
        raise ProtocolViolation("invalid number of parameter formats")
    formats = tuple(b.int16() for _ in range(nf))
    np_ = b.int16()
    if np_ < 0:
        raise ProtocolViolation("invalid number of parameters")
    params: list[bytes | None] = []
    for _ in range(np_):
        ln = b.int32()
        if ln < -1:
            raise ProtocolViolation(f"invalid parameter length {ln}")
        params.append(None if ln == -1 else b._take(ln))
    nr = b.int16()
    if nr < 0:
        raise ProtocolViolation("invalid number of result formats")
    results = tuple(b.int16() for _ in range(nr))
    b.end()
    for f in (*formats, *results):
        if f not in (0, 1):
            raise ProtocolViolation(f"invalid format code: {f}")
    return Bind(portal, statement, formats, tuple(params), results)


def _describe_or_close(b: Buffer, cls: type[Describe] | type[Close]) -> Describe | Close:
    kind = b.byte().decode("latin-1")
    if kind not in ("S", "P"):
        raise ProtocolViolation(f"invalid {cls.__name__.upper()} message subtype {kind!r}")
    msg = cls(kind, b.cstr())
    b.end()
    return msg


def _execute(b: Buffer) -> Execute:
    msg = Execute(b.cstr(), b.int32())
    b.end()
    return msg


def _empty(cls: type) -> object:
    def decode(b: Buffer) -> object:
        b.end()
        return cls()

    return decode


def _copy_fail(b: Buffer) -> CopyFail:
    return CopyFail(b.cstr())


_DECODERS = {
    b"Q": _query,
    b"P": _parse,
    b"B": _bind,
    b"D": lambda b: _describe_or_close(b, Describe),
    b"E": _execute,
    b"C": lambda b: _describe_or_close(b, Close),
    b"S": _empty(Sync),
    b"H": _empty(Flush),
    b"X": _empty(Terminate),
    b"d": lambda b: CopyData(b.rest()),
    b"c": _empty(CopyDone),
    b"f": _copy_fail,
    b"p": lambda b: Password(b.rest()),
}


def decode(mtype: bytes, body: bytes) -> Message:
    """Decode one typed frontend message."""
    decoder = _DECODERS.get(mtype)
    if decoder is None:
        raise ProtocolViolation(f"invalid frontend message type {mtype[0]}")
    return decoder(Buffer(body))  # type: ignore[no-any-return]
