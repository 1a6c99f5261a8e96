"""The CHAR(n) columns of a view, read from its DuckDB SQL.

A view's column is CHAR(n) in Redshift when its query returns a CHAR(n) value there: a CHAR
column of a table (or of another view) or a cast to CHAR(n). Translation writes each such
value as the CHAR macro (``transforms/char_columns`` and ``explicit_casts``), which DuckDB keeps
in the view's SQL, so that SQL tells which columns they are: the projections that are the
macro, named as the view names its columns; a column of a set operation when it is one in every
branch, with the longest length. The catalog's CHAR columns (``catalog.directory``) include
them, so references to a view's CHAR columns are read as CHAR values like a table's.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from engine import macros
from proxy.sql.transforms.casts import is_char


def _length(node: exp.Expr) -> int | None:
    value = node.this if isinstance(node, exp.Alias) else node
    return int(value.expression.expressions[1].name) if is_char(value) else None


def branches(node: exp.Expr) -> list[exp.Expr]:
    """The queries whose rows a set operation combines (``node`` itself if it is none)."""
    if isinstance(node, exp.SetOperation):
        return branches(node.left) + branches(node.right)
    if isinstance(node, exp.Subquery):
        return branches(node.this)
    return [node]


def _stars(query: exp.Expr) -> list[exp.Star]:
    """The ``*`` and ``t.*`` of a SELECT's list."""
    projections = query.expressions if isinstance(query, exp.Select) else []
    stars = [p.this if isinstance(p, exp.Column) else p for p in projections]
    return [s for s in stars if isinstance(s, exp.Star)]


def _named_layout(select: exp.Expr) -> tuple[tuple[str, int], ...]:
    """The CHAR columns of a SELECT by name, those a ``* REPLACE`` names included."""
    found = []
    for star in _stars(select):
        found += [(r.alias_or_name, n) for r in star.args.get("replace") or []
                  if (n := _length(r)) is not None]
    found += [(p.alias_or_name, n) for p in select.expressions
              if (n := _length(p)) is not None]
    return tuple(found)


@lru_cache(maxsize=4096)
def _layout(sql: str) -> tuple[tuple[str, int], ...]:
    try:
        create = sqlglot.parse_one(sql, read="duckdb")
    except ParseError:
        return ()  # not a view the dialect made
    query = create.expression if isinstance(create, exp.Create) else None
    selects = branches(query) if query is not None else []
    target = create.this
    names = [e.name for e in target.expressions] if isinstance(target, exp.Schema) else []
    if not selects or not all(isinstance(b, exp.Select) for b in selects):
        return ()
    if len(selects) == 1 and not names:
        return _named_layout(selects[0])
    # By position: ``char_columns`` refuses a ``*`` with CHAR columns here.
    if len({len(b.expressions) for b in selects}) != 1 or any(_stars(b) for b in selects):
        return ()
    found = []
    for position, projection in enumerate(selects[0].expressions):
        lengths = [_length(b.expressions[position]) for b in selects]
        if all(n is not None for n in lengths):
            name = names[position] if position < len(names) else projection.alias_or_name
            found.append((name, max(n for n in lengths if n is not None)))
    return tuple(found)


def view_char_columns(sql: str) -> dict[str, int]:
    """The CHAR(n) columns of the view whose DuckDB SQL (as duckdb_views() keeps it) is
    ``sql``, ``{column: n}``."""
    if macros.CHAR not in sql:
        return {}  # no CHAR value in it: spare the parse
    return dict(_layout(sql))
