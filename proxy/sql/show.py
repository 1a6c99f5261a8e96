"""Our grammar for Redshift's SHOW commands that list the catalog.

::

    SHOW DATABASES [LIKE 'pattern'] [LIMIT n]
    SHOW SCHEMAS FROM DATABASE database [LIKE 'pattern'] [LIMIT n]
    SHOW TABLES FROM SCHEMA database.schema [LIKE 'pattern'] [LIMIT n]
    SHOW COLUMNS FROM TABLE database.schema.table [LIKE 'pattern'] [LIMIT n]
    SHOW CONSTRAINTS PRIMARY KEYS | FOREIGN KEYS [EXPORTED] FROM TABLE database.schema.table
    SHOW PROCEDURES | FUNCTIONS FROM SCHEMA database.schema [LIKE 'pattern'] [LIMIT n]
    SHOW PARAMETERS OF PROCEDURE | FUNCTION database.schema.name(types)
    SHOW VIEW [schema.]view
    SHOW TABLE [schema.]table

sqlglot leaves SHOW opaque; ``recognize`` reads these forms into a ``ShowCatalog``, a
``ShowView`` or a ``ShowTable`` (carried out by ``proxy.show_commands``) and leaves every
other SHOW to the session commands. A row limit must be 0 to 10,000, as in Redshift (22023).
The database may be left out of the FROM name (the current one); quoted names keep their case,
others are folded.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from catalog.errors import FeatureNotSupported, InvalidParameterValue, SyntaxError_
from proxy.sql.split import Piece, tokenize

MAX_ROWS = 10_000  # Redshift's most rows a SHOW returns, and its largest LIMIT


def row_limit(digits: str) -> int:
    """The row limit of a SHOW's ``LIMIT digits``, checked against Redshift's range."""
    limit = int(digits)
    if limit > MAX_ROWS:
        raise InvalidParameterValue(
            f"LIMIT {limit} is out of range: a SHOW returns 0 to {MAX_ROWS} rows")
    return limit


@dataclass(frozen=True, slots=True)
class ShowCatalog:
    """A listing SHOW (see ``catalog.views.show.LISTINGS`` for the kinds)."""

    kind: str
    names: tuple[str, ...] = ()  # database, schema, table as written after FROM
    like: str | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class ShowView:
    """SHOW VIEW [schema.]name."""

    schema: str | None
    name: str


@dataclass(frozen=True, slots=True)
class ShowTable:
    """SHOW TABLE [schema.]name."""

    schema: str | None
    name: str


@dataclass(frozen=True, slots=True)
class ShowParameters:
    """SHOW PARAMETERS OF PROCEDURE|FUNCTION name(types): there are no such routines."""

    kind: str
    name: str


Command = ShowCatalog | ShowView | ShowTable | ShowParameters

# kind -> (words after SHOW, the FROM object's keyword, how many name parts it has)
_FORMS: tuple[tuple[str, tuple[str, ...], str | None, int], ...] = (
    ("databases", ("DATABASES",), None, 0),
    ("schemas", ("SCHEMAS",), "DATABASE", 1),
    ("tables", ("TABLES",), "SCHEMA", 2),
    ("columns", ("COLUMNS",), "TABLE", 3),
    ("primary_keys", ("CONSTRAINTS", "PRIMARY", "KEYS"), "TABLE", 3),
    ("exported_keys", ("CONSTRAINTS", "FOREIGN", "KEYS", "EXPORTED"), "TABLE", 3),
    ("foreign_keys", ("CONSTRAINTS", "FOREIGN", "KEYS"), "TABLE", 3),
    ("procedures", ("PROCEDURES",), "SCHEMA", 2),
    ("functions", ("FUNCTIONS",), "SCHEMA", 2),
)


class _Reader:
    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.i = 0

    def word(self, k: int = 0) -> str:
        j = self.i + k
        return self.toks[j].text.upper() if j < len(self.toks) else ""

    def accept(self, *words: str) -> bool:
        if all(self.word(k) == w for k, w in enumerate(words)):
            self.i += len(words)
            return True
        return False

    def take(self) -> Token:
        if self.i >= len(self.toks):
            raise SyntaxError_("syntax error at end of input")
        self.i += 1
        return self.toks[self.i - 1]

    def near(self) -> SyntaxError_:
        if self.i >= len(self.toks):
            return SyntaxError_("syntax error at end of input")
        return SyntaxError_(f'syntax error at or near "{self.toks[self.i].text}"')

    def name(self) -> str:
        tok = self.take()
        if tok.token_type in (TokenType.STRING, TokenType.NUMBER) or not tok.text:
            self.i -= 1
            raise self.near()
        # Quoted identifiers keep their case; Redshift folds the others to lower case.
        return tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower()

    def dotted(self) -> tuple[str, ...]:
        parts = [self.name()]
        while self.accept("."):
            parts.append(self.name())
        return tuple(parts)

    def done(self) -> bool:
        return self.i >= len(self.toks)


def _tokens_after_show(piece: Piece) -> list[Token] | None:
    head = piece.tokens[0]
    if head.text.upper() != "SHOW":
        return None
    # sqlglot makes everything after SHOW one opaque token: read the rest again.
    return tokenize(piece.text[head.end - head.start + 1:])


def recognize(piece: Piece) -> Command | None:
    """The catalog SHOW a statement is, or None for any other statement (SHOW of a setting
    included)."""
    tokens = _tokens_after_show(piece)
    if not tokens:
        return None
    r = _Reader(tokens)
    for word, kind in (("VIEW", ShowView), ("TABLE", ShowTable)):
        if r.accept(word):
            parts = _at_most(r.dotted(), 2)
            if not r.done():
                raise r.near()
            return kind(parts[0] if len(parts) == 2 else None, parts[-1])
    if r.accept("PARAMETERS", "OF"):
        kind = r.word().lower()
        if not r.accept("PROCEDURE") and not r.accept("FUNCTION"):
            raise r.near()
        name = ".".join(r.dotted())
        return ShowParameters(kind, name)
    for kind, words, keyword, parts in _FORMS:
        if r.accept(*words):
            return _listing(r, kind, keyword, parts)
    return None


def _at_most(names: tuple[str, ...], parts: int) -> tuple[str, ...]:
    if len(names) > parts:
        raise SyntaxError_(f"improper qualified name (too many dotted names): {'.'.join(names)}")
    return names


def _listing(r: _Reader, kind: str, keyword: str | None, parts: int) -> ShowCatalog:
    names: tuple[str, ...] = ()
    if keyword is not None:
        if not (r.accept("FROM") and r.accept(keyword)):
            raise r.near()
        names = _at_most(r.dotted(), parts)
        if len(names) < max(parts - 1, 1):
            raise r.near()
    elif r.word() == "FROM":
        raise FeatureNotSupported(
            "feature not supported on Duckshift: SHOW DATABASES FROM DATA CATALOG")
    like: str | None = None
    limit: int | None = None
    if r.accept("LIKE"):
        tok = r.take()
        if tok.token_type != TokenType.STRING:
            r.i -= 1
            raise r.near()
        like = tok.text
    if r.accept("LIMIT"):
        tok = r.take()
        if tok.token_type != TokenType.NUMBER or not tok.text.isdigit():
            r.i -= 1
            raise r.near()
        limit = row_limit(tok.text)
    if not r.done():
        raise r.near()
    return ShowCatalog(kind, names, like, limit)
