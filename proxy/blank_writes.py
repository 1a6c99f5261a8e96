"""The server's side of ``catalog.blank_facts``: writes marked, scans run, stale texts replaced.

Every statement that may write a table marks the tables it writes before it runs (all of them
when they cannot be named), and a session's marks end with its transaction. A statement whose
translation compared a column that may hold blank-ended values asks for a scan of it, run on
the engine's executor, never on the event loop and never in the statement's way. A statement
translated with a column's clean fact runs its exact translation instead once the facts have
moved on: the check is made again on the worker thread, right before DuckDB starts the
statement, so a write that began after it was translated is never missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from catalog.blank_facts import BlankFacts, Key, scan
from engine.instance import Engine

if TYPE_CHECKING:
    from proxy.access import Authorizer
    from proxy.session import Session
    from proxy.sql.pipeline import Statement

# What reading a relation needs; anything else a statement does to one may change its rows.
_READS = frozenset({"SELECT", "VIEWREF", "REFERENCES"})


def mark_writes(facts: BlankFacts, authorizer: Authorizer, session: Session,
                stmt: Statement) -> None:
    """Mark what ``stmt`` may write, before it runs, as written by ``session``."""
    if stmt.statement_type == "SELECT" and stmt.understood:
        return  # a query writes nothing (SELECT INTO is CTAS)
    keys: list[Key] = []
    for ref in stmt.refs:
        if ref.kind != "relation" or ref.action in _READS:
            continue
        resolved = authorizer.resolve_quietly(session, ref)
        if resolved is None:
            facts.written_anywhere(session.pid)
            return
        keys.append((resolved.alias, resolved.schema, ref.name))
        if ref.new_name is not None:
            keys.append((resolved.alias, resolved.schema, ref.new_name))
    if not stmt.understood or (not keys and stmt.statement_type not in ("UTILITY", "SELECT")):
        # A write this module cannot see the target of (DROP SCHEMA ... CASCADE, a shape
        # references() does not know): every table may have changed.
        facts.written_anywhere(session.pid)
    elif keys:
        facts.written(keys, session.pid)


def end_of_writes(facts: BlankFacts, session: Session) -> None:
    """The session's transaction ended (or its statement ran outside one)."""
    session.blank_since = None
    facts.settle(session.pid)


def scan_wanted(facts: BlankFacts, engine: Engine, stmt: Statement) -> None:
    """Start scans of the columns ``stmt`` compared that may hold blank-ended values."""
    if not stmt.blank_wanted:
        return
    by_table: dict[Key, list[str]] = {}
    for key, column in stmt.blank_wanted:
        by_table.setdefault(key, []).append(column)
    for key, columns in by_table.items():
        planned = facts.plan(key, columns)
        if planned is None:
            continue
        wanted, token = planned

        def run(key: Key = key, wanted: frozenset[str] = wanted,
                token: tuple[int, int] = token) -> None:
            blanks = None
            try:
                blanks = scan(engine.system_cursor(), key, wanted)
            finally:
                facts.record(key, wanted, token, blanks)

        asyncio.get_running_loop().run_in_executor(engine.executor, run)


def current(facts: BlankFacts, stmt: Statement) -> Statement:
    """``stmt``, or its exact translation when the clean facts it read have moved on."""
    if stmt.exact is not None and facts.version != stmt.blank_version:
        return stmt.exact
    return stmt


def checked(facts: BlankFacts, stmt: Statement, sql: str | None,
            run: Callable[..., Any]) -> Callable[..., Any]:
    """``run`` (called on the worker thread with the statement's SQL first), given the exact
    translation's SQL instead if the facts moved after ``current`` chose ``stmt``."""
    if stmt.exact is None or sql is not None:
        return run
    exact = stmt.exact.duck_sql

    def guarded(cursor: Any, text: str, *args: Any, **kwargs: Any) -> Any:
        if facts.version != stmt.blank_version:
            text = exact or text
        return run(cursor, text, *args, **kwargs)
    return guarded
