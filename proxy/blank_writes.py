"""The server's side of ``catalog.blank_facts``: writes marked, scans run, stale texts replaced.

Every statement that may write a table marks the tables it writes before it runs (all of them
when they cannot be named), and a session's marks end with its transaction. A statement whose
translation compared a column that may hold blank-ended values asks for a scan of it, run on
the engine's executor, never on the event loop: before a query's first run where its tables
are small (``scan_first``, so that run already reads the facts), beside it otherwise. Only a
query runs as translated with a column's clean fact (a write, whose effects could not be
undone, runs its exact translation), and only if no write has made the facts forget a clean
column since it was translated: checked on the worker thread right before DuckDB runs it and
again once its snapshot is taken, when a write that raced it makes it run again exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from catalog.blank_facts import BlankFacts, Key, scan, table_rows
from engine.instance import Engine
from engine.streaming import Result, close
from proxy.result_types import typed_params

if TYPE_CHECKING:
    from proxy.access import Authorizer
    from proxy.session import Session
    from proxy.sql.pipeline import Statement

# What reading a relation needs; anything else a statement does to one may change its rows.
_READS = frozenset({"SELECT", "VIEWREF", "REFERENCES"})


def mark_writes(facts: BlankFacts, authorizer: Authorizer, session: Session,
                stmt: Statement) -> list[Key] | None:
    """Mark what ``stmt`` may write, before it runs, as written by ``session``; returns the
    existing tables it names to write (None: a statement whose shape is not understood)."""
    if stmt.statement_type == "SELECT" and stmt.understood:
        return []  # a query writes nothing (SELECT INTO is CTAS)
    keys: list[Key] = []
    anywhere = not stmt.understood
    for ref in stmt.refs:
        if ref.kind != "relation" or ref.action in _READS:
            continue
        resolved = authorizer.resolve_quietly(session, ref)
        if resolved is None:
            anywhere = True  # not a table that exists now (or not one this can find)
            continue
        keys.append((resolved.alias, resolved.schema, ref.name))
        if ref.new_name is not None:
            keys.append((resolved.alias, resolved.schema, ref.new_name))
    if anywhere or (not keys and stmt.statement_type not in ("UTILITY", "SELECT")):
        # A write this module cannot see the target of (DROP SCHEMA ... CASCADE, a shape
        # references() does not know): every table may have changed.
        facts.written_anywhere(session.pid)
    elif keys:
        facts.written(keys, session.pid)
    return keys if stmt.understood else None


def end_of_writes(facts: BlankFacts, session: Session) -> None:
    """The session's transaction ended (or its statement ran outside one)."""
    session.blank_since = None
    facts.settle(session.pid)


def _by_table(stmt: Statement) -> dict[Key, list[str]]:
    by_table: dict[Key, list[str]] = {}
    for key, column in stmt.blank_wanted:
        by_table.setdefault(key, []).append(column)
    return by_table


def _scan(facts: BlankFacts, engine: Engine, key: Key, wanted: frozenset[str],
          token: tuple[int, int]) -> None:
    """Scan the columns ``facts.plan`` handed out, and record what it found."""
    blanks = None
    try:
        blanks = scan(engine.system_cursor(), key, wanted)
    finally:
        facts.record(key, wanted, token, blanks)


def scan_wanted(facts: BlankFacts, engine: Engine, stmt: Statement) -> None:
    """Start scans of the columns ``stmt`` compared that may hold blank-ended values."""
    if not stmt.blank_wanted:
        return
    loop = asyncio.get_running_loop()
    for key, columns in _by_table(stmt).items():
        planned = facts.plan(key, columns)
        if planned is not None:
            loop.run_in_executor(engine.executor, _scan, facts, engine, key, *planned)


# The most committed rows a statement waits to have scanned before its first run, over all
# its tables (DuckDB's estimate). A scan for one VARCHAR column of 6M rows (TPC-H SF1's
# lineitem) took 20-25 ms here warm, 70-85 ms cold (2 cores), about what the exact forms cost
# one run of a join over such a table (Q21: 0.19-0.21 s exact, 0.12-0.16 s as written), so a
# bound of that order pays back within a run or two; a bigger table is scanned beside the
# statement, as before, rather than delay it by seconds.
FIRST_RUN_ROWS = 8_000_000


def first_scans(facts: BlankFacts, stmt: Statement) -> dict[Key, list[str]]:
    """The columns of ``stmt``'s tables to scan before it runs (their facts unknown), by
    table; none for a statement that would not run with clean columns (only a query does)."""
    if not stmt.blank_wanted or stmt.statement_type != "SELECT" or not stmt.understood:
        return {}
    return {key: columns for key, columns in _by_table(stmt).items()
            if facts.unknown(key, columns)}


def scan_first(facts: BlankFacts, engine: Engine, tables: dict[Key, list[str]]) -> None:
    """Scan the cheap ones of ``tables`` (``first_scans``), smallest first, on this worker
    thread, until ``FIRST_RUN_ROWS`` would be passed; the rest are left to ``scan_wanted``."""
    rows = table_rows(engine.system_cursor(), tables)
    budget = FIRST_RUN_ROWS
    for size, key in sorted((size, key) for key, size in rows.items()):
        budget -= size
        if budget < 0:
            return
        planned = facts.plan(key, tables[key])
        if planned is not None:
            _scan(facts, engine, key, *planned)


def current(facts: BlankFacts, stmt: Statement) -> Statement:
    """``stmt``, or its exact translation: for a write (its effects could not be undone if a
    write it cannot see the start of had committed before its snapshot), or when a write has
    made the facts forget clean columns since it was translated."""
    if stmt.exact is not None and (stmt.statement_type != "SELECT"
                                   or facts.forgotten != stmt.blank_forgotten):
        return stmt.exact
    return stmt


def typed_text(stmt: Statement, param_oids: Sequence[int] | None) -> str | None:
    """``stmt``'s DuckDB text, each ``$n`` cast to its type when ``param_oids`` are given."""
    if param_oids is None or stmt.duck_sql is None:
        return stmt.duck_sql
    return typed_params(stmt.duck_sql, param_oids)


def checked(facts: BlankFacts, stmt: Statement, sql: str | None,
            run: Callable[..., Result], param_oids: Sequence[int] | None = None,
            ) -> Callable[..., Result]:
    """``run`` (``streaming.execute``, on the worker thread), made exact for a query that
    ``current`` let read clean columns: a write that forgets one after that may commit before
    DuckDB takes the query's snapshot, so once the snapshot is taken (``run`` returned) the
    count is read again, and if it moved the query runs again as its exact translation. A
    re-run happens only when a write to a clean table raced the query."""
    exact = typed_text(stmt.exact, param_oids) if stmt.exact is not None else None
    if exact is None or sql is not None:
        return run

    def guarded(cursor: Any, text: str, *args: Any, **kwargs: Any) -> Result:
        if facts.forgotten != stmt.blank_forgotten:
            return run(cursor, exact, *args, **kwargs)
        result = run(cursor, text, *args, **kwargs)
        if facts.forgotten == stmt.blank_forgotten:
            return result
        close(result)
        return run(cursor, exact, *args, **kwargs)
    return guarded
