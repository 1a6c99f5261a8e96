"""One client connection: startup, TLS, authentication, then the simple and extended protocol.

This is the asyncio glue between the socket and the rest of the server. It reads frontend
messages, asks the session and the SQL front end what to do, runs statements on the engine
through the workgroup's admission pool, and writes backend messages with back-pressure. After
an error in the extended protocol it discards messages until Sync, as PostgreSQL does.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from catalog import errors as err
from catalog.model import QueryRecord
from engine import column_stats, streaming
from engine.duckdb_errors import ProductOverflow
from engine.duckdb_errors import translate as translate_duckdb
from engine.streaming import Payload
from proxy import blank_writes, copy_flow, late_ddl
from proxy.access_commands import AccessCommands
from proxy.client_stream import ClientReader
from proxy.datashare_commands import DatashareCommands
from proxy.extended import ExtendedProtocol
from proxy.procedure_commands import ProcedureCommands
from proxy.result_sender import ResultSender, _ReadAhead, statement_timeout_error
from proxy.result_types import described, fields_of
from proxy.session import Outcome, Session, TxStatus
from proxy.session_commands import SessionCommands, command_tag
from proxy.sql import commands, product_bounds
from proxy.sql.pipeline import Statement, wide_context
from proxy.startup import StartupAuth
from proxy.wire import backend, frontend
from proxy.wire.framing import read_message
from proxy.wlm_commands import WlmCommands

if TYPE_CHECKING:
    from catalog.blank_facts import ColumnKey, Magnitudes
    from proxy.server import Server, WorkgroupRuntime
    from proxy.wlm import Running

log = logging.getLogger("duckshift.connection")

# Output is written when this much is buffered (or at Sync/Flush/ReadyForQuery).
_FLUSH_BYTES = 256 * 1024


def client_gone_error() -> err.QueryCanceled:
    """The error (for the query record) of a statement whose client closed the connection."""
    return err.QueryCanceled("canceling statement because the connection to the client was lost")


class Connection(
    StartupAuth, ResultSender, ExtendedProtocol, SessionCommands, AccessCommands,
    DatashareCommands, WlmCommands, ProcedureCommands,
):
    """The protocol state machine of one client socket."""

    def __init__(
        self,
        server: Server,
        workgroup: WorkgroupRuntime,
        reader: ClientReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.server = server
        self.workgroup = workgroup
        self.reader = reader
        reader.on_close = self._client_closed
        self.writer = writer
        self.session: Session | None = None
        self.tls = False
        self._out: list[Payload] = []
        self._out_bytes = 0
        self._skip_until_sync = False
        self._running = False
        self._cancelled = False
        # A message is being served, and its client closed the connection meanwhile.
        self._serving = False
        self._client_left = False
        self._timed_out = False
        self._reverse_aliases: dict[str, str] = {}
        self._ahead: _ReadAhead | None = None
        # Why the running statement is being stopped, when workload management or CANCEL
        # stops it: the error its client gets.
        self._abort: err.SQLError | None = None
        # A stored procedure running (its nesting), a CancelRequest that came between its
        # statements, and when its statement_timeout ends (time.monotonic()).
        self._call_depth = 0
        self._call_cancelled = False
        self._call_deadline: float | None = None

    # -- output ---------------------------------------------------------------------------
    def send(self, data: Payload) -> None:
        self._out.append(data)
        self._out_bytes += len(data)

    async def flush(self) -> None:
        self._write_out()
        await self.writer.drain()

    async def maybe_flush(self) -> None:
        if self._out_bytes >= _FLUSH_BYTES:
            await self.flush()

    def maybe_write(self) -> bool:
        """``maybe_flush`` without waiting for the client: hands the output to the transport
        when that much is buffered; returns whether it did (then ``drain`` before more)."""
        if self._out_bytes < _FLUSH_BYTES:
            return False
        self._write_out()
        return True

    async def drain(self) -> None:
        """Wait until the transport is below its high-water mark."""
        await self.writer.drain()

    def _write_out(self) -> None:
        if self.writer.is_closing():
            # uvloop raises RuntimeError on a write to a closed transport.
            raise ConnectionResetError("the client closed the connection")
        if not self._out:
            return
        if self._out_bytes >= _FLUSH_BYTES:
            # Big pieces (batches of rows, views of Arrow buffers) go to the transport as they
            # are: joining them first copied every byte of a streamed result once more.
            self.writer.writelines(self._out)
        else:
            self.writer.write(b"".join(self._out))
        self._out.clear()
        self._out_bytes = 0

    # -- lifecycle ------------------------------------------------------------------------
    async def run(self) -> None:
        """Serve the connection until the client leaves or a fatal error ends it."""
        try:
            if await self._startup():
                await self._loop()
        except err.SQLError as exc:
            with contextlib.suppress(Exception):
                self.send(backend.error_response(exc))
                await self.flush()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except Exception:
            log.exception("connection failed")
        finally:
            await self._cleanup()

    async def _cleanup(self) -> None:
        session = self.session
        if session is not None:
            self.server.sessions.pop(session.pid, None)
            self.server.wlm.session_ended(self)
            with contextlib.suppress(Exception):
                await self._settle_ahead()
            if self._running:
                session.cursor.interrupt()
            for portal in list(session.portals.values()):
                self._close_portal(portal)
            for cursor in session.cursors.values():
                self._close_cursor(cursor)
            with contextlib.suppress(Exception):
                if session.tx != TxStatus.IDLE:
                    await self.server.engine.run(session.cursor.execute, "ROLLBACK")
            with contextlib.suppress(Exception):
                await self.server.engine.run(session.cursor.close)
            blank_writes.end_of_writes(self.server.blank_facts, session)
            # Its transaction, if one was open, was rolled back: what it would have made
            # (ownership, materialized views, procedures) is forgotten, as on ROLLBACK.
            self.server.authorizer.settle(session, committed=False)
        with contextlib.suppress(Exception):
            self.writer.close()

    # -- startup and authentication ---------------------------------------------------------
    async def _next_message(self, max_bytes: int) -> tuple[bytes, bytes]:
        """The next message; a user's SESSION TIMEOUT closes a session idle that long."""
        timeout = self.session.user.session_timeout if self.session is not None else None
        if not timeout:
            return await read_message(self.reader, max_bytes)
        try:
            return await asyncio.wait_for(read_message(self.reader, max_bytes), timeout)
        except TimeoutError:
            raise err.IdleSessionTimeout(
                "terminating connection due to idle-session timeout") from None

    async def _loop(self) -> None:
        limits = self.server.config.limits
        while True:
            mtype, body = await self._next_message(limits.max_message_bytes)
            try:
                msg = frontend.decode(mtype, body, limits.max_statement_length)
            except err.SQLError as exc:
                if isinstance(exc, err.FatalError):
                    raise
                # The frame was sound but its content is refused (invalid UTF-8, a statement
                # over the limit): an error of that one message, and the session goes on.
                if not self._skip_until_sync:
                    await self._refuse_message(mtype, exc)
                continue
            if isinstance(msg, frontend.Terminate):
                return
            if self._skip_until_sync and not isinstance(msg, frontend.Sync):
                continue
            self._serving = True
            try:
                if isinstance(msg, frontend.Query):
                    await self._simple_query(msg.sql)
                elif isinstance(msg, frontend.Sync):
                    await self._sync()
                    await self.flush()
                elif isinstance(msg, frontend.Flush):
                    await self.flush()
                elif isinstance(msg, frontend.CopyData | frontend.CopyDone | frontend.CopyFail):
                    # Stray COPY messages after a failed COPY are ignored, as PostgreSQL does.
                    continue
                elif isinstance(msg, frontend.Password):
                    raise err.ProtocolViolation("unexpected password message")
                else:
                    await self._extended(msg)
            except RecursionError:
                # A statement nested deeper than the SQL parser can follow: PostgreSQL's
                # max_stack_depth error for that message; the session goes on.
                await self._refuse_message(mtype, err.StatementTooComplex(
                    "stack depth limit exceeded",
                    hint="Simplify the statement: its expressions are nested too deeply.",
                ))
            finally:
                self._serving = False
            if self._client_left:
                # What it sent after this message is not run: nobody is there to answer.
                return
            await self.maybe_flush()

    # -- simple query -----------------------------------------------------------------------
    async def _simple_query(self, sql: str) -> None:
        session = self._session()
        try:
            stmts = await self.server.translator.statements(sql, session.context)
        except err.SQLError as exc:
            self._fail(exc)
            self.send(backend.ready_for_query(session.tx))
            await self.flush()
            return
        if not stmts:
            self.send(backend.empty_query_response())
        implicit = (
            len(stmts) > 1
            and session.tx == TxStatus.IDLE
            and not any(
                isinstance(s.command, commands.Begin | commands.Commit | commands.Rollback
                           | commands.CreateDatabase | commands.DropDatabase | commands.Vacuum)
                for s in stmts
            )
        )
        if implicit:
            await self._begin(session, implicit=True)
        ok = True
        session.implicit_transaction = implicit
        pending = list(stmts)  # a copy: the cache holds the list
        try:
            while pending:
                stmt = pending.pop(0)
                ddl = bool(pending) and stmt.statement_type in ("DDL", "CTAS")
                try:
                    key = session.context.key if ddl else None
                    await self._run_and_send(stmt)
                    if ddl and session.context.key != key:
                        # The statements after it read the catalog as it left it (which
                        # columns are CHAR), as they would if sent one by one.
                        pending = [s for rest in pending for s in
                                   await self.server.translator.statements(
                                       rest.text, session.context)]
                except err.SQLError as exc:
                    ok = False
                    self._fail(exc)
                    break
        finally:
            session.implicit_transaction = False
        if implicit:
            await self._end_implicit(session, ok)
        self.send(backend.ready_for_query(session.tx))
        await self.flush()

    async def _end_implicit(self, session: Session, ok: bool) -> None:
        if session.tx == TxStatus.IDLE:
            return
        committed = False
        try:
            await self._engine_call(session.cursor.execute, "COMMIT" if ok else "ROLLBACK")
            committed = ok
        except err.SQLError as exc:
            self._fail(exc)
        session.tx = TxStatus.IDLE
        session.pipeline_transaction = False
        self.server.authorizer.settle(session, committed)
        blank_writes.end_of_writes(self.server.blank_facts, session)
        self.server.wlm.tx_ended(session)

    def _fail(self, exc: err.SQLError) -> None:
        """Report an error and move the transaction to failed if one is open."""
        session = self.session
        self.send(backend.error_response(exc))
        if session is not None and session.tx == TxStatus.IN_BLOCK:
            session.tx = TxStatus.FAILED

    def _row_description(self, fields: Sequence[backend.FieldDescription]) -> bytes:
        """A RowDescription of ``fields`` as this session names columns."""
        session = self.session
        upper = session is not None and (
            session.values.get("describe_field_name_in_uppercase") == "on")
        return backend.row_description(described(
            fields, upper, session is not None and session.redshift_driver))

    # -- extended protocol ------------------------------------------------------------------
    async def _run_and_send(self, stmt: Statement) -> None:
        """Run one statement of a simple Query and send everything it produces."""
        if isinstance(stmt.command, commands.Copy):
            await copy_flow.run(self, stmt)
            return
        outcome = await self._run(stmt, [])
        if outcome.result is None:
            self.send(backend.command_complete(command_tag(outcome, outcome.rowcount or 0)))
            return
        assert outcome.result.schema is not None
        try:
            fields = fields_of(outcome.result.schema)
            self.send(self._row_description(fields))
            sent, _ = await self._send_rows(outcome.result, [0] * len(fields), outcome.limit)
        finally:
            if outcome.owned:
                streaming.close(outcome.result)
                if outcome.ticket is not None:
                    self.workgroup.pool.release(outcome.ticket)
        self.send(backend.command_complete(command_tag(outcome, sent)))

    async def _run(
        self, stmt: Statement, params: list[object], sql: str | None = None,
        planned: bool = False, param_oids: Sequence[int] | None = None,
    ) -> Outcome:
        """Run a statement (``sql`` overrides its DuckDB text); rows come back open.

        ``planned``: every parameter is typed, so the session may keep DuckDB's plan.
        ``param_oids``: the parameters' types, to cast each ``$n`` of the translation that
        runs to (``result_types.typed_params``). A statement with DECIMAL products that may pass
        18 digits in DuckDB's BIGINT runs in the form DuckDB's statistics choose
        (``_sized_form``); one whose BIGINT product failed all the same (22003: another
        session's commit since) runs once more in its wide form (``pipeline.wide_context``),
        before the error is reported: only outside a transaction block, where the failed
        statement left no effect and DuckDB has rolled it back (inside one, the failure aborted
        the transaction), and only where its text is the translation's own."""
        session = self._session()
        try:
            return await self._run_once(stmt, params, sql, planned, param_oids)
        except ProductOverflow:
            wide = await self._wide_form(session, stmt) if (
                sql is None and session.tx == TxStatus.IDLE) else None
            if wide is None:
                raise
            return await self._run_once(wide, params, None, planned, param_oids)

    async def _sized_form(self, session: Session, stmt: Statement) -> Statement:
        """``stmt`` (its narrow form) where DuckDB's statistics of the table columns its
        DECIMAL products read (``engine.column_stats``) show that their arithmetic fits 18
        digits (``proxy.sql.product_bounds``), else its wide form. The magnitudes are those
        the server keeps since the tables' last writes (``catalog.blank_facts``) where it may
        use them, else read on the session's own cursor, now: the statistics then cover its
        transaction's own updates, and show nothing while it has rows of its own in a table
        (the wide form runs)."""
        bounds = stmt.product_bounds
        columns = product_bounds.columns_of(bounds) if bounds is not None else None
        directory = session.directory
        if columns is not None and directory is not None and all(
                (found := directory.relation(*key)) is not None and found.kind == "table"
                for key, _ in columns):
            assert bounds is not None
            known = await self._magnitudes(session, columns)
            if known is not None and product_bounds.fits(bounds, known):
                return stmt
        wide = await self._wide_form(session, stmt)
        return stmt if wide is None else blank_writes.current(self.server.blank_facts, wide)

    async def _magnitudes(self, session: Session, columns: list[ColumnKey]
                          ) -> Magnitudes | None:
        """The magnitudes of ``columns`` for ``_sized_form``: kept ones where the session may
        use them, else read (and kept where the read may be); None where the read failed."""
        facts = self.server.blank_facts
        since = None if session.tx == TxStatus.IDLE else session.blank_since
        # In a transaction, only once its snapshots of the tables' databases are taken: a
        # write committed before that would be in the rows the kept magnitudes do not bound.
        if since is None or all(key[0] in session.stats_snapshots for key, _ in columns):
            kept = facts.magnitudes(columns, since)
            if kept is not None:
                return kept
        token = facts.measuring(columns, since)
        await self._park_streams()
        try:
            known = await self._engine_call(column_stats.measured, session.cursor, columns)
        except err.SQLError:
            return None  # the statement itself reports what is wrong
        if since is not None:
            session.stats_snapshots.update(key[0] for key, _ in columns)
        if token is not None:
            facts.measured(token, known)
        return known

    async def _wide_form(self, session: Session, stmt: Statement) -> Statement | None:
        """``stmt``'s wide form from the statement cache; None where it has none."""
        ctx = wide_context(stmt, session.context)
        if ctx is None:
            return None
        fresh = await self.server.translator.statements(stmt.text, ctx)
        return fresh[0] if len(fresh) == 1 and fresh[0].duck_sql is not None else None

    async def _run_once(self, stmt: Statement, params: list[object], sql: str | None,
                        planned: bool, param_oids: Sequence[int] | None) -> Outcome:
        """``_run`` of one translation of the statement."""
        session = self._session()
        if stmt.command is not None:
            return await self._command(session, stmt, params)
        if session.tx == TxStatus.FAILED:
            raise err.in_failed_transaction()
        assert stmt.duck_sql is not None
        facts = self.server.blank_facts
        # Late DDL's text is made before it runs, unchecked: it takes the exact translation.
        stmt = (stmt.exact or stmt) if stmt.late is not None else blank_writes.current(
            facts, stmt)
        if stmt.narrow_products and sql is None:
            # Before the privilege check: it may narrow the form chosen to run.
            stmt = await self._sized_form(session, stmt)
        sql = self.server.authorizer.check(session, stmt) or sql
        if sql is None:
            stmt = await self._with_first_facts(session, stmt)
        if any(ref.action == "CREATE" or (ref.kind == "function" and ref.action == "DROP")
               for ref in stmt.refs):
            self.server.authorizer.before(session, stmt)
        # Marked first: a write's own comparisons do not start a scan its write would void.
        written = blank_writes.mark_writes(facts, self.server.authorizer, session, stmt)
        if written != []:
            # The materialized views over them follow once the write commits.
            self.server.materialized.written(session, written)
        blank_writes.scan_wanted(facts, self.server.engine, stmt)
        try:
            return await self._run_marked(session, stmt, params, sql, planned, param_oids)
        finally:
            if session.tx == TxStatus.IDLE:
                blank_writes.end_of_writes(facts, session)
                # A statement that failed outside a transaction wrote nothing (one that ran
                # has settled its writes already).
                self.server.materialized.settled(session, committed=False)

    async def _with_first_facts(self, session: Session, stmt: Statement) -> Statement:
        """``stmt``, translated again if scans of the columns it compares, run first where
        cheap (``blank_writes.scan_first``, on a worker thread), found some of them clean:
        its first run then compares them as written too, not only the runs after it."""
        facts = self.server.blank_facts
        tables = blank_writes.first_scans(facts, stmt)
        if not tables:
            return stmt
        version = facts.version
        await self._engine_call(blank_writes.scan_first, facts, self.server.engine, tables)
        if facts.version == version:
            return stmt
        fresh = await self.server.translator.statements(stmt.text, replace(
            session.context, param_types=stmt.param_types, wide_products=stmt.wide_products))
        return blank_writes.current(facts, fresh[0]) if len(fresh) == 1 else stmt

    async def _run_marked(self, session: Session, stmt: Statement, params: list[object],
                          sql: str | None, planned: bool,
                          param_oids: Sequence[int] | None) -> Outcome:
        """``_run`` once the statement's writes are marked."""
        await self._park_streams()
        if stmt.late is not None:
            # DDL made from the catalog as it is now (LIKE, ALTER COLUMN TYPE, TRUNCATE).
            sql, stmt = await late_ddl.prepare(self, session, stmt, sql or stmt.duck_sql)
        record = self._record(stmt)
        wlm = self.server.wlm
        run = wlm.admit(self, session, stmt, record)
        pool = self.workgroup.pool
        # Statements the workgroup's query forecaster predicts short may take the SQA lane.
        scaling = self.server.scaling
        short = scaling is not None and scaling.short_statement(self.workgroup.name,
                                                                record.query_text)
        try:
            self._check_client()
            ticket = await wlm.wait(run, pool.acquire(short=short))
        except err.SQLError as exc:
            self._finish_record(record, time.perf_counter(), exc, run=run,
                                compute=stmt.compute)
            raise
        record.queue_us = int(ticket.queued_s * 1e6)
        record.short_query_accelerated = ticket.lane == "short"
        wlm.started(run)
        started = time.perf_counter()
        timer = self._arm_statement_timeout(session)
        try:
            self._check_client()
            # A workgroup with a short-query lane runs what the lane left out (predicted
            # long) at a lower CPU priority, so short statements get the cores first.
            long = pool.short_lane and not short
            result = await self._engine_call_on(
                self.server.engine.long_executor if long else self.server.engine.executor,
                blank_writes.checked(self.server.blank_facts, stmt, sql, streaming.execute,
                                     param_oids),
                session.cursor, sql or blank_writes.typed_text(stmt, param_oids), params,
                returns_rows=stmt.returns_rows,
                on_done=partial(run.completed, session.cursor) if wlm.profiling() else None,
                parsed=session.parsed,
                plans=session.plans if planned else None,
            )
        except err.SQLError as exc:
            pool.release(ticket)
            self._disarm(timer)
            self._finish_record(record, started, exc, run=run, compute=stmt.compute)
            raise
        self._ran(session, stmt)
        if stmt.statement_type in ("DDL", "CTAS"):
            # A new temporary table may hide a table a kept plan reads.
            session.plans.invalidate()
        if not stmt.returns_rows:
            pool.release(ticket)
            self._disarm(timer)
            self._finish_record(record, started, None, rows=result.rowcount or 0, run=run,
                                compute=stmt.compute)
            return Outcome(stmt.tag, stmt.counts_rows, None, result.rowcount)
        run.result = result

        def finished(res: streaming.Result) -> None:
            # The statement ends when its result does: all rows sent, portal closed, or failed.
            self._disarm(timer)
            failure = res.failure
            sql_failure = failure if isinstance(failure, err.SQLError) else None
            if failure is not None and sql_failure is None:
                sql_failure = err.QueryCanceled("client went away while rows were sent")
            self._finish_record(
                record, started, sql_failure, rows=res.rows_sent, sent_bytes=res.bytes_sent,
                run=run, compute=stmt.compute,
            )

        result.on_close = finished
        return Outcome(stmt.tag, stmt.counts_rows, result, None, ticket)

    def _ran(self, session: Session, stmt: Statement) -> None:
        """Note a statement's effects on ownership; outside a transaction they are final."""
        authorizer = self.server.authorizer
        authorizer.ran(session, stmt)
        if session.tx == TxStatus.IDLE:
            authorizer.settle(session, committed=True)

    def _arm_statement_timeout(self, session: Session) -> asyncio.TimerHandle | None:
        """statement_timeout (milliseconds, 0 = none) covers running and sending rows."""
        self._timed_out = False
        ms = int(session.values.get("statement_timeout") or 0)
        if self._call_deadline is not None:
            # A statement of a stored procedure: the call's timeout covers all of them.
            ms = max(1, int((self._call_deadline - time.monotonic()) * 1000))
        if ms <= 0:
            return None
        return asyncio.get_running_loop().call_later(ms / 1000, self._statement_timed_out)

    def _statement_timed_out(self) -> None:
        self._timed_out = True
        if self._running and self.session is not None:
            self.session.cursor.interrupt()

    def _disarm(self, timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()
        self._timed_out = False

    async def _engine_call(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run a DuckDB call on a worker thread; interrupt it if the client goes away."""
        return await self._engine_call_on(self.server.engine.executor, fn, *args, **kwargs)

    async def _engine_call_on(  # type: ignore[no-untyped-def]
        self, executor: concurrent.futures.Executor, fn, *args, **kwargs
    ):
        """``_engine_call`` on a thread of ``executor``."""
        await self._settle_ahead()
        self._cancelled = False
        return await self._engine_wait(self._submit_to(executor, fn, *args, **kwargs))

    async def _engine_wait(self, fut: asyncio.Future[Any]) -> Any:
        """Await a worker call's outcome, DuckDB errors translated; interruptible meanwhile."""
        self._running = True
        try:
            return await fut
        except err.SQLError:
            raise
        except Exception as exc:
            sqlerr = translate_duckdb(exc, self._reverse_aliases)
            if isinstance(sqlerr, err.QueryCanceled):
                if self._abort is not None:
                    sqlerr = self._abort
                elif self._timed_out:
                    sqlerr = statement_timeout_error()
                elif self._cancelled:
                    sqlerr = err.QueryCanceled("canceling statement due to user request")
            raise sqlerr from None
        finally:
            self._running = False

    def _submit(self, fn, *args, **kwargs) -> asyncio.Future[Any]:  # type: ignore[no-untyped-def]
        """Start ``fn`` on a worker thread; the returned loop future gets its outcome."""
        return self._submit_to(self.server.engine.executor, fn, *args, **kwargs)

    def _submit_to(  # type: ignore[no-untyped-def]
        self, executor: concurrent.futures.Executor, fn, *args, **kwargs
    ) -> asyncio.Future[Any]:
        """``_submit`` on a thread of ``executor``."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        # The worker resolves the loop's future itself: run_in_executor's chaining of two
        # futures costs ~45 us per call (asyncpg SELECT 1 round trip 134 us vs 89 us, measured
        # with a no-op call), paid by every statement.
        executor.submit(fn, *args, **kwargs).add_done_callback(
            lambda done: loop.call_soon_threadsafe(_resolve, fut, done)
        )
        return fut

    def _client_closed(self) -> None:
        """The client's side of the socket ended (``ClientReader``): stop the statement it
        is waiting for, so its slot and its transaction are freed now rather than when it
        would have finished. Messages that arrived before the end are still served, and so
        is everything before a Terminate the client sent as it left."""
        if not self._serving or self.reader.said_goodbye or self.session is None:
            return
        self._client_left = True
        # Only a client's statement is stopped, not the COMMIT or ROLLBACK that ends it.
        running = self.server.wlm.running_of(self)
        if running is not None:
            running.abort = client_gone_error()
            self.server.wlm.interrupt(running)

    def _check_client(self) -> None:
        """Stop before a wait or a run when the client left while it was not interruptible."""
        if self._client_left:
            raise client_gone_error()

    def cancel(self) -> None:
        """Interrupt the running statement, or end its wait for a slot (CancelRequest); the
        session stays open."""
        if self.session is None:
            return
        if self._call_depth:
            # A stored procedure runs: its next check stops it, even where the interrupt
            # below comes between two of its statements.
            self._call_cancelled = True
        if self._running:
            self._cancelled = True
            self.session.cursor.interrupt()
            return
        running = self.server.wlm.running_of(self)
        if running is not None and running.task is not None:
            running.abort = err.QueryCanceled("canceling statement due to user request")
            self.server.wlm.interrupt(running)

    def cancel_by_user(self, message: str = "") -> None:
        """CANCEL / pg_cancel_backend from another session: the running statement (or the
        rows it still has to send) fails with Redshift's message."""
        running = self.server.wlm.running_of(self)
        if running is None:
            return
        text = f"Query ({running.record.query_id}) cancelled on user's request"
        running.abort = err.QueryCanceled(f"{text}: {message}" if message else text)
        self.server.wlm.interrupt(running)

    def terminate(self) -> None:
        """pg_terminate_backend: stop what runs and close the connection (its open
        transaction rolls back as the session is cleaned up)."""
        self.cancel()
        self.writer.close()

    def _record(self, stmt: Statement) -> QueryRecord:
        session = self._session()
        return QueryRecord(
            query_id=self.server.query_log.next_id(),
            session_pid=session.pid,
            transaction_id=session.transaction_id,
            namespace_guid=session.namespace.guid,
            database=session.database,
            user_name=session.user.name,
            workgroup=session.workgroup,
            statement_type=stmt.statement_type,
            query_text=stmt.text[:4000],
            start_time=datetime.now(UTC).replace(tzinfo=None),
        )

    def _finish_record(
        self,
        record: QueryRecord,
        started: float,
        exc: err.SQLError | None,
        rows: int = 0,
        sent_bytes: int = 0,
        run: Running | None = None,
        compute: bool = True,
    ) -> None:
        """End a statement's record; ``compute``: whether Redshift would have run it on its
        compute nodes, the only statements PG_LAST_QUERY_ID names (``Statement.compute``)."""
        record.execution_us = int((time.perf_counter() - started) * 1e6)
        record.end_time = datetime.now(UTC).replace(tzinfo=None)
        record.rows_returned = rows
        record.bytes_returned = sent_bytes
        if exc is None:
            record.status = "success"
        else:
            record.status = "canceled" if isinstance(exc, err.QueryCanceled) else "failed"
            record.error_code = exc.sqlstate
            record.error_message = exc.message[:1024]
        if run is not None:
            self.server.wlm.finished(run, record)
            if self._abort is run.abort:
                self._abort = None
        if self.session is not None and compute:
            self.session.last.finished(record.query_id, record.statement_type, exc is None, rows)
        self.server.query_log.append(record)

    # -- session commands -----------------------------------------------------------------------
    def _session(self) -> Session:
        session = self.session
        assert session is not None
        catalog = self.server.catalog
        if session.catalog_version != catalog.version:
            # ALTER USER may have changed the user (superuser, timeouts): the next statement
            # sees it.
            session.catalog_version = catalog.version
            fresh = catalog.user(session.namespace.guid, session.user.name)
            if fresh is not None:
                session.user = fresh
                session.values["is_superuser"] = "on" if fresh.superuser else "off"
        return session


# -- helpers ----------------------------------------------------------------------------------



def _resolve(fut: asyncio.Future[Any], done: concurrent.futures.Future[Any]) -> None:
    """Copy a finished worker call's outcome into the awaiting loop future (if still awaited)."""
    if fut.cancelled():
        return
    if done.cancelled():  # the engine shut down before the call started
        fut.cancel()
        return
    exc = done.exception()
    if exc is None:
        fut.set_result(done.result())
    else:
        fut.set_exception(exc)
