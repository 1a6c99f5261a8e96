"""Result column names as PostgreSQL and Redshift choose them, not as DuckDB does.

DuckDB names an unaliased expression by its text (``count_star()``, ``(a + 1)``); PostgreSQL
names a function call by the function (``count``), a cast by its operand or else by the type's
internal name (``int4``), a CASE ``case``, and anything else ``?column?``. Clients and tests
read columns by these names, so each unaliased item of the outermost select list gets an alias.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context

_T = exp.DataType.Type
_TYPNAMES = {
    _T.SMALLINT: "int2", _T.INT: "int4", _T.BIGINT: "int8", _T.DECIMAL: "numeric",
    _T.FLOAT: "float4", _T.DOUBLE: "float8", _T.BOOLEAN: "bool", _T.VARCHAR: "varchar",
    _T.NVARCHAR: "varchar", _T.CHAR: "bpchar", _T.NCHAR: "bpchar", _T.TEXT: "text",
    _T.DATE: "date", _T.TIMESTAMP: "timestamp", _T.TIMESTAMPTZ: "timestamptz",
    _T.TIME: "time", _T.TIMETZ: "timetz", _T.INTERVAL: "interval", _T.JSON: "super",
    _T.SUPER: "super", _T.VARBINARY: "varbyte", _T.UUID: "uuid",
}
# sqlglot's canonical nodes for functions whose Redshift spelling differs from sql_name().
_FUNCTION_NAMES: dict[type[exp.Expr], str] = {
    exp.CurrentTimestamp: "getdate",
    exp.CurrentDate: "date",
    exp.Count: "count",
    exp.Coalesce: "coalesce",
    exp.Avg: "avg",
    exp.CurrentVersion: "version",
    exp.TsOrDsAdd: "date_add",
    exp.TsOrDsDiff: "date_diff",
    exp.CurrentUser: "current_user",
    exp.SessionUser: "session_user",
    exp.CurrentDatabase: "current_database",
}


def pg_name(node: exp.Expr) -> str | None:
    """The name PostgreSQL gives an unaliased select item (None: keep what it has)."""
    if isinstance(node, exp.Alias | exp.Star | exp.Column):
        return None
    if isinstance(node, exp.Cast):
        inner = pg_name(node.this)
        if inner not in (None, "?column?"):
            return inner
        if isinstance(node.this, exp.Column):
            return node.this.name
        return _TYPNAMES.get(node.to.this, "?column?")
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Paren):
        return pg_name(node.this)
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    if isinstance(node, exp.Func):
        for cls, name in _FUNCTION_NAMES.items():
            if isinstance(node, cls):
                return name
        return node.sql_name().lower()
    if isinstance(node, exp.Dot):
        return pg_name(node.expression)
    return "?column?"


def output_names(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Alias the outermost select list's unaliased expressions with PostgreSQL's names."""
    select = tree
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select) or not isinstance(tree, exp.Query):
        return tree
    items = []
    for item in select.expressions:
        name = pg_name(item)
        items.append(item if name is None else exp.alias_(item, name, quoted=True))
    select.set("expressions", items)
    return tree
