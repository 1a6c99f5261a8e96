"""One client connection: startup, TLS, authentication, then the simple and extended protocol.

This is the asyncio glue between the socket and the rest of the server. It reads frontend
messages, asks the session and the SQL front end what to do, runs statements on the engine
through the workgroup's admission pool, and writes backend messages with back-pressure. After
an error in the extended protocol it discards messages until Sync, as PostgreSQL does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import sqlglot
from sqlglot import exp

from catalog import errors as err
from catalog.model import QueryRecord, User
from catalog.passwords import Verifiers
from engine import describe, streaming
from engine.admission import Ticket
from engine.duckdb_errors import translate as translate_duckdb
from proxy import copy_flow, settings
from proxy.codecs import (
    decode_parameter,
    duckdb_type_for_oid,
    encode_data_rows,
    oids,
    pg_type_from_arrow,
    pg_type_from_duckdb,
)
from proxy.codecs.oids import TEXT, UNKNOWN
from proxy.session import Portal, PreparedStatement, Session, SqlCursor, TxStatus
from proxy.sql import commands
from proxy.sql.pipeline import Statement
from proxy.wire import auth, backend, frontend
from proxy.wire.framing import read_message, read_startup

if TYPE_CHECKING:
    from proxy.server import Server, WorkgroupRuntime

log = logging.getLogger("duckshift.connection")

# Output is written when this much is buffered (or at Sync/Flush/ReadyForQuery).
_FLUSH_BYTES = 256 * 1024
# Complete results up to this many rows are encoded on the event loop (no thread hop).
_INLINE_ROWS = 2048
# How often a statement waiting on DuckDB checks whether its client has gone away.
_DISCONNECT_POLL_S = 0.5


@dataclass(slots=True)
class Outcome:
    """What running one statement produced, before its rows are sent."""

    tag: str
    counts_rows: bool = False
    result: streaming.Result | None = None
    rowcount: int | None = None
    ticket: Ticket | None = None
    owned: bool = True  # False: the rows belong to a SQL cursor and stay open
    limit: int = 0  # at most this many rows (FETCH n)


class Connection:
    """The protocol state machine of one client socket."""

    def __init__(
        self,
        server: Server,
        workgroup: WorkgroupRuntime,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.server = server
        self.workgroup = workgroup
        self.reader = reader
        self.writer = writer
        self.session: Session | None = None
        self.tls = False
        self._out: list[bytes] = []
        self._out_bytes = 0
        self._skip_until_sync = False
        self._running = False
        self._cancelled = False
        self._watchdog: asyncio.TimerHandle | None = None
        self._reverse_aliases: dict[str, str] = {}

    # -- output ---------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self._out.append(data)
        self._out_bytes += len(data)

    async def flush(self) -> None:
        if self._out:
            self.writer.write(b"".join(self._out))
            self._out.clear()
            self._out_bytes = 0
        await self.writer.drain()

    async def maybe_flush(self) -> None:
        if self._out_bytes >= _FLUSH_BYTES:
            await self.flush()

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
        with contextlib.suppress(Exception):
            self.writer.close()

    # -- startup and authentication ---------------------------------------------------------
    async def _startup(self) -> bool:
        while True:
            msg = frontend.decode_startup(await read_startup(self.reader))
            if isinstance(msg, frontend.SSLRequest):
                if self.server.tls_context is not None and not self.tls:
                    self.writer.write(b"S")
                    await self.writer.drain()
                    await self.writer.start_tls(self.server.tls_context)
                    self.tls = True
                else:
                    self.writer.write(b"N")
                continue
            if isinstance(msg, frontend.GSSENCRequest):
                self.writer.write(b"N")
                continue
            if isinstance(msg, frontend.CancelRequest):
                self.server.cancel(msg.pid, msg.secret)
                return False
            return await self._authenticate(msg.params)

    async def _read_auth(self) -> bytes:
        while True:
            mtype, body = await read_message(self.reader, 64 * 1024)
            if mtype in (b"p", b"d"):
                return body
            if mtype == b"H":  # redshift_connector sends a Flush after its password
                continue
            raise err.ProtocolViolation(
                f"expected password response, got message type {mtype.decode('latin-1')!r}"
            )

    async def _authenticate(self, params: dict[str, str]) -> bool:
        username = params.get("user", "").lower()
        if not username:
            raise err.InvalidAuthorizationSpecification(
                "no PostgreSQL user name specified in startup packet"
            )
        database = params.get("database") or "dev"
        ns = self.workgroup.namespace
        user = self.server.catalog.user(ns.guid, username)
        await self._password_exchange(username, user, params)
        assert user is not None  # a missing user always fails the exchange
        if self.server.catalog.database(ns.guid, database) is None:
            raise err.FatalError(
                f'database "{database}" does not exist', sqlstate="3D000"
            )
        session = Session(
            pid=self.server.next_pid(),
            user=user,
            namespace=ns,
            database=database,
            workgroup=self.workgroup.name,
            cursor=self.server.engine.cursor(),
            aliases=self.server.aliases[ns.guid],
            generation=self.server.generation[ns.guid],
        )
        self._apply_startup_params(session, params)
        await self.server.engine.run(session.apply_search_path)
        self.session = session
        self._reverse_aliases = {a: n for n, a in session.aliases.items()}
        self.server.sessions[session.pid] = self
        self.send(backend.authentication_ok())
        for name, value in session.reported():
            self.send(backend.parameter_status(name, value))
        self.send(backend.backend_key_data(session.pid, session.secret))
        self.send(backend.ready_for_query(session.tx))
        await self.flush()
        return True

    async def _password_exchange(
        self, username: str, user: User | None, params: dict[str, str]
    ) -> None:
        secret = self.server.mock_secret
        # Redshift's drivers announce themselves and cannot complete SCRAM (redshift_connector
        # 2.2 mis-parses the mechanism list); they get Redshift's SHA-256 digest (code 13).
        redshift_driver = "client_protocol_version" in params or "driver_version" in params
        method = self.server.auth_method
        if method == "scram-sha-256" and redshift_driver:
            method = "digest"
        if method == "digest":
            digest = auth.RedshiftDigest(
                user.sha256_verifier if user else None, username=username, mock_secret=secret
            )
            self.send(backend.authentication_request(13, digest.request()))
            await self.flush()
            digest.verify(await self._read_auth())
        elif method == "md5":
            salt = auth.md5_salt()
            self.send(backend.authentication_md5(salt))
            await self.flush()
            if not auth.md5_response_ok(user.md5_verifier if user else None, salt,
                                        await self._read_auth()):
                raise err.InvalidPassword(f'password authentication failed for user "{username}"')
        elif method == "password":
            if not self.tls:
                raise err.InvalidAuthorizationSpecification(
                    "cleartext password authentication is only allowed over TLS"
                )
            self.send(backend.authentication_cleartext())
            await self.flush()
            password = await self._read_auth()
            verifiers = None
            if user is not None:
                verifiers = Verifiers(user.scram_verifier or "", user.md5_verifier or "",
                                      user.sha256_verifier)
            if not auth.cleartext_ok(verifiers, username, password):
                raise err.InvalidPassword(f'password authentication failed for user "{username}"')
        else:
            scram = auth.ScramServer(
                user.scram_verifier if user else None, username=username, mock_secret=secret
            )
            self.send(backend.authentication_sasl(auth.SASL_MECHANISMS))
            await self.flush()
            mechanism, first = auth.parse_sasl_initial_response(await self._read_auth())
            if mechanism != "SCRAM-SHA-256":
                raise err.InvalidAuthorizationSpecification(
                    "client selected an invalid SASL authentication mechanism"
                )
            self.send(backend.authentication_sasl_continue(scram.first(first)))
            await self.flush()
            self.send(backend.authentication_sasl_final(scram.final(await self._read_auth())))
        if user is None:
            raise err.InvalidPassword(f'password authentication failed for user "{username}"')

    def _apply_startup_params(self, session: Session, params: dict[str, str]) -> None:
        pairs = dict(params)
        options = pairs.pop("options", "")
        for opt in options.replace("--", "-c ").split("-c "):
            if "=" in opt:
                key, _, value = opt.strip().partition("=")
                pairs[key.strip()] = value.strip()
        for key, value in pairs.items():
            name = settings.normalize(key)
            param = settings.PARAMS.get(name)
            if param is None or param.read_only:
                continue  # drivers send their own keys (driver_version, os_version, ...)
            try:
                session.values[name] = param.check(value) if param.check else value
            except err.SQLError:
                # A client's zone or style we cannot honour is answered with our own value in
                # ParameterStatus; the client adapts to what the server reports.
                continue

    # -- the message loop -----------------------------------------------------------------
    async def _loop(self) -> None:
        limit = self.server.config.max_message_bytes
        while True:
            mtype, body = await read_message(self.reader, limit)
            msg = frontend.decode(mtype, body)
            if isinstance(msg, frontend.Terminate):
                return
            if self._skip_until_sync and not isinstance(msg, frontend.Sync):
                continue
            if isinstance(msg, frontend.Query):
                await self._simple_query(msg.sql)
            elif isinstance(msg, frontend.Sync):
                self._sync()
                await self.flush()
            elif isinstance(msg, frontend.Flush):
                await self.flush()
            elif isinstance(msg, frontend.CopyData | frontend.CopyDone | frontend.CopyFail):
                continue  # stray COPY messages after a failed COPY are ignored, as PostgreSQL does
            elif isinstance(msg, frontend.Password):
                raise err.ProtocolViolation("unexpected password message")
            else:
                await self._extended(msg)
            await self.maybe_flush()

    # -- simple query -----------------------------------------------------------------------
    async def _simple_query(self, sql: str) -> None:
        session = self._session()
        try:
            stmts = self.server.cache.get(sql, session.context)
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
        for stmt in stmts:
            try:
                await self._run_and_send(stmt)
            except err.SQLError as exc:
                ok = False
                self._fail(exc)
                break
        if implicit:
            await self._end_implicit(session, ok)
        self.send(backend.ready_for_query(session.tx))
        await self.flush()

    async def _end_implicit(self, session: Session, ok: bool) -> None:
        if session.tx == TxStatus.IDLE:
            return
        try:
            await self._engine_call(session.cursor.execute, "COMMIT" if ok else "ROLLBACK")
        except err.SQLError as exc:
            self._fail(exc)
        session.tx = TxStatus.IDLE

    def _fail(self, exc: err.SQLError) -> None:
        """Report an error and move the transaction to failed if one is open."""
        session = self.session
        self.send(backend.error_response(exc))
        if session is not None and session.tx == TxStatus.IN_BLOCK:
            session.tx = TxStatus.FAILED

    # -- extended protocol ------------------------------------------------------------------
    async def _extended(self, msg: frontend.Message) -> None:
        try:
            if isinstance(msg, frontend.Parse):
                await self._parse(msg)
            elif isinstance(msg, frontend.Bind):
                await self._bind(msg)
            elif isinstance(msg, frontend.Describe):
                await self._describe(msg)
            elif isinstance(msg, frontend.Execute):
                await self._execute(msg)
            elif isinstance(msg, frontend.Close):
                self._close(msg)
        except err.SQLError as exc:
            if isinstance(exc, err.FatalError):
                raise
            self._fail(exc)
            self._skip_until_sync = True
            # Clients that pipeline with Flush (asyncpg) wait for the error before Sync.
            await self.flush()

    def _sync(self) -> None:
        session = self._session()
        self._skip_until_sync = False
        if session.tx == TxStatus.IDLE:
            # Outside a transaction block each Sync ends the implicit transaction, and with
            # it every portal.
            for portal in list(session.portals.values()):
                self._close_portal(portal)
            session.portals.clear()
        self.send(backend.ready_for_query(session.tx))

    async def _parse(self, msg: frontend.Parse) -> None:
        session = self._session()
        if msg.name and msg.name in session.prepared:
            raise err.DuplicatePreparedStatement(
                f'prepared statement "{msg.name}" already exists'
            )
        if len(session.prepared) >= self.server.limits_prepared and msg.name:
            raise err.ProgramLimitExceeded(
                f"too many prepared statements (limit {self.server.limits_prepared})"
            )
        stmts = self.server.cache.get(msg.sql, session.context)
        if len(stmts) > 1:
            raise err.SyntaxError_("cannot insert multiple commands into a prepared statement")
        stmt = stmts[0] if stmts else None
        nparams = stmt.nparams if stmt else 0
        oids = list(msg.param_oids) + [0] * max(0, nparams - len(msg.param_oids))
        ps = PreparedStatement(msg.name, stmt, oids)
        if msg.name:
            # PostgreSQL analyses a statement at Parse, so a named statement that names a
            # missing table fails here and is not kept (drivers re-Parse the same name).
            # Binding it now also answers the Describe that follows from the cache.
            await self._describe_statement(session, ps)
        session.prepared[msg.name] = ps
        self.send(backend.parse_complete())

    async def _bind(self, msg: frontend.Bind) -> None:
        session = self._session()
        ps = session.prepared.get(msg.statement)
        if ps is None:
            raise err.InvalidSqlStatementName(
                f'prepared statement "{msg.statement}" does not exist'
            )
        if msg.portal and msg.portal in session.portals:
            raise err.DuplicateCursor(f'cursor "{msg.portal}" already exists')
        nparams = len(ps.param_oids)
        if len(msg.params) != nparams:
            raise err.SQLError(
                f"bind message supplies {len(msg.params)} parameters, but prepared statement "
                f'"{ps.name}" requires {nparams}',
                sqlstate="08P01",
            )
        formats = _expand(msg.param_formats, nparams, "parameter")
        if any(f == 1 and oid == 0 for f, oid in zip(formats, ps.param_oids, strict=True)):
            await self._infer_parameter_types(session, ps)
        if nparams and ps.exec_sql is None and ps.statement and ps.statement.duck_sql:
            ps.exec_sql = _typed_params(ps.statement.duck_sql, ps.param_oids)
        values = [
            decode_parameter(oid, fmt, raw)
            for oid, fmt, raw in zip(ps.param_oids, formats, msg.params, strict=True)
        ]
        old = session.portals.pop(msg.portal, None)
        if old is not None:
            self._close_portal(old)
        session.portals[msg.portal] = Portal(msg.portal, ps, values, msg.result_formats)
        self.send(backend.bind_complete())

    async def _infer_parameter_types(self, session: Session, ps: PreparedStatement) -> None:
        stmt = ps.statement
        if stmt is None:
            return
        for probe in stmt.param_probes:
            if probe.index >= len(ps.param_oids) or ps.param_oids[probe.index]:
                continue
            if probe.type_name is not None:
                type_name = probe.type_name
            else:
                assert probe.query is not None
                try:
                    types = await self._engine_call(
                        describe.column_types, session.cursor, probe.query
                    )
                except err.SQLError:
                    # A probe is a guess at the parameter's scope (correlated subqueries,
                    # UPDATE ... FROM); when it does not bind, the type stays unknown.
                    continue
                if probe.column >= len(types):
                    continue
                type_name = types[probe.column]
            ps.param_oids[probe.index] = pg_type_from_duckdb(type_name).oid

    async def _describe(self, msg: frontend.Describe) -> None:
        session = self._session()
        if msg.kind == "S":
            ps = session.prepared.get(msg.name)
            if ps is None:
                raise err.InvalidSqlStatementName(
                    f'prepared statement "{msg.name}" does not exist'
                )
            await self._describe_statement(session, ps)
            self.send(backend.parameter_description(
                [oid or TEXT for oid in ps.param_oids]
            ))
            fields = ps.fields
            formats: Sequence[int] = ()
        else:
            portal = session.portals.get(msg.name)
            cursor = session.cursors.get(msg.name)
            if portal is not None:
                fields = await self._portal_fields(session, portal)
                formats = portal.result_formats
            elif cursor is not None:
                # A DECLAREd cursor is a portal too (psycopg describes it by name).
                fields, formats = cursor.fields, ()
            else:
                raise err.InvalidCursorName(f'portal "{msg.name}" does not exist')
        if fields is None:
            self.send(backend.no_data())
        else:
            self.send(backend.row_description(_with_formats(fields, formats)))

    async def _describe_statement(self, session: Session, ps: PreparedStatement) -> None:
        if ps.described:
            return
        stmt = ps.statement
        if stmt is not None and stmt.duck_sql is not None:
            if session.tx == TxStatus.FAILED:
                raise _in_failed()
            await self._park_streams()
            if stmt.nparams and 0 in ps.param_oids:
                await self._infer_parameter_types(session, ps)
            if stmt.nparams and ps.exec_sql is None:
                ps.exec_sql = _typed_params(stmt.duck_sql, ps.param_oids)
            if stmt.returns_rows:
                sql = ps.exec_sql or stmt.duck_sql
                query = _typed_nulls(sql, ps.param_oids)
                schema = await self._engine_call(describe.result_schema, session.cursor, query)
                fields = _fields(schema)
                if stmt.nparams:
                    types = await self._engine_call(
                        describe.prepared_result_types, session.cursor, sql
                    )
                    if types is not None and len(types) == len(fields):
                        fields = [
                            backend.FieldDescription(f.name, t.oid, t.typlen, t.typmod)
                            for f, t in zip(fields, map(pg_type_from_duckdb, types), strict=True)
                        ]
                ps.fields = fields
        elif stmt is not None and isinstance(stmt.command, commands.Fetch):
            cursor = session.cursors.get(stmt.command.name)
            if cursor is None:
                raise err.InvalidCursorName(f'cursor "{stmt.command.name}" does not exist')
            ps.fields = cursor.fields
            return  # a cursor's columns can change with its name's next DECLARE
        elif stmt is not None and stmt.returns_rows:
            ps.fields = _command_fields(stmt.command)
        ps.described = True

    async def _portal_fields(
        self, session: Session, portal: Portal
    ) -> list[backend.FieldDescription] | None:
        stmt = portal.prepared.statement
        if stmt is None or not stmt.returns_rows:
            return None
        if portal.result is None and not portal.done:
            # Describe(portal) of a query: start it now and describe its real result, which
            # the following Execute streams. Only row-returning statements get here.
            await self._start_portal(session, portal)
        if portal.fields is None:
            await self._describe_statement(session, portal.prepared)
            portal.fields = portal.prepared.fields
        return portal.fields

    async def _start_portal(self, session: Session, portal: Portal) -> None:
        stmt = portal.prepared.statement
        assert stmt is not None
        outcome = await self._run(stmt, portal.params, portal.prepared.exec_sql)
        portal.result = outcome.result
        portal.ticket = outcome.ticket
        portal.owned = outcome.owned
        portal.limit = outcome.limit
        portal.tag = outcome.tag
        if outcome.result is not None and outcome.result.schema is not None:
            portal.fields = _fields(outcome.result.schema)
            described = portal.prepared.fields
            if described is not None and [f.type_oid for f in described] != [
                f.type_oid for f in portal.fields
            ]:
                # The client decodes by the types it was told at Describe: send those.
                portal.coerce = _coerce_schema(outcome.result.schema, described)
                portal.fields = described
        elif outcome.result is None:
            portal.done = True
            portal.tag = _tag(outcome, outcome.rowcount or 0)

    async def _execute(self, msg: frontend.Execute) -> None:
        session = self._session()
        portal = session.portals.get(msg.portal)
        if portal is None:
            raise err.InvalidCursorName(f'portal "{msg.portal}" does not exist')
        stmt = portal.prepared.statement
        if stmt is None:
            self.send(backend.empty_query_response())
            return
        if portal.result is None and not portal.done:
            await self._start_portal(session, portal)
        if portal.result is not None:
            fmts = _expand(portal.result_formats, len(portal.fields or ()), "result")
            max_rows = msg.max_rows
            if portal.limit:
                left = portal.limit - portal.rows_sent
                max_rows = min(max_rows, left) if max_rows else left
            try:
                sent, more = await self._send_rows(
                    portal.result, fmts, max_rows, portal.coerce  # type: ignore[arg-type]
                )
            except BaseException:
                self._close_portal(portal)
                raise
            portal.rows_sent += sent
            if more and (not portal.limit or portal.rows_sent < portal.limit):
                self.send(backend.portal_suspended())
                return
            self._close_portal(portal, keep=True)
            portal.tag = f"{portal.tag} {portal.rows_sent}"
        if portal.tag:
            self.send(backend.command_complete(portal.tag))

    def _close(self, msg: frontend.Close) -> None:
        session = self._session()
        if msg.kind == "S":
            session.prepared.pop(msg.name, None)
        else:
            portal = session.portals.pop(msg.name, None)
            if portal is not None:
                self._close_portal(portal)
        self.send(backend.close_complete())

    def _close_portal(self, portal: Portal, keep: bool = False) -> None:
        if portal.result is not None and portal.owned:
            streaming.close(portal.result)
        portal.result = None
        if isinstance(portal.ticket, Ticket) and portal.owned:
            self.workgroup.pool.release(portal.ticket)
        portal.ticket = None
        portal.done = True
        if not keep and self.session is not None:
            self.session.portals.pop(portal.name, None)

    # -- running statements -------------------------------------------------------------------
    async def _run_and_send(self, stmt: Statement) -> None:
        """Run one statement of a simple Query and send everything it produces."""
        if isinstance(stmt.command, commands.Copy):
            await copy_flow.run(self, stmt)
            return
        outcome = await self._run(stmt, [])
        if outcome.result is None:
            self.send(backend.command_complete(_tag(outcome, outcome.rowcount or 0)))
            return
        assert outcome.result.schema is not None
        try:
            fields = _fields(outcome.result.schema)
            self.send(backend.row_description(fields))
            sent, _ = await self._send_rows(outcome.result, [0] * len(fields), outcome.limit)
        finally:
            if outcome.owned:
                streaming.close(outcome.result)
                if outcome.ticket is not None:
                    self.workgroup.pool.release(outcome.ticket)
        self.send(backend.command_complete(f"{outcome.tag} {sent}"))

    async def _send_rows(
        self,
        result: streaming.Result,
        formats: Sequence[int],
        max_rows: int,
        coerce: pa.Schema | None = None,
    ) -> tuple[int, bool]:
        """Stream rows of a result; returns (rows sent, more rows remain)."""

        def encode(batch: pa.RecordBatch) -> bytes:
            if coerce is not None:
                try:
                    batch = batch.cast(coerce)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise err.DatatypeMismatch(
                        f"result does not match its description: {exc}"
                    ) from None
            return encode_data_rows(batch, formats)

        return await self.stream(result, encode, max_rows)

    async def stream(
        self,
        result: streaming.Result,
        encode: Callable[[pa.RecordBatch], bytes],
        max_rows: int = 0,
    ) -> tuple[int, bool]:
        """Send a result's batches through ``encode``; returns (rows sent, more remain).

        A small result that is already complete is encoded right here; anything larger is
        fetched and encoded on a worker thread, batch by batch, with back-pressure.
        """
        sent = 0
        inline = result.exhausted and streaming.pending_rows(result) <= _INLINE_ROWS
        while True:
            if max_rows and sent >= max_rows:
                if not result.pending and not result.exhausted:
                    await self._engine_call(streaming.fill, result)
                return sent, bool(result.pending)
            limit = max_rows - sent if max_rows else 0
            if inline:
                data, n = streaming.take(result, encode, limit)
            else:
                data, n = await self._engine_call(streaming.take, result, encode, limit)
            if n == 0:
                return sent, False
            self.send(data)
            sent += n
            await self.maybe_flush()

    async def _run(
        self, stmt: Statement, params: list[object], sql: str | None = None
    ) -> Outcome:
        """Run a statement (``sql`` overrides its DuckDB text); rows come back open."""
        session = self._session()
        if stmt.command is not None:
            return await self._command(session, stmt, params)
        if session.tx == TxStatus.FAILED:
            raise _in_failed()
        assert stmt.duck_sql is not None
        await self._park_streams()
        record = self._record(stmt)
        pool = self.workgroup.pool
        ticket = await pool.acquire()
        record.queue_us = int(ticket.queued_s * 1e6)
        started = time.perf_counter()
        try:
            result = await self._engine_call(
                streaming.execute, session.cursor, sql or stmt.duck_sql, params,
                returns_rows=stmt.returns_rows,
            )
        except err.SQLError as exc:
            pool.release(ticket)
            self._finish_record(record, started, exc)
            raise
        if not stmt.returns_rows:
            pool.release(ticket)
            self._finish_record(record, started, None, rows=result.rowcount or 0)
            return Outcome(stmt.tag, stmt.counts_rows, None, result.rowcount)
        self._finish_record(record, started, None)
        return Outcome(stmt.tag, stmt.counts_rows, result, None, ticket)

    async def _engine_call(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run a DuckDB call on a worker thread; interrupt it if the client goes away."""
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self.server.engine.executor, lambda: fn(*args, **kwargs))
        self._running = True
        self._cancelled = False
        # A watchdog armed only while a call runs: cheaper per statement than polling with
        # asyncio.wait, and a long query still notices a vanished client within a poll.
        self._watchdog = loop.call_later(_DISCONNECT_POLL_S, self._watch)
        try:
            return await fut
        except err.SQLError:
            raise
        except Exception as exc:
            sqlerr = translate_duckdb(exc, self._reverse_aliases)
            if self._cancelled and isinstance(sqlerr, err.QueryCanceled):
                sqlerr = err.QueryCanceled("canceling statement due to user request")
            raise sqlerr from None
        finally:
            self._running = False
            self._watchdog.cancel()

    def _watch(self) -> None:
        if not self._running:
            return
        if self.reader.at_eof() or self.writer.is_closing():
            self._session().cursor.interrupt()
            return
        self._watchdog = asyncio.get_running_loop().call_later(_DISCONNECT_POLL_S, self._watch)

    def cancel(self) -> None:
        """Interrupt the running statement (CancelRequest); the session stays open."""
        if self._running and self.session is not None:
            self._cancelled = True
            self.session.cursor.interrupt()

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
        self, record: QueryRecord, started: float, exc: err.SQLError | None, rows: int = 0
    ) -> None:
        record.execution_us = int((time.perf_counter() - started) * 1e6)
        record.end_time = datetime.now(UTC).replace(tzinfo=None)
        record.rows_returned = rows
        if exc is None:
            record.status = "success"
        else:
            record.status = "canceled" if isinstance(exc, err.QueryCanceled) else "failed"
            record.error_code = exc.sqlstate
            record.error_message = exc.message[:1024]
        self.server.query_log.append(record)

    # -- session commands -----------------------------------------------------------------------
    async def _park_streams(self) -> None:
        """Read the rest of every open result into memory before the cursor runs anything else.

        A DuckDB connection has one streaming result at a time: a new statement would close
        a suspended portal's or a SQL cursor's result, so their remaining rows are kept first.
        """
        session = self._session()
        open_results = [
            r for r in [*(p.result for p in session.portals.values()),
                        *(c.result for c in session.cursors.values())]
            if r is not None and r.reader is not None and not r.exhausted
        ]
        for result in open_results:
            await self._engine_call(streaming.fill, result, 1 << 62)

    async def _command(self, session: Session, stmt: Statement, params: list[object]) -> Outcome:
        cmd = stmt.command
        if session.tx == TxStatus.FAILED and not isinstance(cmd, commands.Commit
                                                            | commands.Rollback):
            raise _in_failed()
        if isinstance(cmd, commands.Begin):
            await self._begin(session)
            return Outcome("BEGIN")
        if isinstance(cmd, commands.Commit):
            return Outcome(await self._commit(session))
        if isinstance(cmd, commands.Rollback):
            await self._rollback(session)
            return Outcome("ROLLBACK")
        if isinstance(cmd, commands.SetParam):
            self._set(session, cmd)
            return Outcome("SET")
        if isinstance(cmd, commands.ResetParam):
            names = list(settings.PARAMS) if cmd.name is None else [settings.normalize(cmd.name)]
            for name in names:
                param = settings.lookup(name)
                if not param.read_only:
                    self._set(session, commands.SetParam(name, None))
            return Outcome("RESET")
        if isinstance(cmd, commands.ShowParam):
            return Outcome("SHOW", result=_show(session, cmd.name))
        if isinstance(cmd, commands.UseDatabase):
            await self._use(session, cmd.name or self._default_database(session))
            return Outcome("USE")
        if isinstance(cmd, commands.ShowUse):
            return Outcome("SHOW", result=_single("database", [session.database]))
        if isinstance(cmd, commands.Deallocate):
            if cmd.name is None:
                session.prepared = {k: v for k, v in session.prepared.items() if k == ""}
            elif session.prepared.pop(cmd.name, None) is None:
                raise err.InvalidSqlStatementName(
                    f'prepared statement "{cmd.name}" does not exist'
                )
            return Outcome("DEALLOCATE ALL" if cmd.name is None else "DEALLOCATE")
        if isinstance(cmd, commands.Discard):
            if cmd.what == "ALL":
                if session.tx != TxStatus.IDLE:
                    raise err.ActiveSqlTransaction(
                        "DISCARD ALL cannot run inside a transaction block"
                    )
                session.prepared.clear()
                for name in settings.PARAMS:
                    if not settings.PARAMS[name].read_only:
                        self._set(session, commands.SetParam(name, None))
            return Outcome(f"DISCARD {cmd.what}")
        if isinstance(cmd, commands.CreateDatabase | commands.DropDatabase):
            return await self._database_ddl(session, cmd)
        if isinstance(cmd, commands.Explain):
            return await self._explain(session, cmd)
        if isinstance(cmd, commands.Vacuum):
            if session.tx != TxStatus.IDLE:
                raise err.ActiveSqlTransaction("VACUUM cannot run inside a transaction block")
            await self._engine_call(session.cursor.execute, f'CHECKPOINT "{session.alias()}"')
            return Outcome("VACUUM")
        if isinstance(cmd, commands.Declare):
            await self._declare(session, cmd, params)
            return Outcome("DECLARE CURSOR")
        if isinstance(cmd, commands.Fetch):
            return await self._fetch(session, cmd)
        if isinstance(cmd, commands.CloseCursor):
            names = list(session.cursors) if cmd.name is None else [cmd.name]
            for name in names:
                cursor = session.cursors.pop(name, None)
                if cursor is None:
                    raise err.InvalidCursorName(f'cursor "{name}" does not exist')
                self._close_cursor(cursor)
            return Outcome("CLOSE CURSOR")
        if isinstance(cmd, commands.NoOp):
            return Outcome(cmd.tag)
        raise err.FeatureNotSupported(f"feature not supported on Duckshift: {stmt.tag}")

    async def _declare(
        self, session: Session, cmd: commands.Declare, params: list[object]
    ) -> None:
        if not cmd.hold and session.tx == TxStatus.IDLE:
            raise err.NoActiveSqlTransaction(
                "DECLARE CURSOR can only be used in transaction blocks"
            )
        if cmd.name in session.cursors:
            raise err.DuplicateCursor(f'cursor "{cmd.name}" already exists')
        inner = self.server.cache.get(cmd.query, session.context)
        if len(inner) != 1 or not inner[0].returns_rows or inner[0].command is not None:
            raise err.InvalidCursorName("DECLARE CURSOR must be followed by a query")
        outcome = await self._run(inner[0], params)
        assert outcome.result is not None and outcome.result.schema is not None
        session.cursors[cmd.name] = SqlCursor(
            cmd.name, outcome.result, _fields(outcome.result.schema), outcome.ticket, cmd.hold
        )

    async def _fetch(self, session: Session, cmd: commands.Fetch) -> Outcome:
        cursor = session.cursors.get(cmd.name)
        if cursor is None:
            raise err.InvalidCursorName(f'cursor "{cmd.name}" does not exist')
        limit = cmd.count if cmd.count is not None else 0
        if cmd.count == 0:
            return Outcome("FETCH", counts_rows=True, rowcount=0)
        if cmd.move:
            moved, _ = await self.stream(cursor.result, lambda batch: b"", limit)
            return Outcome("MOVE", counts_rows=True, rowcount=moved)
        return Outcome("FETCH", True, cursor.result, None, None, owned=False, limit=limit)

    def _close_cursor(self, cursor: SqlCursor) -> None:
        streaming.close(cursor.result)
        if isinstance(cursor.ticket, Ticket):
            self.workgroup.pool.release(cursor.ticket)

    async def _end_transaction_cursors(self, session: Session, committed: bool) -> None:
        """Transaction end closes cursors; a committed WITH HOLD cursor keeps its rows."""
        for name, cursor in list(session.cursors.items()):
            if cursor.hold and committed:
                await self._engine_call(streaming.fill, cursor.result, 1 << 62)
                if cursor.result.reader is not None:
                    cursor.result.reader.close()
                    cursor.result.reader = None
                continue
            self._close_cursor(cursor)
            del session.cursors[name]

    def _default_database(self, session: Session) -> str:
        return session.database

    async def _begin(self, session: Session, implicit: bool = False) -> None:
        if session.tx != TxStatus.IDLE:
            self.send(backend.notice_response(
                "there is already a transaction in progress", "25001", "WARNING"
            ))
            return
        await self._engine_call(session.cursor.execute, "BEGIN TRANSACTION")
        session.tx = TxStatus.IN_BLOCK
        session.transaction_id = self.server.query_log.next_id()

    async def _commit(self, session: Session) -> str:
        if session.tx == TxStatus.IDLE:
            self.send(backend.notice_response(
                "there is no transaction in progress", "25P01", "WARNING"
            ))
            return "COMMIT"
        if session.tx == TxStatus.FAILED:
            await self._rollback(session)
            return "ROLLBACK"
        await self._end_transaction_cursors(session, committed=True)
        try:
            await self._engine_call(session.cursor.execute, "COMMIT")
        finally:
            session.tx = TxStatus.IDLE
        return "COMMIT"

    async def _rollback(self, session: Session) -> None:
        if session.tx == TxStatus.IDLE:
            self.send(backend.notice_response(
                "there is no transaction in progress", "25P01", "WARNING"
            ))
            return
        for portal in list(session.portals.values()):
            self._close_portal(portal)
        await self._end_transaction_cursors(session, committed=False)
        # DuckDB has already rolled back a transaction whose commit failed.
        with contextlib.suppress(err.SQLError):
            await self._engine_call(session.cursor.execute, "ROLLBACK")
        session.tx = TxStatus.IDLE

    def _set(self, session: Session, cmd: commands.SetParam) -> None:
        name = settings.normalize(cmd.name)
        param = settings.lookup(cmd.name)
        value = param.default if cmd.value is None else settings.validate(name, cmd.value)
        session.values[name] = value
        if name == "search_path":
            session.apply_search_path()
        reported = settings.REPORTED_NAMES.get(name)
        if reported is not None:
            self.send(backend.parameter_status(reported, value))

    async def _use(self, session: Session, name: str) -> None:
        session.alias(name)  # raises 3D000 for a database the namespace does not have
        previous = session.database
        session.database = name
        try:
            await self._engine_call(session.apply_search_path)
        except err.SQLError:
            session.database = previous
            raise

    async def _database_ddl(
        self, session: Session, cmd: commands.CreateDatabase | commands.DropDatabase
    ) -> Outcome:
        if session.tx != TxStatus.IDLE:
            what = "CREATE" if isinstance(cmd, commands.CreateDatabase) else "DROP"
            raise err.ActiveSqlTransaction(
                f"{what} DATABASE cannot run inside a transaction block"
            )
        if not (session.user.superuser or session.user.createdb):
            raise err.InsufficientPrivilege("permission denied to create database")
        if isinstance(cmd, commands.CreateDatabase):
            await self.server.create_database(session.namespace, cmd.name)
            return Outcome("CREATE DATABASE")
        if cmd.name == session.database:
            raise err.make("55006", "cannot drop the currently open database")
        if cmd.if_exists and cmd.name not in session.aliases:
            self.send(backend.notice_response(
                f'database "{cmd.name}" does not exist, skipping'
            ))
            return Outcome("DROP DATABASE")
        await self.server.drop_database(session.namespace, cmd.name)
        return Outcome("DROP DATABASE")

    async def _explain(self, session: Session, cmd: commands.Explain) -> Outcome:
        inner = self.server.cache.get(cmd.inner, session.context)
        if len(inner) != 1 or inner[0].duck_sql is None:
            raise err.FeatureNotSupported("feature not supported on Duckshift: EXPLAIN of this")
        if session.tx == TxStatus.FAILED:
            raise _in_failed()
        rows = await self._engine_call(
            lambda: session.cursor.execute("EXPLAIN " + (inner[0].duck_sql or "")).fetchall()
        )
        lines: list[str] = []
        for row in rows:
            lines.extend(str(row[-1]).splitlines())
        return Outcome("EXPLAIN", result=_single("QUERY PLAN", lines))

    def _session(self) -> Session:
        assert self.session is not None
        return self.session


# -- helpers ----------------------------------------------------------------------------------
def _in_failed() -> err.SQLError:
    return err.InFailedSqlTransaction(
        "current transaction is aborted, commands ignored until end of transaction block"
    )


def _expand(codes: Sequence[int], n: int, what: str) -> list[int]:
    """Bind's format codes: none = all text, one = applies to all, else one per column."""
    if not codes:
        return [0] * n
    if len(codes) == 1:
        return [codes[0]] * n
    if len(codes) != n:
        raise err.ProtocolViolation(
            f"bind message has {len(codes)} {what} formats but {n} {what}s"
        )
    return list(codes)


def _fields(schema: pa.Schema) -> list[backend.FieldDescription]:
    out = []
    for f in schema:
        t = pg_type_from_arrow(f.type)
        out.append(backend.FieldDescription(f.name, t.oid, t.typlen, t.typmod))
    return out


def _with_formats(
    fields: Sequence[backend.FieldDescription], formats: Sequence[int]
) -> list[backend.FieldDescription]:
    fmts = _expand(formats, len(fields), "result")
    return [
        backend.FieldDescription(f.name, f.type_oid, f.typlen, f.typmod, fmt)
        for f, fmt in zip(fields, fmts, strict=True)
    ]


def _single(column: str, values: list[str]) -> streaming.Result:
    """A one-column text result the server makes itself (SHOW, EXPLAIN)."""
    batch = pa.record_batch([pa.array(values, pa.string())], names=[column])
    return streaming.Result(schema=batch.schema, pending=deque([batch]), exhausted=True)


def _command_fields(cmd: commands.Command | None) -> list[backend.FieldDescription] | None:
    if isinstance(cmd, commands.ShowParam):
        return [backend.FieldDescription(cmd.name, TEXT)]
    if isinstance(cmd, commands.ShowUse):
        return [backend.FieldDescription("database", TEXT)]
    if isinstance(cmd, commands.Explain):
        return [backend.FieldDescription("QUERY PLAN", TEXT)]
    return None


def _show(session: Session, name: str) -> streaming.Result:
    key = settings.normalize(name)
    if key == "all":
        names = sorted(settings.PARAMS)
        batch = pa.record_batch(
            [pa.array(names), pa.array([session.values[n] for n in names]),
             pa.array(["" for _ in names])],
            names=["name", "setting", "description"],
        )
        return streaming.Result(schema=batch.schema, pending=deque([batch]), exhausted=True)
    settings.lookup(name)
    return _single(key if key != "timezone" else "TimeZone", [session.values[key]])


def _tag(outcome: Outcome, rows: int) -> str:
    return f"{outcome.tag} {rows}" if outcome.counts_rows else outcome.tag


_ARROW_FOR_OID = {
    oids.BOOL: pa.bool_(), oids.INT2: pa.int16(), oids.INT4: pa.int32(), oids.INT8: pa.int64(),
    oids.FLOAT4: pa.float32(), oids.FLOAT8: pa.float64(), oids.TEXT: pa.string(),
    oids.VARCHAR: pa.string(), oids.BPCHAR: pa.string(), oids.NAME: pa.string(),
    oids.DATE: pa.date32(), oids.TIMESTAMP: pa.timestamp("us"),
    oids.TIMESTAMPTZ: pa.timestamp("us", "UTC"), oids.BYTEA: pa.binary(),
}


def _coerce_schema(actual: pa.Schema, described: Sequence[backend.FieldDescription]) -> pa.Schema:
    """The schema whose encoding matches ``described`` (columns without a mapping stay)."""
    fields = []
    for f, d in zip(actual, described, strict=True):
        target = _ARROW_FOR_OID.get(d.type_oid)
        if d.type_oid == oids.NUMERIC and not pa.types.is_decimal(f.type):
            target = pa.decimal128(38, 10)
        fields.append(f.with_type(target) if target is not None else f)
    return pa.schema(fields)


def _typed_params(sql: str, param_oids: Sequence[int]) -> str:
    """The statement with each ``$n`` of a known type cast to it, as PostgreSQL binds it.

    Otherwise DuckDB would type a parameter by its Python value (42 -> INTEGER even when the
    client said int8, a JSON text -> VARCHAR), and the result would not match its Describe.
    """
    if not any(duckdb_type_for_oid(o) for o in param_oids if o not in (0, UNKNOWN)):
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    for p in list(tree.find_all(exp.Placeholder, exp.Parameter)):
        number = str(p.name)
        if not number.isdigit() or int(number) > len(param_oids):
            continue
        oid = param_oids[int(number) - 1]
        dtype = duckdb_type_for_oid(oid) if oid not in (0, UNKNOWN) else None
        if dtype:
            p.replace(exp.cast(p.copy(), dtype))
    return tree.sql("duckdb")


def _typed_nulls(sql: str, param_oids: Sequence[int]) -> str:
    """The query with each ``$n`` replaced by a NULL of its type, for binding only."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    # sqlglot's DuckDB dialect reads $n as Placeholder(this=n).
    for p in list(tree.find_all(exp.Placeholder, exp.Parameter)):
        number = str(p.name)
        if not number.isdigit():
            continue
        i = int(number) - 1
        oid = param_oids[i] if i < len(param_oids) else 0
        # An untyped parameter is bound as its text (a Python str): VARCHAR, as PostgreSQL
        # resolves unknown to text.
        dtype = duckdb_type_for_oid(oid) if oid not in (0, UNKNOWN) else "VARCHAR"
        if oid == oids.NUMERIC:
            # Numeric parameters keep their own precision when bound (no cast); any
            # DECIMAL stands for them here, where only the result's type OID matters.
            dtype = "DECIMAL(38, 10)"
        null = exp.Null()
        p.replace(exp.cast(null, dtype) if dtype else null)
    return tree.sql("duckdb")

