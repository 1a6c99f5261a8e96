"""The first wall of the sandbox: DuckDB functions that user SQL must never reach.

A relation in FROM that is a function call must be one of the few table functions Redshift
SQL has (``range``, ``generate_series``; UNNEST is its own node) or one of the catalog's
(``catalog.views.TABLE_FUNCTIONS``, which the virtual_relations transform replaces). Scalar
calls of DuckDB's SQL-string runners (``query``, ``query_table``) would bypass name
resolution, and its ``duckdb_*``/``pragma_*`` metadata functions show every tenant's databases
and settings, so they are refused wherever they appear. So are DuckDB's own catalog views
(``duckdb_tables``, ``sqlite_master``, and any pg_catalog or information_schema relation that
the virtual catalog does not replace): they do not exist in Redshift (42P01). The locked-down
engine (no file access, locked configuration) is the second wall. The full allowlist of
relations and functions belongs to the access-control work; this module stops the calls that
reach across namespaces.
"""

from __future__ import annotations

from sqlglot import exp

from catalog import views
from catalog.errors import InsufficientPrivilege, UndefinedTable
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


def _refuse_engine_relation(table: exp.Table, ctes: set[str]) -> None:
    ident = table.this
    if not isinstance(ident, exp.Identifier):
        return
    name = ident.name if ident.quoted else ident.name.lower()
    db = table.args.get("db")
    schema = None if db is None else db.name if db.quoted else db.name.lower()
    if schema is None and name in ctes:
        return
    if views.refused(schema, name):
        shown = name if schema is None else f"{schema}.{name}"
        raise UndefinedTable(f'relation "{shown}" does not exist')


def refuse_engine_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Raise 42501 for a table function off the list or an engine-only function anywhere,
    and 42P01 for a relation of DuckDB's own catalog."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        _refuse_engine_relation(table, ctes)
        func = table.this
        # pg_catalog.unnest(...) reaches here as a Table over Explode (plain UNNEST is its
        # own node); generate_series has a node of its own too.
        if isinstance(func, exp.Func) and not isinstance(
            func, exp.ExplodingGenerateSeries | exp.Explode
        ):
            name = _name(func)
            if name not in TABLE_FUNCTIONS and name not in views.TABLE_FUNCTIONS:
                raise InsufficientPrivilege(f"permission denied for function {name}")
    for func in tree.find_all(exp.Anonymous, exp.Func):
        name = _name(func)
        if _denied(name):
            raise InsufficientPrivilege(f"permission denied for function {name}")
    return tree
