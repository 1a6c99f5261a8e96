"""Redshift's prefix ``@`` operator (absolute value), which sqlglot cannot parse, as ABS(...).

``@ x`` is PostgreSQL's absolute value operator, which Redshift keeps. sqlglot reads ``@`` as
the start of a parameter name and fails, so before parsing the tokens of ``@ operand`` become
``ABS ( operand )``. The operand is what PostgreSQL's grammar gives a prefix operator: the
operators of other precedence classes ("any other operator") bind more loosely than the
arithmetic ones, so it runs over signs, primaries (literals, names, calls, parenthesized
expressions, CASE ... END) with their ``::type``, ``.name`` and ``[...]`` suffixes, and the
``+ - * / % ^`` between them, and stops at anything else (a comparison, ``||``, AND, a comma,
a keyword). ``@ -5 + 3`` is ``ABS(-5 + 3)``, 2, as in PostgreSQL.
"""

from __future__ import annotations

from sqlglot.dialects.redshift import Redshift
from sqlglot.tokens import Token, TokenType

_ARITHMETIC = frozenset({
    TokenType.PLUS, TokenType.DASH, TokenType.STAR, TokenType.SLASH, TokenType.MOD,
    TokenType.CARET,
})
_SIGNS = frozenset({TokenType.PLUS, TokenType.DASH})
# Words of type names that take more than one token (double precision, character varying,
# timestamp with time zone).
_TYPE_WORDS = frozenset({"precision", "varying", "with", "without", "time", "zone"})
_OPEN = {TokenType.L_PAREN: TokenType.R_PAREN, TokenType.L_BRACKET: TokenType.R_BRACKET}


def _closing(tokens: list[Token], at: int) -> int:
    """The index of the token closing the parenthesis or bracket at ``at`` (or the end)."""
    depth = 0
    for i in range(at, len(tokens)):
        if tokens[i].token_type in _OPEN:
            depth += 1
        elif tokens[i].token_type in _OPEN.values():
            depth -= 1
            if depth == 0:
                return i
    return len(tokens) - 1


def _case_end(tokens: list[Token], at: int) -> int:
    """The index of the END of the CASE at ``at`` (or the end)."""
    depth = 0
    for i in range(at, len(tokens)):
        word = tokens[i].text.lower()
        if word == "case":
            depth += 1
        elif tokens[i].token_type == TokenType.END:
            depth -= 1
            if depth == 0:
                return i
    return len(tokens) - 1


def _primary(tokens: list[Token], i: int) -> int:
    """The index after the primary (with its suffixes) starting at ``i``."""
    tok = tokens[i]
    if tok.token_type in _OPEN:
        i = _closing(tokens, i) + 1
    elif tok.text.lower() == "case":
        i = _case_end(tokens, i) + 1
    else:
        i += 1
        if i < len(tokens) and tokens[i].token_type == TokenType.L_PAREN:  # a call
            i = _closing(tokens, i) + 1
    while i < len(tokens):
        kind = tokens[i].token_type
        if kind == TokenType.DOT and i + 1 < len(tokens):
            i += 2
        elif kind == TokenType.L_BRACKET:
            i = _closing(tokens, i) + 1
        elif kind == TokenType.DCOLON and i + 1 < len(tokens):
            i += 2
            while i < len(tokens) and tokens[i].text.lower() in _TYPE_WORDS:
                i += 1
            if i < len(tokens) and tokens[i].token_type == TokenType.L_PAREN:
                i = _closing(tokens, i) + 1
        else:
            return i
    return i


def _operand_end(tokens: list[Token], i: int) -> int:
    """The index after the operand of a prefix ``@`` whose operand starts at ``i``."""
    while i < len(tokens):
        while i < len(tokens) and tokens[i].token_type in _SIGNS:
            i += 1
        if i >= len(tokens):
            return i
        i = _primary(tokens, i)
        if i >= len(tokens) or tokens[i].token_type not in _ARITHMETIC:
            return i
        i += 1
    return i


_REDSHIFT = Redshift()


def _keyword(tok: Token) -> Token:
    """The token after ``@`` as it reads alone: sqlglot reads the word after ``@`` as a
    parameter's name, so ``@ null`` and ``@ case`` would be names."""
    if tok.token_type != TokenType.VAR:
        return tok
    alone = _REDSHIFT.tokenize(tok.text)
    return _like(tok, alone[0].token_type, tok.text) if len(alone) == 1 else tok


def _like(tok: Token, kind: TokenType, text: str) -> Token:
    return Token(kind, text, tok.line, tok.col, tok.start, tok.end, [])


def repair(tokens: list[Token]) -> list[Token]:
    """``@ operand`` as ``ABS ( operand )`` (see the module docstring); the tokens unchanged
    where there is no ``@``."""
    if not any(t.token_type == TokenType.PARAMETER and t.text == "@" for t in tokens):
        return tokens
    out = list(tokens)
    # Right to left: an inner @ is an ABS call by the time an outer one takes its operand.
    for i in range(len(out) - 1, -1, -1):
        tok = out[i]
        if tok.token_type != TokenType.PARAMETER or tok.text != "@" or i + 1 == len(out):
            continue
        out[i + 1] = _keyword(out[i + 1])
        end = _operand_end(out, i + 1)
        out[i:end] = [_like(tok, TokenType.VAR, "ABS"), _like(tok, TokenType.L_PAREN, "("),
                      *out[i + 1:end], _like(tok, TokenType.R_PAREN, ")")]
    return out
