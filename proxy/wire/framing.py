"""Length-prefixed message frames of the PostgreSQL v3 protocol, in both directions.

No other module knows about message lengths. Startup-phase packets have no type byte; every
later frontend message is a type byte plus an int32 length that counts itself. Frames larger
than the configured limit are a protocol violation (08P01) and end the connection, so a client
cannot make the server allocate without bound.
"""

from __future__ import annotations

import asyncio
import struct

from catalog.errors import ProtocolViolation

_LEN = struct.Struct("!i")
_TYPE_LEN = struct.Struct("!ci")

# The startup packet is small in every real client; PostgreSQL itself caps it at 10000 bytes.
MAX_STARTUP_BYTES = 10_000


async def read_startup(reader: asyncio.StreamReader) -> bytes:
    """Read one untyped startup-phase packet; returns its body (after the length)."""
    (length,) = _LEN.unpack(await reader.readexactly(4))
    if length < 8 or length > MAX_STARTUP_BYTES:
        raise ProtocolViolation(f"invalid length of startup packet: {length}")
    return await reader.readexactly(length - 4)


async def read_message(reader: asyncio.StreamReader, max_bytes: int) -> tuple[bytes, bytes]:
    """Read one typed frontend message; returns (type byte, body)."""
    header = await reader.readexactly(5)
    mtype, length = _TYPE_LEN.unpack(header)
    if length < 4:
        raise ProtocolViolation(f"invalid message length {length}")
    if length - 4 > max_bytes:
        raise ProtocolViolation(
            f"message of {length} bytes exceeds the limit of {max_bytes} bytes"
        )
    body = await reader.readexactly(length - 4) if length > 4 else b""
    return mtype, body


def frame(mtype: bytes, body: bytes = b"") -> bytes:
    """One backend message: type byte, int32 length (counting itself), body."""
    return mtype + _LEN.pack(len(body) + 4) + body
