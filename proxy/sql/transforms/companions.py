"""Statements that run with a translated statement, in the same DuckDB call.

Some Redshift statements need more than one DuckDB statement: CREATE TABLE with an identity
column creates its sequence first and records its attributes after; DROP TABLE forgets them.
Transforms attach such companions to the tree; ``pipeline.compile_tree`` joins them around the
statement with ``;``, so they run in the session's transaction (or, outside a block, each in
its own, as DuckDB runs a multi-statement string; the companions are written to tolerate
that). The statement itself runs last when its result matters (a CTAS counts rows).
Statements whose SQL depends on the catalog when they run carry a ``late`` description instead
(``proxy/sql/late.py``).
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.late import Late

_BEFORE = "companions_before"
_AFTER = "companions_after"
_UNCACHEABLE = "uncacheable"
_LATE = "late"


def before(tree: exp.Expr, *sql: str) -> None:
    """Run ``sql`` (DuckDB statements) before the statement ``tree``."""
    tree.meta.setdefault(_BEFORE, []).extend(sql)


def after(tree: exp.Expr, *sql: str) -> None:
    """Run ``sql`` (DuckDB statements) after the statement ``tree``."""
    tree.meta.setdefault(_AFTER, []).extend(sql)


def uncacheable(tree: exp.Expr) -> None:
    """Mark a translation that must not be reused (it names objects created once, such as an
    identity column's sequence)."""
    tree.meta[_UNCACHEABLE] = True


def joined(tree: exp.Expr, main: str) -> str:
    """The statement's DuckDB SQL with its companions around it."""
    parts = [*tree.meta.get(_BEFORE, ()), main, *tree.meta.get(_AFTER, ())]
    return parts[0] if len(parts) == 1 else "; ".join(parts)


def cacheable(tree: exp.Expr) -> bool:
    """Whether the translation of ``tree`` may be cached and reused."""
    return not tree.meta.get(_UNCACHEABLE, False)


def set_late(tree: exp.Expr, late: Late) -> None:
    """Have the statement's DuckDB SQL made when it runs, as ``late`` describes."""
    tree.meta[_LATE] = late


def late(tree: exp.Expr) -> Late | None:
    """The execution-time description set on ``tree``, if any."""
    value: Late | None = tree.meta.get(_LATE)
    return value
