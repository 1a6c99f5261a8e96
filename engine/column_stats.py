"""DuckDB's statistics of table columns: the largest magnitude their values may reach.

DuckDB keeps a minimum and maximum per table column, which widen with every append and update
and which its own optimizer trusts; it shows none while the reading transaction has rows of
its own in the table. ``proxy.sql.product_bounds`` decides from them whether a statement's
DECIMAL products fit BIGINT.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence

import duckdb

from catalog.blank_facts import ColumnKey
from engine.storage import quote_ident

# The minimum and maximum in DuckDB's ``stats()`` text: "[Min: -2.50, Max: 10.00][Has Null...".
_MIN_MAX = re.compile(r"\[Min: (-?[0-9.]+), Max: (-?[0-9.]+)\]")


def _by_table(columns: Sequence[ColumnKey]) -> dict[tuple[str, str, str], list[str]]:
    found: dict[tuple[str, str, str], list[str]] = {}
    for table, name in columns:
        found.setdefault(table, []).append(name)
    return found


def stats_query(columns: Sequence[ColumnKey]) -> str:
    """One query of DuckDB's statistics of ``columns`` (tables' columns): a row of a list of
    ``stats()`` texts per table, in ``columns``' order (NULL for an empty table; a single
    empty table gives no row). LIMIT 1: it reads one row of each table. A single table is
    read alone (0.7 ms, against 1.7 ms as a scalar subquery), several side by side."""
    items = []
    for (alias, schema, table), names in _by_table(columns).items():
        relation = ".".join(quote_ident(part) for part in (alias, schema, table))
        listed = ", ".join(f"stats({quote_ident(name)})" for name in names)
        items.append(f"SELECT [{listed}] FROM {relation} LIMIT 1")
    if len(items) == 1:
        return items[0]
    # FULL JOIN ON true keeps a row where a table is empty (its list NULL).
    return "SELECT * FROM " + " FULL JOIN ".join(
        f"({item}) AS t{n}" + (" ON true" if n else "") for n, item in enumerate(items))


def measured(cursor: duckdb.DuckDBPyConnection, columns: Sequence[ColumnKey]
             ) -> dict[ColumnKey, decimal.Decimal | None]:
    """The largest magnitude of each of ``columns``' values as DuckDB's statistics bound it
    now, read on ``cursor`` (``stats_query``, ``magnitudes``)."""
    tables = _by_table(columns)
    row = cursor.execute(stats_query(columns)).fetchone() or (None,) * len(tables)
    texts: list[str | None] = []
    for names, listed in zip(tables.values(), row, strict=True):
        texts += listed if listed is not None else [None] * len(names)
    ordered = [(table, name) for table, names in tables.items() for name in names]
    return magnitudes(ordered, texts)


def magnitudes(columns: Sequence[ColumnKey], texts: Sequence[str | None]
               ) -> dict[ColumnKey, decimal.Decimal | None]:
    """The largest magnitude of each column's values by its ``stats()`` text: 0 for an empty
    table (NULL: no row to read), None where DuckDB does not know its minimum and maximum."""
    found: dict[ColumnKey, decimal.Decimal | None] = {}
    for column, text in zip(columns, texts, strict=True):
        if text is None:
            found[column] = decimal.Decimal(0)
            continue
        match = _MIN_MAX.search(text)
        found[column] = max(abs(decimal.Decimal(match.group(1))),
                            abs(decimal.Decimal(match.group(2)))) if match else None
    return found
