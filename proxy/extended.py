"""The extended query protocol: Parse, Bind, Describe, Execute, Close, Sync.

``ExtendedProtocol`` is mixed into ``Connection``. Prepared statements and portals live in the
session; Describe never executes a statement, except that describing a portal of a query
starts it (its Execute follows) so its real result columns are described. After an error
every message up to Sync is discarded, as PostgreSQL does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from catalog import errors as err
from engine import describe, streaming, time_zones
from engine.admission import Ticket
from proxy import session_zone
from proxy.codecs import decode_parameter, duckdb_type_for_oid, pg_type_from_duckdb
from proxy.codecs.oids import BYTEA, NUMERIC, TEXT, UNKNOWN, VARBYTE
from proxy.result_types import (
    coerce_schema,
    expand_formats,
    fields_of,
    typed_nulls,
    typed_params,
    with_formats,
)
from proxy.session import Portal, PreparedStatement, Session, TxStatus
from proxy.session_commands import command_fields, command_tag
from proxy.sql import commands, procedures
from proxy.sql.param_types import parameter_types
from proxy.sql.pipeline import Statement
from proxy.wire import backend, frontend

if TYPE_CHECKING:
    pass

# Statement types with nothing for the implicit transaction of a pipeline to undo.
_READS = frozenset({"SELECT", "UTILITY"})
# Statement types whose DuckDB plan a session keeps when all their parameters are typed.
_PLANNED = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"})


# The digits before the point of a NUMERIC parameter: DuckDB's DECIMAL, like Redshift's
# NUMERIC, holds 38 digits, and DuckDB reads a wider value as a DOUBLE PRECISION.
_NUMERIC_DIGITS = 38


def _refuse_wide_numerics(param_oids: Sequence[int], values: Sequence[object]) -> None:
    """Refuse (0A000) a NUMERIC parameter with more than 38 digits before the point, which
    DuckDB would compute with as a DOUBLE PRECISION (``'1e300'`` beside ``1.5``)."""
    for oid, value in zip(param_oids, values, strict=True):
        if oid == NUMERIC and isinstance(value, Decimal) and value.is_finite() and (
                value.adjusted() >= _NUMERIC_DIGITS):
            raise err.FeatureNotSupported(
                "feature not supported on Duckshift: a NUMERIC parameter of more than "
                f"{_NUMERIC_DIGITS} digits before the decimal point")


def _untyped_operands(ps: PreparedStatement) -> bool:
    """Whether a parameter the client left untyped is an operand of arithmetic: its type is
    inferred at Bind then (as PostgreSQL infers it at Parse), so that text of a floating point
    number is not DuckDB's to read in a type of its choosing (where DOUBLE arithmetic would
    overflow to infinity unchecked)."""
    stmt = ps.statement
    return stmt is not None and any(
        number <= len(ps.param_oids) and ps.param_oids[number - 1] == 0
        for number in stmt.operand_params)


class ExtendedProtocol:
    """Handlers of extended-protocol messages (a mixin of ``Connection``)."""

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
            await self._extended_failed(exc)

    async def _extended_failed(self, exc: err.SQLError) -> None:
        self._fail(exc)
        self._skip_until_sync = True
        # Clients that pipeline with Flush (asyncpg) wait for the error before Sync.
        await self.flush()

    async def _refuse_message(self, mtype: bytes, exc: err.SQLError) -> None:
        """Answer a message that could not be decoded with ``exc``, as its handler would."""
        if mtype == b"Q":
            self._fail(exc)
            self.send(backend.ready_for_query(self._session().tx))
            await self.flush()
        else:
            await self._extended_failed(exc)

    async def _sync(self) -> None:
        session = self._session()
        self._skip_until_sync = False
        if session.pipeline_transaction:
            # The implicit transaction of the statements since the last Sync ends here:
            # committed, or rolled back if one of them failed (asyncpg's executemany is
            # all or nothing on PostgreSQL).
            for portal in list(session.portals.values()):
                self._close_portal(portal)
            session.portals.clear()
            await self._end_implicit(session, ok=session.tx != TxStatus.FAILED)
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
        limits = self.server.config.limits
        # The unnamed statement is replaced by each Parse, so only named ones accumulate.
        if msg.name and len(session.prepared) - ("" in session.prepared) >= (
            limits.max_prepared_statements
        ):
            raise err.ConfigurationLimitExceeded(
                f"too many prepared statements: the limit is {limits.max_prepared_statements}",
                hint="Close prepared statements that are no longer needed, or raise "
                "max_prepared_statements in [server.limits].",
            )
        stmts = await self.server.translator.statements(msg.sql, session.context)
        if len(stmts) > 1:
            raise err.SyntaxError_("cannot insert multiple commands into a prepared statement")
        stmt = stmts[0] if stmts else None
        nparams = stmt.nparams if stmt else 0
        if max(nparams, len(msg.param_oids)) > limits.max_bind_parameters:
            raise err.ProgramLimitExceeded(
                f"too many parameters: {max(nparams, len(msg.param_oids))} "
                f"(the limit is {limits.max_bind_parameters})",
                hint="Raise max_bind_parameters in [server.limits].",
            )
        oids = list(msg.param_oids) + [0] * max(0, nparams - len(msg.param_oids))
        ps = PreparedStatement(msg.name, stmt, oids)
        await self._typed_parameters(session, ps)
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
        limit = self.server.config.limits.max_portals
        # The unnamed portal is replaced by each Bind, so only named ones accumulate.
        if msg.portal and len(session.portals) - ("" in session.portals) >= limit:
            raise err.ConfigurationLimitExceeded(
                f"too many open portals: the limit is {limit}",
                hint="Close portals that are no longer needed, or raise max_portals in "
                "[server.limits].",
            )
        nparams = len(ps.param_oids)
        if len(msg.params) != nparams:
            raise err.SQLError(
                f"bind message supplies {len(msg.params)} parameters, but prepared statement "
                f'"{ps.name}" requires {nparams}',
                sqlstate="08P01",
            )
        formats = expand_formats(msg.param_formats, nparams, "parameter")
        if any(f == 1 and oid == 0 for f, oid in zip(formats, ps.param_oids, strict=True)) or (
                _untyped_operands(ps)):
            await self._infer_parameter_types(session, ps)
        if nparams and ps.exec_sql is None and ps.statement and ps.statement.duck_sql:
            self._type_parameters(ps)
        zone = time_zones.tzinfo(session_zone.engine_zone(session.values["timezone"]))
        values = [
            decode_parameter(oid, fmt, raw, zone)
            for oid, fmt, raw in zip(ps.param_oids, formats, msg.params, strict=True)
        ]
        if NUMERIC in ps.param_oids:
            _refuse_wide_numerics(ps.param_oids, values)
        statement = await self._for_values(session, ps, values)
        old = session.portals.pop(msg.portal, None)
        if old is not None:
            self._close_portal(old)
        session.portals[msg.portal] = Portal(msg.portal, ps, values, msg.result_formats,
                                             statement=statement)
        self.send(backend.bind_complete())

    def _type_parameters(self, ps: PreparedStatement) -> None:
        """Fix the statement's DuckDB text, each typed ``$n`` cast to its type."""
        assert ps.statement is not None and ps.statement.duck_sql is not None
        ps.exec_sql = typed_params(ps.statement.duck_sql, ps.param_oids)
        ps.typed = ps.statement.statement_type in _PLANNED and all(
            oid not in (0, UNKNOWN) and duckdb_type_for_oid(oid) for oid in ps.param_oids)

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
            oid = pg_type_from_duckdb(type_name).oid
            # Drivers send binary values as bytea (Redshift's own do, and asyncpg has no
            # encoder for varbyte); results stay varbyte.
            ps.param_oids[probe.index] = BYTEA if oid == VARBYTE else oid
        for number, type_name in stmt.divided_beside:
            # One no probe typed (its scope was not the probe's: a correlated subquery) takes
            # the type translation found for the division's other operand.
            if number <= len(ps.param_oids) and not ps.param_oids[number - 1]:
                ps.param_oids[number - 1] = pg_type_from_duckdb(type_name).oid
        await self._typed_parameters(session, ps)

    async def _typed_parameters(self, session: Session, ps: PreparedStatement) -> None:
        """Translate the statement again where parameters are typed DOUBLE PRECISION or REAL
        (by the client at Parse, or inferred), whose arithmetic is then checked for overflow
        as a floating point column's is, or an integer or NUMERIC one is in a division, which
        is then exact (``Context.param_types``; cached as any other). A NUMERIC one stands
        for any value here (``_for_values`` types it by its value at Bind)."""
        stmt = ps.statement
        if stmt is None or not stmt.nparams or stmt.duck_sql is None:
            return
        types = parameter_types(ps.param_oids, stmt.divided_params, None)
        if types != stmt.param_types:
            ps.statement = await self._translated_for(session, stmt, types)

    async def _for_values(self, session: Session, ps: PreparedStatement,
                          values: list[object]) -> Statement | None:
        """The statement translated for the bound values of its NUMERIC parameters in a
        division, each typed DECIMAL(p, s) of its digits (``param_types.decimal_type``);
        None where that is the prepared translation."""
        stmt = ps.statement
        if stmt is None or not stmt.divided_params or stmt.duck_sql is None:
            return None
        types = parameter_types(ps.param_oids, stmt.divided_params, values)
        if types == stmt.param_types:
            return None
        return await self._translated_for(session, stmt, types)

    async def _translated_for(self, session: Session, stmt: Statement,
                              types: tuple[tuple[int, str], ...]) -> Statement:
        """``stmt`` translated for parameters of ``types`` (``Context.param_types``)."""
        return (await self.server.translator.statements(
            stmt.text, replace(session.context, param_types=types)))[0]

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
            self.send(self._row_description(with_formats(fields, formats)))

    async def _describe_statement(self, session: Session, ps: PreparedStatement) -> None:
        if ps.described:
            return
        stmt = ps.statement
        if stmt is not None and stmt.duck_sql is not None:
            if session.tx == TxStatus.FAILED:
                raise err.in_failed_transaction()
            await self._park_streams()
            if stmt.nparams and 0 in ps.param_oids:
                await self._infer_parameter_types(session, ps)
            if stmt.nparams and ps.exec_sql is None:
                self._type_parameters(ps)
            if stmt.returns_rows:
                # Column privileges may narrow what the user's Execute will return.
                narrowed = self.server.authorizer.effective_sql(session, stmt)
                sql = narrowed or ps.exec_sql or stmt.duck_sql
                query = typed_nulls(sql, ps.param_oids)
                schema = await self._engine_call(describe.result_schema, session.cursor, query)
                fields = fields_of(schema)
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
        elif stmt is not None and isinstance(stmt.command, procedures.CallProcedure):
            # A CALL's row is its procedure's OUT and INOUT arguments, known from the catalog.
            ps.fields = self._call_fields(session, stmt.command)
        elif stmt is not None and stmt.returns_rows:
            ps.fields = command_fields(stmt.command)
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
            await self._start_portal(session, portal, described=True)
        if portal.fields is None:
            await self._describe_statement(session, portal.prepared)
            portal.fields = portal.prepared.fields
        return portal.fields

    async def _start_portal(self, session: Session, portal: Portal, described: bool = False
                            ) -> None:
        stmt = portal.statement or portal.prepared.statement
        assert stmt is not None
        if (session.tx == TxStatus.IDLE and stmt.command is None and stmt.late is None
                and stmt.statement_type not in _READS
                and self.reader.executes_before_sync(1 if described else 0)):
            # Other statements follow before Sync: PostgreSQL runs them all in one implicit
            # transaction that Sync ends. A lone statement commits on its own, as before,
            # and reads never need undoing.
            await self._begin(session)
            session.pipeline_transaction = True
        # Its text is typed for the parameters as it runs: the translation that runs may be
        # another than the one ``exec_sql`` was made from (``blank_writes``, ``wide_context``).
        ps = portal.prepared
        outcome = await self._run(stmt, portal.params, planned=ps.typed,
                                  param_oids=ps.param_oids if ps.exec_sql is not None else None)
        portal.result = outcome.result
        portal.ticket = outcome.ticket
        portal.owned = outcome.owned
        portal.limit = outcome.limit
        portal.tag = outcome.tag
        portal.counts_rows = outcome.counts_rows
        if outcome.result is not None and outcome.result.schema is not None:
            portal.fields = fields_of(outcome.result.schema)
            described = portal.prepared.fields
            if described is not None and [f.type_oid for f in described] != [
                f.type_oid for f in portal.fields
            ]:
                # The client decodes by the types it was told at Describe: send those.
                portal.coerce = coerce_schema(outcome.result.schema, described)
                portal.fields = described
        elif outcome.result is None:
            portal.done = True
            portal.tag = command_tag(outcome, outcome.rowcount or 0)

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
            fmts = expand_formats(portal.result_formats, len(portal.fields or ()), "result")
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
            if portal.counts_rows:
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
