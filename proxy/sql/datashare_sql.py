"""Our grammar for the datashare statements (sqlglot leaves them opaque).

CREATE/ALTER/DROP DATASHARE, DESC DATASHARE, SHOW DATASHARES and, on the consumer side,
CREATE DATABASE ... FROM DATASHARE. GRANT/REVOKE ... ON DATASHARE and ... TO DATASHARE are
privilege statements (``proxy.sql.dcl``). ``proxy.datashare_commands`` carries them out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlglot.tokens import TokenType

from catalog.errors import FeatureNotSupported, SyntaxError_
from proxy.sql.commands import TokenCursor
from proxy.sql.split import Piece


@dataclass(frozen=True, slots=True)
class CreateDatashare:
    name: str
    public: bool = False
    managed_by: str | None = None


@dataclass(frozen=True, slots=True)
class AlterDatashare:
    """ADD/REMOVE objects, or SET PUBLICACCESSIBLE / INCLUDENEW (``action`` says which)."""

    name: str
    action: str  # add, remove, public, includenew
    kind: str = ""  # table, schema, function, all_tables, all_functions
    objects: tuple[tuple[str, ...], ...] = ()
    value: bool = False
    schema: str = ""  # SET INCLUDENEW ... FOR SCHEMA


@dataclass(frozen=True, slots=True)
class DropDatashare:
    name: str
    if_exists: bool = False


@dataclass(frozen=True, slots=True)
class DescDatashare:
    name: str
    namespace: str | None = None  # OF NAMESPACE 'guid': a share granted to this namespace
    account: str | None = None


@dataclass(frozen=True, slots=True)
class ShowDatashares:
    like: str | None = None


@dataclass(frozen=True, slots=True)
class CreateConsumerDatabase:
    name: str
    share: str
    namespace: str
    account: str | None = None
    with_permissions: bool = False


@dataclass(frozen=True, slots=True)
class CreateExternalSchema:
    """CREATE EXTERNAL SCHEMA name FROM REDSHIFT DATABASE 'db' SCHEMA 'x'."""

    name: str
    database: str
    schema: str
    if_not_exists: bool = False


@dataclass(frozen=True, slots=True)
class DropExternalSchema:
    name: str


@dataclass(frozen=True, slots=True)
class WriteSwitch:
    """Duckshift's SQL for the two AWS API calls that let another account's consumers write:
    ``AUTHORIZE DATASHARE s FOR ACCOUNT 'a' [ALLOW WRITES]`` / ``DEAUTHORIZE ...`` (the
    producer's authorize-data-share --allow-writes) and ``ASSOCIATE DATASHARE s OF ACCOUNT 'a'
    NAMESPACE 'g' [ALLOW WRITES]`` / ``DISASSOCIATE ...`` (the consumer's
    associate-data-share-consumer --allow-writes)."""

    side: str  # authorize or associate
    share: str
    account: str
    namespace: str | None  # associate: the producer's namespace
    on: bool


Command = (
    CreateDatashare | AlterDatashare | DropDatashare | DescDatashare | ShowDatashares
    | CreateConsumerDatabase | CreateExternalSchema | DropExternalSchema | WriteSwitch
)


def tag_of(cmd: Command) -> tuple[str, str]:
    """(statement type, command tag) of a datashare command."""
    if isinstance(cmd, DescDatashare | ShowDatashares):
        return "UTILITY", "SHOW"
    if isinstance(cmd, WriteSwitch):
        verb = ("" if cmd.on else "DE" if cmd.side == "authorize" else "DIS") + cmd.side.upper()
        return "DDL", f"{verb} DATASHARE"
    words = {CreateDatashare: "CREATE DATASHARE", AlterDatashare: "ALTER DATASHARE",
             DropDatashare: "DROP DATASHARE", CreateConsumerDatabase: "CREATE DATABASE",
             CreateExternalSchema: "CREATE SCHEMA", DropExternalSchema: "DROP SCHEMA"}
    return "DDL", words[type(cmd)]


def recognize(piece: Piece, external: Collection[str] = ()) -> Command | None:
    """The datashare command a statement is, or None. ``external`` names the current
    database's external schemas (a DROP SCHEMA of one is ours, of any other is not)."""
    t = TokenCursor(piece)
    head, second = t.word(), t.word(1)
    if head == "CREATE" and second == "EXTERNAL" and t.word(2) == "SCHEMA":
        t.i += 3
        return _external_schema(t)
    if head == "DROP" and second == "SCHEMA" and external:
        t.i += 2
        t.accept_seq("IF", "EXISTS")
        if t.done():
            return None
        name = t.ident()
        if name in external and (t.done() or t.word() in ("CASCADE", "RESTRICT")):
            t.accept("CASCADE", "RESTRICT")
            t.expect_end()
            return DropExternalSchema(name)
        return None
    if second == "DATASHARE" and head in ("CREATE", "ALTER", "DROP", "DESC", "DESCRIBE"):
        t.i += 2
        if head == "CREATE":
            return _create(t)
        if head == "ALTER":
            return _alter(t)
        if head == "DROP":
            if_exists = t.accept_seq("IF", "EXISTS")
            name = t.ident()
            t.expect_end()
            return DropDatashare(name, if_exists)
        return _desc(t)
    if second == "DATASHARE" and head in ("AUTHORIZE", "DEAUTHORIZE", "ASSOCIATE",
                                          "DISASSOCIATE"):
        t.i += 2
        return _switch(t, head)
    if head == "SHOW" and second == "DATASHARES":
        t.i += 2
        like = None
        if t.accept("LIKE"):
            like = _string(t)
        t.expect_end()
        return ShowDatashares(like)
    if head == "CREATE" and second == "DATABASE" and _mentions(t, "DATASHARE"):
        t.i += 2
        return _consumer_database(t)
    return None


def _mentions(t: TokenCursor, word: str) -> bool:
    return any(tok.text.upper() == word for tok in t.toks)


def _string(t: TokenCursor) -> str:
    tok = t.take()
    if tok.token_type != TokenType.STRING:
        raise SyntaxError_(f'syntax error at or near "{tok.text}"')
    return tok.text


def _bool(t: TokenCursor) -> bool:
    t.accept("=")
    word = t.take().text.upper()
    if word not in ("TRUE", "FALSE"):
        raise SyntaxError_(f'syntax error at or near "{word}"')
    return word == "TRUE"


def _create(t: TokenCursor) -> CreateDatashare:
    name = t.ident()
    public = False
    managed_by = None
    while not t.done():
        t.accept("SET")
        if t.accept("PUBLICACCESSIBLE"):
            public = _bool(t)
        elif t.accept("MANAGEDBY"):
            managed_by = t.ident().upper()
        elif not t.accept(","):
            t.expect_end()
    return CreateDatashare(name, public, managed_by)


def _names(t: TokenCursor, qualified: bool) -> tuple[tuple[str, ...], ...]:
    out: list[tuple[str, ...]] = []
    while True:
        parts = [t.ident()]
        while qualified and t.accept("."):
            parts.append(t.ident())
        if t.accept("("):
            # FUNCTION s.f(argtypes): the argument list names the overload.
            depth = 1
            while depth:
                tok = t.take()
                depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
        out.append(tuple(parts))
        if not t.accept(","):
            return tuple(out)


def _alter(t: TokenCursor) -> AlterDatashare:
    name = t.ident()
    if t.accept("ADD") or t.accept("REMOVE"):
        action = t.word(-1).lower()
        if t.accept_seq("ALL", "TABLES", "IN", "SCHEMA"):
            kind, objects = "all_tables", _names(t, False)
        elif t.accept_seq("ALL", "FUNCTIONS", "IN", "SCHEMA"):
            kind, objects = "all_functions", _names(t, False)
        elif t.accept("TABLE"):
            kind, objects = "table", _names(t, True)
        elif t.accept("SCHEMA"):
            kind, objects = "schema", _names(t, False)
        elif t.accept("FUNCTION"):
            kind, objects = "function", _names(t, True)
        else:
            raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
        t.expect_end()
        return AlterDatashare(name, action, kind, objects)
    if t.accept("SET"):
        if t.accept("PUBLICACCESSIBLE"):
            value = _bool(t)
            t.expect_end()
            return AlterDatashare(name, "public", value=value)
        if t.accept("INCLUDENEW"):
            value = _bool(t)
            if not t.accept_seq("FOR", "SCHEMA"):
                raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
            schema = t.ident()
            t.expect_end()
            return AlterDatashare(name, "includenew", value=value, schema=schema)
    raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')


def _producer(t: TokenCursor) -> tuple[str | None, str | None]:
    """[OF] [ACCOUNT 'a'] NAMESPACE 'guid' -> (account, namespace)."""
    t.accept("OF")
    account = _string(t) if t.accept("ACCOUNT") else None
    namespace = _string(t) if t.accept("NAMESPACE") else None
    return account, namespace


def _desc(t: TokenCursor) -> DescDatashare:
    name = t.ident()
    account = namespace = None
    if t.word() == "OF":
        account, namespace = _producer(t)
        if namespace is None:
            raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    t.expect_end()
    return DescDatashare(name, namespace, account)


def _switch(t: TokenCursor, head: str) -> WriteSwitch:
    share = t.ident()
    side = "authorize" if head.endswith("AUTHORIZE") else "associate"
    if side == "authorize":
        if not (t.accept_seq("FOR", "ACCOUNT") or t.accept_seq("TO", "ACCOUNT")
                or t.accept_seq("FROM", "ACCOUNT")):
            raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
        account, namespace = _string(t), None
    else:
        account_given, namespace = _producer(t)
        if account_given is None or namespace is None:
            raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"',
                               hint="Name the producer: OF ACCOUNT 'id' NAMESPACE 'guid'.")
        account = account_given
    writes = t.accept_seq("ALLOW", "WRITES")
    t.expect_end()
    on = writes and not head.startswith(("DE", "DIS"))
    return WriteSwitch(side, share, account, namespace, on)


def _external_schema(t: TokenCursor) -> CreateExternalSchema:
    if_not_exists = t.accept_seq("IF", "NOT", "EXISTS")
    name = t.ident()
    if not t.accept("FROM"):
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    if not t.accept_seq("REDSHIFT", "DATABASE"):
        raise FeatureNotSupported(
            "feature not supported on Duckshift: CREATE EXTERNAL SCHEMA FROM "
            f"{t.word() or 'nothing'} (only FROM REDSHIFT DATABASE)")
    database = _string(t)
    schema = _string(t) if t.accept("SCHEMA") else "public"
    t.expect_end()
    return CreateExternalSchema(name, database, schema, if_not_exists)


def _consumer_database(t: TokenCursor) -> CreateConsumerDatabase:
    name = t.ident()
    with_permissions = t.accept_seq("WITH", "PERMISSIONS")
    if not t.accept_seq("FROM", "DATASHARE"):
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    share = t.ident()
    if t.word() != "OF":
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    account, namespace = _producer(t)
    if namespace is None:
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"',
                           hint="Name the producer: OF NAMESPACE '<guid>'.")
    t.expect_end()
    return CreateConsumerDatabase(name, share, namespace, account, with_permissions)
