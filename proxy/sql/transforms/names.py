"""Name resolution of databases: Redshift database names become internal catalog aliases.

A three-part name ``db.schema.table`` names a database of the session's namespace; it is
rewritten to the database's internal alias. A database the namespace does not have is an error
(3D000), and so is any identifier that spells an internal alias, so user SQL cannot reach the
system catalog or another namespace's files by naming them.

DuckDB also reads a two-part name ``a.b`` as catalog ``a`` when the current database has no
schema ``a``, which would reach the engine's own catalogs: ``memory`` (shared by every
session), ``system`` and ``temp``. A two-part name whose schema is spelled like one of them is
qualified with the current database, so it names that schema, as in Redshift.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import InvalidCatalogName, UndefinedTable
from engine.storage import INTERNAL_PREFIX
from proxy.sql.context import Context
from proxy.sql.transforms.sandbox import fold

_ENGINE_CATALOGS = frozenset({"memory", "system", "temp"})


def _external(table: exp.Table, ctx: Context) -> None:
    """``ext.t`` where ``ext`` is an external schema of the current database names the
    source: ``source_database.source_schema.t`` (CREATE EXTERNAL SCHEMA ... FROM REDSHIFT)."""
    schema = table.args.get("db")
    if table.args.get("catalog") is not None or not isinstance(schema, exp.Identifier):
        return
    ext = ctx.external_schema(schema.name if schema.quoted else schema.name.lower())
    if ext is None:
        return
    table.set("catalog", exp.to_identifier(ext.source_database))
    table.set("db", exp.to_identifier(ext.source_schema))


def resolve_databases(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Map each table's database name to its alias; refuse internal names."""
    for ident in tree.find_all(exp.Identifier):
        if ident.name.lower().startswith(INTERNAL_PREFIX):
            raise UndefinedTable(f'relation "{ident.name}" does not exist')
    for table in tree.find_all(exp.Table):
        _external(table, ctx)
        catalog = table.args.get("catalog")
        if catalog is None:
            continue
        # Redshift folds unquoted names to lower case.
        name = catalog.name if catalog.args.get("quoted") else catalog.name.lower()
        alias = ctx.databases.get(name)
        if alias is None:
            raise InvalidCatalogName(f'database "{name}" does not exist')
        table.set("catalog", exp.to_identifier(alias, quoted=True))
        table.meta["database"] = name  # the catalog views need the name, not the alias
    for column in tree.find_all(exp.Column):
        # A column named through its database (db.schema.table.column) follows the table.
        catalog = column.args.get("catalog")
        if isinstance(catalog, exp.Identifier):
            name = catalog.name if catalog.quoted else catalog.name.lower()
            alias = ctx.databases.get(name)
            if alias is None:
                raise InvalidCatalogName(f'database "{name}" does not exist')
            column.set("catalog", exp.to_identifier(alias, quoted=True))
    for table in tree.find_all(exp.Table):
        schema = table.args.get("db")
        if (
            table.args.get("catalog") is None
            and isinstance(schema, exp.Identifier)
            and fold(schema.name) in _ENGINE_CATALOGS
        ):
            current = ctx.databases.get(ctx.database)
            if current is None:
                raise InvalidCatalogName(f'database "{ctx.database}" does not exist')
            table.set("catalog", exp.to_identifier(current, quoted=True))
    return tree
