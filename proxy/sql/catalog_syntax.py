"""Token repairs for the catalog syntax clients send that sqlglot cannot parse.

asyncpg binds ``$1::oid[]`` (the OIDs of the types it introspects), psql and pgjdbc cast to
``int2vector`` and ``oidvector``, and arrays of the reg* types appear in their catalog queries.
sqlglot reads ``oid`` and the reg* names as object identifiers, which take no ``[]``, and does not
know the vector types at all. On Duckshift an OID is a UINTEGER (PostgreSQL's oid is an
unsigned 32-bit integer; the catalog views and RowDescription say oid for it) and a vector is
the array of its element, so these become the types that hold them, before parsing.

psql 10 and later query ``... UNION ALL VALUES (...)``, a VALUES list as a set operand, which
sqlglot does not parse: it becomes ``UNION ALL SELECT * FROM (VALUES (...))``.

PostgreSQL (and Redshift) also take any keyword as a column label after AS; Metabase labels
its privilege columns ``AS select``, ``AS update``, ``AS insert``, ``AS delete`` and
``AS table``, which sqlglot reads as the start of a statement: such a label becomes a quoted
identifier of the same (lower-case) name.
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

# Catalog types whose arrays hold OIDs.
_OID_TYPES = frozenset({
    "oid", "regclass", "regtype", "regproc", "regprocedure", "regnamespace", "regrole",
    "regoper", "regoperator",
})
# Vector types: the element type of the array they stand for.
_VECTORS = {"int2vector": TokenType.SMALLINT, "oidvector": TokenType.UINT}
# Keywords that are also column labels after AS, when a comma or FROM follows.
_LABELS = frozenset({
    TokenType.SELECT, TokenType.INSERT, TokenType.UPDATE, TokenType.DELETE, TokenType.TABLE,
})
_AFTER_LABEL = frozenset({TokenType.COMMA, TokenType.FROM})


def _typed(like: Token, token_type: TokenType, text: str) -> Token:
    return Token(token_type, text, like.line, like.col, like.start, like.end, like.comments)


def repair(tokens: list[Token]) -> list[Token]:
    """Replace ``::oid[]`` (and the reg* arrays) by ``::UINTEGER[]``, and ``::int2vector`` /
    ``::oidvector`` by ``::SMALLINT[]`` / ``::UINTEGER[]``, also as the type of a CAST; make
    keyword labels after AS identifiers; put a VALUES list after UNION in a SELECT. Only
    tokens after ``::``, AS or a set operator are looked at."""
    out: list[Token] = []
    previous: TokenType | None = None
    closing: list[int] = []  # where a VALUES list after a set operator ends
    for i, tok in enumerate(tokens):
        if previous in (TokenType.DCOLON, TokenType.ALIAS):
            out.extend(_after_cast(tokens, i, previous))
        elif previous in _SET_OPERATORS and tok.text.upper() == "VALUES":
            out.extend(_typed(tok, t, text) for t, text in _SELECT_FROM)
            out.append(tok)
            closing.append(_values_end(tokens, i))
        else:
            out.append(tok)
        while closing and closing[-1] == i:
            out.append(_typed(tok, TokenType.R_PAREN, ")"))
            closing.pop()
        previous = tok.token_type
    return out


_SET_OPERATORS = (TokenType.UNION, TokenType.EXCEPT, TokenType.INTERSECT, TokenType.ALL,
                  TokenType.DISTINCT)
_SELECT_FROM = ((TokenType.SELECT, "SELECT"), (TokenType.STAR, "*"), (TokenType.FROM, "FROM"),
                (TokenType.L_PAREN, "("))


def _values_end(tokens: list[Token], i: int) -> int:
    """The index of the last token of the VALUES list at ``i``: its rows, in parentheses,
    separated by commas."""
    depth, end = 0, i
    for j in range(i + 1, len(tokens)):
        kind = tokens[j].token_type
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
            if depth < 0:
                break
            if depth == 0:
                end = j
                if j + 1 >= len(tokens) or tokens[j + 1].token_type != TokenType.COMMA:
                    break
    return end


def _after_cast(tokens: list[Token], i: int, previous: TokenType) -> list[Token]:
    """What token ``i``, which follows ``::`` or AS, stands for."""
    tok = tokens[i]
    word = tok.text.lower()
    nxt = tokens[i + 1].token_type if i + 1 < len(tokens) else None
    closing = tokens[i + 2].token_type if i + 2 < len(tokens) else None
    if word in _OID_TYPES and (nxt, closing) == (TokenType.L_BRACKET, TokenType.R_BRACKET):
        return [_typed(tok, TokenType.UINT, "UINTEGER")]
    if word in _VECTORS and (previous == TokenType.DCOLON or nxt == TokenType.R_PAREN):
        element = _VECTORS[word]
        return [_typed(tok, element, element.name), _typed(tok, TokenType.L_BRACKET, "["),
                _typed(tok, TokenType.R_BRACKET, "]")]
    if previous == TokenType.ALIAS and tok.token_type in _LABELS and nxt in _AFTER_LABEL:
        return [_typed(tok, TokenType.IDENTIFIER, word)]
    return [tok]
