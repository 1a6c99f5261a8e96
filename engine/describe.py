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


def result_schema(cursor: duckdb.DuckDBPyConnection, query: str) -> pa.Schema:
    """The Arrow schema of a query's result, bound but not executed."""
    cursor.execute(f"SELECT * FROM ({query}) AS {_NAME} LIMIT 0")
    return cursor.to_arrow_reader(1).schema
