"""The interpreter of a parsed procedure body.

Control flow (blocks, IF, CASE, loops, EXIT/CONTINUE, RETURN, RAISE, exception handlers) runs
here; every expression, query and statement runs through the ``Host`` (the connection), the
same path as a client's statement: translation, access checks as the caller, query records,
workload management. Variables reach SQL as bound parameters (``$n``, cast to the variable's
declared type by a cast sqlglot builds), never as text pasted into it; only EXECUTE's string,
the user's own dynamic SQL, runs as text.

Redshift's transaction rules (its "Managing transactions" and "Trapping errors" pages): in
the default (atomic) mode the call is one transaction, or part of the caller's; COMMIT and
ROLLBACK end it and start the next. Entering an exception handler rolls the transaction back
and runs the handler in a new one, which is committed, and then the error is raised again: the
procedure stops. In NONATOMIC mode each statement commits on its own (unless the body opened a
transaction), and an error a handler caught is not raised again. The only condition a handler
may name is OTHERS, which catches every error except a cancellation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sqlglot import exp
from sqlglot.tokens import TokenType

from catalog import errors as err
from proxy.plpgsql import ast
from proxy.plpgsql.parser import refuse, tokenize

# Statements whose variables are bound (PostgreSQL's rule: utility statements such as CREATE
# TABLE take none, so a name there is never a variable).
_BINDS = frozenset({"SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "("})
_NOT_AFTER = frozenset({TokenType.DOT, TokenType.ALIAS})
# RAISE levels sent to the client (client_min_messages is NOTICE: LOG and DEBUG are not).
_SENT_LEVELS = frozenset({"INFO", "NOTICE", "WARNING"})
MAX_NESTING = 16


@dataclass(slots=True)
class Ran:
    """What one statement gave: its columns, rows (None: it returns none) and row count."""

    columns: list[str]
    rows: list[tuple[object, ...]] | None
    rowcount: int
    types: list[object] = field(default_factory=list)  # Arrow types of the columns


class Host(Protocol):
    """What the interpreter needs from the connection that runs it."""

    async def run(self, text: str, params: Sequence[object]) -> Ran:
        """Run Redshift SQL (one or more statements) as a client's statement; the last one's
        result."""

    def notice(self, level: str, message: str) -> None:
        """Send a NoticeResponse."""

    async def end_transaction(self, commit: bool, begin_next: bool) -> None:
        """COMMIT or ROLLBACK the session's transaction; ``begin_next`` opens the next."""

    def in_transaction(self) -> bool:
        """Whether a transaction is open."""

    def check_interrupt(self) -> None:
        """Raise if the call was cancelled or ran past statement_timeout."""

    async def call(self, schema: str | None, name: str, args: list[str],
                   params: Sequence[object], depth: int) -> list[tuple[int, object]]:
        """A nested CALL of the argument expressions ``args`` (over ``params``); the values
        of its INOUT arguments, by position."""

    async def open_cursor(self, name: str, text: str, params: Sequence[object],
                          statement: str, hold: bool = False) -> None:
        """Open the session's cursor ``name`` on the query ``text`` (over ``params``);
        ``statement`` is what pg_cursors shows; ``hold``: it outlives a COMMIT."""

    def cursor_exists(self, name: str) -> bool:
        """Whether the session has a cursor ``name`` open."""

    async def fetch_row(self, name: str) -> tuple[list[str], tuple[object, ...] | None]:
        """The columns of the session's cursor ``name`` and its next row (None at the end);
        34000 when it is not open."""

    def close_cursor(self, name: str) -> None:
        """Close the session's cursor ``name``; 34000 when it is not open."""

    def portal_name(self) -> str:
        """A new name for a cursor opened without one (``<unnamed portal n>``)."""

    async def relation_columns(self, parts: tuple[str, ...]) -> list[tuple[str, str]]:
        """The columns of the table or view ``[schema.]name`` as the session resolves it, and
        their declared types (Redshift's text); 42P01 when there is none."""


@dataclass(slots=True)
class Var:
    """A variable of the body: its declared type (None: a RECORD or untyped), value."""

    name: str
    type: str | None
    value: object = None
    constant: bool = False
    not_null: bool = False
    record: bool = False
    fields: list[str] | None = None  # a RECORD's columns once assigned
    cursor: ast.Decl | None = None  # a bound cursor's declaration
    field_types: list[str] | None = None  # a %ROWTYPE record's declared column types


class _Exit(Exception):
    def __init__(self, label: str | None, leave: bool) -> None:
        super().__init__(label)
        self.label = label
        self.leave = leave


class _Return(Exception):
    pass


@dataclass(slots=True)
class Argument:
    """One argument as the body sees it: name (may be ""), mode, declared type, value."""

    name: str
    mode: str
    type: str
    value: object = None


def type_sql(text: str) -> str:
    """A declared type as Redshift SQL built by sqlglot; 42704 for what is no type. A
    refcursor's value is the name of a cursor: text."""
    if text.strip().lower() == "refcursor":
        return "VARCHAR"
    try:
        return exp.DataType.build(text, dialect="redshift").sql("redshift")
    except Exception:  # sqlglot raises several kinds on what is not a type
        raise err.UndefinedObject(f'type "{text}" does not exist') from None


def show(value: object) -> str:
    """A value as RAISE shows it (PostgreSQL's output text; NULL is <NULL>)."""
    if value is None:
        return "<NULL>"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return str(value)


class Executor:
    """Runs one call of a procedure body."""

    def __init__(self, host: Host, nonatomic: bool, depth: int = 1) -> None:
        self.host = host
        self.nonatomic = nonatomic
        self.depth = depth
        self.scopes: list[dict[str, Var]] = []
        self.labels: list[tuple[str, dict[str, Var]]] = []
        self.args: list[Var] = []
        self.row_count = 0
        self.handling: list[err.SQLError] = []  # errors whose handlers are running

    # -- entry --------------------------------------------------------------------------------
    async def run(self, block: ast.Block, args: list[Argument]) -> list[object]:
        """Run the body with its arguments; the final values of every argument, in order."""
        scope: dict[str, Var] = {"found": Var("found", "boolean", False)}
        for a in args:
            var = Var(a.name, a.type, a.value)
            self.args.append(var)
            if a.name:
                scope[a.name] = var
        self.scopes.append(scope)
        try:
            await self.block(block)
        except _Return:
            pass
        except _Exit as exc:
            raise err.SyntaxError_(
                "CONTINUE cannot be used outside a loop" if not exc.leave else
                "EXIT cannot be used outside a loop, unless it has a label") from None
        return [v.value for v in self.args]

    # -- variables ----------------------------------------------------------------------------
    def lookup(self, name: str) -> Var | None:
        for scope in reversed(self.scopes):
            var = scope.get(name)
            if var is not None:
                return var
        return None

    def qualified(self, label: str, name: str) -> Var | None:
        for lab, scope in reversed(self.labels):
            if lab == label:
                return scope.get(name)
        return None

    def assign(self, target: str, value: object, columns: list[str] | None = None) -> None:
        head, _, tail = target.partition(".")
        var = self.lookup(head)
        if var is not None and tail and not var.record:
            var, tail = self.qualified(head, tail) or var, ""
        elif var is None and tail:
            var, tail = self.qualified(head, tail), ""
        if var is None:
            raise err.SyntaxError_(f'"{target}" is not a known variable')
        if var.constant:
            raise err.SyntaxError_(f'variable "{var.name}" is declared CONSTANT')
        if tail:
            if var.fields is None or tail not in var.fields:
                raise err.UndefinedColumn(f'record "{var.name}" has no field "{tail}"')
            row = list(var.value)  # type: ignore[call-overload]
            row[var.fields.index(tail)] = value
            var.value = tuple(row)
            return
        if var.not_null and value is None:
            raise err.NotNullViolation(
                f'null value cannot be assigned to variable "{var.name}" declared NOT NULL')
        var.value = value
        if var.record:
            var.fields = columns

    def bind(self, sql: ast.Sql, values: list[object] | None = None) -> tuple[str, list[object]]:
        """``sql`` with each variable it names as a parameter ``$n``; the parameters."""
        params: list[object] = [] if values is None else values
        toks = tokenize(sql.text)
        columns = _column_names(toks)
        out: list[str] = []
        pos = 0
        i = 0
        while i < len(toks):
            tok = toks[i]
            found, used = (None, 1) if i in columns else self._variable_at(toks, i)
            if found is None:
                i += 1
                continue
            var, value = found
            params.append(value)
            end = toks[i + used - 1].end + 1
            out.append(sql.text[pos:tok.start])
            k = len(params)
            out.append(f"CAST(${k} AS {type_sql(var.type)})" if var.type and not var.record
                       else f"${k}")
            pos = end
            i += used
        out.append(sql.text[pos:])
        return "".join(out), params

    def _variable_at(self, toks: list, i: int) -> tuple[tuple[Var, object] | None, int]:
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tok.token_type == TokenType.PARAMETER and nxt is not None and \
                nxt.token_type == TokenType.NUMBER and nxt.start == tok.end + 1:
            n = int(nxt.text) if nxt.text.isdigit() else 0
            if not 1 <= n <= len(self.args):
                raise err.UndefinedParameter(f"there is no parameter ${nxt.text}")
            var = self.args[n - 1]
            return (var, var.value), 2
        if tok.token_type in (TokenType.STRING, TokenType.NUMBER) or not (
                tok.text[:1].isalpha() or tok.text[:1] == "_"):
            return None, 1
        if i and toks[i - 1].token_type in _NOT_AFTER:
            return None, 1
        if nxt is not None and nxt.token_type == TokenType.L_PAREN:
            return None, 1
        name = tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower()
        dotted = nxt is not None and nxt.token_type == TokenType.DOT and i + 2 < len(toks)
        field_name = ""
        if dotted:
            f = toks[i + 2]
            field_name = f.text if f.token_type == TokenType.IDENTIFIER else f.text.lower()
        var = self.lookup(name)
        if var is not None and var.record:
            if not dotted:
                raise refuse("a RECORD variable used as a whole")
            if var.fields is None:
                raise err.ObjectNotInPrerequisiteState(
                    f'record "{name}" is not assigned yet',
                    detail="The tuple structure of a not-yet-assigned record is indeterminate.")
            if field_name not in var.fields:
                raise err.UndefinedColumn(f'record "{name}" has no field "{field_name}"')
            k = var.fields.index(field_name)
            if var.field_types is not None:
                # A %ROWTYPE field is bound as its column's type (CHAR's semantics too).
                return (Var(field_name, var.field_types[k]), var.value[k]), 3  # type: ignore[index]
            return (var, var.value[k]), 3  # type: ignore[index]
        if dotted:
            # ``x.y``: a block label's variable, else a column of a table x (a scalar variable
            # x does not qualify a name, in PostgreSQL's resolution).
            labelled = self.qualified(name, field_name)
            if labelled is not None:
                return (labelled, labelled.value), 3
            return None, 1
        if var is not None:
            return (var, var.value), 1
        return None, 1

    # -- evaluation ---------------------------------------------------------------------------
    async def query(self, sql: ast.Sql, bind: bool = True) -> Ran:
        self.host.check_interrupt()
        text, params = self.bind(sql) if bind else (sql.text, [])
        ran = await self.host.run(text, params)
        self.row_count = ran.rowcount if ran.rows is None else len(ran.rows)
        return ran

    async def value(self, sql: ast.Sql, type_text: str | None = None) -> object:
        """The value of an expression (cast to ``type_text`` when given)."""
        expr, params = self.bind(sql)
        text = (f"SELECT CAST(({expr}) AS {type_sql(type_text)})" if type_text
                else f"SELECT ({expr})")
        self.host.check_interrupt()
        ran = await self.host.run(text, params)
        if not ran.rows:
            return None
        return ran.rows[0][0]

    async def condition(self, sql: ast.Sql) -> bool:
        return await self.value(sql, "boolean") is True

    def set_found(self, found: bool) -> None:
        self.scopes[0]["found"].value = found

    # -- statements ---------------------------------------------------------------------------
    async def block(self, block: ast.Block) -> None:
        scope: dict[str, Var] = {}
        self.scopes.append(scope)
        if block.label is not None:
            self.labels.append((block.label, scope))
        try:
            for d in block.decls:
                scope[d.name] = await self.declare(d)
            if block.handlers is None:
                await self.statements(block.body)
            else:
                await self.guarded(block)
        except _Exit as exc:
            if not exc.leave or exc.label is None or exc.label != block.label:
                raise
        finally:
            self.scopes.pop()
            if block.label is not None:
                self.labels.pop()

    async def declare(self, d: ast.Decl) -> Var:
        if d.alias_of:
            if not 1 <= d.alias_of <= len(self.args):
                raise err.UndefinedParameter(f"there is no parameter ${d.alias_of}")
            return self.args[d.alias_of - 1]
        if d.anchor:
            return await self.declare_anchored(d)
        if d.type == "record":
            return Var(d.name, None, None, record=True)
        if d.cursor is not None:
            # A bound cursor's value is its name, the name of the cursor it opens (unless
            # assigned another before OPEN), as in PostgreSQL.
            return Var(d.name, "refcursor", d.name, cursor=d)
        type_sql(d.type)
        var = Var(d.name, d.type, None, d.constant, d.not_null)
        if d.default is not None:
            var.value = await self.value(d.default, d.type)
        if var.not_null and var.value is None:
            raise err.NotNullViolation(
                f'null value cannot be assigned to variable "{d.name}" declared NOT NULL')
        return var

    async def declare_anchored(self, d: ast.Decl) -> Var:
        """A ``%TYPE`` or ``%ROWTYPE`` declaration, its type taken from the catalog (or the
        variable) now, as the call runs."""
        if d.rowtype:
            columns = await self.host.relation_columns(d.anchor)
            # PostgreSQL: a row variable starts with every field NULL.
            return Var(d.name, None, (None,) * len(columns), d.constant, record=True,
                       fields=[c for c, _ in columns], field_types=[t for _, t in columns])
        var = None
        if len(d.anchor) == 1:
            var = self.lookup(d.anchor[0])
            if var is None:
                raise err.UndefinedObject(f'type "{d.anchor[0]}%type" does not exist')
        elif len(d.anchor) == 2:
            var = self.qualified(d.anchor[0], d.anchor[1])
        if var is not None:
            if var.record:
                raise refuse("%TYPE of a record variable")
            type_text = var.type or ""
        else:
            *relation, column = d.anchor
            found = dict(await self.host.relation_columns(tuple(relation)))
            if column not in found:
                raise err.UndefinedColumn(
                    f'column "{column}" of relation "{relation[-1]}" does not exist')
            type_text = found[column]
        return await self.declare(ast.Decl(d.name, type_text, d.constant, d.not_null,
                                           d.default))

    async def store_row(self, var: Var, row: Sequence[object] | None, columns: list[str]
                        ) -> None:
        """A row into a record variable: a RECORD takes the row's columns; a %ROWTYPE one
        keeps its own, the values cast to them by position (missing ones NULL)."""
        if var.constant:
            raise err.SyntaxError_(f'variable "{var.name}" is declared CONSTANT')
        if var.field_types is None:
            var.value = tuple(row) if row is not None else (None,) * len(columns)
            var.fields = list(columns)
            return
        n = len(var.field_types)
        values = list(row or ())[:n]
        values += [None] * (n - len(values))
        casts = ", ".join(f"CAST(${k} AS {type_sql(t)})"
                          for k, t in enumerate(var.field_types, start=1))
        self.host.check_interrupt()
        ran = await self.host.run(f"SELECT {casts}", values)
        var.value = tuple(ran.rows[0]) if ran.rows else tuple(values)

    async def guarded(self, block: ast.Block) -> None:
        assert block.handlers is not None
        try:
            await self.statements(block.body)
        except err.QueryCanceled:
            raise  # OTHERS catches every error except a cancellation
        except err.SQLError as exc:
            handler = block.handlers[0]
            if not self.nonatomic or self.host.in_transaction():
                # Entering the handler rolls the transaction back; the handler runs in a new
                # one (atomic mode: the procedure's transaction goes on in it).
                await self.host.end_transaction(commit=False, begin_next=not self.nonatomic)
            scope = {"sqlerrm": Var("sqlerrm", "varchar", exc.message),
                     "sqlstate": Var("sqlstate", "char(5)", exc.sqlstate)}
            self.scopes.append(scope)
            self.handling.append(exc)
            try:
                await self.statements(handler.body)
            finally:
                self.handling.pop()
                self.scopes.pop()
            if not self.nonatomic:
                # Redshift: the handler's transaction is committed and the error raised again.
                await self.host.end_transaction(commit=True, begin_next=False)
                raise exc from None

    async def statements(self, body: list[ast.Stmt]) -> None:
        for s in body:
            self.host.check_interrupt()
            handler = _HANDLERS[type(s)]
            await handler(self, s)

    async def st_block(self, s: ast.Block) -> None:
        await self.block(s)

    async def st_assign(self, s: ast.Assign) -> None:
        head, _, tail = s.target.partition(".")
        var = self.lookup(head)
        type_text = var.type if var is not None and not var.record and not tail else None
        if var is not None and var.field_types is not None and tail in (var.fields or ()):
            type_text = var.field_types[var.fields.index(tail)]  # type: ignore[union-attr]
        self.assign(s.target, await self.value(s.value, type_text))

    async def st_sql(self, s: ast.SqlStatement) -> None:
        ran = await self.query(s.sql, bind=s.head in _BINDS)
        if s.into:
            await self.into(s.into, ran, s.strict)
        elif ran.rows is not None and s.head in ("SELECT", "WITH", "VALUES", "("):
            raise err.make("42601", "query has no destination for result data",
                           hint="If you want to discard the results of a SELECT, use "
                           "PERFORM instead.")
        else:
            self.set_found(self.row_count > 0)

    async def into(self, targets: tuple[str, ...], ran: Ran, strict: bool) -> None:
        rows = ran.rows or []
        if strict and not rows:
            raise err.make("P0002", "query returned no rows")
        if strict and len(rows) > 1:
            raise err.make("P0003", "query returned more than one row")
        row = rows[0] if rows else (None,) * len(ran.columns)
        first = self.lookup(targets[0])
        if len(targets) == 1 and first is not None and first.record:
            await self.store_row(first, row if rows else None, list(ran.columns))
        else:
            for i, target in enumerate(targets):
                self.assign(target, row[i] if i < len(row) else None)
        self.set_found(bool(rows))

    async def st_perform(self, s: ast.Perform) -> None:
        await self.query(s.query)
        self.set_found(self.row_count > 0)

    async def st_execute(self, s: ast.Execute) -> None:
        command = await self.value(s.command, "varchar")
        if command is None:
            raise err.make("22004", "query string argument of EXECUTE is null")
        ran = await self.query(ast.Sql(str(command)), bind=False)
        if s.into:
            await self.into(s.into, ran, s.strict)
        else:
            self.set_found(self.row_count > 0)

    async def st_if(self, s: ast.If) -> None:
        for cond, body in s.branches:
            if await self.condition(cond):
                await self.statements(body)
                return
        if s.otherwise is not None:
            await self.statements(s.otherwise)

    async def st_case(self, s: ast.Case) -> None:
        subject = await self.value(s.subject) if s.subject is not None else None
        for whens, body in s.branches:
            for w in whens:
                if s.subject is None:
                    hit = await self.condition(w)
                else:
                    hit = subject is not None and await self.value(w) == subject
                if hit:
                    await self.statements(body)
                    return
        if s.otherwise is None:
            raise err.make("20000", "case not found",
                           hint="CASE statement is missing ELSE part.")
        await self.statements(s.otherwise)

    async def loop_pass(self, label: str | None, body: list[ast.Stmt]) -> bool:
        """One pass of a loop's body; False when the loop ends (EXIT)."""
        # Let the event loop in at every pass: a loop of statements that run no SQL would
        # otherwise hold it, and with it the CancelRequest that should stop the loop.
        await asyncio.sleep(0)
        self.host.check_interrupt()
        try:
            await self.statements(body)
        except _Exit as exc:
            if exc.label is not None and exc.label != label:
                raise
            return not exc.leave
        return True

    async def st_loop(self, s: ast.Loop) -> None:
        while await self.loop_pass(s.label, s.body):
            pass

    async def st_while(self, s: ast.While) -> None:
        while await self.condition(s.condition):
            if not await self.loop_pass(s.label, s.body):
                break

    async def st_for_range(self, s: ast.ForRange) -> None:
        low = await self.value(s.low, "integer")
        high = await self.value(s.high, "integer")
        step = 1 if s.step is None else await self.value(s.step, "integer")
        if low is None or high is None:
            raise err.make("22004", "lower bound of FOR loop cannot be null"
                           if low is None else "upper bound of FOR loop cannot be null")
        if step is None or int(step) <= 0:  # type: ignore[call-overload]
            raise err.InvalidParameterValue("BY value of FOR loop must be greater than zero")
        var = Var(s.var, "integer")
        scope = {s.var: var}
        self.scopes.append(scope)
        found = False
        try:
            i, last, by = int(low), int(high), int(step)  # type: ignore[call-overload]
            while (i >= last) if s.reverse else (i <= last):
                found = True
                var.value = i
                if not await self.loop_pass(s.label, s.body):
                    break
                i = i - by if s.reverse else i + by
        finally:
            self.scopes.pop()
        self.set_found(found)

    async def st_for_query(self, s: ast.ForQuery) -> None:
        if s.dynamic:
            command = await self.value(s.query, "varchar")
            if command is None:
                raise err.make("22004", "query string argument of EXECUTE is null")
            ran = await self.query(ast.Sql(str(command)), bind=False)
        else:
            ran = await self.query(s.query)
        rows = ran.rows or []
        first = self.lookup(s.targets[0])
        if first is None:
            if len(s.targets) == 1:
                # PostgreSQL: the loop variable of a query loop must be declared (RECORD).
                raise err.SyntaxError_(
                    'loop variable of loop over rows must be a record variable or list of '
                    'scalar variables')
            raise err.SyntaxError_(f'"{s.targets[0]}" is not a known variable')
        for row in rows:
            if len(s.targets) == 1 and first.record:
                await self.store_row(first, row, list(ran.columns))
            else:
                for i, target in enumerate(s.targets):
                    self.assign(target, row[i] if i < len(row) else None)
            if not await self.loop_pass(s.label, s.body):
                break
        self.set_found(bool(rows))

    async def st_exit(self, s: ast.Exit) -> None:
        if s.when is None or await self.condition(s.when):
            raise _Exit(s.label, s.leave)

    async def st_return(self, s: ast.Return) -> None:
        raise _Return()

    async def st_null(self, s: ast.Null) -> None:
        return

    async def st_raise(self, s: ast.Raise) -> None:
        if s.level is None:
            if not self.handling:
                raise err.make("0Z002", "RAISE without parameters cannot be used outside an "
                               "exception handler")
            raise self.handling[-1]
        values = [await self.value(a) for a in s.args]
        message = _format(s.message or "", values)
        if s.level == "EXCEPTION":
            raise err.make("P0001", message)
        if s.level in _SENT_LEVELS:
            self.host.notice(s.level, message)

    async def st_diagnostics(self, s: ast.GetDiagnostics) -> None:
        for var, _item in s.items:
            self.assign(var, self.row_count)

    async def st_transaction(self, s: ast.Transaction) -> None:
        if self.handling:
            raise err.make("2D000", "cannot commit while a subtransaction is active"
                           if s.commit else "cannot roll back while a subtransaction is active")
        await self.host.end_transaction(commit=s.commit, begin_next=not self.nonatomic)

    async def st_call(self, s: ast.Call) -> None:
        if self.depth >= MAX_NESTING:
            raise err.ProgramLimitExceeded(
                f"stored procedure nesting level exceeds the maximum of {MAX_NESTING}")
        params: list[object] = []
        texts = [self.bind(a, params)[0] for a in s.args]
        self.host.check_interrupt()
        results = await self.host.call(s.name[0], s.name[1], texts, params, self.depth + 1)
        for position, value in results:
            toks = tokenize(s.args[position].text)
            if len(toks) == 1 and self.lookup(toks[0].text.lower()) is not None:
                self.assign(toks[0].text.lower(), value)


    # -- cursors ------------------------------------------------------------------------------
    def cursor_var(self, name: str) -> Var:
        """The refcursor variable a cursor statement names."""
        var = self.lookup(name)
        if var is None:
            raise err.SyntaxError_(f'"{name}" is not a known variable')
        if var.type is None or var.type.strip().lower() != "refcursor":
            raise err.DatatypeMismatch(
                f'variable "{name}" must be of type cursor or refcursor')
        return var

    def cursor_name(self, var: Var) -> str:
        """The name of the cursor a variable holds; 22004 when it holds none."""
        if var.value is None:
            raise err.make("22004", f'cursor variable "{var.name}" is null')
        return str(var.value)

    async def open(self, var: Var, query: ast.Sql | None, dynamic: bool,
                   args: tuple[ast.Sql, ...] | None, hold: bool = False) -> str:
        """Open the cursor of ``var``: its bound query over ``args``, or ``query``; the name
        of the cursor opened (a new portal name when the variable holds none)."""
        if var.value is not None and self.host.cursor_exists(str(var.value)):
            raise err.DuplicateCursor(f'cursor "{var.value}" already in use')
        decl = var.cursor
        if decl is not None:
            if query is not None:
                raise err.SyntaxError_(f'cursor "{var.name}" is a bound cursor: OPEN it '
                                       "without FOR")
            text, params = await self.bound_query(decl, args)
            shown = decl.cursor.text  # type: ignore[union-attr]
        elif query is None:
            raise err.SyntaxError_(f'cursor "{var.name}" is not a bound cursor: OPEN it '
                                   "FOR a query")
        elif dynamic:
            command = await self.value(query, "varchar")
            if command is None:
                raise err.make("22004", "query string argument of EXECUTE is null")
            text, params, shown = str(command), [], str(command)
        else:
            text, params = self.bind(query)
            shown = query.text
        if var.value is None:
            self.assign_cursor(var, self.host.portal_name())
        name = str(var.value)
        self.host.check_interrupt()
        await self.host.open_cursor(name, text, params, shown, hold)
        return name

    def assign_cursor(self, var: Var, name: str) -> None:
        if var.constant:
            raise err.SyntaxError_(f'variable "{var.name}" is declared CONSTANT')
        var.value = name

    async def bound_query(self, decl: ast.Decl, args: tuple[ast.Sql, ...] | None
                          ) -> tuple[str, list[object]]:
        """A bound cursor's query, its arguments' values bound as its parameters."""
        declared = decl.cursor_args
        if declared and args is None:
            raise err.SyntaxError_(f'cursor "{decl.name}" has arguments')
        if not declared and args is not None:
            raise err.SyntaxError_(f'cursor "{decl.name}" has no arguments')
        given = args or ()
        if len(given) < len(declared):
            raise err.SyntaxError_(f'not enough arguments for cursor "{decl.name}"')
        if len(given) > len(declared):
            raise err.SyntaxError_(f'too many arguments for cursor "{decl.name}"')
        scope: dict[str, Var] = {}
        for (name, type_text), arg in zip(declared, given, strict=True):
            scope[name] = Var(name, type_text, await self.value(arg, type_text))
        self.scopes.append(scope)
        try:
            return self.bind(decl.cursor)  # type: ignore[arg-type]
        finally:
            self.scopes.pop()

    async def st_open(self, s: ast.Open) -> None:
        await self.open(self.cursor_var(s.cursor), s.query, s.dynamic, s.args)

    async def st_fetch(self, s: ast.Fetch) -> None:
        name = self.cursor_name(self.cursor_var(s.cursor))
        self.host.check_interrupt()
        columns, row = await self.host.fetch_row(name)
        await self.into(s.into, Ran(columns, [] if row is None else [row], 0), strict=False)
        self.row_count = 0 if row is None else 1

    async def st_close(self, s: ast.Close) -> None:
        self.host.close_cursor(self.cursor_name(self.cursor_var(s.cursor)))

    async def st_for_cursor(self, s: ast.ForCursor) -> None:
        var = self.cursor_var(s.cursor)
        if var.cursor is None:
            raise err.SyntaxError_('cursor FOR loop must use a bound cursor variable')
        # Held, as PostgreSQL converts a loop's cursor at a COMMIT in the loop's body: the
        # loop reads on in the next transaction.
        name = await self.open(var, None, False, s.args, hold=True)
        # The loop's record is declared by the loop, as in PostgreSQL.
        target = Var(s.target, None, None, record=True)
        self.scopes.append({s.target: target})
        found = False
        try:
            while True:
                columns, row = await self.host.fetch_row(name)
                if row is None:
                    break
                found = True
                target.value, target.fields = tuple(row), list(columns)
                if not await self.loop_pass(s.label, s.body):
                    break
        finally:
            self.scopes.pop()
            if self.host.cursor_exists(name):
                self.host.close_cursor(name)
        self.set_found(found)


def _column_names(toks: list) -> set[int]:
    """Where a statement names columns rather than values, which are never variables (as in
    PostgreSQL): an UPDATE's SET targets and an INSERT's column list."""
    head = toks[0].text.upper() if toks else ""
    out: set[int] = set()
    if head == "UPDATE":
        for i in range(1, len(toks) - 1):
            if toks[i + 1].token_type == TokenType.EQ and toks[i - 1].token_type in (
                    TokenType.SET, TokenType.COMMA):
                out.add(i)
    elif head == "INSERT":
        i = 2
        while i < len(toks) and toks[i].token_type != TokenType.L_PAREN:
            if toks[i].text.upper() in ("VALUES", "SELECT", "WITH", "DEFAULT"):
                return out
            i += 1
        depth = 0
        for j in range(i, len(toks)):
            tt = toks[j].token_type
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tt, 0)
            if depth == 0:
                break
            out.add(j)
    return out


def _format(message: str, values: list[object]) -> str:
    """RAISE's format: each % the next value's text, %% a percent sign."""
    out: list[str] = []
    i = 0
    n = 0
    while i < len(message):
        c = message[i]
        if c == "%":
            if message[i + 1:i + 2] == "%":
                out.append("%")
                i += 2
                continue
            if n >= len(values):
                raise err.SyntaxError_("too few parameters specified for RAISE")
            out.append(show(values[n]))
            n += 1
        else:
            out.append(c)
        i += 1
    if n < len(values):
        raise err.SyntaxError_("too many parameters specified for RAISE")
    return "".join(out)


_HANDLERS = {
    ast.Block: Executor.st_block,
    ast.Assign: Executor.st_assign,
    ast.SqlStatement: Executor.st_sql,
    ast.Perform: Executor.st_perform,
    ast.Execute: Executor.st_execute,
    ast.If: Executor.st_if,
    ast.Case: Executor.st_case,
    ast.Loop: Executor.st_loop,
    ast.While: Executor.st_while,
    ast.ForRange: Executor.st_for_range,
    ast.ForQuery: Executor.st_for_query,
    ast.Exit: Executor.st_exit,
    ast.Return: Executor.st_return,
    ast.Null: Executor.st_null,
    ast.Raise: Executor.st_raise,
    ast.GetDiagnostics: Executor.st_diagnostics,
    ast.Transaction: Executor.st_transaction,
    ast.Call: Executor.st_call,
    ast.Open: Executor.st_open,
    ast.Fetch: Executor.st_fetch,
    ast.Close: Executor.st_close,
    ast.ForCursor: Executor.st_for_cursor,
}
