"""``ALTER TABLE target APPEND FROM source [IGNOREEXTRA | FILLTARGET]``, read from its tokens.

sqlglot has no grammar for it (it falls back to an opaque command), so the statement is read
here and becomes a late statement (``proxy/sql/late.py``): which columns move is known only
when it runs. Its references are the ones Redshift requires of a user who is not a
superuser: INSERT on the target, SELECT and DELETE on the source.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.errors import SyntaxError_
from proxy.sql.commands import TokenCursor
from proxy.sql.split import Piece


@dataclass(frozen=True, slots=True)
class AppendSpec:
    """The statement as written: each table as (database, schema, name), None where not
    written, and IGNOREEXTRA, FILLTARGET or "" for neither."""

    target: tuple[str | None, str | None, str]
    source: tuple[str | None, str | None, str]
    extra: str


def recognize(piece: Piece) -> AppendSpec | None:
    """The APPEND statement ``piece`` is, or None for any other statement."""
    t = TokenCursor(piece)
    if not t.accept_seq("ALTER", "TABLE"):
        return None
    start = t.i
    target = t.qualified()
    if not t.accept_seq("APPEND", "FROM"):
        t.i = start
        return None
    source = t.qualified()
    extra = t.take().text.upper() if not t.done() else ""
    if extra not in ("", "IGNOREEXTRA", "FILLTARGET"):
        raise SyntaxError_(f'syntax error at or near "{extra.lower()}"')
    t.expect_end()
    return AppendSpec(target, source, extra)
