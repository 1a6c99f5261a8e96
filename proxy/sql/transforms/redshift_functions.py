"""Redshift functions DuckDB does not have, as calls of the engine's macros.

* The comparison functions DATE_CMP, TIMESTAMP_CMP, INTERVAL_CMP, BPCHARCMP and kin return
  -1, 0 or 1 as their first argument is less than, equal to or greater than their second
  (NULL where one is NULL); their macros (``engine/function_macros.py``) convert the arguments
  as PostgreSQL's implicit casts do and refuse other types with 42883. The TIMESTAMPTZ ones
  read a DATE, a TIMESTAMP or a string without an offset in the session's time zone, so the
  zone the statement runs in is passed along (``running_zone``: a view follows its reader's
  zone). A string literal (or ``$n`` parameter) argument is cast to its parameter's type
  here, so that the rewrites of casts read it as they read any literal (dates in the DateStyle
  order, time stamps in the session's zone); any other VARCHAR value is refused, as Redshift
  has no implicit cast of one to a date, time or interval.
* SOUNDEX and DIFFERENCE (``engine/soundex.py``), OCTETINDEX (a position in bytes).
* REPLICATE is REPEAT.
* CHECKSUM is refused (0A000): Redshift does not document how it computes its value.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported, UndefinedFunction
from engine import soundex
from engine.function_macros import CMP, COMPARISONS, OCTETINDEX
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.session_time_zone import FUNCTION_ARGUMENT, running_zone

# Function -> (its macro, its number of arguments).
_MACROS = {
    "soundex": (soundex.SOUNDEX, 1),
    "difference": (soundex.DIFFERENCE, 2),
    "octetindex": (OCTETINDEX, 2),
}


def _unknown(arg: exp.Expr) -> bool:
    """Whether an argument is of PostgreSQL's type unknown, which takes the parameter's type:
    a string literal, or a ``$n`` parameter of the statement (a SQL function's argument has
    its declared type)."""
    if isinstance(arg, exp.Literal):
        return arg.is_string
    return isinstance(arg, exp.Parameter | exp.Placeholder) and FUNCTION_ARGUMENT not in arg.meta


def _comparison(name: str, args: list[exp.Expr], ctx: Context) -> exp.Expr:
    if len(args) != 2:
        raise UndefinedFunction(f"function {name} does not exist")
    # Only these are converted: any other string (a column, an expression) is a VARCHAR,
    # which no implicit cast makes a date, time or interval (the macros refuse it, 42883).
    typed = [
        exp.cast(arg, kind) if _unknown(arg) and kind != "BPCHAR" else arg
        for arg, kind in zip(args, COMPARISONS[name], strict=True)
    ]
    return call(CMP[name], *typed, running_zone(ctx))


def _rewrite(name: str, args: list[exp.Expr], ctx: Context) -> exp.Expr | None:
    """The translation of a call of ``name``, or None if it is not one of these functions."""
    if name in CMP:
        return _comparison(name, args, ctx)
    spec = _MACROS.get(name)
    if spec is not None:
        if len(args) != spec[1]:
            raise UndefinedFunction(f"function {name} does not exist")
        return call(spec[0], *args)
    if name == "replicate" and len(args) == 2:
        return exp.Repeat(this=args[0], times=args[1])
    if name == "checksum":
        raise FeatureNotSupported("feature not supported on Duckshift: CHECKSUM (Redshift "
                                  "does not document how its value is computed)")
    return None


def redshift_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Replace calls of the functions listed in the module docstring."""
    # Outermost first: a replaced call's arguments are moved into its replacement, where
    # they are found and replaced in turn.
    for node in list(tree.find_all(exp.Anonymous, exp.Soundex)):
        if isinstance(node, exp.Soundex):
            new = _rewrite("soundex", [node.this], ctx)
        else:
            new = _rewrite(node.name.lower(), list(node.expressions), ctx)
        if new is not None:
            node.replace(new)
    return tree
