"""pg_cancel_backend(pid) and pg_terminate_backend(pid): calls of the server's own function.

Which session calls them matters (users may signal only their own sessions), so the call
passes the caller's process id, which each session's DuckDB connection holds in a variable user
SQL cannot set (as ``current_namespace`` does). The server's function answers 1 when a session
was signalled, 0 when there is none with that pid in the caller's namespace.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.monitoring import PID_VARIABLE
from proxy.sql.context import Context

# The server's function behind both calls:
# (caller pid, target pid, 'cancel' | 'terminate') -> integer.
SIGNAL_FUNCTION = "__ds_signal_backend"
_SIGNALS = {"pg_cancel_backend": "cancel", "pg_terminate_backend": "terminate"}


def wlm_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Replace pg_cancel_backend / pg_terminate_backend with the server's function."""
    for node in list(tree.find_all(exp.Anonymous)):
        what = _SIGNALS.get(node.name.lower())
        if what is None or len(node.expressions) != 1:
            continue
        caller = exp.Anonymous(this="getvariable",
                               expressions=[exp.Literal.string(PID_VARIABLE)])
        node.replace(exp.Anonymous(this=SIGNAL_FUNCTION, expressions=[
            exp.cast(caller, "BIGINT"), exp.cast(node.expressions[0].copy(), "BIGINT"),
            exp.Literal.string(what)]))
    return tree
