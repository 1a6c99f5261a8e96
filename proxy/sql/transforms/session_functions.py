"""Functions whose answer is a fact of the session or the server, not of DuckDB.

``version()`` must say PostgreSQL 8.0.2 and Redshift (SQLAlchemy, DBeaver and the drivers parse
it); ``current_user``, ``session_user`` and ``current_database()`` must name the Redshift user
and database, not DuckDB's internals. Each becomes a literal, which is why they are part of the
statement cache key. ``current_namespace`` reads a variable of the session's connection
instead, so that views evaluate it for whoever queries them. The privilege inquiry functions
(``has_table_privilege`` and its siblings) become calls of the server's own function, which
answers from the grants as they are when the statement runs. PG_LAST_QUERY_ID,
PG_LAST_COPY_ID, PG_LAST_COPY_COUNT, PG_LAST_UNLOAD_ID and PG_LAST_UNLOAD_COUNT become calls of
the server's function that reads the calling session's last statements (the session is named
by the pid its connection holds, as pg_cancel_backend's caller is).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import UndefinedFunction
from catalog.monitoring import PID_VARIABLE
from proxy.sql.context import Context

DUCKSHIFT_VERSION = "0.1.0"
REDSHIFT_BUILD = 1
VERSION_STRING = (
    "PostgreSQL 8.0.2 on x86_64-pc-linux-gnu, compiled by Duckshift "
    f"{DUCKSHIFT_VERSION} (DuckDB 1.5.5), Redshift 1.0.{REDSHIFT_BUILD}"
)


# The DuckDB variable each session's connection holds its namespace GUID in (user SQL cannot
# set it: our SET grammar has no SET VARIABLE and refuses internal names).
NAMESPACE_VARIABLE = "__ds_namespace"
# The server's function behind has_*_privilege (registered by the server; user SQL cannot
# name it): (namespace, database, kind, user, object, column, privilege) -> boolean.
PRIVILEGE_FUNCTION = "__ds_has_privilege"
# The server's function behind PG_LAST_QUERY_ID and its siblings (registered by the server):
# (caller pid, fact) -> BIGINT.
LAST_FUNCTION = "__ds_last_statement"
# Session information function -> (the fact it reads, its Redshift type).
_LAST = {
    "pg_last_query_id": ("query_id", "INTEGER"),
    "pg_last_copy_id": ("copy_id", "INTEGER"),
    "pg_last_copy_count": ("copy_count", "BIGINT"),
    "pg_last_unload_id": ("unload_id", "INTEGER"),
    "pg_last_unload_count": ("unload_count", "BIGINT"),
}
# Inquiry function -> (kind, number of arguments without the user, has a column argument).
_INQUIRIES = {
    "has_table_privilege": ("table", 2, False),
    "has_column_privilege": ("table", 3, True),
    "has_schema_privilege": ("schema", 2, False),
    "has_database_privilege": ("database", 2, False),
    "has_any_column_privilege": ("any_column", 2, False),
}


def _inquiry(node: exp.Anonymous, ctx: Context) -> exp.Expr | None:
    spec = _INQUIRIES.get(node.name.lower())
    if spec is None:
        return None
    kind, nargs, has_column = spec
    args = list(node.expressions)
    if len(args) == nargs:
        args.insert(0, exp.Literal.string(ctx.user))
    elif len(args) != nargs + 1:
        return None  # DuckDB reports the wrong argument count
    user, name, *rest = args
    column = rest[0] if has_column else exp.Null()
    privilege = rest[-1]
    return exp.Anonymous(this=PRIVILEGE_FUNCTION, expressions=[
        exp.Literal.string(ctx.namespace), exp.Literal.string(ctx.database),
        exp.Literal.string(kind), exp.cast(user, "VARCHAR"), exp.cast(name, "VARCHAR"),
        exp.cast(column, "VARCHAR"), exp.cast(privilege, "VARCHAR"),
    ])


def _last(node: exp.Anonymous) -> exp.Expr | None:
    """A call of the server's LAST_FUNCTION for PG_LAST_QUERY_ID and its siblings, or None."""
    name = node.name.lower()
    spec = _LAST.get(name)
    if spec is None:
        return None
    if node.expressions:
        raise UndefinedFunction(f"function {name} does not exist")
    fact, kind = spec
    caller = exp.Anonymous(this="getvariable", expressions=[exp.Literal.string(PID_VARIABLE)])
    return exp.cast(exp.Anonymous(this=LAST_FUNCTION, expressions=[
        exp.cast(caller, "BIGINT"), exp.Literal.string(fact)]), kind)


def _fact(node: exp.Expr, ctx: Context) -> str | None:
    if isinstance(node, exp.CurrentVersion):
        return VERSION_STRING
    if isinstance(node, exp.CurrentUser | exp.SessionUser):
        return ctx.user
    if isinstance(node, exp.CurrentDatabase | exp.CurrentCatalog):
        return ctx.database
    if isinstance(node, exp.Anonymous) and node.name.lower() == "version":
        return VERSION_STRING
    return None


def session_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Replace version(), current_user, session_user, current_database() and
    current_namespace with literals, and the privilege inquiry and session information
    functions with the server's."""
    for col in list(tree.find_all(exp.Column)):
        if not col.table and not col.this.args.get("quoted") and (
            col.name.lower() == "current_namespace"
        ):
            # Read when the statement runs, from the session's own variable: a producer's
            # view evaluates it as the consumer that queries it, so it can filter per consumer.
            value: exp.Expr = exp.Anonymous(this="getvariable", expressions=[
                exp.Literal.string(NAMESPACE_VARIABLE)])
            if isinstance(col.parent, exp.Select) and col in col.parent.expressions:
                value = exp.alias_(value, "current_namespace")  # the column's name
            col.replace(value)
    for node in list(tree.find_all(exp.Anonymous)):
        call = _inquiry(node, ctx) or _last(node)
        if call is not None:
            node.replace(call)
    for node in list(tree.find_all(exp.Func)):
        value = _fact(node, ctx)
        if value is None:
            continue
        # pg_catalog.version() parses as a Dot over the call: replace the whole name.
        target = node.parent if isinstance(node.parent, exp.Dot) else node
        target.replace(exp.Literal.string(value))
    return tree
