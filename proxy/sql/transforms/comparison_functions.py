"""Redshift's comparison functions: DATE_CMP, TIMESTAMP_CMP, INTERVAL_CMP, BPCHARCMP and kin.

Each returns -1, 0 or 1 as its first argument is less than, equal to or greater than its
second (NULL where one is NULL), and becomes a call of its engine macro
(``engine/function_macros.py``), which converts the arguments as PostgreSQL's implicit casts
do and refuses other types with 42883. The TIMESTAMPTZ ones read a DATE, a TIMESTAMP or a
string without an offset in the session's time zone, so the zone the statement runs in is
passed along (``running_zone``: a view follows its reader's zone). A string literal argument
is cast to its parameter's type here, so that the rewrites of casts read it as they read any
literal (dates in the DateStyle order, time stamps in the session's zone).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import UndefinedFunction
from engine.function_macros import CMP, COMPARISONS
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.session_time_zone import running_zone


def comparison_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Replace calls of Redshift's comparison functions with their engine macros."""
    for node in list(tree.find_all(exp.Anonymous)):
        name = node.name.lower()
        macro = CMP.get(name)
        if macro is None:
            continue
        if len(node.expressions) != 2:
            raise UndefinedFunction(f"function {name} does not exist")
        args = [
            exp.cast(arg, kind) if isinstance(arg, exp.Literal) and arg.is_string and (
                kind != "BPCHAR") else arg
            for arg, kind in zip(node.expressions, COMPARISONS[name], strict=True)
        ]
        node.replace(call(macro, *args, running_zone(ctx)))
    return tree
