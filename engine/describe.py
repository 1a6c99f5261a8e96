"""Describing a statement without running it (ARCHITECTURE.md decision 5).

Parameter types come from DuckDB's prepared-statement catalog (``PREPARE`` binds, never
executes); a query's result columns come from binding it under ``LIMIT 0``, which DuckDB's
optimizer answers without scanning anything. Both run on the session's own cursor, so they see
its transaction and search_path.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

_NAME = "__ds_describe"


def parameter_types(cursor: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """DuckDB's inferred type of each ``$n`` parameter ('UNKNOWN' where it cannot tell)."""
    cursor.execute(f"PREPARE {_NAME} AS {sql}")
    try:
        row = cursor.execute(
            "SELECT parameter_types FROM duckdb_prepared_statements() WHERE name = ?", [_NAME]
        ).fetchone()
    finally:
        cursor.execute(f"DEALLOCATE {_NAME}")
    return list(row[0]) if row and row[0] else []


def result_schema(cursor: duckdb.DuckDBPyConnection, query: str) -> pa.Schema:
    """The Arrow schema of a query's result, bound but not executed."""
    cursor.execute(f"SELECT * FROM ({query}) AS {_NAME} LIMIT 0")
    return cursor.to_arrow_reader(1).schema
