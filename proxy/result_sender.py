"""Sending a statement's rows: inline, pipelined on worker threads, or page by page.

``ResultSender`` is mixed into ``Connection``. A small complete result is encoded on the event
loop; a result sent in full is pipelined (one worker reads the next batch while others encode);
a paged portal (Execute with a row limit, FETCH n) reads its next page ahead while the client
decodes the current one. Every path counts the rows and bytes sent for the query record.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from catalog import errors as err
from engine import streaming
from engine.streaming import Payload
from proxy import session_zone
from proxy.codecs import encode_data_rows
from proxy.codecs.registry import redshift_registry

if TYPE_CHECKING:
    from proxy.connection import Connection

log = logging.getLogger("duckshift.results")

# Complete results up to this many rows are encoded on the event loop (no thread hop).
_INLINE_ROWS = 2048
# Batches of a result sent in full that are encoded at once on worker threads, while the next
# is read. Two on this 2-core machine: psql COPY of lineitem, 11 runs alternating with the
# previous read-then-encode on one worker, reached 1.3-1.5M rows/s against 0.85M when the box
# was quiet (medians 861k vs 825k with other sessions' load).
_ENCODERS = 2


def statement_timeout_error() -> err.QueryCanceled:
    """The error of a statement that outlived statement_timeout."""
    return err.QueryCanceled("canceling statement due to statement timeout")


def in_zone(batch: pa.RecordBatch, zone: str) -> pa.RecordBatch:
    """The batch with its TIMESTAMPTZ columns tagged with the session's time zone.

    The values (UTC instants) do not change, so binary results stay as they are; the text
    codec shows each value's wall clock and offset in the tagged zone (codecs/datetimes.py).
    """
    if zone == session_zone.UTC:
        return batch
    fields = [
        f.with_type(pa.timestamp(f.type.unit, tz=zone))
        if pa.types.is_timestamp(f.type) and f.type.tz is not None else f
        for f in batch.schema
    ]
    return batch.cast(pa.schema(fields, metadata=batch.schema.metadata))


class ResultSender:
    """Row sending (a mixin of ``Connection``)."""

    async def _send_rows(
        self: Connection,
        result: streaming.Result,
        formats: Sequence[int],
        max_rows: int,
        coerce: pa.Schema | None = None,
    ) -> tuple[int, bool]:
        """Stream rows of a result; returns (rows sent, more rows remain)."""

        zone = session_zone.engine_zone(self.session.values["timezone"]) if (
            self.session is not None) else session_zone.UTC
        registry = redshift_registry() if (
            self.session is not None and self.session.redshift_driver) else None

        def encode(batch: pa.RecordBatch) -> Payload:
            if coerce is not None:
                try:
                    batch = batch.cast(coerce)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise err.DatatypeMismatch(
                        f"result does not match its description: {exc}"
                    ) from None
            return encode_data_rows(in_zone(batch, zone), formats, registry=registry)

        return await self.stream(result, encode, max_rows, (tuple(formats), coerce))

    async def stream(
        self,
        result: streaming.Result,
        encode: Callable[[pa.RecordBatch], Payload],
        max_rows: int = 0,
        key: object = None,
    ) -> tuple[int, bool]:
        """Send a result's batches through ``encode``; returns (rows sent, more remain).

        A small result that is already complete is encoded right here; anything larger is
        fetched and encoded on a worker thread, batch by batch, with back-pressure. When rows
        remain after ``max_rows`` and the encoding has a ``key`` (equal keys encode alike), the
        next ``max_rows`` rows are read and encoded ahead while the client handles these.
        """
        try:
            return await self._stream(result, _guarded(encode), max_rows, key)
        except BaseException as exc:
            result.failure = exc
            raise

    async def _stream(
        self,
        result: streaming.Result,
        encode: Callable[[pa.RecordBatch], Payload],
        max_rows: int,
        key: object,
    ) -> tuple[int, bool]:
        sent = 0
        ahead = await self._settle_ahead(result, key, max_rows)
        if ahead is not None:
            for data, batch in zip(ahead.data, ahead.batches, strict=True):
                self._emit(result, data, batch.num_rows)
            sent = ahead.rows
        inline = result.exhausted and streaming.pending_rows(result) <= _INLINE_ROWS
        if not inline and not max_rows:
            await self.maybe_flush()
            return await self._stream_all(result, encode, sent), False
        while True:
            if self._abort is not None:
                raise self._abort
            if self._timed_out:
                raise statement_timeout_error()
            if max_rows and sent >= max_rows:
                # The page goes to the transport at once, but the wait for the client to take
                # it comes after the next page's read-ahead has started: waiting first left
                # the client idle, once it had decoded this page, while the next was read.
                written = self.maybe_write()
                if not result.pending and not result.exhausted:
                    await self._engine_call(streaming.fill, result)
                more = bool(result.pending)
                if more and key is not None and not inline:
                    self._read_ahead(result, encode, max_rows, key)
                if written:
                    await self.drain()
                return sent, more
            limit = max_rows - sent if max_rows else 0
            if inline:
                data, n = streaming.take(result, encode, limit)
            else:
                data, n = await self._engine_call(streaming.take, result, encode, limit)
            if n == 0:
                await self.maybe_flush()
                return sent, False
            self._emit(result, data, n)
            sent += n
            if not max_rows or sent < max_rows:
                await self.maybe_flush()

    async def _stream_all(
        self,
        result: streaming.Result,
        encode: Callable[[pa.RecordBatch], Payload],
        sent: int,
    ) -> int:
        """Send every remaining row; returns the rows sent in all.

        Batch k+1 is read from DuckDB on one worker while batches k and k-1 are encoded on
        others, and the encoded batches are sent in order. Encoding lineitem for COPY runs at
        about 1.1M rows/s on one thread and reading it at 4.4M, so read-then-encode on one
        worker capped psql COPY at 534k rows/s.
        """
        encoding: deque[tuple[asyncio.Future[Payload], int]] = deque()
        fetching: asyncio.Future[pa.RecordBatch | None] | None = self._submit(
            streaming.fetch, result
        )
        self._cancelled = False
        try:
            while fetching is not None or encoding:
                if self._abort is not None:
                    raise self._abort
                if self._timed_out:
                    raise statement_timeout_error()
                if fetching is not None and len(encoding) < _ENCODERS:
                    batch = await self._engine_wait(fetching)
                    fetching = None
                    if batch is not None:
                        fetching = self._submit(streaming.fetch, result)
                        encoding.append((self._submit(encode, batch), batch.num_rows))
                    continue
                future, rows = encoding.popleft()
                data = await self._engine_wait(future)
                self._emit(result, data, rows)
                sent += rows
                await self.maybe_flush()
        finally:
            # The cursor is the session's: no read may still run on it when this returns.
            if fetching is not None:
                await asyncio.wait([fetching])
                if not fetching.cancelled():
                    fetching.exception()
            for future, _ in encoding:
                future.add_done_callback(_discard)
        return sent

    def _emit(self, result: streaming.Result, data: Payload, rows: int) -> None:
        result.rows_sent += rows
        result.bytes_sent += len(data)
        self.send(data)

    def _read_ahead(
        self,
        result: streaming.Result,
        encode: Callable[[pa.RecordBatch], Payload],
        rows: int,
        key: object,
    ) -> None:
        # A client paging through a portal (asyncpg cursors, psycopg named cursors) decodes
        # one page before asking for the next, so without this the server idles meanwhile:
        # asyncpg's cursor over lineitem took 35 s, 25 s of them client CPU and 11 s ours.
        self._ahead = _ReadAhead(
            result, key, self._submit(streaming.read_ahead, result, encode, rows)
        )

    async def _settle_ahead(
        self, result: streaming.Result | None = None, key: object = None, limit: int = 0
    ) -> streaming.Ahead | None:
        """Wait for a read-ahead; its rows if they are what ``result``/``key``/``limit`` ask for.

        Every other use of the session's cursor settles first (the cursor is not used from
        two threads); rows read ahead but not asked for go back to their result.
        """
        pending, self._ahead = self._ahead, None
        if pending is None:
            return None
        ahead = await pending.future
        if ahead is None:
            return None
        if pending.result is result and pending.key == key and (not limit or ahead.rows <= limit):
            return ahead
        streaming.put_back(pending.result, ahead.batches)
        return None


@dataclass(slots=True)
class _ReadAhead:
    """A read-ahead in flight: whose rows, encoded how, and its outcome."""

    result: streaming.Result
    key: object
    future: asyncio.Future[streaming.Ahead | None]


def _guarded(encode: Callable[[pa.RecordBatch], Payload]) -> Callable[[pa.RecordBatch], Payload]:
    """``encode`` whose unexpected failures are errors of the statement: the client gets an
    ErrorResponse and the session goes on, instead of the connection dropping."""

    def guarded(batch: pa.RecordBatch) -> Payload:
        try:
            return encode(batch)
        except err.SQLError:
            raise
        except Exception as exc:
            log.exception("encoding result rows failed")
            raise err.InternalError(f"could not send a result row: {exc}") from None

    return guarded


def _discard(fut: asyncio.Future[Any]) -> None:
    """Retrieve the outcome of a call nobody awaits any more (an encode after a failure)."""
    if not fut.cancelled():
        fut.exception()


