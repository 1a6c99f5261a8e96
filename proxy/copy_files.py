"""Redshift's COPY from files and UNLOAD to files: superusers only, allowed directories only.

Redshift's COPY reads S3 objects and its UNLOAD writes them; Duckshift has no S3, so both work
on local paths (``'/abs/path'`` or ``'file:///abs/path'``) inside the directories listed in the
configuration's ``[server] copy_directories``. The list is empty by default, which turns every
file COPY and UNLOAD off. Only superusers may use them, as only PostgreSQL's superusers may COPY
from or to a server file; anyone may COPY FROM STDIN / TO STDOUT. Paths are resolved (symlinks,
``..``) before they are compared with the directories, files inside the data dir are refused
whatever the list says, and the engine's own ``allowed_directories`` name the same directories,
so DuckDB's wall agrees with this one.

The table a COPY loads and the query an UNLOAD writes go through the translation pipeline and
run on the connection's statement path like any other statement, so name resolution, the
sandbox and privilege checks apply to them; only the file side is written here, as DuckDB's
``read_csv``/``read_parquet``/``read_json`` and ``COPY ... TO``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import sqlglot
from sqlglot import exp

from catalog import errors as err
from engine import macros
from engine.storage import quote_ident, quote_literal
from proxy import session_zone
from proxy.session import TxStatus
from proxy.sql import commands
from proxy.sql.pipeline import Statement
from proxy.sql.transforms.identity_writes import MESSAGE as IDENTITY_MESSAGE
from proxy.sql.transforms.identity_writes import strict_columns_sql
from proxy.wire import backend

if TYPE_CHECKING:
    from proxy.connection import Connection

_READ_HINT = "Anyone can COPY from stdin; psql's \\copy command also works for anyone."
_WRITE_HINT = "Anyone can COPY a query's rows to stdout."
# Redshift's default data format: pipe-delimited text, \N for NULL, no quoting.
_TEXT_DELIMITER = "|"
_TEXT_NULL = "\\N"


async def run(conn: Connection, stmt: Statement) -> None:
    """Run a COPY from files or an UNLOAD (the command's ``path`` is set) to completion."""
    cmd = stmt.command
    assert isinstance(cmd, commands.Copy) and cmd.path is not None
    session = conn._session()
    if session.tx == TxStatus.FAILED:
        raise err.in_failed_transaction()
    if cmd.unload:
        what, hint = "UNLOAD to a file", _WRITE_HINT
    elif cmd.direction == "in":
        what, hint = "COPY from a file", _READ_HINT
    else:
        what, hint = "COPY to a file", _WRITE_HINT
    # As the catalog stands now (a superuser may have lost the right since logging in).
    who = conn.server.authorizer.principal(session.namespace.guid, session.user.name)
    if not who.superuser:
        raise err.InsufficientPrivilege(f"must be superuser to {what}", hint=hint)
    if cmd.direction == "out" and not cmd.unload:
        raise err.FeatureNotSupported(
            "feature not supported on Duckshift: COPY TO a file (UNLOAD writes query results "
            "to files)"
        )
    place = _Place(conn.server.config.copy_directories, conn.server.data_dir)
    if cmd.unload:
        await _unload(conn, stmt, cmd, place)
    else:
        await _copy_from(conn, stmt, cmd, place)


@dataclasses.dataclass(frozen=True)
class _Place:
    """Where files may be read and written: the allowed directories, never the data dir."""

    allowed: tuple[Path, ...]
    data_dir: Path

    def local(self, raw: str) -> str:
        """The local path a COPY or UNLOAD names ('/abs' or 'file:///abs'), not yet checked."""
        if raw.lower().startswith("file://"):
            url = urlparse(raw)
            if url.netloc not in ("", "localhost"):
                raise self.refused(raw)
            return unquote(url.path)
        if "://" in raw:
            scheme = raw.split("://", 1)[0].lower()
            raise err.FeatureNotSupported(
                f"feature not supported on Duckshift: {scheme}:// paths (only local files in "
                "the directories of [server] copy_directories)"
            )
        return raw

    def check(self, raw: str, path: str) -> Path:
        """``path`` resolved, if it lies in an allowed directory and outside the data dir."""
        if not os.path.isabs(path) or "\0" in path:
            raise self.refused(raw)
        real = Path(os.path.realpath(path))
        data = Path(os.path.realpath(self.data_dir))
        if real.is_relative_to(data) or not any(real.is_relative_to(d) for d in self.allowed):
            raise self.refused(raw)
        return real

    def refused(self, raw: str) -> err.SQLError:
        if not self.allowed:
            return err.InsufficientPrivilege(
                f'permission denied for path "{raw}": COPY and UNLOAD with files are turned '
                "off on this server",
                hint="A superuser may COPY from and UNLOAD to the directories listed in "
                "[server] copy_directories.",
            )
        return err.InsufficientPrivilege(
            f'permission denied for path "{raw}": not in a directory allowed for COPY and '
            "UNLOAD",
            hint="A superuser may COPY from and UNLOAD to the directories listed in "
            "[server] copy_directories.",
        )


# --- COPY FROM ---------------------------------------------------------------------------

def _sources(place: _Place, raw: str) -> list[str]:
    """The files a COPY reads: one file, every file under a directory, or, as with an S3 key
    prefix, every file whose path starts with the prefix; each one checked once resolved."""
    prefix = place.check(raw, place.local(raw))
    if prefix.is_file():
        found = [prefix]
    elif prefix.is_dir():
        found = [p for p in prefix.rglob("*") if p.is_file()]
    else:
        found = [
            p for p in prefix.parent.rglob("*")
            if p.is_file() and str(p).startswith(str(prefix))
        ] if prefix.parent.is_dir() else []
    if not found:
        raise err.make(
            "58P01", f'could not open file "{raw}" for reading: No such file or directory'
        )
    return sorted(str(place.check(str(p), str(p))) for p in found)


def _reader(files: list[str], opts: dict[str, str | bool], columns: list[str]) -> str:
    """DuckDB's table function reading the files, every column as text (cast on insert)."""
    fmt = str(opts.get("format", "text"))
    names = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns)
    paths = "[" + ", ".join(quote_literal(f) for f in files) + "]"
    compression = quote_literal(str(opts.get("compression", "auto")))
    if fmt == "parquet":
        for key in ("delimiter", "null", "quote", "ignoreheader", "compression"):
            if key in opts:
                raise err.FeatureNotSupported(
                    f'feature not supported on Duckshift: COPY option "{key.upper()}" with '
                    "FORMAT PARQUET"
                )
        return f"read_parquet({paths})"
    if fmt == "json":
        for key in ("delimiter", "null", "quote", "ignoreheader"):
            if key in opts:
                raise err.FeatureNotSupported(
                    f'feature not supported on Duckshift: COPY option "{key.upper()}" with '
                    "FORMAT JSON"
                )
        # read_json spells the default compression differently from read_csv.
        json_compression = quote_literal(str(opts.get("compression", "auto_detect")))
        return (
            f"read_json({paths}, columns={{{names}}}, format='auto', "
            f"compression={json_compression})"
        )
    csv = fmt == "csv"
    if "quote" in opts and not csv:
        raise err.FeatureNotSupported("feature not supported on Duckshift: QUOTE without CSV")
    delimiter = str(opts.get("delimiter", "," if csv else _TEXT_DELIMITER))
    quote = str(opts.get("quote", '"')) if csv else ""
    null = str(opts.get("null", "" if csv else _TEXT_NULL))
    return (
        f"read_csv({paths}, columns={{{names}}}, header=false, auto_detect=false, "
        f"skip={int(str(opts.get('ignoreheader', '0')))}, delim={quote_literal(delimiter)}, "
        f"quote={quote_literal(quote)}, escape={quote_literal(quote)}, "
        f"nullstr={quote_literal(null)}, compression={compression})"
    )


def field_sql(field: str, duck_type: str, zone: str = "UTC") -> str:
    """SQL reading a text or CSV COPY field as its column's type: a VARBYTE (BLOB) field is
    hex, as Redshift loads and prints one; DuckDB's cast would read ``\\x`` escapes. A
    TIMESTAMPTZ field without an offset is a time in the session's time zone ``zone``."""
    if duck_type == "BLOB":
        return f"unhex({field})"
    if duck_type == "TIMESTAMP WITH TIME ZONE" and zone not in ("UTC", "Etc/UTC"):
        return f"{macros.CATALOG}.{macros.SCHEMA}.{macros.ZONED}({field}, {quote_literal(zone)})"
    return f"CAST({field} AS {duck_type})"


async def loaded_columns(conn: Connection, cmd: commands.Copy, table: exp.Table,
                         types: dict[str, str]) -> list[str]:
    """The columns a COPY into ``table`` (whose columns and types are ``types``) loads.

    Redshift's rules for IDENTITY columns: without a column list they are left out unless
    EXPLICIT_IDS is given; listing one needs EXPLICIT_IDS, and EXPLICIT_IDS needs one listed.
    GENERATED BY DEFAULT AS IDENTITY columns load like any other.
    """
    for c in cmd.columns:
        if c not in types:
            raise err.UndefinedColumn(f'column "{c}" of relation "{cmd.table}" does not exist')
    session = conn._session()
    sql = strict_columns_sql(table)
    strict = {row[0] for row in await conn._engine_call(
        lambda: session.cursor.execute(sql).fetchall())}
    explicit = bool(cmd.options.get("explicit_ids"))
    if not cmd.columns:
        return [c for c in types if explicit or c not in strict]
    listed = strict.intersection(cmd.columns)
    if listed and not explicit:
        raise err.FeatureNotSupported(IDENTITY_MESSAGE)
    if explicit and not listed:
        raise err.FeatureNotSupported(
            "feature not supported on Duckshift: EXPLICIT_IDS without an IDENTITY column in "
            "the column list")
    return list(cmd.columns)


async def _copy_from(
    conn: Connection, stmt: Statement, cmd: commands.Copy, place: _Place
) -> None:
    assert cmd.table is not None and cmd.path is not None
    session = conn._session()
    cache = conn.server.cache
    source = cache.get(f"SELECT * FROM {cmd.table}", session.context)[0]
    assert source.duck_sql is not None
    described = await conn._engine_call(
        lambda: session.cursor.execute(f"DESCRIBE {source.duck_sql}").fetchall()
    )
    types = {row[0]: row[1] for row in described}
    table = sqlglot.parse_one(source.duck_sql, read="duckdb").find(exp.Table)
    assert table is not None
    columns = await loaded_columns(conn, cmd, table, types)
    files = _sources(place, cmd.path)
    reader = _reader(files, cmd.options, columns)
    if cmd.options.get("format") == "parquet":
        # Columnar files map onto the columns by position, as in Redshift.
        values = [f"CAST(#{i} AS {types[c]})" for i, c in enumerate(columns, 1)]
    else:
        zone = session_zone.engine_zone(session.values["timezone"])
        values = [field_sql(quote_ident(c), types[c], zone) for c in columns]
    names = ", ".join(quote_ident(c) for c in columns)
    # The INSERT the COPY amounts to, translated like any statement (name resolution, the
    # sandbox, privileges); it runs with the file reader in place of its VALUES.
    insert = cache.get(
        f"INSERT INTO {cmd.table} ({names}) VALUES ({', '.join('NULL' for _ in columns)})",
        session.context,
    )[0]
    assert insert.duck_sql is not None
    target = sqlglot.parse_one(insert.duck_sql, read="duckdb").find(exp.Table)
    assert target is not None
    sql = f"INSERT INTO {target.sql('duckdb')} ({names}) SELECT {', '.join(values)} FROM {reader}"
    # Recorded as the COPY it is.
    outcome = await conn._run(
        dataclasses.replace(insert, text=stmt.text, statement_type=stmt.statement_type),
        [], sql=sql,
    )
    rows = outcome.rowcount or 0
    conn.send(backend.notice_response(
        f"Load into table '{cmd.table}' completed, {rows} record(s) loaded successfully.",
        severity="INFO",
    ))
    conn.send(backend.command_complete(f"COPY {rows}"))


# --- UNLOAD ------------------------------------------------------------------------------

_EXTENSIONS = {"parquet": ".parquet", "gzip": ".gz", "zstd": ".zst"}


def _copy_to_options(opts: dict[str, str | bool]) -> str:
    """DuckDB's COPY TO options for Redshift's UNLOAD options."""
    fmt = str(opts.get("format", "text"))
    if fmt in ("parquet", "json"):
        for key in ("delimiter", "null", "header", "compression"):
            if key in opts:
                raise err.FeatureNotSupported(
                    f'feature not supported on Duckshift: UNLOAD option "{key.upper()}" with '
                    f"FORMAT {fmt.upper()}"
                )
        return f"FORMAT {fmt}"
    csv = fmt == "csv"
    parts = [
        "FORMAT csv",
        f"DELIMITER {quote_literal(str(opts.get('delimiter', ',' if csv else _TEXT_DELIMITER)))}",
        f"HEADER {'true' if opts.get('header') else 'false'}",
        f"QUOTE {quote_literal(chr(34) if csv else '')}",
        f"NULLSTR {quote_literal(str(opts.get('null', '')))}",
    ]
    if "compression" in opts:
        parts.append(f"COMPRESSION {opts['compression']}")
    return ", ".join(parts)


def _target(place: _Place, cmd: commands.Copy) -> Path:
    """The file an UNLOAD writes: the prefix plus Redshift's part name (one part here)."""
    assert cmd.path is not None
    opts = cmd.options
    name = place.local(cmd.path) + ("0000_part_00" if opts.get("parallel", True) else "000")
    name += _EXTENSIONS.get(str(opts.get("format")), "")
    if "extension" in opts:
        name += "." + str(opts["extension"]).lstrip(".")
    name += _EXTENSIONS.get(str(opts.get("compression")), "")
    path = Path(name)
    folder = place.check(cmd.path, str(path.parent))
    target = folder / path.name
    if target.exists() or target.is_symlink():
        if not opts.get("allowoverwrite"):
            raise err.make(
                "58P02",
                f'UNLOAD destination "{cmd.path}" is not empty: {path.name} exists. Use a '
                "different prefix, remove the file, or use the ALLOWOVERWRITE option.",
            )
        target = place.check(cmd.path, str(target))
    return target


async def _unload(
    conn: Connection, stmt: Statement, cmd: commands.Copy, place: _Place
) -> None:
    assert cmd.query is not None
    session = conn._session()
    stmts = conn.server.cache.get(cmd.query, session.context)
    if len(stmts) != 1 or not stmts[0].returns_rows or stmts[0].command is not None:
        raise err.SyntaxError_("UNLOAD query must be a SELECT")
    # Its text is made here, not checked against the clean VARCHAR facts when it runs.
    query = stmts[0].exact or stmts[0]
    options = _copy_to_options(cmd.options)
    target = _target(place, cmd)
    target.parent.mkdir(parents=True, exist_ok=True)
    sql = f"COPY ({query.duck_sql}) TO {quote_literal(str(target))} ({options})"
    # The query's own statement (its checks), recorded as the UNLOAD, run for its row count.
    outcome = await conn._run(
        dataclasses.replace(
            query, text=stmt.text, statement_type="UNLOAD", returns_rows=False,
            counts_rows=True,
        ),
        [], sql=sql,
    )
    rows = outcome.rowcount or 0
    conn.send(backend.notice_response(
        f"UNLOAD completed, {rows} record(s) unloaded successfully.", severity="INFO"
    ))
    conn.send(backend.command_complete("UNLOAD"))
