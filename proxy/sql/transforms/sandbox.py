"""The first wall of the sandbox: DuckDB functions that user SQL must never reach.

A relation in FROM that is a function call must be one of the few table functions Redshift
SQL has (``range``, ``generate_series``; UNNEST is its own node). Scalar calls of DuckDB's
SQL-string runners (``query``, ``query_table``) would bypass name resolution, and its
``duckdb_*``/``pragma_*`` metadata functions show every tenant's databases and settings, so
they are refused wherever they appear. The locked-down engine (no file access, locked
configuration) is the second wall. The full allowlist of relations and functions belongs to
the access-control work; this module stops the calls that reach across namespaces.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import InsufficientPrivilege
from proxy.sql.context import Context

# Table functions user SQL may call (catalog views and Redshift's own table functions are
# resolved before this runs).
TABLE_FUNCTIONS = frozenset({"range", "generate_series"})
# Prefixes and names of functions that reveal or reach outside the session's namespace.
_DENIED_PREFIXES = ("duckdb_", "pragma_", "read_", "parquet_", "iceberg_", "delta_", "sniff_")
_DENIED_NAMES = frozenset({
    "query", "query_table", "glob", "getenv", "sql_auto_complete", "which_secret",
    "checkpoint", "force_checkpoint", "enable_profiling", "disable_profiling",
    "current_setting_value", "duckdb_api",
})


def _name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return ""


def _denied(name: str) -> bool:
    return name in _DENIED_NAMES or name.startswith(_DENIED_PREFIXES)


def refuse_engine_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Raise 42501 for a table function off the list or an engine-only function anywhere."""
    for table in tree.find_all(exp.Table):
        func = table.this
        # pg_catalog.unnest(...) reaches here as a Table over Explode (plain UNNEST is its
        # own node); generate_series has a node of its own too.
        if isinstance(func, exp.Func) and not isinstance(
            func, exp.ExplodingGenerateSeries | exp.Explode
        ):
            name = _name(func)
            if name not in TABLE_FUNCTIONS:
                raise InsufficientPrivilege(f"permission denied for function {name}")
    for func in tree.find_all(exp.Anonymous, exp.Func):
        name = _name(func)
        if _denied(name):
            raise InsufficientPrivilege(f"permission denied for function {name}")
    return tree
