"""Our grammar for Redshift's SQL UDFs: CREATE [OR REPLACE] FUNCTION ... LANGUAGE sql, DROP
FUNCTION.

sqlglot cannot read argument types with lengths (``varchar(10)``) in CREATE FUNCTION, so these
two statements are read from their tokens here:

    CREATE [OR REPLACE] FUNCTION [schema.]name ( [type [, ...]] ) RETURNS type
        { VOLATILE | STABLE | IMMUTABLE } AS $$ SELECT expression $$ LANGUAGE sql
    DROP FUNCTION [IF EXISTS] [schema.]name ( [type [, ...]] ) [ CASCADE | RESTRICT ]

A function becomes a DuckDB macro of the database it is created in. Its arguments are cast to
their declared types and its result to the declared result type. The only overload of its
number of arguments has untyped parameters (any argument that casts is taken); overloads of
one arity by argument type have typed parameters (database files are kept in DuckDB's v1.4
storage format, the first that stores them), which DuckDB chooses among when it binds the
call, as ``proxy/late_ddl.py`` describes. The body is a single SELECT expression
without FROM (Redshift's rule), translated like any other statement (sandbox, rewrites) with
``$n`` standing for the n-th argument. Python UDFs (``LANGUAGE plpythonu``) are refused.

Privileges on functions are not built yet: CREATE and DROP FUNCTION are for superusers only
(the access checks do not understand them), and anyone may call a function, as Redshift's
default EXECUTE for PUBLIC allows. GRANT/REVOKE EXECUTE ON FUNCTION, USAGE ON LANGUAGE sql and
function owners are the access control work's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.tokens import TokenType

from catalog.errors import (
    FeatureNotSupported,
    SyntaxError_,
    UndefinedColumn,
    UndefinedParameter,
)
from engine.storage import INTERNAL_PREFIX
from proxy.sql.commands import TokenCursor
from proxy.sql.context import Context
from proxy.sql.late import Place
from proxy.sql.split import Piece
from proxy.sql.transforms.types import map_types

_VOLATILITY = frozenset({"VOLATILE", "STABLE", "IMMUTABLE"})
_T = exp.DataType.Type
_CHARACTER_TYPES = {_T.VARCHAR, _T.NVARCHAR, _T.CHAR, _T.NCHAR, _T.TEXT, _T.BPCHAR}


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """CREATE FUNCTION as written: names folded, types and body still Redshift text."""

    schema: str | None
    name: str
    arg_types: tuple[str, ...]
    returns: str
    body: str
    replace: bool
    volatility: str


@dataclass(frozen=True, slots=True)
class DropSpec:
    """DROP FUNCTION as written."""

    schema: str | None
    name: str
    arg_types: tuple[str, ...]
    if_exists: bool


class RoutineReader(TokenCursor):
    """The tokens of CREATE/DROP FUNCTION (and PROCEDURE, ``procedures``)."""

    def name(self) -> tuple[str | None, str]:
        """``[schema.]name``: quoted names keep their case, others fold to lower case."""
        first = self._ident()
        if self.accept("."):
            return first, self._ident()
        return None, first

    def _ident(self) -> str:
        tok = self.take()
        if tok.token_type in (TokenType.STRING, TokenType.NUMBER, TokenType.L_PAREN):
            raise SyntaxError_(f'syntax error at or near "{tok.text}"', position=tok.start + 1)
        return tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower()

    def type_text(self, stop: frozenset[str]) -> str:
        """The source text of a type, up to a word of ``stop`` outside parentheses."""
        first = self.peek()
        depth = 0
        last = None
        while (tok := self.peek()) is not None:
            if depth == 0 and tok.text.upper() in stop:
                break
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
            last = self.take()
        if first is None or last is None:
            raise self.near()
        return self.text[first.start : last.end + 1]

    def arg_types(self) -> tuple[str, ...]:
        self.expect("(")
        types: list[str] = []
        if self.accept(")"):
            return ()
        while True:
            types.append(self.type_text(frozenset({",", ")"})))
            if self.accept(")"):
                return tuple(types)
            self.expect(",")


def recognize(piece: Piece) -> FunctionSpec | DropSpec | None:
    """The function statement ``piece`` is, or None for any other statement."""
    r = RoutineReader(piece)
    if r.accept("CREATE"):
        replace = r.accept("OR")
        if replace:
            r.expect("REPLACE")
        if not r.accept("FUNCTION"):
            return None
        return _create(r, replace)
    if r.accept("DROP") and r.accept("FUNCTION"):
        return _drop(r)
    return None


def _create(r: RoutineReader, replace: bool) -> FunctionSpec:
    schema, name = r.name()
    arg_types = r.arg_types()
    returns = body = language = None
    volatility = "VOLATILE"
    while r.peek() is not None:
        if r.accept("RETURNS"):
            returns = r.type_text(_VOLATILITY | {"AS", "LANGUAGE"})
        elif r.word() in _VOLATILITY:
            volatility = r.take().text.upper()
        elif r.accept("AS"):
            tok = r.take()
            if tok.token_type not in (TokenType.HEREDOC_STRING, TokenType.STRING):
                raise SyntaxError_(f'syntax error at or near "{tok.text}"',
                                   position=tok.start + 1)
            body = tok.text
        elif r.accept("LANGUAGE"):
            language = r.take().text.lower()
        else:
            raise r.near()
    if language is not None and language != "sql":
        raise FeatureNotSupported(
            f"feature not supported on Duckshift: CREATE FUNCTION ... LANGUAGE {language} "
            "(only SQL UDFs)"
        )
    if returns is None or body is None or language is None:
        raise SyntaxError_("syntax error at end of input")
    return FunctionSpec(schema, name, arg_types, returns, body, replace, volatility)


def _drop(r: RoutineReader) -> DropSpec:
    if_exists = r.accept("IF")
    if if_exists:
        r.expect("EXISTS")
    schema, name = r.name()
    arg_types = r.arg_types()
    r.accept("CASCADE", "RESTRICT")
    if r.peek() is not None:
        raise r.near()
    return DropSpec(schema, name, arg_types, if_exists)


def duck_type(text: str, ctx: Context) -> str:
    """A Redshift type as the DuckDB type a macro parameter or result gets (NUMERIC is
    NUMERIC(18,0), SUPER is JSON; character lengths do not constrain arguments)."""
    try:
        dtype = exp.DataType.build(text, dialect="redshift")
    except Exception:  # sqlglot raises several kinds on a malformed type
        raise SyntaxError_(f'type "{text}" does not exist') from None
    if dtype.this in _CHARACTER_TYPES:
        dtype.set("expressions", [])
    cast = map_types(exp.cast(exp.null(), dtype), ctx)
    assert isinstance(cast, exp.Cast)
    return cast.to.sql("duckdb")


def body_tree(tree: exp.Expr, nargs: int) -> exp.Select:
    """Check a parsed UDF body: one SELECT expression, no FROM or clauses, only its own
    arguments ($1 .. $nargs), no columns and no subqueries."""
    clauses = ("from_", "joins", "where", "group", "having", "order", "limit", "offset",
               "qualify", "with_", "distinct", "windows")
    if (
        not isinstance(tree, exp.Select)
        or len(tree.expressions) != 1
        or any(tree.args.get(k) for k in clauses)
        or tree.find(exp.Subquery, exp.Table) is not None
    ):
        raise FeatureNotSupported(
            "feature not supported on Duckshift: a SQL UDF body other than one SELECT "
            "expression without FROM (as in Redshift)"
        )
    for column in tree.find_all(exp.Column):
        raise UndefinedColumn(f'column "{column.name}" does not exist')
    for param in tree.find_all(exp.Parameter):
        n = int(param.name) if param.name.isdigit() else 0
        if not 1 <= n <= nargs:
            raise UndefinedParameter(f"there is no parameter ${param.name}")
    return tree


def body_sql(tree: exp.Select, types: tuple[str, ...]) -> str:
    """The DuckDB SQL of a translated body's expression, each ``$n`` the n-th argument cast to
    its declared type (the macro's parameters are untyped: DuckDB keeps typed ones only in
    newer storage formats)."""
    expr = tree.expressions[0]
    if isinstance(expr, exp.Alias):
        expr = expr.this
    holder = exp.Paren(this=expr.copy())
    for param in list(holder.find_all(exp.Parameter)):
        n = int(param.name)
        param.replace(exp.cast(exp.column(f"${n}", quoted=True), types[n - 1]))
    return holder.this.sql("duckdb")


def place(schema: str | None, name: str, ctx: Context) -> Place:
    """Where a function of the session's current database lives (its name checked)."""
    if name.lower().startswith(INTERNAL_PREFIX) or not name:
        raise FeatureNotSupported(f'feature not supported on Duckshift: function name "{name}"')
    return Place(ctx.databases.get(ctx.database, ""), schema, name)
