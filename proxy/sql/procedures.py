"""Our grammar for Redshift's stored procedures: CREATE [OR REPLACE] PROCEDURE, DROP PROCEDURE
and CALL, read from their tokens (sqlglot reads some of them and stops at others).

    CREATE [ OR REPLACE ] PROCEDURE [schema.]name ( [ [argname] [argmode] argtype [, ...] ] )
        [ NONATOMIC ] AS $$ body $$ LANGUAGE plpgsql [ SECURITY { INVOKER | DEFINER } ]
    DROP PROCEDURE [ IF EXISTS ] [schema.]name ( [ [argname] [argmode] argtype [, ...] ] )
    CALL [schema.]name ( [ argument [, ...] ] )
    ALTER PROCEDURE [schema.]name [ ( [ [argname] [argmode] argtype [, ...] ] ) ]
        { RENAME TO new_name | OWNER TO { new_owner | CURRENT_USER | SESSION_USER } }
    SHOW PROCEDURE [schema.]name [ ( [ [argname] [argmode] argtype [, ...] ] ) ]

The body is kept as written and interpreted when the procedure is called
(``proxy/plpgsql``); CREATE only checks that it parses. SET clauses are refused (0A000).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from catalog.errors import FeatureNotSupported, SyntaxError_, UndefinedObject
from catalog.procedures import Argument
from proxy.plpgsql.parser import tokenize
from proxy.sql.split import Piece
from proxy.sql.udfs import RoutineReader

_MODES = frozenset({"IN", "OUT", "INOUT"})


@dataclass(frozen=True, slots=True)
class CreateProcedure:
    """CREATE [OR REPLACE] PROCEDURE as written (names folded)."""

    schema: str | None
    name: str
    arguments: tuple[Argument, ...]
    body: str
    replace: bool
    nonatomic: bool
    security_definer: bool


@dataclass(frozen=True, slots=True)
class DropProcedure:
    """DROP PROCEDURE [IF EXISTS] name(types)."""

    schema: str | None
    name: str
    arguments: tuple[Argument, ...]
    if_exists: bool


@dataclass(frozen=True, slots=True)
class CallProcedure:
    """CALL name(arguments): each argument's source text (an expression), and the number of
    parameters ($n) they use (extended protocol)."""

    schema: str | None
    name: str
    arguments: tuple[str, ...]
    nparams: int = 0


@dataclass(frozen=True, slots=True)
class AlterProcedure:
    """ALTER PROCEDURE name[(types)] RENAME TO / OWNER TO: ``arguments`` None where the
    statement names no argument list (the name must then be of one procedure)."""

    schema: str | None
    name: str
    arguments: tuple[Argument, ...] | None
    new_name: str | None = None
    new_owner: str | None = None  # a user's name, or CURRENT_USER / SESSION_USER


@dataclass(frozen=True, slots=True)
class ShowProcedure:
    """SHOW PROCEDURE name[(types)] (``arguments`` as ALTER PROCEDURE's)."""

    schema: str | None
    name: str
    arguments: tuple[Argument, ...] | None


Command = CreateProcedure | DropProcedure | CallProcedure | AlterProcedure | ShowProcedure
# Each statement's command tag.
TAGS: dict[type, str] = {
    CreateProcedure: "CREATE PROCEDURE", DropProcedure: "DROP PROCEDURE", CallProcedure: "CALL",
    AlterProcedure: "ALTER PROCEDURE", ShowProcedure: "SHOW",
}


def recognize(piece: Piece) -> Command | None:
    """The procedure statement ``piece`` is, or None for any other statement."""
    r = RoutineReader(piece)
    head = r.word()
    if head == "CALL":
        # sqlglot reads CALL as a command that swallows the rest as one string: its words
        # are read again by the body tokenizer, which keeps them apart.
        r = RoutineReader(Piece(piece.text, tuple(tokenize(piece.text))))
        r.take()
        return _call(r)
    if head == "CREATE":
        r.take()
        replace = r.accept("OR")
        if replace:
            r.expect("REPLACE")
        if not r.accept("PROCEDURE"):
            return None
        return _create(r, replace)
    if head == "DROP":
        r.take()
        if not r.accept("PROCEDURE"):
            return None
        if_exists = r.accept("IF")
        if if_exists:
            r.expect("EXISTS")
        schema, name = r.name()
        args = _arguments(r)
        r.accept("CASCADE", "RESTRICT")
        if r.peek() is not None:
            raise r.near()
        return DropProcedure(schema, name, args, if_exists)
    if head == "ALTER" and len(piece.tokens) > 1 and piece.tokens[1].text.upper() == "PROCEDURE":
        r.take()
        r.take()
        return _alter(r)
    if head == "SHOW":
        r = RoutineReader(Piece(piece.text, tuple(tokenize(piece.text))))  # as CALL's
        r.take()
        if not r.accept("PROCEDURE"):
            return None
        schema, name = r.name()
        args = _arguments(r) if r.peek() is not None else None
        r.expect_end()
        return ShowProcedure(schema, name, args)
    return None


def _alter(r: RoutineReader) -> AlterProcedure:
    schema, name = r.name()
    tok = r.peek()
    args = _arguments(r) if tok is not None and tok.token_type == TokenType.L_PAREN else None
    if r.accept("RENAME"):
        r.expect("TO")
        _, new_name = r.name()
        found = AlterProcedure(schema, name, args, new_name=new_name)
    elif r.accept("OWNER"):
        r.expect("TO")
        if r.word() in ("CURRENT_USER", "SESSION_USER"):
            owner = r.take().text.upper()
        else:
            _, owner = r.name()
        found = AlterProcedure(schema, name, args, new_owner=owner)
    else:
        raise r.near()
    r.expect_end()
    return found


def _create(r: RoutineReader, replace: bool) -> CreateProcedure:
    schema, name = r.name()
    args = _arguments(r)
    body = language = None
    nonatomic = definer = False
    while r.peek() is not None:
        if r.accept("NONATOMIC"):
            nonatomic = True
        elif r.accept("AS"):
            tok = r.take()
            if tok.token_type not in (TokenType.HEREDOC_STRING, TokenType.STRING):
                raise SyntaxError_(f'syntax error at or near "{tok.text}"',
                                   position=tok.start + 1)
            body = tok.text
        elif r.accept("LANGUAGE"):
            language = r.take().text.lower()
        elif r.accept("SECURITY"):
            if r.accept("DEFINER"):
                definer = True
            else:
                r.expect("INVOKER")
        elif r.word() == "SET":
            raise FeatureNotSupported(
                "feature not supported on Duckshift: SET clauses of CREATE PROCEDURE")
        else:
            raise r.near()
    if language is None or body is None:
        raise SyntaxError_("syntax error at end of input")
    if language != "plpgsql":
        raise err_language(language)
    return CreateProcedure(schema, name, args, body, replace, nonatomic, definer)


def err_language(language: str) -> UndefinedObject:
    """PostgreSQL's answer to an unknown procedural language."""
    return UndefinedObject(f'language "{language}" does not exist')


def _arguments(r: RoutineReader) -> tuple[Argument, ...]:
    r.expect("(")
    if r.accept(")"):
        return ()
    out: list[Argument] = []
    while True:
        start = r.i
        depth = 0
        while (tok := r.peek()) is not None:
            if depth == 0 and tok.token_type in (TokenType.COMMA, TokenType.R_PAREN):
                break
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
            r.take()
        if r.i == start:
            raise r.near()
        out.append(_argument(r.text, r.toks[start:r.i]))
        if r.accept(")"):
            return tuple(out)
        r.expect(",")


def _argument(text: str, toks: list[Token]) -> Argument:
    """``[argname] [argmode] argtype`` (name and mode in either order)."""
    name = ""
    mode = "IN"
    i = 0
    for _ in range(2):
        if i < len(toks) - 1 and toks[i].text.upper() in _MODES:
            mode = toks[i].text.upper()
            i += 1
        elif i < len(toks) - 1 and not name and not _is_type(text, toks[i:]):
            tok = toks[i]
            name = tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower()
            i += 1
    rest = toks[i:]
    if not rest or not _is_type(text, rest):
        bad = rest[0] if rest else toks[-1]
        raise SyntaxError_(f'syntax error at or near "{bad.text}"', position=bad.start + 1)
    return Argument(name, mode, text[rest[0].start:rest[-1].end + 1])


def _is_type(text: str, toks: list[Token]) -> bool:
    source = text[toks[0].start:toks[-1].end + 1]
    if len(toks) == 1 and toks[0].text.lower() == "refcursor":
        return True  # a cursor's name (PL/pgSQL's type; no column has it)
    try:
        exp.DataType.build(source, dialect="redshift")
    except Exception:  # sqlglot raises several kinds on what is not a type
        return False
    return True


def _call(r: RoutineReader) -> CallProcedure:
    schema, name = r.name()
    r.expect("(")
    args: list[str] = []
    if r.accept(")"):
        if r.peek() is not None:
            raise r.near()
        return CallProcedure(schema, name, ())
    while True:
        start = r.peek()
        depth = 0
        last = None
        while (tok := r.peek()) is not None:
            if depth == 0 and tok.token_type in (TokenType.COMMA, TokenType.R_PAREN):
                break
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
            last = r.take()
        if start is None or last is None:
            raise r.near()
        args.append(r.text[start.start:last.end + 1])
        if r.accept(")"):
            break
        r.expect(",")
    if r.peek() is not None:
        raise r.near()
    return CallProcedure(schema, name, tuple(args), _parameters(r.toks))


def _parameters(toks: list[Token]) -> int:
    """The highest ``$n`` among the tokens (0 for none)."""
    top = 0
    for tok, nxt in pairwise(toks):
        if tok.token_type == TokenType.PARAMETER and nxt.token_type == TokenType.NUMBER \
                and nxt.text.isdigit():
            top = max(top, int(nxt.text))
    return top
