"""Functions whose answer is a fact of the session or the server, not of DuckDB.

``version()`` must say PostgreSQL 8.0.2 and Redshift (SQLAlchemy, DBeaver and the drivers parse
it); ``current_user``, ``session_user`` and ``current_database()`` must name the Redshift user and
database, not DuckDB's internals. Each becomes a literal, which is why the user and database are
part of the statement cache key.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context

DUCKSHIFT_VERSION = "0.1.0"
REDSHIFT_BUILD = 1
VERSION_STRING = (
    "PostgreSQL 8.0.2 on x86_64-pc-linux-gnu, compiled by Duckshift "
    f"{DUCKSHIFT_VERSION} (DuckDB 1.5.5), Redshift 1.0.{REDSHIFT_BUILD}"
)


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
    """Replace version(), current_user, session_user and current_database() with literals."""
    for node in list(tree.find_all(exp.Func)):
        value = _fact(node, ctx)
        if value is None:
            continue
        # pg_catalog.version() parses as a Dot over the call: replace the whole name.
        target = node.parent if isinstance(node.parent, exp.Dot) else node
        target.replace(exp.Literal.string(value))
    return tree
