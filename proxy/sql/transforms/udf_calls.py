"""Calls of SQL UDFs: a bare NULL argument is a NULL of a character type.

A function overloaded by argument types is a DuckDB macro of typed overloads
(``proxy/late_ddl.py``), and DuckDB gives a NULL literal the type of the overload it casts to
most cheaply, where Redshift, as PostgreSQL, reads an untyped literal as a character string
when an overload takes one at its position (and refuses the call when overloads of other
kinds do). A NULL of VARCHAR type is that choice: DuckDB takes the character overload, or has
none to take; an untyped overload casts it to its declared type, which is NULL whatever it is.
"""

from __future__ import annotations

from sqlglot import exp

from engine.instance import function_names
from engine.storage import INTERNAL_PREFIX
from proxy.sql.context import Context
from proxy.sql.transforms.sandbox import fold


def udf_null_arguments(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Type the bare NULL arguments of calls of functions DuckDB does not have as VARCHAR."""
    builtin = function_names()
    for call in tree.find_all(exp.Anonymous):
        name = fold(call.name)
        if name in builtin or name.startswith(INTERNAL_PREFIX):
            continue
        for arg in call.expressions:
            if isinstance(arg, exp.Null):
                arg.replace(exp.cast(exp.null(), exp.DataType.build("VARCHAR")))
    return tree
