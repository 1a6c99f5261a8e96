"""``REFRESH MATERIALIZED VIEW name [RESTRICT | CASCADE]`` and ``ALTER MATERIALIZED VIEW name
AUTO REFRESH {YES | NO}``, read from their tokens.

sqlglot leaves both opaque. They must find a materialized view as Redshift does: a missing
relation is 42P01, a table or a plain view 42809, and only the view's owner may refresh or
alter it (the statement's reference asks for ownership). Which views are materialized is
known when they run (``proxy/materialized_views.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.errors import SyntaxError_
from proxy.sql.commands import TokenCursor
from proxy.sql.split import Piece


@dataclass(frozen=True, slots=True)
class RefreshSpec:
    """The view as written: (database, schema, name), None where not written."""

    view: tuple[str | None, str | None, str]
    cascade: bool = False


@dataclass(frozen=True, slots=True)
class AutoRefreshSpec:
    """ALTER MATERIALIZED VIEW ... AUTO REFRESH: the view as written and YES (True) or NO."""

    view: tuple[str | None, str | None, str]
    auto: bool


def recognize(piece: Piece) -> RefreshSpec | AutoRefreshSpec | None:
    """The REFRESH or ALTER MATERIALIZED VIEW statement ``piece`` is, or None for any other
    statement."""
    first = piece.tokens[0].text.upper()
    if first not in ("REFRESH", "ALTER"):
        return None  # most statements: without reading them again
    t = TokenCursor(piece)
    if first == "ALTER":
        if not t.accept_seq("ALTER", "MATERIALIZED", "VIEW"):
            return None
        view = t.qualified()
        if not t.accept_seq("AUTO", "REFRESH"):
            tok = t.peek()
            raise SyntaxError_(f'syntax error at or near "{tok.text if tok else view[-1]}"')
        auto = t.word()
        if not t.accept("YES", "NO"):
            tok = t.peek()
            raise SyntaxError_(f'syntax error at or near "{tok.text if tok else "REFRESH"}"')
        t.expect_end()
        return AutoRefreshSpec(view, auto == "YES")
    if not t.accept_seq("REFRESH", "MATERIALIZED", "VIEW"):
        return None
    view = t.qualified()
    cascade = t.word() == "CASCADE"
    t.accept("RESTRICT", "CASCADE")
    t.expect_end()
    return RefreshSpec(view, cascade)
