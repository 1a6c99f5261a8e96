"""Token repairs for the catalog type names drivers cast to, which sqlglot cannot parse.

asyncpg binds ``$1::oid[]`` (the OIDs of the types it introspects), psql and pgjdbc cast to
``int2vector`` and ``oidvector``, and arrays of the reg* types appear in their catalog queries.
sqlglot reads ``oid`` and the reg* names as object identifiers, which take no ``[]``, and does not
know the vector types at all. On Duckshift an OID is a BIGINT (every catalog view says so) and
a vector is the array of its element, so these become the types that hold them, before parsing.
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

# Catalog types whose arrays hold OIDs.
_OID_TYPES = frozenset({
    "oid", "regclass", "regtype", "regproc", "regprocedure", "regnamespace", "regrole",
    "regoper", "regoperator",
})
# Vector types: the element type of the array they stand for.
_VECTORS = {"int2vector": TokenType.SMALLINT, "oidvector": TokenType.BIGINT}
WORDS = _OID_TYPES | frozenset(_VECTORS)


def _typed(like: Token, token_type: TokenType, text: str) -> Token:
    return Token(token_type, text, like.line, like.col, like.start, like.end, like.comments)


def catalog_types(tokens: list[Token]) -> list[Token]:
    """Replace ``::oid[]`` (and the reg* arrays) by ``::BIGINT[]``, and ``::int2vector`` /
    ``::oidvector`` by ``::SMALLINT[]`` / ``::BIGINT[]``, also as the type of a CAST."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.text.lower()
        after_cast = bool(out) and out[-1].token_type in (TokenType.DCOLON, TokenType.ALIAS)
        nxt = tokens[i + 1].token_type if i + 1 < len(tokens) else None
        closing = tokens[i + 2].token_type if i + 2 < len(tokens) else None
        if after_cast and word in _OID_TYPES and (nxt, closing) == (
            TokenType.L_BRACKET, TokenType.R_BRACKET
        ):
            out.append(_typed(tok, TokenType.BIGINT, "BIGINT"))
        elif after_cast and word in _VECTORS and (
            out[-1].token_type == TokenType.DCOLON or nxt == TokenType.R_PAREN
        ):
            element = _VECTORS[word]
            out += [_typed(tok, element, element.name), _typed(tok, TokenType.L_BRACKET, "["),
                    _typed(tok, TokenType.R_BRACKET, "]")]
        else:
            out.append(tok)
        i += 1
    return out
