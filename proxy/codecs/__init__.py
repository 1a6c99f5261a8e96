"""PostgreSQL type codecs: type mapping, DataRow encoding and Bind parameter decoding.

``pg_type_from_arrow``/``pg_type_from_duckdb`` describe columns, ``encode_data_rows`` turns
Arrow batches into DataRow messages and ``decode_parameter`` turns Bind values into Python
values DuckDB binds with the right type.
"""

from proxy.codecs.params import decode_parameter
from proxy.codecs.rows import encode_data_rows
from proxy.codecs.types import PgType, duckdb_type_for_oid, pg_type_from_arrow, pg_type_from_duckdb

__all__ = [
    "PgType",
    "decode_parameter",
    "duckdb_type_for_oid",
    "encode_data_rows",
    "pg_type_from_arrow",
    "pg_type_from_duckdb",
]
