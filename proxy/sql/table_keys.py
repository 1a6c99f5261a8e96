"""Where a table named in a statement is in the catalog, as DuckDB will resolve its name.

The column facts translation reads from the catalog (``Context.char_columns``,
``Context.super_columns``, ``Context.numeric_columns``) are keyed by (internal alias, schema,
relation); a name as written may be any of several of those, tried in this order.
``CatalogColumns`` finds the numeric column a statement names.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from catalog.directory import Number
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


# Where ``CatalogColumns.of`` keeps a statement's lookup for the next transform (reading the
# statement's tables costs about 40 us; no rewrite between two such transforms changes them).
_KEPT = "catalog_columns"


class CatalogColumns:
    """The DECIMAL, integer and floating point columns of one statement's tables, by the names
    the statement gives them (``Context.numeric_columns``)."""

    @classmethod
    def of(cls, tree: exp.Expr, ctx: Context, keep: bool) -> CatalogColumns:
        """The lookup for ``tree``: the one a previous transform kept (taken, so no later
        translation of a copy finds it), or a new one, kept for the next with ``keep``."""
        kept = tree.meta.pop(_KEPT, None)
        if kept is not None and kept[0] is ctx.numeric_columns:
            return kept[1]
        columns = cls(tree, ctx)
        if keep:
            tree.meta[_KEPT] = (ctx.numeric_columns, columns)
        return columns

    def __init__(self, tree: exp.Expr, ctx: Context) -> None:
        self.tables: dict[str, Mapping[str, Number] | None] = {}  # None: two tables, one name
        if ctx.numeric_columns:
            for table in tree.find_all(exp.Table):
                name = table.alias_or_name.lower()
                columns = next((found for key in table_keys(table, ctx)
                                if (found := ctx.numeric_columns.get(key)) is not None), None)
                if columns is not None or name in self.tables:
                    self.tables[name] = columns if self.tables.get(name, columns) == columns \
                        else None
        # A derived table or CTE may name a column as a table does: unqualified names are
        # then not read from the catalog, nor names qualified by one of their names.
        self.derived = {node.alias_or_name.lower()
                        for node in tree.find_all(exp.Subquery, exp.CTE)}
        self.derived |= {alias.name.lower() for alias in tree.find_all(exp.TableAlias)
                         if not isinstance(alias.parent, exp.Table)}

    def type_of(self, column: exp.Column) -> Number | None:
        """The type of ``column``: by its table's alias, or unqualified where the statement has
        no derived table or CTE and exactly one of its tables has a column of that name."""
        name = column.name.lower()
        if column.table:
            qualifier = column.table.lower()
            columns = self.tables.get(qualifier) if qualifier not in self.derived else None
            return columns.get(name) if columns is not None else None
        if self.derived or None in self.tables.values():
            return None
        found = [columns[name] for columns in self.tables.values()
                 if columns is not None and name in columns]
        return found[0] if len(found) == 1 else None
