"""Where a table named in a statement is in the catalog, as DuckDB will resolve its name.

The column facts translation reads from the catalog (``Context.char_columns``,
``Context.super_columns``) are keyed by (internal alias, schema, relation); a name as written
may be any of several of those, tried in this order.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context

_TEMPORARY = "temp"  # DuckDB's catalog of a connection's temporary tables


def table_keys(table: exp.Table, ctx: Context) -> list[tuple[str, str, str]]:
    """The catalog keys ``table`` may name, first match wins (none for a table function)."""
    if not isinstance(table.this, exp.Identifier):
        return []
    catalog = table.args.get("catalog")
    schema = table.args.get("db")
    if catalog is None and schema is None:
        # A temporary table comes before the search path.
        places = [(_TEMPORARY, "main")] + [(ctx.databases.get(ctx.database) or "", name)
                                           for name in ctx.search_path]
    else:
        alias = catalog.name if catalog is not None else ctx.databases.get(ctx.database)
        places = [(alias or "", schema.name if schema is not None else ctx.search_path[0])]
    return [(alias, name, table.name) for alias, name in places]
