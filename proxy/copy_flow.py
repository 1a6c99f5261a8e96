"""COPY ... FROM STDIN and COPY ... TO STDOUT over the wire (COPY with files and UNLOAD are
``proxy/copy_files.py``'s).

COPY TO streams the source's Arrow batches as CopyData in PostgreSQL's text or CSV format.
COPY FROM reads CopyData into batches of strings (``copy_format.CopyInParser``) and inserts
them with DuckDB casts inside one transaction: a malformed row aborts the whole COPY, names its
line in the error's context, and leaves the table as it was.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

import pyarrow as pa
import sqlglot
from sqlglot import exp

from catalog import errors as err
from engine import streaming
from engine.storage import quote_ident
from proxy import blank_writes, copy_files, session_zone
from proxy.codecs import pg_type_from_duckdb
from proxy.result_sender import in_zone
from proxy.session import TxStatus
from proxy.sql import commands
from proxy.sql.pipeline import Statement
from proxy.wire import backend, frontend
from proxy.wire.copy_format import (
    BinaryCopyInParser,
    CopyInParser,
    CopyOptions,
    encode_copy_data,
    encode_copy_header,
)
from proxy.wire.framing import read_message

if TYPE_CHECKING:
    from proxy.connection import Connection

_BATCH_NAME = "duckshift_copy_in"


def options(raw: dict[str, str | bool]) -> CopyOptions:
    """CopyOptions from the statement's options, with PostgreSQL's per-format defaults."""
    fmt = str(raw.get("format", "text")).lower()
    if fmt == "binary":
        return CopyOptions(format="binary")
    if fmt not in ("text", "csv"):
        raise err.InvalidParameterValue(f'COPY format "{fmt}" not recognized')
    csv = fmt == "csv"
    delimiter = str(raw.get("delimiter", "," if csv else "\t"))
    if len(delimiter) != 1:
        raise err.FeatureNotSupported("COPY delimiter must be a single one-byte character")
    quote = str(raw.get("quote", '"'))
    header = raw.get("header", False)
    force = raw.get("force_quote")
    if force and not csv:
        raise err.FeatureNotSupported("COPY force quote available only in CSV mode")
    return CopyOptions(
        format=fmt,
        delimiter=delimiter,
        null=str(raw.get("null", "" if csv else "\\N")),
        header=bool(header),
        quote=quote,
        escape=str(raw.get("escape", quote)),
        force_quote=tuple(str(force).split(",")) if force else (),
    )


async def run(conn: Connection, stmt: Statement) -> None:
    """Run one COPY statement (from a simple Query) to completion."""
    cmd = stmt.command
    assert isinstance(cmd, commands.Copy)
    if cmd.direction != "in" or cmd.unload:
        await _run_copy(conn, stmt, cmd)
        return
    # The rows it loads may end with blanks: every table may (its target is resolved later).
    session = conn._session()
    facts = conn.server.blank_facts
    facts.written_anywhere(session.pid)
    ok = False
    try:
        await _run_copy(conn, stmt, cmd)
        ok = True
    finally:
        if session.tx == TxStatus.IDLE:
            blank_writes.end_of_writes(facts, session)
            # Outside a block COPY FROM STDIN commits on its own (a COPY of files has settled).
            conn.server.materialized.settled(session, committed=ok)


async def _run_copy(conn: Connection, stmt: Statement, cmd: commands.Copy) -> None:
    if cmd.path is not None:
        await copy_files.run(conn, stmt)
        return
    opts = options(cmd.options)
    session = conn._session()
    if session.tx == TxStatus.FAILED:
        raise err.in_failed_transaction()
    if cmd.direction == "out":
        if opts.format == "binary":
            raise err.FeatureNotSupported(
                "feature not supported on Duckshift: COPY TO STDOUT (FORMAT binary)"
            )
        await _copy_out(conn, cmd, opts)
    else:
        await _copy_in(conn, stmt, cmd, opts)


def _source_sql(cmd: commands.Copy) -> str:
    if cmd.query is not None:
        return cmd.query
    cols = ", ".join(quote_ident(c) for c in cmd.columns) if cmd.columns else "*"
    return f"SELECT {cols} FROM {cmd.table}"


async def _copy_out(conn: Connection, cmd: commands.Copy, opts: CopyOptions) -> None:
    session = conn._session()
    stmts = conn.server.cache.get(_source_sql(cmd), session.context)
    if len(stmts) != 1 or not stmts[0].returns_rows:
        raise err.SyntaxError_("COPY query must be a SELECT")
    outcome = await conn._run(stmts[0], [])
    result = outcome.result
    assert result is not None and result.schema is not None
    try:
        conn.send(backend.copy_out_response(len(result.schema)))
        if opts.header:
            conn.send(backend.copy_data(encode_copy_header(result.schema.names, opts)))
        zone = session_zone.engine_zone(session.values["timezone"])
        rows, _ = await conn.stream(
            result, lambda batch: encode_copy_data(in_zone(batch, zone), opts))
    finally:
        streaming.close(result)
        if outcome.ticket is not None:
            conn.workgroup.pool.release(outcome.ticket)
    conn.send(backend.copy_done())
    conn.send(backend.command_complete(f"COPY {rows}"))


async def _copy_in(conn: Connection, stmt: Statement, cmd: commands.Copy,
                   opts: CopyOptions) -> None:
    session = conn._session()
    assert cmd.table is not None
    target = conn.server.cache.get(f"SELECT * FROM {cmd.table}", session.context)[0]
    assert target.duck_sql is not None
    # COPY FROM writes into the table: INSERT is what it needs, not SELECT.
    authorizer = conn.server.authorizer
    authorizer.check(session, dataclasses.replace(
        target, refs=tuple(dataclasses.replace(r, action="INSERT") for r in target.refs)))
    # The materialized views over the table follow once the rows are committed.
    conn.server.materialized.written(session, [
        (r.alias, r.schema, ref.name) for ref in target.refs
        if (r := authorizer.resolve_quietly(session, ref)) is not None])
    table_sql = sqlglot.parse_one(target.duck_sql, read="duckdb").find(exp.Table)
    assert table_sql is not None
    described = await conn._engine_call(
        lambda: session.cursor.execute(f"DESCRIBE {target.duck_sql}").fetchall()
    )
    types = {row[0]: row[1] for row in described}
    columns = await copy_files.loaded_columns(conn, cmd, table_sql, types)
    parser: CopyInParser | BinaryCopyInParser
    if opts.format == "binary":
        parser = BinaryCopyInParser(columns, [pg_type_from_duckdb(types[c]).oid for c in columns])
        values = [f"CAST({quote_ident(c)} AS {types[c]})" for c in columns]
    else:
        parser = CopyInParser(columns, opts)
        zone = session_zone.engine_zone(session.values["timezone"])
        values = [copy_files.field_sql(quote_ident(c), types[c], zone) for c in columns]
    insert = (
        f"INSERT INTO {table_sql.sql('duckdb')} ({', '.join(quote_ident(c) for c in columns)}) "
        f"SELECT {', '.join(values)} FROM {_BATCH_NAME}"
    )
    implicit = session.tx == TxStatus.IDLE
    pool = conn.workgroup.pool
    # Workload management sees COPY like any statement: refused while user queries are off,
    # queued for a slot, metered, recorded (with the shared database's namespaces).
    wlm = conn.server.wlm
    record = conn._record(stmt)
    run = wlm.admit(conn, session, dataclasses.replace(stmt, refs=target.refs), record)
    try:
        ticket = await wlm.wait(run, pool.acquire())
    except err.SQLError as exc:
        conn._finish_record(record, time.perf_counter(), exc, run=run)
        raise
    wlm.started(run)
    started = time.perf_counter()
    failure: err.SQLError | None = None
    rows = 0
    conn.send(backend.copy_in_response(len(columns)))
    await conn.flush()
    try:
        if implicit:
            await conn._engine_call(session.cursor.execute, "BEGIN TRANSACTION")
        try:
            done = False
            while not done:
                done = await _receive(conn, parser)
                table = parser.finish() if done else parser.take_batch()
                while table is not None and table.num_rows:
                    rows += await _insert(conn, insert, table, columns, types, cmd.table)
                    table = None if done else parser.take_batch()
            if implicit:
                await conn._engine_call(session.cursor.execute, "COMMIT")
        except BaseException:
            if implicit:
                await conn._engine_call(session.cursor.execute, "ROLLBACK")
            raise
    except err.BadCopyFileFormat as exc:
        line = getattr(exc, "line", None)
        if line is not None and exc.where is None:
            exc.where = f"COPY {cmd.table}, line {line}"
        failure = exc
        raise
    except err.SQLError as exc:
        failure = exc
        raise
    finally:
        pool.release(ticket)
        conn._finish_record(record, started, failure, rows=rows, run=run)
    conn.send(backend.command_complete(f"COPY {rows}"))


async def _receive(conn: Connection, parser: CopyInParser | BinaryCopyInParser) -> bool:
    """Feed CopyData until a batch is ready or the data ends; True at CopyDone."""
    received = 0
    while received < 4 * 1024 * 1024:
        mtype, body = await read_message(conn.reader, conn.server.config.limits.max_message_bytes)
        msg = frontend.decode(mtype, body)
        if isinstance(msg, frontend.CopyData):
            parser.feed(msg.data)
            received += len(msg.data)
        elif isinstance(msg, frontend.CopyDone):
            return True
        elif isinstance(msg, frontend.CopyFail):
            raise err.make("57014", f"COPY from stdin failed: {msg.message}")
        elif isinstance(msg, frontend.Flush | frontend.Sync):
            continue
        else:
            raise err.ProtocolViolation(
                f"unexpected message type 0x{mtype[0]:02X} during COPY from stdin"
            )
    return False


async def _insert(
    conn: Connection,
    insert: str,
    table: pa.Table,
    columns: list[str],
    types: dict[str, str],
    name: str,
) -> int:
    session = conn._session()
    cursor = session.cursor
    data = table.select([*columns, "__line"])

    def run() -> int:
        cursor.register(_BATCH_NAME, data)
        try:
            cursor.execute(insert)
            row = cursor.fetchone()
            return int(row[0]) if row else 0
        finally:
            cursor.unregister(_BATCH_NAME)

    try:
        return await conn._engine_call(run)
    except err.SQLError as exc:
        if exc.sqlstate.startswith("22"):
            await _locate(conn, data, columns, types, name, exc)
        raise


async def _locate(
    conn: Connection,
    data: pa.Table,
    columns: list[str],
    types: dict[str, str],
    name: str,
    exc: err.SQLError,
) -> None:
    """Name the first line and column whose value does not cast, in the error's context.

    The failed INSERT has aborted the session's DuckDB transaction, where any further query
    fails (25P02, which would replace the real error); the batch is searched on a cursor of
    its own, which reads nothing but the batch.
    """
    cursor = conn._session().cursor.cursor()
    checks = " OR ".join(
        f"({quote_ident(c)} IS NOT NULL AND TRY_CAST({quote_ident(c)} AS {types[c]}) IS NULL)"
        for c in columns
    )

    def find() -> tuple[object, ...] | None:
        cursor.register(_BATCH_NAME, data)
        try:
            return cursor.execute(
                f"SELECT * FROM {_BATCH_NAME} WHERE {checks} ORDER BY __line LIMIT 1"
            ).fetchone()
        finally:
            cursor.unregister(_BATCH_NAME)

    try:
        row = await conn._engine_call(find)
        if row is None:
            return
        line = row[-1]
        for c, value in zip(columns, row[:-1], strict=True):
            if value is None:
                continue
            bad = await conn._engine_call(
                lambda v=value, t=types[c]: cursor.execute(
                    f"SELECT TRY_CAST(? AS {t}) IS NULL", [v]
                ).fetchone()[0]
            )
            if bad:
                exc.where = f'COPY {name}, line {line}, column {c}: "{value}"'
                return
    finally:
        cursor.close()
