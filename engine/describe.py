"""Describing a statement without running it (ARCHITECTURE.md decision 5).

``DESCRIBE <query>`` binds a query and reports its column types; a query's Arrow schema comes
from binding it under ``LIMIT 0``, which DuckDB's optimizer answers without scanning anything.
Both run on the session's own cursor, so they see its transaction and search_path. (DuckDB's
``duckdb_prepared_statements()`` reports every parameter as UNKNOWN, so parameter types are
inferred by the front end from probe queries described here.)
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

_NAME = "__ds_describe"


def column_types(cursor: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """DuckDB's type name of each result column of a query, bound but not executed."""
    return [row[1] for row in cursor.execute(f"DESCRIBE {query}").fetchall()]


def prepared_result_types(cursor: duckdb.DuckDBPyConnection, sql: str) -> list[str] | None:
    """The result column types of a statement with parameters, as DuckDB prepares it.

    Binding with each parameter replaced by a typed NULL is not enough: DuckDB folds
    ``CAST(NULL AS DECIMAL(10,2)) + 1`` to INTEGER. The prepared statement has the types
    the execution will produce (None when DuckDB cannot resolve them before execution).
    """
    cursor.execute(f"PREPARE {_NAME} AS {sql}")
    try:
        row = cursor.execute(
            "SELECT result_types FROM duckdb_prepared_statements() WHERE name = ?", [_NAME]
        ).fetchone()
    finally:
        cursor.execute(f"DEALLOCATE {_NAME}")
    return list(row[0]) if row and row[0] is not None else None


def result_schema(cursor: duckdb.DuckDBPyConnection, query: str) -> pa.Schema:
    """The Arrow schema of a query's result, bound but not executed."""
    cursor.execute(f"SELECT * FROM ({query}) AS {_NAME} LIMIT 0")
    return cursor.to_arrow_reader(1).schema
