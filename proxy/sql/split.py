"""Splitting a query string into statements, with sqlglot's Redshift tokenizer.

Semicolons inside strings, dollar-quoted bodies and comments do not split. Each piece keeps its
exact source text (for the query record) and its tokens (for the recognisers of statements that
sqlglot does not parse). A string with no tokens at all is the empty query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot.dialects.redshift import Redshift
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from proxy.sql.parse_errors import token_error

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
    except TokenError:
        raise token_error(sql) from None


_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_PARAMETER = re.compile(r"\$[0-9]+")


def space_parameters(sql: str) -> str:
    """Put a space after each ``$n`` parameter that touches the next character.

    sqlglot reads ``$1,$2`` as a dollar-quoted string tagged ``1,``; PostgreSQL's tags cannot
    start with a digit, so ``$1`` is always a parameter. Strings, quoted identifiers, comments
    and dollar-quoted bodies are copied untouched.
    """
    if "$" not in sql:
        return sql
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            escapes = c == "'" and i > 0 and sql[i - 1] in "eE"
            j = i + 1
            while j < n:
                if escapes and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j])
            i = j
        elif c == "$" and (m := _DOLLAR_TAG.match(sql, i)):
            j = sql.find(m.group(0), m.end())
            j = n if j < 0 else j + len(m.group(0))
            out.append(sql[i:j])
            i = j
        elif c == "$" and (m := _PARAMETER.match(sql, i)):
            out.append(m.group(0))
            i = m.end()
            if i < n and not sql[i].isspace():
                out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split(sql: str) -> list[Piece]:
    """The statements of a query string, in order, without empty ones."""
    sql = space_parameters(sql)
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
