"""Every DuckDB function is accounted for by the sandbox's first wall.

``tests/escape/duckdb_functions.txt`` lists the functions of the DuckDB version the sandbox was
reviewed against; a function the engine has and the list does not fails the first test until
someone decides whether user SQL may call it. The others prove the decisions: table functions
off the allowlist, the denied functions and the macros that read DuckDB's catalog never reach
the engine, and every function whose answer depends on engine state was looked at.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from catalog import views
from catalog.errors import SQLError
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms import sandbox

REVIEWED = Path(__file__).resolve().parents[2] / "escape" / "duckdb_functions.txt"
CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})

# Functions whose answer depends on more than their arguments, looked at and allowed: clocks,
# randomness, errors, and facts of the session's own connection and transaction.
ALLOWED_STATEFUL = frozenset({
    "current_date", "get_current_time", "get_current_timestamp", "now", "today",
    "transaction_timestamp", "txid_current", "current_schema", "current_schemas",
    "current_database", "gen_random_uuid", "random", "setseed", "uuid", "uuidv4", "uuidv7",
    "error", "sleep_ms", "stats",
})


def _engine_functions() -> list[tuple[str, str, str | None, int]]:
    """(name, type, stability, parameter count) of every function of this DuckDB."""
    with duckdb.connect() as con:
        return con.execute(
            "SELECT function_name, function_type, stability, len(parameters) "
            "FROM duckdb_functions()"
        ).fetchall()


FUNCTIONS = _engine_functions()


def _reviewed() -> set[str]:
    lines = REVIEWED.read_text().splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def _translate(sql: str) -> str | None:
    """The DuckDB SQL of ``sql``, or None if the front end refuses it."""
    try:
        stmt = StatementCache().get(sql, CTX)[0]
    except SQLError:
        return None
    return stmt.duck_sql


def test_every_engine_function_was_reviewed() -> None:
    new = sorted({name for name, *_ in FUNCTIONS} - _reviewed())
    assert not new, f"review these DuckDB functions for the sandbox, then list them: {new}"


TABLE_FUNCTIONS = sorted({
    name for name, kind, *_ in FUNCTIONS
    if kind in ("table", "table_macro")
    and name not in sandbox.TABLE_FUNCTIONS | {"unnest"}
    and name not in views.TABLE_FUNCTIONS
})


@pytest.mark.parametrize("name", TABLE_FUNCTIONS)
def test_table_functions_off_the_allowlist_are_refused(name: str) -> None:
    assert _translate(f"SELECT * FROM {name}('x')") is None
    assert _translate(f'SELECT * FROM "{name.upper()}"()') is None


DENIED_PRESENT = sorted({
    name for name, kind, *_ in FUNCTIONS
    if kind in ("scalar", "aggregate", "macro") and sandbox.denied(name)
})


@pytest.mark.parametrize("name", DENIED_PRESENT)
def test_denied_functions_are_refused_anywhere(name: str) -> None:
    assert _translate(f"SELECT {name}('x')") is None
    assert _translate(f'SELECT "{name.upper()}"(1, 2)') is None
    assert _translate(f"SELECT 1 WHERE 'a' IN (SELECT pg_catalog.{name}(1))") is None


# Built-in macros whose body reads DuckDB's catalog or other engine state.
_ENGINE_STATE = re.compile(r"duckdb_|pragma_|\bFROM\b|system", re.IGNORECASE)
# Of those, the ones that answer with names of the session's own search path only.
_SEARCH_PATH_MACROS = frozenset({"current_schema", "current_schemas"})


def _catalog_macros() -> list[tuple[str, int]]:
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT DISTINCT function_name, len(parameters), macro_definition "
            "FROM duckdb_functions() WHERE function_type = 'macro'"
        ).fetchall()
    return sorted(
        (name, n) for name, n, body in rows
        if _ENGINE_STATE.search(body or "") and name not in _SEARCH_PATH_MACROS
    )


@pytest.mark.parametrize(("name", "nargs"), _catalog_macros())
def test_macros_reading_the_engine_are_refused_or_rewritten(name: str, nargs: int) -> None:
    args = ", ".join("NULL" for _ in range(nargs))
    sql = _translate(f"SELECT {name}({args})")
    assert sql is None or f"{name}(" not in sql.lower(), sql


STATEFUL = sorted({
    name for name, kind, stability, _ in FUNCTIONS
    if kind == "scalar" and stability not in (None, "CONSISTENT")
})


@pytest.mark.parametrize("name", STATEFUL)
def test_functions_of_engine_state_were_looked_at(name: str) -> None:
    assert sandbox.denied(name) or name in ALLOWED_STATEFUL
