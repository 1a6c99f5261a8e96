"""A DuckDB connection set up as a session's: the engine's macros, one namespace database
attached under its internal alias, with schemas ``public`` and ``other``, its metadata tables,
and the search path on ``public``, for unit tests that run the translated SQL of the dialect's
DDL and DML."""

from __future__ import annotations

import duckdb

from engine import macros, table_metadata
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

ALIAS = "__ds_ns__dev"
CTX = Context("ns", "dev", "alice", {"dev": ALIAS})


def session_database(search_path: str = "public") -> duckdb.DuckDBPyConnection:
    """A fresh in-memory engine with the database attached; ``search_path`` lists its
    schemas, comma-separated."""
    con = duckdb.connect()
    macros.install(con)  # translations call them (a string stored into an integer column)
    con.execute(f"ATTACH ':memory:' AS {ALIAS}")
    con.execute(f"CREATE SCHEMA {ALIAS}.public")
    con.execute(f"CREATE SCHEMA {ALIAS}.other")
    con.execute(f"USE {ALIAS}.public")
    path = ",".join(f"{ALIAS}.{s.strip()}" for s in search_path.split(","))
    con.execute(f"SET search_path = '{path}'")
    table_metadata.ensure(con, ALIAS)
    return con


def translated(sql: str, ctx: Context = CTX) -> str:
    """The DuckDB SQL of one Redshift statement."""
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


def run(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    """Translate one Redshift statement and run it; its rows, if it returns any."""
    result = con.execute(translated(sql))
    return result.fetchall() if result.description else []
