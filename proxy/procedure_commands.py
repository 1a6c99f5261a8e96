"""CREATE PROCEDURE, DROP PROCEDURE and CALL: the catalog side of stored procedures, and the
connection's side of their interpreter (``proxy.plpgsql``).

Procedures live in the system catalog (``catalog.procedures``), per database; a CREATE or DROP
inside a transaction block takes effect when it commits (the session sees its own change
meanwhile). Privileges follow Redshift's "Security and privileges for stored procedures":
CREATE on the schema to create one, its owner (or a superuser) to replace or drop it, and
EXECUTE to call it, which only its owner and superusers hold until a GRANT EXECUTE ON
PROCEDURE. SECURITY DEFINER runs the body as the owner (the session's user is switched for the
call and switched back after it).

A CALL picks the overload whose input types the arguments reach by PostgreSQL's implicit
casts (an exact match preferred), casts each argument to its declared type, and runs the body
with the connection as its ``Host``: each statement goes through ``Connection._run``, as a
client's would. A CALL with OUT or INOUT arguments returns one row of their final values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa
from sqlglot import exp
from sqlglot.tokens import TokenType

from catalog import errors as err
from catalog.procedures import (
    Argument,
    Procedure,
    Procedures,
    display_type,
    normal_type,
    type_oid,
)
from catalog.security import ObjectKey
from engine import streaming
from engine.storage import quote_ident
from policies import access
from proxy.plpgsql import ast, executor, parser
from proxy.result_sender import statement_timeout_error
from proxy.session import Outcome, Session, TxStatus
from proxy.show_commands import single_column
from proxy.sql import commands, procedures
from proxy.sql.split import tokenize
from proxy.wire import backend

if TYPE_CHECKING:
    from proxy.connection import Connection
    from proxy.server import Server

# The category of a declared type, and the order of width within the numeric ones.
_CATEGORY = {"smallint": "int", "integer": "int", "bigint": "int", "numeric": "numeric",
             "real": "float", "double precision": "float", "varchar": "text", "char": "text",
             "refcursor": "text",
             "boolean": "bool", "date": "date", "timestamp": "timestamp",
             "timestamptz": "timestamptz"}
_WIDTH = {"smallint": 1, "integer": 2, "bigint": 3}
# PostgreSQL's implicit casts between categories (beside a category to itself).
_IMPLICIT = {("int", "numeric"), ("int", "float"), ("numeric", "float"),
             ("date", "timestamp"), ("date", "timestamptz"), ("timestamp", "timestamptz")}


def _arrow_type(t: pa.DataType, literal: bool) -> str:
    """The PostgreSQL type of an argument's value ("unknown" for a string literal or NULL)."""
    if literal or pa.types.is_null(t):
        return "unknown"
    if isinstance(t, pa.BaseExtensionType) and t.extension_name == "arrow.bool8":
        return "boolean"  # DuckDB's BOOLEAN as Arrow's canonical 8-bit boolean
    for test, name in ((pa.types.is_int16, "smallint"), (pa.types.is_int8, "smallint"),
                       (pa.types.is_int32, "integer"), (pa.types.is_int64, "bigint"),
                       (pa.types.is_decimal, "numeric"), (pa.types.is_float32, "real"),
                       (pa.types.is_float64, "double precision"),
                       (pa.types.is_boolean, "boolean"), (pa.types.is_date, "date")):
        if test(t):
            return name
    if pa.types.is_timestamp(t):
        return "timestamptz" if t.tz else "timestamp"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "varchar"
    return str(t)


def _reaches(arg: str, param: str) -> int:
    """How well an argument of type ``arg`` fits a parameter: 2 exactly, 1 by an implicit
    cast, 0 not at all."""
    param = normal_type(param)
    if arg == "unknown":
        # A string literal or NULL fits any type, a string type best (PostgreSQL prefers
        # its string category for an unknown).
        return 2 if _CATEGORY.get(param) == "text" else 1
    if arg == param:
        return 2
    a, p = _CATEGORY.get(arg, arg), _CATEGORY.get(param, param)
    if a == p == "int":
        return 1 if _WIDTH[arg] < _WIDTH[param] else 0
    if a == p:
        return 2 if a != "text" else 1
    return 1 if (a, p) in _IMPLICIT else 0


# SHOW PROCEDURE's one column.
SHOW_COLUMN = "Stored Procedure Definition"
# A pending CREATE (True) or DROP (False) of a procedure, and the name whose privileges a
# renamed one takes along.
Change = tuple[bool, Procedure, ObjectKey | None]


class ProcedureCommands:
    """Handlers of the procedure statements and the interpreter's host (a mixin of
    ``Connection``)."""

    # -- the catalog, as this session sees it --------------------------------------------------
    def _procedures(self: Connection) -> Procedures:
        return self.server.procedures

    def _pending(self: Connection, session: Session) -> list[Change]:
        """This session's uncommitted CREATEs (True) and DROPs (False) of procedures."""
        return self.server.procedure_changes.setdefault(session.pid, [])

    def _overloads(self: Connection, session: Session, schema: str, name: str
                   ) -> list[Procedure]:
        ns = session.namespace.guid
        found = {p.signature: p for p in self._procedures().overloads(
            ns, session.database, schema, name)}
        for put, proc, _ in self.server.procedure_changes.get(session.pid, []):
            if (proc.namespace, proc.database, proc.schema, proc.name) != (
                    ns, session.database, schema, name):
                continue
            if put:
                found[proc.signature] = proc
            else:
                found.pop(proc.signature, None)
        return list(found.values())

    def _change(self: Connection, session: Session, put: bool, proc: Procedure,
                renamed_from: ObjectKey | None = None) -> None:
        """Create or drop now, or when the session's transaction commits (``renamed_from``:
        the name whose privileges a renamed procedure takes along)."""
        if session.tx == TxStatus.IDLE:
            apply_change(self.server, put, proc, renamed_from)
        else:
            self._pending(session).append((put, proc, renamed_from))

    def _named(self: Connection, session: Session, schema: str | None, name: str,
               arguments: tuple[Argument, ...] | None) -> Procedure:
        """The procedure ALTER PROCEDURE or SHOW PROCEDURE names: by its input argument types
        (OUT arguments may be listed too), or by its name alone where it has no overloads."""
        signature = None if arguments is None else tuple(
            normal_type(a.type) for a in arguments if a.is_input)
        for candidate in self._schemas(session, schema):
            found = [p for p in self._overloads(session, candidate, name)
                     if signature is None or p.signature == signature]
            if len(found) > 1:
                raise err.AmbiguousFunction(
                    f'procedure name "{name}" is not unique',
                    hint="Specify the argument list to select the procedure unambiguously.")
            if found:
                return found[0]
        shown = name if signature is None else (
            f"{name}({', '.join(display_type(t) for t in signature)})")
        raise err.UndefinedFunction(f"procedure {shown} does not exist")

    def _may_execute(self: Connection, session: Session, proc: Procedure) -> bool:
        """Whether the session's user may call ``proc``: a superuser, its owner, or one
        holding EXECUTE on it."""
        who = self.server.authorizer.principal(session.namespace.guid, session.user.name)
        key = ObjectKey("procedure", proc.database, proc.schema, proc.name)
        return who.superuser or proc.owner == who.user or access.has_privilege(
            self.server.security, who, key, "EXECUTE", proc.owner)

    def _check_owner(self: Connection, session: Session, proc: Procedure) -> None:
        who = self.server.authorizer.principal(session.namespace.guid, session.user.name)
        if not (who.superuser or proc.owner == who.user):
            raise err.InsufficientPrivilege(f"must be owner of procedure {proc.name}")

    def _schemas(self: Connection, session: Session, schema: str | None) -> list[str]:
        return [schema] if schema else self.server.authorizer.search_path(session)

    def _procedure_key(self: Connection, session: Session, parts: tuple[str, ...]
                       ) -> ObjectKey:
        """The procedure a GRANT or REVOKE names (its overloads share their privileges)."""
        if len(parts) > 2:
            raise err.FeatureNotSupported(
                "feature not supported on Duckshift: procedures of another database")
        name = parts[-1]
        for schema in self._schemas(session, parts[0] if len(parts) == 2 else None):
            if self._overloads(session, schema, name):
                return ObjectKey("procedure", session.database, schema, name)
        raise err.UndefinedFunction(f"procedure {'.'.join(parts)} does not exist")

    # -- CREATE / DROP -------------------------------------------------------------------------
    async def _cmd_create_procedure(self: Connection, session: Session,
                                    cmd: procedures.CreateProcedure, _: list[object]) -> Outcome:
        parser.parse(cmd.body)  # a body that does not parse is refused now, as in Redshift
        names = [a.name for a in cmd.arguments if a.name]
        for a in cmd.arguments:
            executor.type_sql(a.type)
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            raise err.make("42P13", f'parameter name "{dup}" used more than once')
        authorizer = self.server.authorizer
        ns = session.namespace.guid
        alias = session.alias()
        schema = cmd.schema or authorizer._creation_schema(session, alias)
        if not authorizer.directory.schema_exists(alias, schema):
            raise err.InvalidSchemaName(f'schema "{schema}" does not exist')
        who = authorizer.principal(ns, session.user.name)
        default_owner = authorizer.default_owner(ns)
        if not access.has_privilege(self.server.security, who,
                                    ObjectKey("schema", session.database, schema), "CREATE",
                                    default_owner):
            raise err.InsufficientPrivilege(f"permission denied for schema {schema}")
        proc = Procedure(ns, session.database, schema, cmd.name, cmd.arguments, cmd.body,
                         cmd.nonatomic, cmd.security_definer, session.user.name,
                         _now(), 0)
        old = next((p for p in self._overloads(session, schema, cmd.name)
                    if p.signature == proc.signature), None)
        if old is not None:
            if not cmd.replace:
                raise err.DuplicateFunction(
                    f'function "{cmd.name}" already exists with same argument types')
            if not (who.superuser or old.owner == who.user):
                raise err.InsufficientPrivilege(f"must be owner of procedure {cmd.name}")
            if [a.mode for a in old.arguments] != [a.mode for a in cmd.arguments] or [
                    normal_type(a.type) for a in old.arguments if a.is_output] != [
                    normal_type(a.type) for a in cmd.arguments if a.is_output]:
                raise err.make("42P13", "cannot change return type of existing function",
                               hint="Use DROP PROCEDURE first.")
            proc = Procedure(ns, session.database, schema, cmd.name, cmd.arguments, cmd.body,
                             cmd.nonatomic, cmd.security_definer, old.owner, _now(), 0)
        self._change(session, True, proc)
        return Outcome("CREATE PROCEDURE")

    async def _cmd_drop_procedure(self: Connection, session: Session,
                                  cmd: procedures.DropProcedure, _: list[object]) -> Outcome:
        signature = tuple(normal_type(a.type) for a in cmd.arguments if a.is_input)
        shown = f"{cmd.name}({', '.join(display_type(t) for t in signature)})"
        for schema in self._schemas(session, cmd.schema):
            proc = next((p for p in self._overloads(session, schema, cmd.name)
                         if p.signature == signature), None)
            if proc is not None:
                break
        else:
            if cmd.if_exists:
                self.send(backend.notice_response(
                    f"procedure {shown} does not exist, skipping"))
                return Outcome("DROP PROCEDURE")
            raise err.UndefinedFunction(f"procedure {shown} does not exist")
        self._check_owner(session, proc)
        self._change(session, False, proc)
        return Outcome("DROP PROCEDURE")

    # -- ALTER / SHOW --------------------------------------------------------------------------
    async def _cmd_alter_procedure(self: Connection, session: Session,
                                   cmd: procedures.AlterProcedure, _: list[object]) -> Outcome:
        proc = self._named(session, cmd.schema, cmd.name, cmd.arguments)
        self._check_owner(session, proc)
        if cmd.new_owner is not None:
            owner = session.user.name if cmd.new_owner in (
                "CURRENT_USER", "SESSION_USER") else cmd.new_owner
            if self.server.catalog.user(session.namespace.guid, owner) is None:
                raise err.UndefinedObject(f'user "{owner}" does not exist')
            self._change(session, True, replace(proc, owner=owner))
            return Outcome("ALTER PROCEDURE")
        assert cmd.new_name is not None
        if any(p.signature == proc.signature
               for p in self._overloads(session, proc.schema, cmd.new_name)):
            shown = ", ".join(display_type(t) for t in proc.signature)
            raise err.DuplicateFunction(
                f'procedure {cmd.new_name}({shown}) already exists in schema "{proc.schema}"')
        # The new one first: dropping the last of the old name forgets its privileges.
        self._change(session, True, replace(proc, name=cmd.new_name, proc_id=0),
                     ObjectKey("procedure", proc.database, proc.schema, proc.name))
        self._change(session, False, proc)
        return Outcome("ALTER PROCEDURE")

    async def _cmd_show_procedure(self: Connection, session: Session,
                                  cmd: procedures.ShowProcedure, _: list[object]) -> Outcome:
        proc = self._named(session, cmd.schema, cmd.name, cmd.arguments)
        if not self._may_execute(session, proc):
            raise err.InsufficientPrivilege(f"permission denied for procedure {proc.name}")
        return Outcome("SHOW", result=single_column(SHOW_COLUMN, [definition(proc)]))

    # -- CALL ----------------------------------------------------------------------------------
    async def _cmd_call(self: Connection, session: Session, cmd: procedures.CallProcedure,
                        params: list[object]) -> Outcome:
        texts = list(cmd.arguments)
        # statement_timeout and a CancelRequest cover the whole call, from here.
        ms = int(session.values.get("statement_timeout") or 0)
        self._call_deadline = time.monotonic() + ms / 1000 if ms > 0 else None
        self._call_cancelled = False
        self._call_depth += 1
        try:
            proc, values = await self._resolve_call(session, cmd.schema, cmd.name, texts,
                                                    params)
            finals = await self._invoke(session, proc, values, depth=1)
        finally:
            self._call_depth -= 1
            self._call_deadline = None
        outs = [(i, a) for i, a in enumerate(proc.arguments) if a.is_output]
        if not outs:
            return Outcome("CALL")
        columns = ", ".join(
            f"CAST(${k} AS {executor.type_sql(a.type)}) AS "
            f"{quote_ident(a.name or f'column{k}')}" for k, (_, a) in enumerate(outs, start=1))
        stmts = await self.server.translator.statements(f"SELECT {columns}",
                                                        session.context)
        outcome = await self._run(stmts[0], [finals[i] for i, _ in outs])
        return Outcome("CALL", False, outcome.result, None, outcome.ticket)

    def _call_fields(self: Connection, session: Session, cmd: procedures.CallProcedure
                     ) -> list[backend.FieldDescription] | None:
        """The columns a CALL will return, from the catalog (never by running it): those of
        the OUT and INOUT arguments when every overload it may call has the same; None for
        no row."""
        outs: set[tuple[tuple[str, int], ...]] = set()
        for schema in self._schemas(session, cmd.schema):
            for proc in self._overloads(session, schema, cmd.name):
                if len(proc.signature) == len(cmd.arguments):
                    outs.add(tuple(
                        (a.name or f"column{k}", _row_oid(a.type)) for k, a in enumerate(
                            (a for a in proc.arguments if a.is_output), start=1)))
            if outs:
                break
        if len(outs) != 1:
            return None
        (columns,) = outs
        return [backend.FieldDescription(n, oid) for n, oid in columns] or None

    async def _resolve_call(self: Connection, session: Session, schema: str | None,
                            name: str, texts: list[str], params: Sequence[object]
                            ) -> tuple[Procedure, list[object]]:
        """The overload a CALL names and its input values, each cast to its declared type."""
        types: list[str] = []
        if texts:
            probe = await self._proc_run(
                "SELECT " + ", ".join(f"({t})" for t in texts), params)
            types = [_arrow_type(t, _is_literal(text))  # type: ignore[arg-type]
                     for t, text in zip(probe.types, texts, strict=True)]
        candidates: list[tuple[int, Procedure]] = []
        for s in self._schemas(session, schema):
            for proc in self._overloads(session, s, name):
                if len(proc.signature) != len(types):
                    continue
                fits = [_reaches(a, p) for a, p in zip(types, proc.signature, strict=True)]
                if all(fits):
                    candidates.append((sum(fits), proc))
            if candidates:
                break
        shown = f"{name}({', '.join(display_type(t) for t in types)})"
        if not candidates:
            raise err.UndefinedFunction(
                f"procedure {shown} does not exist",
                hint="No procedure matches the given name and argument types. You might need "
                     "to add explicit type casts.")
        best = max(score for score, _ in candidates)
        chosen = [p for score, p in candidates if score == best]
        if len(chosen) > 1:
            raise err.AmbiguousFunction(
                f"procedure {shown} is not unique",
                hint="Could not choose a best candidate procedure. You might need to add "
                     "explicit type casts.")
        proc = chosen[0]
        if not self._may_execute(session, proc):
            raise err.InsufficientPrivilege(f"permission denied for procedure {proc.name}")
        if not texts:
            return proc, []
        inputs = [a for a in proc.arguments if a.is_input]
        cast = await self._proc_run("SELECT " + ", ".join(
            f"CAST(({t}) AS {executor.type_sql(a.type)})"
            for t, a in zip(texts, inputs, strict=True)), params)
        assert cast.rows is not None
        return proc, list(cast.rows[0])

    async def _invoke(self: Connection, session: Session, proc: Procedure,
                      values: list[object], depth: int) -> list[object]:
        """Run a procedure's body; the final values of all its arguments."""
        body = parser.parse(proc.body)
        inputs = iter(values)
        args = [executor.Argument(a.name, a.mode, a.type,
                                  next(inputs) if a.is_input else None)
                for a in proc.arguments]
        run = executor.Executor(_Host(self, session, not proc.nonatomic), proc.nonatomic, depth)
        user = session.user
        if proc.security_definer and proc.owner != user.name:
            owner = self.server.catalog.user(session.namespace.guid, proc.owner)
            if owner is None:
                raise err.InsufficientPrivilege(
                    f"permission denied for procedure {proc.name}")
            session.user = owner  # SECURITY DEFINER: the body runs as the owner
        try:
            if depth > 1:
                # A nested call is a statement of its caller's transaction.
                return await run.run(body, args)
            return await self._call_transaction(session, proc, run, body, args)
        finally:
            session.user = user

    async def _call_transaction(self: Connection, session: Session, proc: Procedure,
                                run: executor.Executor, body: ast.Block,
                                args: list[executor.Argument]) -> list[object]:
        """A top-level call: outside a transaction block it is its own transaction (atomic
        mode), or each of its statements is (NONATOMIC); inside one, it is part of the
        caller's. statement_timeout covers the whole call."""
        own = session.tx == TxStatus.IDLE
        try:
            if own and not proc.nonatomic:
                await self._begin(session)
            finals = await run.run(body, args)
            if own and session.tx != TxStatus.IDLE:
                await self._commit(session)
            return finals
        except BaseException:
            if own and session.tx != TxStatus.IDLE:
                await self._rollback(session)
            raise

    async def _proc_run(self: Connection, text: str, params: Sequence[object]
                        ) -> executor.Ran:
        """Run Redshift SQL from a procedure as a client's statement; the last one's result."""
        session = self._session()
        stmts = await self.server.translator.statements(text, session.context)
        ran = executor.Ran([], None, 0)
        for stmt in stmts:
            if isinstance(stmt.command, commands.Copy):
                raise err.FeatureNotSupported(
                    "feature not supported on Duckshift: COPY in stored procedures")
            if isinstance(stmt.command, procedures.Command | commands.Declare
                          | commands.Fetch | commands.CloseCursor):
                raise err.FeatureNotSupported(
                    f"feature not supported on Duckshift: {stmt.tag} in dynamic SQL of "
                    "stored procedures" if isinstance(stmt.command, procedures.Command)
                    else "feature not supported on Duckshift: cursors in stored procedures")
            outcome = await self._run(stmt, list(params))
            ran = await self._collect(outcome)
        return ran

    async def _collect(self: Connection, outcome: Outcome) -> executor.Ran:
        result = outcome.result
        if result is None:
            return executor.Ran([], None, outcome.rowcount or 0)
        try:
            await self._engine_call(streaming.fill, result, 1 << 62)
            rows: list[tuple[object, ...]] = []
            for batch in result.pending:
                rows.extend(zip(*(c.to_pylist() for c in batch.columns), strict=True))
            result.pending.clear()
            result.rows_sent = len(rows)
            assert result.schema is not None
            return executor.Ran(list(result.schema.names), rows, len(rows),
                                [f.type for f in result.schema])
        finally:
            if outcome.owned:
                streaming.close(result)
                if outcome.ticket is not None:
                    self.workgroup.pool.release(outcome.ticket)

    def _check_call(self: Connection) -> None:
        """Between the statements of a procedure: stop on CancelRequest, statement_timeout
        or a client gone."""
        self._check_client()
        if self._call_cancelled:
            self._call_cancelled = False
            raise err.QueryCanceled("canceling statement due to user request")
        if self._call_deadline is not None and time.monotonic() >= self._call_deadline:
            raise statement_timeout_error()


class _Host:
    """The connection as the interpreter's ``Host`` for one call."""

    def __init__(self, conn: Connection, session: Session, atomic: bool) -> None:
        self.conn = conn
        self.session = session
        self.atomic = atomic

    async def run(self, text: str, params: Sequence[object]) -> executor.Ran:
        before = self.session.tx
        ran = await self.conn._proc_run(text, params)
        if self.atomic and before != TxStatus.IDLE and self.session.tx == TxStatus.IDLE:
            # TRUNCATE committed the transaction: in atomic mode the next one starts now.
            await self.conn._begin(self.session)
        return ran

    def notice(self, level: str, message: str) -> None:
        self.conn.send(backend.notice_response(message, "00000", level))

    async def end_transaction(self, commit: bool, begin_next: bool) -> None:
        session = self.session
        if session.tx != TxStatus.IDLE:
            if commit:
                await self.conn._commit(session)
            else:
                await self.conn._rollback(session)
        if begin_next:
            await self.conn._begin(session)

    def in_transaction(self) -> bool:
        return self.session.tx != TxStatus.IDLE

    def check_interrupt(self) -> None:
        self.conn._check_call()

    async def call(self, schema: str | None, name: str, args: list[str],
                   params: Sequence[object], depth: int) -> list[tuple[int, object]]:
        proc, values = await self.conn._resolve_call(self.session, schema, name, args, params)
        if any(a.mode == "OUT" for a in proc.arguments):
            raise err.FeatureNotSupported(
                "feature not supported on Duckshift: a nested CALL of a procedure with OUT "
                "arguments (Redshift requires INOUT)")
        finals = await self.conn._invoke(self.session, proc, values, depth)
        inputs = [i for i, a in enumerate(proc.arguments) if a.is_input]
        return [(pos, finals[i]) for pos, i in enumerate(inputs)
                if proc.arguments[i].mode == "INOUT"]


    async def open_cursor(self, name: str, text: str, params: Sequence[object],
                          statement: str, hold: bool = False) -> None:
        conn, session = self.conn, self.session
        if session.tx == TxStatus.IDLE and not hold:
            # A NONATOMIC procedure outside a transaction block (in atomic mode the call is
            # its transaction): a cursor needs one, as DECLARE does.
            raise err.NoActiveSqlTransaction(
                "DECLARE CURSOR can only be used in transaction blocks")
        if name in session.cursors:
            raise err.DuplicateCursor(f'cursor "{name}" already exists')
        stmts = await conn.server.translator.statements(text, session.context)
        stmt = stmts[0] if len(stmts) == 1 else None
        if stmt is None or not stmt.returns_rows or stmt.command is not None:
            # The command's name, without the "0" of an INSERT's tag.
            tag = " ".join(w for w in stmt.tag.split() if not w.isdigit()) if stmt else \
                "multi-statement"
            raise err.make("42P11", f"cannot open {tag} query as cursor")
        await conn._open_cursor(session, name, stmt, list(params), hold, statement)

    def cursor_exists(self, name: str) -> bool:
        return name in self.session.cursors

    async def fetch_row(self, name: str) -> tuple[list[str], tuple[object, ...] | None]:
        cursor = self.session.cursors.get(name)
        if cursor is None:
            raise err.InvalidCursorName(f'cursor "{name}" does not exist')
        result = cursor.result
        batch, rows = await self.conn._engine_call(streaming.take, result, _batch, 1)
        assert result.schema is not None
        if not rows:
            return list(result.schema.names), None
        return list(result.schema.names), tuple(c[0].as_py() for c in batch.columns)

    def close_cursor(self, name: str) -> None:
        cursor = self.session.cursors.pop(name, None)
        if cursor is None:
            raise err.InvalidCursorName(f'cursor "{name}" does not exist')
        self.conn._close_cursor(cursor)

    def portal_name(self) -> str:
        session = self.session
        while True:
            session.unnamed_portals += 1
            name = f"<unnamed portal {session.unnamed_portals}>"
            if name not in session.cursors:
                return name


    async def relation_columns(self, parts: tuple[str, ...]) -> list[tuple[str, str]]:
        if len(parts) > 2:
            raise err.FeatureNotSupported(
                "feature not supported on Duckshift: %TYPE and %ROWTYPE of another database")
        conn, session = self.conn, self.session
        where = "table_name = CAST($1 AS VARCHAR)"
        if len(parts) == 2:
            where += " AND table_schema = CAST($2 AS VARCHAR)"
        ran = await conn._proc_run(
            "SELECT table_schema, column_name, data_type, character_maximum_length, "
            "numeric_precision, numeric_scale FROM information_schema.columns WHERE "
            f"{where} ORDER BY ordinal_position", [parts[-1], *parts[:-1]])
        rows = ran.rows or []
        # The session's temporary schema first, then the search_path (PostgreSQL's order).
        present = {r[0] for r in rows}
        order = sorted(s for s in present if s.startswith("pg_temp")) + [
            s for s in conn._schemas(session, parts[0] if len(parts) == 2 else None)
            if s in present]
        if not order:
            raise err.UndefinedTable(f'relation "{".".join(parts)}" does not exist')
        return [(r[1], _declared_type(*r[2:])) for r in rows if r[0] == order[0]]


def _declared_type(data_type: str, length: int | None, precision: int | None,
                   scale: int | None) -> str:
    """A column's declared type from information_schema's parts."""
    if data_type in ("character varying", "character") and length is not None:
        return f"{data_type}({length})"
    if data_type == "numeric" and precision is not None:
        return f"numeric({precision}, {scale or 0})"
    return "varbyte" if data_type == "binary varying" else data_type


def _row_oid(type_text: str) -> int:
    """The OID of an OUT/INOUT argument's column in CALL's row: its type's, except that a
    refcursor's value (a cursor name) is sent as the VARCHAR the row is made of, so that a
    Describe and a simple Query describe the column alike."""
    oid = type_oid(type_text)
    return type_oid("varchar") if oid == type_oid("refcursor") else oid


def _batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``streaming.take``'s encoding that keeps the batch as it is."""
    return batch


def _is_literal(text: str) -> bool:
    """Whether an argument is a string literal or NULL (PostgreSQL's type "unknown")."""
    toks = tokenize(text)
    return len(toks) == 1 and toks[0].token_type in (TokenType.STRING, TokenType.NULL)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def apply_change(server: Server, put: bool, proc: Procedure,
                 renamed_from: ObjectKey | None = None) -> None:
    """Make a CREATE (``put``) or DROP of a procedure permanent: the catalog row, and its
    owner and grants in the security catalog (grants are per name, shared by overloads; a
    renamed procedure takes those of ``renamed_from`` along, and the owner of a name is the
    owner of its only overload)."""
    store = server.procedures
    security = server.security
    key = ObjectKey("procedure", proc.database, proc.schema, proc.name)
    if put:
        store.put(proc)
        if renamed_from is not None:
            security.add_grants(proc.namespace, [
                replace(g, obj=key) for g in security.grants_on(proc.namespace, renamed_from)])
        if security.owner(proc.namespace, key) is None or len(store.overloads(
                proc.namespace, proc.database, proc.schema, proc.name)) == 1:
            security.set_owner(proc.namespace, key, proc.owner)
        return
    store.drop(proc)
    if not store.overloads(proc.namespace, proc.database, proc.schema, proc.name):
        security.forget_object(proc.namespace, key)


def settle_hook(server: Server) -> Callable[[Session, bool], None]:
    """The authorizer's settle hook: a session's pending procedure changes, applied when its
    transaction commits and forgotten when it rolls back."""

    def settled(session: Session, committed: bool) -> None:
        changes = server.procedure_changes.pop(session.pid, [])
        if committed:
            for put, proc, renamed_from in changes:
                apply_change(server, put, proc, renamed_from)

    return settled


HANDLERS = {
    procedures.CreateProcedure: ProcedureCommands._cmd_create_procedure,
    procedures.DropProcedure: ProcedureCommands._cmd_drop_procedure,
    procedures.CallProcedure: ProcedureCommands._cmd_call,
    procedures.AlterProcedure: ProcedureCommands._cmd_alter_procedure,
    procedures.ShowProcedure: ProcedureCommands._cmd_show_procedure,
}


def definition(proc: Procedure) -> str:
    """The CREATE OR REPLACE PROCEDURE statement that makes ``proc`` again, as SHOW PROCEDURE
    shows it (Redshift's documented layout: argument types by PostgreSQL's names, the body
    between ``$_$`` quotes, another tag where the body holds that one)."""
    args = ", ".join(" ".join(part for part in (
        "" if a.mode == "IN" else a.mode, a.name and _shown_name(a.name), display_type(a.type))
        if part) for a in proc.arguments)
    tag = "$_$"
    n = 0
    while tag in proc.body:
        n += 1
        tag = f"$_{n}$"
    return (f"CREATE OR REPLACE PROCEDURE {_shown_name(proc.schema)}.{_shown_name(proc.name)}"
            f"({args}){' NONATOMIC' if proc.nonatomic else ''} LANGUAGE plpgsql"
            f"{' SECURITY DEFINER' if proc.security_definer else ''} AS {tag}{proc.body}{tag}")


def _shown_name(name: str) -> str:
    """A name as Redshift's text shows it: quoted only where it must be."""
    return exp.to_identifier(name).sql(dialect="redshift")
