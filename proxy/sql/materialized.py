"""``REFRESH MATERIALIZED VIEW name [RESTRICT | CASCADE]``, read from its tokens.

sqlglot leaves REFRESH opaque. A materialized view is kept as a view (always fresh), so a
refresh has nothing to do, but it must find a materialized view as Redshift does: a missing
relation is 42P01, a table or a plain view 42809, and only the view's owner may refresh it
(the statement's reference asks for ownership). Which views are materialized is known when it
runs (``proxy/late_ddl.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from proxy.sql.commands import _Tokens
from proxy.sql.split import Piece


@dataclass(frozen=True, slots=True)
class RefreshSpec:
    """The view as written: (database, schema, name), None where not written."""

    view: tuple[str | None, str | None, str]


def recognize(piece: Piece) -> RefreshSpec | None:
    """The REFRESH statement ``piece`` is, or None for any other statement."""
    if piece.tokens[0].text.upper() != "REFRESH":
        return None  # most statements: without reading them again
    t = _Tokens(piece)
    if not t.accept_seq("REFRESH", "MATERIALIZED", "VIEW"):
        return None
    parts = [t.ident()]
    while len(parts) < 3 and t.accept("."):
        parts.append(t.ident())
    # CASCADE would refresh the materialized views over this one: always fresh too.
    t.accept("RESTRICT", "CASCADE")
    t.expect_end()
    padded = [None] * (3 - len(parts)) + parts
    return RefreshSpec((padded[0], padded[1], parts[-1]))
