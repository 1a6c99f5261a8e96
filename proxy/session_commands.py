"""The statements a session carries out itself rather than on DuckDB.

Transaction control, SET/SHOW/RESET, USE, DEALLOCATE, DISCARD, CREATE/DROP DATABASE, EXPLAIN,
VACUUM and SQL cursors (DECLARE/FETCH/MOVE/CLOSE). ``SessionCommands`` is mixed into
``Connection``: each handler changes session state, may run DuckDB calls through the
connection, and returns an ``Outcome``.
"""

from __future__ import annotations

import contextlib
from collections import deque
from typing import TYPE_CHECKING

import pyarrow as pa

from catalog import errors as err
from catalog.security import ObjectKey
from engine import streaming
from engine.admission import Ticket
from engine.plans import plan_lines
from proxy import (
    access_commands,
    blank_writes,
    datashare_commands,
    procedure_commands,
    settings,
    show_commands,
    wlm_commands,
)
from proxy.codecs.oids import TEXT
from proxy.result_types import fields_of
from proxy.session import Outcome, Session, SqlCursor, TxStatus
from proxy.sql import commands, procedures, show
from proxy.sql.pipeline import Statement
from proxy.wire import backend

if TYPE_CHECKING:
    from proxy.connection import Connection


class SessionCommands:
    """Handlers of session commands (a mixin of ``Connection``)."""

    async def _park_streams(self: Connection) -> None:
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
        """Carry out a session command; dispatched on the command's type."""
        cmd = stmt.command
        assert cmd is not None
        if session.tx == TxStatus.FAILED and not isinstance(cmd, commands.Commit
                                                            | commands.Rollback):
            raise err.in_failed_transaction()
        handler = _HANDLERS.get(type(cmd))
        if handler is None:
            raise err.FeatureNotSupported(f"feature not supported on Duckshift: {stmt.tag}")
        return await handler(self, session, cmd, params)

    async def _cmd_begin(self, session: Session, cmd: commands.Begin, _: list[object]) -> Outcome:
        if session.pipeline_transaction:
            # BEGIN after statements of the same Sync: PostgreSQL makes their implicit
            # transaction the block BEGIN opens, without a warning.
            session.pipeline_transaction = False
        else:
            await self._begin(session)
        return Outcome("BEGIN")

    async def _cmd_commit(self, session: Session, cmd: commands.Commit, _: list[object]) -> Outcome:
        self._end_of_no_block(session)
        return Outcome(await self._commit(session))

    async def _cmd_rollback(
        self, session: Session, cmd: commands.Rollback, _: list[object]
    ) -> Outcome:
        self._end_of_no_block(session)
        await self._rollback(session)
        return Outcome("ROLLBACK")

    def _end_of_no_block(self, session: Session) -> None:
        if session.pipeline_transaction:
            # PostgreSQL ends a pipeline's implicit transaction here, warning that no
            # BEGIN opened it.
            self.send(backend.notice_response(
                "there is no transaction in progress", "25P01", "WARNING"
            ))

    async def _cmd_set(self, session: Session, cmd: commands.SetParam, _: list[object]) -> Outcome:
        await self._set(session, cmd)
        return Outcome("SET")

    async def _cmd_reset(
        self, session: Session, cmd: commands.ResetParam, _: list[object]
    ) -> Outcome:
        names = list(settings.PARAMS) if cmd.name is None else [settings.normalize(cmd.name)]
        for name in names:
            if not settings.lookup(name).read_only:
                await self._set(session, commands.SetParam(name, None))
        return Outcome("RESET")

    async def _cmd_show(
        self, session: Session, cmd: commands.ShowParam, _: list[object]
    ) -> Outcome:
        return Outcome("SHOW", result=show_parameter(session, cmd.name))

    async def _cmd_use(
        self, session: Session, cmd: commands.UseDatabase, _: list[object]
    ) -> Outcome:
        # RESET USE returns to the database the session connected to.
        await self._use(session, cmd.name or session.login_database)
        return Outcome("USE")

    async def _cmd_show_use(
        self, session: Session, cmd: commands.ShowUse, _: list[object]
    ) -> Outcome:
        return Outcome("SHOW", result=show_commands.single_column("database", [session.database]))

    async def _cmd_deallocate(
        self, session: Session, cmd: commands.Deallocate, _: list[object]
    ) -> Outcome:
        if cmd.name is None:
            session.prepared = {k: v for k, v in session.prepared.items() if k == ""}
            return Outcome("DEALLOCATE ALL")
        if session.prepared.pop(cmd.name, None) is None:
            raise err.InvalidSqlStatementName(f'prepared statement "{cmd.name}" does not exist')
        return Outcome("DEALLOCATE")

    async def _cmd_discard(
        self, session: Session, cmd: commands.Discard, _: list[object]
    ) -> Outcome:
        if cmd.what == "ALL":
            session.outside_transaction("DISCARD ALL")
            session.prepared.clear()
            for name, param in settings.PARAMS.items():
                if not param.read_only:
                    await self._set(session, commands.SetParam(name, None))
        return Outcome(f"DISCARD {cmd.what}")

    async def _cmd_database(
        self, session: Session, cmd: commands.CreateDatabase | commands.DropDatabase,
        _: list[object],
    ) -> Outcome:
        return await self._database_ddl(session, cmd)

    async def _cmd_explain(
        self, session: Session, cmd: commands.Explain, _: list[object]
    ) -> Outcome:
        return await self._explain(session, cmd)

    async def _cmd_vacuum(self, session: Session, cmd: commands.Vacuum, _: list[object]) -> Outcome:
        session.outside_transaction("VACUUM")
        await self._engine_call(session.cursor.execute, f'CHECKPOINT "{session.alias()}"')
        return Outcome("VACUUM")

    async def _cmd_declare(
        self, session: Session, cmd: commands.Declare, params: list[object]
    ) -> Outcome:
        await self._declare(session, cmd, params)
        return Outcome("DECLARE CURSOR")

    async def _cmd_fetch(self, session: Session, cmd: commands.Fetch, _: list[object]) -> Outcome:
        return await self._fetch(session, cmd)

    async def _cmd_close(
        self, session: Session, cmd: commands.CloseCursor, _: list[object]
    ) -> Outcome:
        for name in list(session.cursors) if cmd.name is None else [cmd.name]:
            cursor = session.cursors.pop(name, None)
            if cursor is None:
                raise err.InvalidCursorName(f'cursor "{name}" does not exist')
            self._close_cursor(cursor)
        return Outcome("CLOSE CURSOR")

    async def _cmd_noop(self, session: Session, cmd: commands.NoOp, _: list[object]) -> Outcome:
        return Outcome(cmd.tag)

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
        await self._open_cursor(session, cmd.name, inner[0], params, cmd.hold, cmd.statement)

    async def _open_cursor(self, session: Session, name: str, stmt: Statement,
                           params: list[object], hold: bool, statement: str) -> None:
        """Run a query into the session's cursor ``name``: DECLARE's, and a stored
        procedure's OPEN (the same cursors FETCH, MOVE, CLOSE and pg_cursors see). Redshift
        keeps one cursor open per session; its error is 24000."""
        if session.cursors:
            raise err.InvalidCursorState(
                "opening multiple cursors from within the same client connection is not "
                "allowed.")
        outcome = await self._run(stmt, params)
        assert outcome.result is not None and outcome.result.schema is not None
        session.cursors[name] = SqlCursor(
            name, outcome.result, fields_of(outcome.result.schema), outcome.ticket, hold,
            statement,
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

    async def _begin(self, session: Session, implicit: bool = False) -> None:
        if session.tx != TxStatus.IDLE:
            self.send(backend.notice_response(
                "there is already a transaction in progress", "25001", "WARNING"
            ))
            return
        # Before the snapshot: the clean facts of tables written after this may not hold for it.
        session.blank_since = self.server.blank_facts.now()
        session.stats_snapshots.clear()
        await self._engine_call(session.cursor.execute, "BEGIN TRANSACTION")
        session.tx = TxStatus.IN_BLOCK
        session.pipeline_transaction = False
        session.transaction_id = self.server.query_log.next_id()
        self.server.wlm.tx_began(session)

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
        committed = False
        try:
            await self._engine_call(session.cursor.execute, "COMMIT")
            committed = True
        finally:
            session.tx = TxStatus.IDLE
            session.pipeline_transaction = False
            self.server.authorizer.settle(session, committed)
            blank_writes.end_of_writes(self.server.blank_facts, session)
            self.server.wlm.tx_ended(session)
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
        session.pipeline_transaction = False
        self.server.authorizer.settle(session, committed=False)
        blank_writes.end_of_writes(self.server.blank_facts, session)
        self.server.wlm.tx_ended(session)

    async def _set(self, session: Session, cmd: commands.SetParam) -> None:
        name = settings.normalize(cmd.name)
        param = settings.lookup(cmd.name)
        previous = session.values[name]
        value = (param.default if cmd.value is None
                 else settings.validate(name, cmd.value, previous))
        session.values[name] = value
        applied = {"search_path": session.apply_search_path,
                   "timezone": session.apply_time_zone}.get(name)
        if applied is not None and value != previous:
            try:
                await self._engine_call(applied)
            except err.SQLError:
                session.values[name] = previous
                raise
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
        session.outside_transaction(
            "CREATE DATABASE" if isinstance(cmd, commands.CreateDatabase) else "DROP DATABASE")
        user = self.server.catalog.user(session.namespace.guid, session.user.name)
        superuser = user is not None and user.superuser
        if isinstance(cmd, commands.CreateDatabase):
            if not (superuser or (user is not None and user.createdb)):
                raise err.InsufficientPrivilege("permission denied to create database")
            if cmd.name in session.aliases:
                raise err.DuplicateDatabase(f'database "{cmd.name}" already exists')
            owner = cmd.owner or session.user.name
            if self.server.catalog.user(session.namespace.guid, owner) is None:
                raise err.UndefinedObject(f'user "{owner}" does not exist')
            await self.server.create_database(session.namespace, cmd.name, owner, cmd.isolation)
            return Outcome("CREATE DATABASE")
        owner = self.server.security.owner(session.namespace.guid, ObjectKey("database", cmd.name))
        if cmd.name in session.aliases and not superuser and owner != session.user.name:
            raise err.InsufficientPrivilege(f"must be owner of database {cmd.name}")
        if cmd.name == session.database:
            raise err.ObjectInUse("cannot drop the currently open database")
        if self.drop_consumer_database(session, cmd.name):
            return Outcome("DROP DATABASE")
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
            raise err.in_failed_transaction()
        self.server.authorizer.check(session, inner[0])
        # The plan the query's first run would take (with the facts it would learn first).
        stmt = await self._with_first_facts(session, inner[0])
        rows = await self._engine_call(
            lambda: session.cursor.execute(
                "EXPLAIN (FORMAT json) " + (stmt.duck_sql or "")).fetchall()
        )
        lines: list[str] = []
        for row in rows:
            lines.extend(plan_lines(str(row[-1]), self._reverse_aliases))
        return Outcome("EXPLAIN", result=show_commands.single_column("QUERY PLAN", lines))


def command_fields(
    cmd: commands.Command | show.Command | procedures.Command | None,
) -> list[backend.FieldDescription] | None:
    if isinstance(cmd, show.ShowCatalog | show.ShowView | show.ShowParameters):
        return show_commands.fields(cmd)
    if isinstance(cmd, commands.ShowParam):
        return [backend.FieldDescription(cmd.name, TEXT)]
    if isinstance(cmd, commands.ShowUse):
        return [backend.FieldDescription("database", TEXT)]
    if isinstance(cmd, commands.Explain):
        return [backend.FieldDescription("QUERY PLAN", TEXT)]
    if isinstance(cmd, procedures.ShowProcedure):
        return [backend.FieldDescription(procedure_commands.SHOW_COLUMN, TEXT)]
    return None


def show_parameter(session: Session, name: str) -> streaming.Result:
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
    return show_commands.single_column(key if key != "timezone" else "TimeZone",
                                       [session.values[key]])


def command_tag(outcome: Outcome, rows: int) -> str:
    return f"{outcome.tag} {rows}" if outcome.counts_rows else outcome.tag


# Which handler carries out each command (COPY is run by proxy/copy_flow.py instead).
_HANDLERS = {
    commands.Begin: SessionCommands._cmd_begin,
    commands.Commit: SessionCommands._cmd_commit,
    commands.Rollback: SessionCommands._cmd_rollback,
    commands.SetParam: SessionCommands._cmd_set,
    commands.ResetParam: SessionCommands._cmd_reset,
    commands.ShowParam: SessionCommands._cmd_show,
    commands.UseDatabase: SessionCommands._cmd_use,
    commands.ShowUse: SessionCommands._cmd_show_use,
    commands.Deallocate: SessionCommands._cmd_deallocate,
    commands.Discard: SessionCommands._cmd_discard,
    commands.CreateDatabase: SessionCommands._cmd_database,
    commands.DropDatabase: SessionCommands._cmd_database,
    commands.Explain: SessionCommands._cmd_explain,
    commands.Vacuum: SessionCommands._cmd_vacuum,
    commands.Declare: SessionCommands._cmd_declare,
    commands.Fetch: SessionCommands._cmd_fetch,
    commands.CloseCursor: SessionCommands._cmd_close,
    commands.NoOp: SessionCommands._cmd_noop,
    **access_commands.HANDLERS,
    **datashare_commands.HANDLERS,
    **show_commands.HANDLERS,
    **wlm_commands.HANDLERS,
    **procedure_commands.HANDLERS,
}
