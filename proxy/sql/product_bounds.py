"""Whether a statement's DECIMAL products fit DuckDB's BIGINT, from what the engine knows.

DuckDB multiplies two DECIMALs of up to 18 digits each in BIGINT (typed DECIMAL(18, s1 + s2))
and fails (22003) once the product passes 18 digits, where Redshift's product is wider. A
translation that leaves such a product in BIGINT (``decimal_arithmetic``, the statement's
narrow form) notes the arithmetic around it as a ``Bound`` tree: the magnitudes of table
columns and constants, combined by ``+``, ``-`` and ``*`` (each with the scale DuckDB gives
its result). When the statement runs, DuckDB's statistics of those columns (the minimum and
maximum it keeps per table column, which widen with every append and update and which its own
optimizer trusts; none while the transaction has rows of its own in the table) bound every
value of that arithmetic: where all of it fits 18 digits the narrow form runs, else the wide
one (every such product in HUGEINT, the same values at a higher cost). Reading those
statistics is the engine's (``engine.column_stats``).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from engine.column_stats import ColumnKey

# A bound of a value's magnitude, as nested tuples (hashable: it is part of a ``Statement``):
#   ("column", (alias, schema, relation), name)  a table column's values
#   ("value", "12.5")                            a constant's magnitude
#   ("cast", bound)                              a cast (rounding may add a unit)
#   ("max", (bound, ...))                        one of several (CASE, COALESCE, ...)
#   ("+" | "*", scale, bound, bound)             DuckDB's sum, difference or product, of scale
Bound = tuple[Any, ...]

# DuckDB's BIGINT DECIMAL holds 18 digits.
_LIMIT = 10 ** 18
# Exact arithmetic on magnitudes of up to 38 digits, their products and sums.
_EXACT = decimal.Context(prec=200)


def columns_of(bounds: Iterable[Bound]) -> list[ColumnKey]:
    """The table columns ``bounds`` read, each once, in order."""
    found: dict[ColumnKey, None] = {}

    def walk(bound: Bound) -> None:
        kind = bound[0]
        if kind == "column":
            found[(bound[1], bound[2])] = None
        elif kind == "cast":
            walk(bound[1])
        elif kind == "max":
            for item in bound[1]:
                walk(item)
        elif kind in ("+", "*"):
            walk(bound[2])
            walk(bound[3])

    for bound in bounds:
        walk(bound)
    return list(found)


def fits(bounds: Iterable[Bound], known: Mapping[ColumnKey, decimal.Decimal | None]) -> bool:
    """Whether every sum, difference and product of ``bounds`` fits DuckDB's BIGINT DECIMAL
    (18 digits at its scale) for column magnitudes ``known``."""
    return all(_magnitude(bound, known) is not None for bound in bounds)


def _magnitude(bound: Bound, known: Mapping[ColumnKey, decimal.Decimal | None]
               ) -> decimal.Decimal | None:
    """The largest magnitude ``bound``'s values may reach; None where one is not known or an
    operation on the way passes 18 digits."""
    kind = bound[0]
    if kind == "column":
        return known.get((bound[1], bound[2]))
    if kind == "value":
        return decimal.Decimal(bound[1])
    if kind == "cast":
        inner = _magnitude(bound[1], known)
        return None if inner is None else _EXACT.add(inner, 1)
    if kind == "max":
        items = [_magnitude(item, known) for item in bound[1]]
        return None if any(item is None for item in items) else max(items, default=0)
    scale, a, b = bound[1], _magnitude(bound[2], known), _magnitude(bound[3], known)
    if a is None or b is None:
        return None
    value = _EXACT.multiply(a, b) if kind == "*" else _EXACT.add(a, b)
    return value if _EXACT.multiply(value, 10 ** scale) < _LIMIT else None
