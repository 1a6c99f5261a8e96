"""Listening sockets whose readers say the moment a client closes its side of the connection.

``asyncio.start_server`` hands each connection a plain ``StreamReader``; that one only shows
the client's end once every byte before it has been read (``at_eof``), so a statement whose
client sent Parse/Bind/Execute/Sync and then died could not tell while its Sync sat unread.
``ClientReader`` calls its owner back as soon as the end (FIN, reset or any transport error)
arrives, so the statement being served can be stopped at once, as PostgreSQL's
``client_connection_check_interval`` does. A client whose last bytes were a Terminate message
said goodbye instead: what it sent before is served.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

# A Terminate message: 'X' and its length, 4.
_TERMINATE = b"X\x00\x00\x00\x04"
_SYNC = ord("S")
_EXECUTE = ord("E")

ClientCallback = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class ClientReader(asyncio.StreamReader):
    """A ``StreamReader`` that calls ``on_close`` once, when the client's side ends."""

    on_close: Callable[[], None] | None = None
    closed = False
    # The client closed after a Terminate message still waiting to be read.
    said_goodbye = False

    def feed_eof(self) -> None:
        self.said_goodbye = self._buffer.endswith(_TERMINATE)
        super().feed_eof()
        self._client_closed()

    def set_exception(self, exc: BaseException) -> None:
        super().set_exception(exc)
        self._client_closed()

    def executes_before_sync(self, more_than: int) -> bool:
        """Whether the messages already received hold more than ``more_than`` Execute
        messages before the next Sync, or no complete Sync at all.

        The extended protocol runs everything up to a Sync in one implicit transaction;
        a lone statement needs none. Only the buffer's message headers are read, and the
        scan stops at the first Sync or once the answer is known.
        """
        buf = self._buffer
        pos = executes = 0
        while pos + 5 <= len(buf):
            kind = buf[pos]
            if kind == _SYNC:
                return False
            if kind == _EXECUTE:
                executes += 1
                if executes > more_than:
                    return True
            pos += 1 + int.from_bytes(buf[pos + 1:pos + 5], "big")
        return True

    def _client_closed(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.on_close is not None:
            self.on_close()


async def start_server(
    client_connected: ClientCallback, host: str, port: int, *, limit: int, **kwargs: Any
) -> asyncio.Server:
    """``asyncio.start_server`` with a ``ClientReader`` for every connection."""
    loop = asyncio.get_running_loop()

    def factory() -> asyncio.StreamReaderProtocol:
        reader = ClientReader(limit=limit, loop=loop)
        return asyncio.StreamReaderProtocol(reader, client_connected, loop=loop)

    return await loop.create_server(factory, host, port, **kwargs)
