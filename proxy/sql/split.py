"""Splitting a query string into statements, with sqlglot's Redshift tokenizer.

Semicolons inside strings, dollar-quoted bodies and comments do not split. Each piece keeps its
exact source text (for the query record) and its tokens (for the recognisers of statements that
sqlglot does not parse). A string with no tokens at all is the empty query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.dialects.redshift import Redshift
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from catalog.errors import SyntaxError_

_DIALECT = Redshift()


@dataclass(frozen=True, slots=True)
class Piece:
    """One statement of a query string: its text and its tokens."""

    text: str
    tokens: tuple[Token, ...]


def tokenize(sql: str) -> list[Token]:
    """Redshift tokens of ``sql``; an unterminated string or comment is a syntax error."""
    try:
        return _DIALECT.tokenize(sql)
    except TokenError as exc:
        raise SyntaxError_(f"syntax error: {exc}") from None


def split(sql: str) -> list[Piece]:
    """The statements of a query string, in order, without empty ones."""
    pieces: list[Piece] = []
    current: list[Token] = []
    for tok in tokenize(sql):
        if tok.token_type == TokenType.SEMICOLON:
            if current:
                pieces.append(_piece(sql, current, tok.start))
            current = []
        else:
            current.append(tok)
    if current:
        pieces.append(_piece(sql, current, len(sql)))
    return pieces


def _piece(sql: str, tokens: list[Token], stop: int) -> Piece:
    # The text runs to the separator: a quoted last token's end excludes its closing quote.
    return Piece(sql[tokens[0].start : stop].rstrip(), tuple(tokens))
