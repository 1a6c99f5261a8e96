"""Where each database keeps Redshift's table attributes (DISTSTYLE, DISTKEY, SORTKEY, ENCODE,
identity columns, informational keys, SQL UDF signatures, late-binding and materialized views),
which DuckDB has no place for.

``engine/table_metadata.py`` creates and writes these tables in every database's ``main``
schema (see its docstring for the columns); the catalog views (SVV_TABLE_INFO, PG_TABLE_DEF,
pg_proc, pg_get_late_binding_view_cols()) read them. User SQL cannot name them: the names
carry the internal prefix.
"""

from __future__ import annotations

SCHEMA = "main"
TABLE_ATTRIBUTES = "__ds_table_attributes"
COLUMN_ATTRIBUTES = "__ds_column_attributes"
# PRIMARY KEY, UNIQUE and FOREIGN KEY constraints, which Redshift does not enforce.
TABLE_KEYS = "__ds_table_keys"
FUNCTIONS = "__ds_functions"
LATE_BINDING_VIEWS = "__ds_late_binding_views"
MATERIALIZED_VIEWS = "__ds_materialized_views"
# The refreshes of its materialized views (not named with MV_ROWS_PREFIX: the tables so named
# in ``main`` that hold no materialized view's rows are dropped at attach).
MV_REFRESHES = "__ds_materialized_view_refreshes"
# A materialized view's hidden parts: the table of its rows (in ``main``) and the view of its
# query (in its own schema), each named with this prefix and the view's storage key.
MV_ROWS_PREFIX = "__ds_mv_"
MV_QUERY_PREFIX = "__ds_mvq_"


def qualified_name(alias: str, table: str) -> str:
    """``"alias".main."table"``: one database's attribute table."""
    quoted = alias.replace('"', '""')
    return f'"{quoted}".{SCHEMA}."{table}"'
