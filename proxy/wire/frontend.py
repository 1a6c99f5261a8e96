"""Decoding of frontend (client to server) messages into small frozen dataclasses.

Each decoder checks lengths and terminators as it reads, so a malformed message raises
``ProtocolViolation`` (08P01) instead of an IndexError deep in the server. Strings are UTF-8
(the server only speaks UTF8): invalid bytes are PostgreSQL's error 22021, which ends only that
message, not the connection (in the startup packet they are a protocol violation). A Query or
Parse string longer than the configured limit is 54000, also for that message only.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from catalog.errors import CharacterNotInRepertoire, ProgramLimitExceeded, ProtocolViolation

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

    def uint16(self) -> int:
        """A count: PostgreSQL reads the counts of Parse and Bind as unsigned (up to 65535)."""
        return struct.unpack("!H", self._take(2))[0]

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
        except UnicodeDecodeError as exc:
            bad = " ".join(f"0x{b:02x}" for b in raw[exc.start : exc.end])
            raise CharacterNotInRepertoire(
                f'invalid byte sequence for encoding "UTF8": {bad}'
            ) from None

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
    try:
        while True:
            key = buf.cstr()
            if not key:
                break
            params[key] = buf.cstr()
    except CharacterNotInRepertoire as exc:
        # Before the session exists every error ends the connection.
        raise ProtocolViolation(exc.message) from None
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


def _statement(b: Buffer, max_length: int | None) -> str:
    sql = b.cstr()
    if max_length is not None and len(sql) > max_length:
        raise ProgramLimitExceeded(
            f"statement is too long: {len(sql)} characters (the limit is {max_length})",
            hint="Raise max_statement_length in [server.limits].",
        )
    return sql


def _query(b: Buffer, max_length: int | None) -> Query:
    q = Query(_statement(b, max_length))
    b.end()
    return q


def _parse(b: Buffer, max_length: int | None) -> Parse:
    name, sql = b.cstr(), _statement(b, max_length)
    n = b.uint16()
    oids = tuple(b.int32() & 0xFFFFFFFF for _ in range(n))
    b.end()
    return Parse(name, sql, oids)


def _bind(b: Buffer) -> Bind:
    portal, statement = b.cstr(), b.cstr()
    nf = b.uint16()
    formats = tuple(b.int16() for _ in range(nf))
    np_ = b.uint16()
    params: list[bytes | None] = []
    for _ in range(np_):
        ln = b.int32()
        if ln < -1:
            raise ProtocolViolation(f"invalid parameter length {ln}")
        params.append(None if ln == -1 else b._take(ln))
    nr = b.uint16()
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
    portal, max_rows = b.cstr(), b.int32()
    b.end()
    # PostgreSQL reads a row count of zero or below as "all rows".
    return Execute(portal, max(max_rows, 0))


def _empty(cls: type) -> object:
    def decode(b: Buffer) -> object:
        b.end()
        return cls()

    return decode


def _copy_fail(b: Buffer) -> CopyFail:
    return CopyFail(b.cstr())


_DECODERS = {
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


def decode(mtype: bytes, body: bytes, max_statement_length: int | None = None) -> Message:
    """Decode one typed frontend message.

    ``max_statement_length`` bounds the characters of a Query's or Parse's statement (None:
    unbounded, for callers that expect neither).
    """
    if mtype == b"Q":
        return _query(Buffer(body), max_statement_length)
    if mtype == b"P":
        return _parse(Buffer(body), max_statement_length)
    decoder = _DECODERS.get(mtype)
    if decoder is None:
        raise ProtocolViolation(f"invalid frontend message type {mtype[0]}")
    return decoder(Buffer(body))  # type: ignore[no-any-return]
