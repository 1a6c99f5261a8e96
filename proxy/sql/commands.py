"""Our own small grammar for the statements the session handles itself.

Transaction control, SET/SHOW/RESET, USE, DEALLOCATE, DISCARD, CREATE/DROP DATABASE, EXPLAIN,
VACUUM, COPY ... FROM STDIN / TO STDOUT and Redshift's COPY from files and UNLOAD to them
either change session state or need the server's help, and sqlglot leaves several of them
opaque. ``recognize`` reads a statement's tokens and returns one of the dataclasses below, or
None when the statement is ordinary SQL for the translator. SET, RESET and SHOW of DuckDB's own
settings are refused here (the sandbox's ``refuse_engine_setting``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlglot.tokens import Token, TokenType

from catalog.errors import FeatureNotSupported, SyntaxError_
from proxy.sql.split import Piece, tokenize
from proxy.sql.transforms.sandbox import refuse_engine_setting


@dataclass(frozen=True, slots=True)
class Begin:
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class Commit:
    pass


@dataclass(frozen=True, slots=True)
class Rollback:
    pass


@dataclass(frozen=True, slots=True)
class SetParam:
    name: str
    value: str | None  # None: DEFAULT
    local: bool = False


@dataclass(frozen=True, slots=True)
class ResetParam:
    name: str | None  # None: ALL


@dataclass(frozen=True, slots=True)
class ShowParam:
    name: str  # 'all' for SHOW ALL


@dataclass(frozen=True, slots=True)
class UseDatabase:
    name: str | None  # None: RESET USE


@dataclass(frozen=True, slots=True)
class ShowUse:
    pass


@dataclass(frozen=True, slots=True)
class Deallocate:
    name: str | None  # None: ALL


@dataclass(frozen=True, slots=True)
class Discard:
    what: str


@dataclass(frozen=True, slots=True)
class CreateDatabase:
    name: str
    isolation: str = "SNAPSHOT"  # Serverless's default; SERIALIZABLE refuses other writers
    owner: str | None = None  # WITH OWNER: default the creator


@dataclass(frozen=True, slots=True)
class DropDatabase:
    name: str
    if_exists: bool = False


@dataclass(frozen=True, slots=True)
class Explain:
    inner: str
    verbose: bool = False


@dataclass(frozen=True, slots=True)
class Vacuum:
    pass


@dataclass(frozen=True, slots=True)
class Declare:
    """DECLARE name CURSOR [WITH HOLD] FOR query."""

    name: str
    query: str
    hold: bool = False
    statement: str = ""  # the DECLARE as the client sent it (pg_cursors shows it)


@dataclass(frozen=True, slots=True)
class Fetch:
    """FETCH / MOVE: ``count`` rows forward (None: ALL); MOVE skips instead of returning."""

    name: str
    count: int | None
    move: bool = False


@dataclass(frozen=True, slots=True)
class CloseCursor:
    name: str | None  # None: CLOSE ALL


@dataclass(frozen=True, slots=True)
class NoOp:
    """Accepted and ignored, answered with this command tag."""

    tag: str


@dataclass(frozen=True, slots=True)
class Copy:
    """COPY between a table or query and the client (FROM STDIN / TO STDOUT), or with ``path``
    between a table and server files: Redshift's ``COPY t FROM 'path'`` and, with ``unload``,
    ``UNLOAD ('query') TO 'prefix'``. File options use Redshift's words (``_file_options``)."""

    direction: str  # 'in' or 'out'
    table: str | None  # the relation's SQL text, for 'in' and table 'out'
    columns: tuple[str, ...]
    query: str | None  # 'out' of a query
    options: dict[str, str | bool] = field(default_factory=dict)
    path: str | None = None  # a server file or prefix, as written
    unload: bool = False


Command = (
    Begin | Commit | Rollback | SetParam | ResetParam | ShowParam | UseDatabase | ShowUse
    | Deallocate | Discard | CreateDatabase | DropDatabase | Explain | Vacuum | NoOp | Copy
    | Declare | Fetch | CloseCursor
)


_OPAQUE_HEADS = frozenset({TokenType.COMMAND, TokenType.SHOW, TokenType.EXECUTE,
                           TokenType.FETCH})


class TokenCursor:
    """A cursor over a statement's tokens: the one the readers of what sqlglot does not
    parse share (session commands, access control, UDFs, procedures and their bodies)."""

    def __init__(self, piece: Piece) -> None:
        self.text = piece.text
        self.toks: Sequence[Token] = piece.tokens
        self.base = piece.tokens[0].start if piece.tokens else 0
        self.i = 0
        head = piece.tokens[0] if piece.tokens else None
        if head is not None and head.token_type in _OPAQUE_HEADS and len(piece.tokens) > 1:
            # sqlglot turns everything after SHOW, EXPLAIN, ... into one string token with no
            # usable position: tokenize the rest again, blanking the head to keep offsets.
            n = head.end - head.start + 1
            self.toks = [head, *tokenize(" " * n + piece.text[n:])]
            self.base = 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def word(self, k: int = 0) -> str:
        tok = self.peek(k)
        return tok.text.upper() if tok is not None else ""

    def accept(self, *words: str) -> bool:
        if self.word() in words:
            self.i += 1
            return True
        return False

    def accept_seq(self, *words: str) -> bool:
        if all(self.word(k) == w for k, w in enumerate(words)):
            self.i += len(words)
            return True
        return False

    def done(self) -> bool:
        return self.i >= len(self.toks)

    def rest_text(self) -> str:
        tok = self.peek()
        return "" if tok is None else self.text[tok.start - self.base :]

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise SyntaxError_("syntax error at end of input")
        self.i += 1
        return tok

    def expect(self, *words: str) -> None:
        """Take ``words`` in order; a syntax error at the first that is not there."""
        for word in words:
            if not self.accept(word):
                raise self.near()

    def near(self) -> SyntaxError_:
        """PostgreSQL's syntax error at the next token, with its position."""
        tok = self.peek()
        if tok is None:
            return SyntaxError_("syntax error at end of input")
        return SyntaxError_(f'syntax error at or near "{tok.text}"', position=tok.start + 1)

    def ident(self) -> str:
        tok = self.take()
        if tok.token_type in (TokenType.STRING, TokenType.NUMBER):
            raise SyntaxError_(f'syntax error at or near "{tok.text}"')
        return _name(tok)

    def qualified(self) -> tuple[str | None, str | None, str]:
        """A relation's name as written: (database, schema, name), None where not written."""
        parts = [self.ident()]
        while len(parts) < 3 and self.accept("."):
            parts.append(self.ident())
        padded: list[str | None] = [None] * (3 - len(parts))
        padded += parts
        return padded[0], padded[1], parts[-1]

    def expect_end(self) -> None:
        tok = self.peek()
        if tok is not None:
            raise SyntaxError_(f'syntax error at or near "{tok.text}"')


def _name(tok: Token) -> str:
    # Quoted identifiers keep their case; Redshift folds the others to lower case.
    return tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower()


def _value(tok: Token) -> str:
    if tok.token_type in (TokenType.STRING, TokenType.IDENTIFIER, TokenType.NUMBER):
        return tok.text
    return tok.text.lower()


def recognize(piece: Piece) -> Command | None:
    """The session command a statement is, or None for ordinary SQL."""
    t = TokenCursor(piece)
    head = t.word()
    handler = _HEADS.get(head)
    return handler(t) if handler else None


def _begin(t: TokenCursor) -> Begin:
    t.i += 1
    if t.word(-1) == "START" and not t.accept("TRANSACTION"):
        raise SyntaxError_('syntax error at or near "START"')
    t.accept("WORK", "TRANSACTION")
    read_only = False
    while not t.done():
        if t.accept_seq("ISOLATION", "LEVEL"):
            while t.word() in ("SERIALIZABLE", "SNAPSHOT", "READ", "REPEATABLE"):
                if t.word() == "READ" and t.word(1) in ("ONLY", "WRITE"):
                    break
                t.i += 1
                t.accept("COMMITTED", "UNCOMMITTED")
        elif t.accept_seq("READ", "ONLY"):
            read_only = True
        elif t.accept_seq("READ", "WRITE"):
            read_only = False
        elif t.accept("DEFERRABLE") or t.accept_seq("NOT", "DEFERRABLE"):
            pass  # only serializable read-only transactions wait for it; DuckDB never waits
        elif not t.accept(","):
            t.expect_end()
    return Begin(read_only)


def _commit(t: TokenCursor) -> Commit:
    t.i += 1
    t.accept("WORK", "TRANSACTION")
    t.expect_end()
    return Commit()


def _rollback(t: TokenCursor) -> Rollback:
    t.i += 1
    t.accept("WORK", "TRANSACTION")
    if t.word() == "TO":
        raise FeatureNotSupported("feature not supported on Duckshift: SAVEPOINT")
    t.expect_end()
    return Rollback()


def _savepoint(t: TokenCursor) -> Command:
    raise FeatureNotSupported("feature not supported on Duckshift: SAVEPOINT")


def _set(t: TokenCursor) -> Command:
    t.i += 1
    local = False
    # SET SESSION AUTHORIZATION is proxy.sql.dcl's.
    if t.accept("SESSION"):
        if t.accept("CHARACTERISTICS"):
            return NoOp("SET")
    elif t.accept("LOCAL"):
        local = True
    if t.accept("TRANSACTION"):
        return NoOp("SET")
    if t.accept_seq("TIME", "ZONE"):
        name = "timezone"
    else:
        name = t.ident()
        while t.accept("."):
            name += "." + t.ident()
        if not (t.accept("TO") or t.accept("=")):
            raise SyntaxError_(f'syntax error at or near "{t.word() or name}"')
        refuse_engine_setting(name, "set")
    if t.accept("DEFAULT"):
        t.expect_end()
        return SetParam(name, None, local)
    values: list[str] = []
    while not t.done():
        tok = t.take()
        if tok.token_type == TokenType.COMMA:
            continue
        if tok.token_type == TokenType.DASH:
            nxt = t.take()
            values.append("-" + nxt.text)
            continue
        values.append(_value(tok))
    if not values:
        raise SyntaxError_("syntax error at end of input")
    return SetParam(name, ", ".join(values), local)


def _reset(t: TokenCursor) -> Command:
    t.i += 1
    if t.accept("ALL"):
        t.expect_end()
        return ResetParam(None)
    if t.accept("USE"):
        t.expect_end()
        return UseDatabase(None)
    name = "timezone" if t.accept_seq("TIME", "ZONE") else t.ident()
    t.expect_end()
    refuse_engine_setting(name, "set")
    return ResetParam(name)


def _show(t: TokenCursor) -> Command:
    t.i += 1
    if t.accept("USE"):
        t.expect_end()
        return ShowUse()
    if t.accept_seq("TRANSACTION", "ISOLATION", "LEVEL"):
        t.expect_end()
        return ShowParam("transaction_isolation")
    if t.accept_seq("TIME", "ZONE"):
        t.expect_end()
        return ShowParam("timezone")
    # proxy.sql.show reads the SHOWs that list the catalog; these are not built.
    if t.word() in ("GRANTS", "DATASHARES", "MODEL", "PROCEDURE", "EXTERNAL", "TABLE"):
        raise FeatureNotSupported(f"feature not supported on Duckshift: SHOW {t.word()}")
    name = t.ident()
    t.expect_end()
    refuse_engine_setting(name, "examine")
    return ShowParam(name)


def _use(t: TokenCursor) -> Command:
    t.i += 1
    name = t.ident()
    t.expect_end()
    return UseDatabase(name)


def _deallocate(t: TokenCursor) -> Command:
    t.i += 1
    t.accept("PREPARE")
    if t.accept("ALL"):
        t.expect_end()
        return Deallocate(None)
    name = t.ident()
    t.expect_end()
    return Deallocate(name)


def _discard(t: TokenCursor) -> Command:
    t.i += 1
    what = t.ident().upper()
    t.expect_end()
    return Discard(what)


def _create(t: TokenCursor) -> Command | None:
    if t.word(1) != "DATABASE":
        return None
    t.i += 2
    name = t.ident()
    isolation = "SNAPSHOT"
    owner = None
    t.accept("WITH")
    while not t.done():
        if t.accept_seq("ISOLATION", "LEVEL"):
            isolation = t.word()
            if not t.accept("SNAPSHOT", "SERIALIZABLE"):
                raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
        elif t.accept("OWNER"):
            t.accept("=")
            owner = t.ident()
        elif t.accept("COLLATE"):
            # Case-sensitive is every database's collation here (and Redshift's default).
            collation = t.ident()
            if collation in ("case_insensitive", "ci"):
                raise FeatureNotSupported(
                    "feature not supported on Duckshift: COLLATE CASE_INSENSITIVE")
            if collation not in ("case_sensitive", "cs"):
                raise SyntaxError_(f'syntax error at or near "{collation}"')
        else:
            raise FeatureNotSupported(
                f"feature not supported on Duckshift: CREATE DATABASE option {t.word()}"
            )
    return CreateDatabase(name, isolation, owner)


def _drop(t: TokenCursor) -> Command | None:
    if t.word(1) != "DATABASE":
        return None
    t.i += 2
    if_exists = t.accept_seq("IF", "EXISTS")
    name = t.ident()
    t.expect_end()
    return DropDatabase(name, if_exists)


def _explain(t: TokenCursor) -> Command:
    t.i += 1
    verbose = t.accept("VERBOSE")
    if t.word() == "ANALYZE":
        raise FeatureNotSupported("feature not supported on Duckshift: EXPLAIN ANALYZE")
    inner = t.rest_text()
    if not inner:
        raise SyntaxError_("syntax error at end of input")
    return Explain(inner, verbose)


def _vacuum(t: TokenCursor) -> Command:
    return Vacuum()


def _copy(t: TokenCursor) -> Command | None:
    t.i += 1
    table: str | None = None
    query: str | None = None
    columns: list[str] = []
    if t.word() == "(":
        start = t.peek()
        depth = 0
        while True:
            tok = t.take()
            depth += tok.token_type == TokenType.L_PAREN
            depth -= tok.token_type == TokenType.R_PAREN
            if depth == 0:
                break
        assert start is not None
        query = t.text[start.start - t.base + 1 : tok.start - t.base]
    else:
        first = t.peek()
        t.ident()
        while t.accept("."):
            t.ident()
        last = t.toks[t.i - 1]
        assert first is not None
        table = t.text[first.start - t.base : last.end - t.base + 1]
        if t.accept("("):
            while not t.accept(")"):
                if not t.accept(","):
                    columns.append(t.ident())
    if t.accept("FROM"):
        direction = "in"
    elif t.accept("TO"):
        direction = "out"
    else:
        raise SyntaxError_(f'syntax error at or near "{t.word()}"')
    target = t.take()
    if target.token_type == TokenType.STRING:
        if direction == "in" and query:
            raise SyntaxError_(f"syntax error at or near \"'{target.text}'\"")
        # COPY FROM a file is Redshift's (its options); COPY TO a file only PostgreSQL's.
        opts = _file_options(t, "COPY") if direction == "in" else _copy_options(t)
        return Copy(direction, table, tuple(columns), query, opts, path=target.text)
    if target.text.upper() not in ("STDIN", "STDOUT"):
        raise FeatureNotSupported(
            f"feature not supported on Duckshift: COPY {'FROM' if direction == 'in' else 'TO'} "
            f"{target.text.upper()}"
        )
    if (direction == "in") != (target.text.upper() == "STDIN") or (direction == "in" and query):
        raise SyntaxError_(f'syntax error at or near "{target.text}"')
    return Copy(direction, table, tuple(columns), query, _copy_options(t))


def _unload(t: TokenCursor) -> Command:
    """UNLOAD ('query') TO 'prefix' [option ...]."""
    t.i += 1
    if not t.accept("("):
        raise _near(t)
    query = _string(t)
    if not (t.accept(")") and t.accept("TO")):
        raise _near(t)
    path = _string(t)
    return Copy("out", None, (), query, _file_options(t, "UNLOAD"), path=path, unload=True)


def _declare(t: TokenCursor) -> Command:
    t.i += 1
    name = t.ident()
    hold = False
    while not t.accept("FOR"):
        word = t.word()
        if word in ("BINARY", "INSENSITIVE", "NO", "SCROLL", "CURSOR"):
            if word == "SCROLL" and t.word(-1) != "NO":
                raise FeatureNotSupported("feature not supported on Duckshift: SCROLL cursors")
            t.i += 1
        elif t.accept_seq("WITH", "HOLD"):
            hold = True
        elif t.accept_seq("WITHOUT", "HOLD"):
            hold = False
        else:
            raise SyntaxError_(f'syntax error at or near "{t.word() or "end of input"}"')
    query = t.rest_text()
    if not query:
        raise SyntaxError_("syntax error at end of input")
    return Declare(name, query, hold, t.text.strip())


def _fetch(t: TokenCursor) -> Command:
    move = t.word() == "MOVE"
    t.i += 1
    count: int | None = 1
    if t.accept("NEXT"):
        count = 1
    elif t.accept("ALL"):
        count = None
    elif t.accept("FORWARD"):
        if t.accept("ALL"):
            count = None
        elif t.peek() is not None and t.peek().token_type == TokenType.NUMBER:  # type: ignore[union-attr]
            count = int(t.take().text)
    elif t.peek() is not None and t.peek().token_type == TokenType.NUMBER:  # type: ignore[union-attr]
        count = int(t.take().text)
    elif t.word() in ("PRIOR", "FIRST", "LAST", "ABSOLUTE", "RELATIVE", "BACKWARD"):
        raise FeatureNotSupported(
            f"feature not supported on Duckshift: FETCH {t.word()} (cursors are forward-only)"
        )
    t.accept("FROM", "IN")
    name = t.ident()
    t.expect_end()
    return Fetch(name, count, move)


def _close(t: TokenCursor) -> Command:
    t.i += 1
    if t.accept("ALL"):
        t.expect_end()
        return CloseCursor(None)
    name = t.ident()
    t.expect_end()
    return CloseCursor(name)


_COPY_FLAGS = {"CSV": ("format", "csv"), "BINARY": ("format", "binary"), "HEADER": ("header", True)}


_COPY_KEYWORDS = frozenset({
    "DELIMITER", "NULL", "QUOTE", "ESCAPE", "FORMAT", "ENCODING", "HEADER", "CSV", "BINARY",
    "FORCE", "FORCE_QUOTE", ")", "",
})


def _name_list(t: TokenCursor) -> list[str]:
    """``a, b`` or ``(a, b)``: column names after FORCE QUOTE."""
    wrapped = t.accept("(")
    names = [t.ident()]
    while t.word() == "," and (wrapped or t.word(1) not in _COPY_KEYWORDS):
        t.i += 1
        names.append(t.ident())
    if wrapped and not t.accept(")"):
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end of input"}"')
    return names


def _copy_options(t: TokenCursor) -> dict[str, str | bool]:
    opts: dict[str, str | bool] = {}
    t.accept("WITH")
    parenthesised = t.accept("(")
    while not t.done():
        if t.accept(",") or (parenthesised and t.accept(")")):
            continue
        key = t.take().text.upper()
        if key in ("DELIMITER", "NULL", "QUOTE", "ESCAPE", "FORMAT", "ENCODING"):
            t.accept("AS")
            opts[key.lower()] = _value(t.take())
        elif key == "HEADER":
            val: str | bool = True
            if t.word() in ("TRUE", "FALSE", "ON", "OFF", "1", "0"):
                val = t.take().text.upper() in ("TRUE", "ON", "1")
            opts["header"] = val
        elif key in _COPY_FLAGS:
            k, v = _COPY_FLAGS[key]
            opts[k] = v
        elif key == "FORCE_QUOTE" or (key == "FORCE" and t.accept("QUOTE")):
            opts["force_quote"] = "*" if t.accept("*") else ",".join(_name_list(t))
        else:
            raise FeatureNotSupported(f'feature not supported on Duckshift: COPY option "{key}"')
    return opts


def _near(t: TokenCursor) -> SyntaxError_:
    """PostgreSQL's syntax error at the next token, quoted as written."""
    tok = t.peek()
    if tok is None:
        return SyntaxError_("syntax error at end of input")
    return SyntaxError_(
        f'syntax error at or near "{t.text[tok.start - t.base : tok.end - t.base + 1]}"'
    )


def _string(t: TokenCursor) -> str:
    tok = t.peek()
    if tok is None or tok.token_type != TokenType.STRING:
        raise _near(t)
    t.i += 1
    return tok.text


# Redshift's authorization for S3 (and its region): there is nothing to authorize against here.
_AUTHORIZATION = frozenset({
    "IAM_ROLE", "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "REGION",
})
_FILE_FORMATS = frozenset({"CSV", "PARQUET", "JSON"})
# Options with a string argument, and the statement they belong to.
_FILE_STRINGS = {"DELIMITER": ("COPY", "UNLOAD"), "NULL": ("COPY", "UNLOAD"),
                 "QUOTE": ("COPY",), "EXTENSION": ("UNLOAD",)}
# Options without an argument: their key and value, and the statement they belong to.
_FILE_FLAGS = {
    "GZIP": ("compression", "gzip", ("COPY", "UNLOAD")),
    "ZSTD": ("compression", "zstd", ("COPY", "UNLOAD")),
    "HEADER": ("header", True, ("UNLOAD",)),
    "ALLOWOVERWRITE": ("allowoverwrite", True, ("UNLOAD",)),
    "EXPLICIT_IDS": ("explicit_ids", True, ("COPY",)),
}


def _file_options(t: TokenCursor, verb: str) -> dict[str, str | bool]:
    """Redshift's options of COPY from files (``verb`` "COPY") and of UNLOAD.

    Keys: format (csv, parquet, json; none for Redshift's pipe-delimited text), delimiter,
    null, quote, ignoreheader, compression, header, allowoverwrite, parallel, extension,
    explicit_ids.
    Options Duckshift does not carry out are refused by name (0A000).
    """
    opts: dict[str, str | bool] = {}
    t.accept("WITH")
    while not t.done():
        word = t.take().text.upper()
        if word in _AUTHORIZATION:
            t.accept("AS")
            t.take()
        elif word in _FILE_FORMATS or word == "FORMAT":
            if word == "FORMAT":
                t.accept("AS")
                word = t.take().text.upper()
                if word not in _FILE_FORMATS:
                    raise FeatureNotSupported(
                        f'feature not supported on Duckshift: {verb} format "{word}"'
                    )
            opts["format"] = word.lower()
            if word == "JSON" and verb == "COPY" and t.peek() is not None and (
                t.peek().token_type == TokenType.STRING  # type: ignore[union-attr]
            ):
                mode = t.take().text.lower()
                if mode not in ("auto", "auto ignorecase"):
                    raise FeatureNotSupported(
                        f"feature not supported on Duckshift: COPY JSON '{mode}' "
                        "(only 'auto' and 'auto ignorecase')"
                    )
                opts["json"] = mode
        elif word in _FILE_STRINGS and verb in _FILE_STRINGS[word]:
            t.accept("AS")
            opts[word.lower()] = _string(t)
        elif word in _FILE_FLAGS and verb in _FILE_FLAGS[word][2]:
            key, value, _ = _FILE_FLAGS[word]
            opts[key] = value
        elif word == "IGNOREHEADER" and verb == "COPY":
            t.accept("AS")
            tok = t.take()
            if tok.token_type != TokenType.NUMBER or not tok.text.isdigit():
                raise SyntaxError_(f'syntax error at or near "{tok.text}"')
            opts["ignoreheader"] = tok.text
        elif word == "PARALLEL" and verb == "UNLOAD":
            opts["parallel"] = True
            if t.word() in ("ON", "TRUE", "OFF", "FALSE"):
                opts["parallel"] = t.take().text.upper() in ("ON", "TRUE")
        else:
            raise FeatureNotSupported(f'feature not supported on Duckshift: {verb} option "{word}"')
    return opts


_HEADS = {
    "BEGIN": _begin,
    "START": _begin,
    "COMMIT": _commit,
    "END": _commit,
    "ROLLBACK": _rollback,
    "ABORT": _rollback,
    "SAVEPOINT": _savepoint,
    "RELEASE": _savepoint,
    "SET": _set,
    "RESET": _reset,
    "SHOW": _show,
    "USE": _use,
    "DEALLOCATE": _deallocate,
    "DISCARD": _discard,
    "CREATE": _create,
    "DROP": _drop,
    "EXPLAIN": _explain,
    "VACUUM": _vacuum,
    "COPY": _copy,
    "UNLOAD": _unload,
    "DECLARE": _declare,
    "FETCH": _fetch,
    "MOVE": _fetch,
    "CLOSE": _close,
}
