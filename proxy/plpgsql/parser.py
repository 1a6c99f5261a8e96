"""A parser of PL/pgSQL procedure bodies, on sqlglot's tokenizer (Redshift's dialect).

It reads the statements Redshift documents for stored procedures (blocks with DECLARE and
EXCEPTION, assignment, SELECT INTO, IF, CASE, LOOP/WHILE/FOR, EXIT/CONTINUE, RETURN, RAISE,
EXECUTE, PERFORM, GET DIAGNOSTICS, COMMIT/ROLLBACK, CALL, NULL, cursors (refcursor variables,
bound cursors, OPEN, FETCH ... INTO, CLOSE, FOR over a cursor) and plain SQL) into the tree of
``proxy.plpgsql.ast``. What it does not run (SCROLL cursors, FETCH directions other than NEXT,
MOVE, RAISE ... USING) is refused with 0A000 when the procedure is created, not when a
branch of it first runs.
"""

from __future__ import annotations

from functools import lru_cache

from sqlglot.dialects.redshift import Redshift
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from catalog.errors import DatatypeMismatch, FeatureNotSupported, SyntaxError_
from proxy.plpgsql import ast
from proxy.sql.commands import TokenCursor

_LEVELS = frozenset({"DEBUG", "LOG", "INFO", "NOTICE", "WARNING", "EXCEPTION"})
# FETCH directions that read the next row (the others, and MOVE, are refused).
_NEXT = frozenset({"NEXT", "FORWARD"})
_DIRECTIONS = frozenset({"PRIOR", "FIRST", "LAST", "ABSOLUTE", "RELATIVE", "BACKWARD", "ALL"})
_STOPS = frozenset({"END", "ELSIF", "ELSEIF", "ELSE", "WHEN", "EXCEPTION"})
_WORD_TYPES = frozenset({TokenType.STRING, TokenType.IDENTIFIER, TokenType.NUMBER,
                         TokenType.HEREDOC_STRING, TokenType.NATIONAL_STRING})


class _BodyTokenizer(Redshift.Tokenizer):  # type: ignore[misc,name-defined]
    """Redshift's tokens, except that no word (DECLARE, EXECUTE, CALL, FETCH ...) swallows the
    rest of its statement as one string, as sqlglot's commands do: a body is read word by
    word."""

    COMMANDS: set[TokenType] = set()


_TOKENIZER = _BodyTokenizer(dialect="redshift")


def tokenize(text: str) -> list[Token]:
    """The tokens of a body; an unterminated string or comment is a syntax error."""
    try:
        return _TOKENIZER.tokenize(text)
    except TokenError as exc:
        raise SyntaxError_(f"syntax error: {exc}") from None


def refuse(what: str) -> FeatureNotSupported:
    """0A000 naming a PL/pgSQL construct Duckshift does not run."""
    return FeatureNotSupported(f"feature not supported on Duckshift: {what} in stored procedures")


@lru_cache(maxsize=256)
def parse(body: str) -> ast.Block:
    """The outer block of a procedure body; 42601 where it does not parse. Cached by text:
    a body is parsed once, not at every CALL (the executor never changes the tree)."""
    p = _Parser(body)
    block = p.block(None)
    p.accept(";")
    if p.peek() is not None:
        raise p.near()
    return block


class _Parser(TokenCursor):
    def __init__(self, text: str) -> None:
        # The body's own tokens, as they are (a statement's cursor reads some heads again).
        self.text = text
        self.toks = tokenize(text)
        self.base = 0
        self.i = 0
        self.labels: list[str | None] = []  # enclosing blocks' and loops' labels

    # -- tokens -----------------------------------------------------------------------------
    def word(self, k: int = 0) -> str:
        """The upper-case text of a keyword or bare word (a string or quoted name is none)."""
        tok = self.peek(k)
        if tok is None or tok.token_type in _WORD_TYPES:
            return ""
        return tok.text.upper()

    def ident(self) -> str:
        tok = self.take()
        if tok.token_type == TokenType.IDENTIFIER:
            return tok.text
        if tok.token_type in _WORD_TYPES or (not tok.text[:1].isalpha() and tok.text[:1] != "_"):
            self.i -= 1
            raise self.near()
        return tok.text.lower()

    def target(self) -> str:
        """A variable, or ``record.field``."""
        name = self.ident()
        if self.peek() is not None and self.peek().token_type == TokenType.DOT:  # type: ignore[union-attr]
            self.i += 1
            return f"{name}.{self.ident()}"
        return name

    def scan(self, stops: frozenset[str]) -> tuple[int, int]:
        """Tokens up to a word of ``stops`` outside parentheses and CASE expressions; returns
        the range (the stop word is not taken)."""
        start = self.i
        depth = 0
        cases = 0
        while (tok := self.peek()) is not None:
            w = self.word()
            if depth == 0 and cases == 0 and w in stops:
                break
            if tok.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
                depth += 1
            elif tok.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
                depth -= 1
            elif w == "CASE":
                cases += 1
            elif w == "END" and cases:
                cases -= 1
            self.i += 1
        if self.i == start:
            raise self.near()
        return start, self.i

    def frag(self, a: int, b: int) -> ast.Sql:
        first, last = self.toks[a], self.toks[b - 1]
        return ast.Sql(self.text[first.start:last.end + 1], first.start)

    def sql_until(self, *stops: str) -> ast.Sql:
        a, b = self.scan(frozenset(stops))
        return self.frag(a, b)

    def end_statement(self) -> None:
        self.expect(";")

    # -- blocks -----------------------------------------------------------------------------
    def label(self) -> str | None:
        if self.word() == "<" and self.word(1) == "<":
            self.i += 2
            name = self.ident()
            self.expect(">", ">")
            return name
        return None

    def block(self, label: str | None) -> ast.Block:
        decls: list[ast.Decl] = []
        if self.accept("DECLARE"):
            while self.peek() is not None and self.word() != "BEGIN":
                decls.append(self.decl())
        self.expect("BEGIN")
        self.labels.append(label)
        body = self.statements()
        handlers = None
        if self.accept("EXCEPTION"):
            handlers = []
            while self.accept("WHEN"):
                conditions = [self.ident()]
                while self.accept("OR"):
                    conditions.append(self.ident())
                self.expect("THEN")
                handlers.append(ast.Handler(conditions, self.statements()))
            if not handlers:
                raise self.near()
        self.expect("END")
        self.labels.pop()
        self.end_label(label)
        return ast.Block(label, decls, body, handlers)

    def end_label(self, label: str | None) -> None:
        tok = self.peek()
        if (tok is not None and self.word() not in ("", ";")) or (
                tok is not None and tok.token_type == TokenType.IDENTIFIER):
            name = self.ident()
            if name != label:
                raise SyntaxError_(f'end label "{name}" differs from block\'s label '
                                   f'"{label}"' if label else
                                   f'end label "{name}" specified for unlabeled block')

    def decl(self) -> ast.Decl:
        name = self.ident()
        if self.accept("ALIAS"):
            self.expect("FOR")
            tok = self.take()
            if tok.token_type == TokenType.PARAMETER and self.peek() is not None:
                tok = self.take()  # ``$1`` is read as ``$`` and ``1``
            digits = tok.text.lstrip("$")
            if not digits.isdigit():
                raise SyntaxError_(f'syntax error at or near "{tok.text}"',
                                   position=tok.start + 1)
            self.end_statement()
            return ast.Decl(name, "", alias_of=int(digits))
        constant = self.accept("CONSTANT")
        if self.word() in ("CURSOR", "SCROLL", "NO"):
            return self.cursor_decl(name)
        a, b = self.scan(frozenset({"NOT", "DEFAULT", ":=", "=", ";", "COLLATE"}))
        type_text = self.frag(a, b).text
        anchor: tuple[str, ...] = ()
        rowtype = False
        if any(t.token_type == TokenType.MOD for t in self.toks[a:b]):
            anchor, rowtype = self.anchor(a, b)
        if self.word() == "COLLATE":
            raise refuse("COLLATE")
        not_null = False
        if self.accept("NOT"):
            self.expect("NULL")
            not_null = True
        default = None
        if self.accept("DEFAULT", ":=", "="):
            default = self.sql_until(";")
        self.end_statement()
        if not_null and default is None:
            raise SyntaxError_(f'variable "{name}" must have a default value, since it\'s '
                               "declared NOT NULL")
        kind = type_text.lower()
        if rowtype and default is not None:
            raise SyntaxError_("default value for row or record variable is not supported")
        return ast.Decl(name, "record" if kind == "record" else type_text, constant, not_null,
                        default, anchor=anchor, rowtype=rowtype)

    def anchor(self, a: int, b: int) -> tuple[tuple[str, ...], bool]:
        """``name[.name ...] % {TYPE | ROWTYPE}`` of a declaration's type: the dotted name
        and whether it is %ROWTYPE."""
        toks = self.toks[a:b]
        kinds = [t.token_type for t in toks]
        if len(toks) < 3 or kinds[-2] != TokenType.MOD or kinds.count(TokenType.MOD) != 1 or \
                toks[-1].text.upper() not in ("TYPE", "ROWTYPE") or len(toks) % 2 == 0:
            bad = next(t for t in toks if t.token_type == TokenType.MOD)
            raise SyntaxError_(f'syntax error at or near "{bad.text}"', position=bad.start + 1)
        parts: list[str] = []
        for k, tok in enumerate(toks[:-2]):
            if k % 2:
                if tok.token_type != TokenType.DOT:
                    raise SyntaxError_(f'syntax error at or near "{tok.text}"',
                                       position=tok.start + 1)
                continue
            if tok.token_type == TokenType.IDENTIFIER:
                parts.append(tok.text)
            elif tok.text[:1].isalpha() or tok.text[:1] == "_":
                parts.append(tok.text.lower())
            else:
                raise SyntaxError_(f'syntax error at or near "{tok.text}"',
                                   position=tok.start + 1)
        if len(parts) > 3:
            raise SyntaxError_(f'improper %TYPE reference (too many dotted names): '
                               f'{".".join(parts)}')
        return tuple(parts), toks[-1].text.upper() == "ROWTYPE"

    def cursor_decl(self, name: str) -> ast.Decl:
        """``name [[NO] SCROLL] CURSOR [(arg type, ...)] {FOR | IS} query;``"""
        if self.accept("NO"):
            self.expect("SCROLL")  # NO SCROLL: forward only, what every cursor here is
        elif self.word() == "SCROLL":
            raise refuse("SCROLL cursors")
        self.expect("CURSOR")
        params: list[tuple[str, str]] = []
        if self.word() == "(":
            a, b = self.parens()
            for piece in self.split_commas(a, b):
                toks = tokenize(piece.text)
                if len(toks) < 2:
                    raise SyntaxError_(f'syntax error at or near "{piece.text}"',
                                       position=piece.start + 1)
                first = toks[0]
                arg = first.text if first.token_type == TokenType.IDENTIFIER else \
                    first.text.lower()
                params.append((arg, piece.text[toks[1].start:].strip()))
        if not self.accept("FOR", "IS"):
            raise self.near()
        query = self.sql_until(";")
        self.end_statement()
        return ast.Decl(name, "refcursor", cursor=query, cursor_args=tuple(params))

    def parens(self) -> tuple[int, int]:
        """At ``(``: the range of the tokens inside it, up to its matching ``)``, which is
        taken."""
        self.expect("(")
        a = self.i
        depth = 1
        while (tok := self.peek()) is not None:
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    self.i += 1
                    return a, self.i - 1
            self.i += 1
        raise SyntaxError_("syntax error at end of input")

    def cursor_args(self) -> tuple[ast.Sql, ...] | None:
        """A cursor's ``(arguments)`` after its name, or None without parentheses."""
        if self.word() != "(":
            return None
        a, b = self.parens()
        return tuple(self.split_commas(a, b)) if b > a else ()

    # -- statements -------------------------------------------------------------------------
    def statements(self) -> list[ast.Stmt]:
        out: list[ast.Stmt] = []
        while self.peek() is not None and self.word() not in _STOPS:
            out.append(self.statement())
        return out

    def statement(self) -> ast.Stmt:
        label = self.label()
        w = self.word()
        if label is not None and w not in ("DECLARE", "BEGIN", "LOOP", "WHILE", "FOR"):
            raise self.near()
        if w in ("DECLARE", "BEGIN"):
            block = self.block(label)
            self.end_statement()
            return block
        if w == "LOOP":
            self.i += 1
            return ast.Loop(label, self.loop_body(label))
        if w == "WHILE":
            self.i += 1
            cond = self.sql_until("LOOP")
            self.i += 1
            return ast.While(label, cond, self.loop_body(label))
        if w == "FOR":
            self.i += 1
            return self.for_loop(label)
        handler = _STATEMENTS.get(w)
        if handler is not None:
            self.i += 1
            return handler(self)
        if w == "MOVE":
            raise refuse("MOVE")
        if self.is_assignment():
            target = self.target()
            self.take()  # := or =
            value = self.sql_until(";")
            self.end_statement()
            return ast.Assign(target, value)
        return self.sql_statement()

    def is_assignment(self) -> bool:
        k = 1
        if self.peek(1) is not None and self.peek(1).token_type == TokenType.DOT:  # type: ignore[union-attr]
            k = 3
        tok = self.peek(k)
        return tok is not None and tok.token_type in (TokenType.COLON_EQ, TokenType.EQ)

    def loop_body(self, label: str | None) -> list[ast.Stmt]:
        self.labels.append(label)
        body = self.statements()
        self.labels.pop()
        self.expect("END", "LOOP")
        self.end_label(label)
        self.end_statement()
        return body

    def for_loop(self, label: str | None) -> ast.Stmt:
        targets = [self.target()]
        while self.accept(","):
            targets.append(self.target())
        self.expect("IN")
        if self.accept("EXECUTE"):
            a, b = self.scan(frozenset({"LOOP", "USING"}))
            if self.word() == "USING":
                raise refuse("EXECUTE ... USING")
            self.i += 1
            return ast.ForQuery(label, tuple(targets), self.frag(a, b), True,
                                self.loop_body(label))
        if self.word() in ("SELECT", "WITH") or (
                self.word() == "(" and self.word(1) in ("SELECT", "WITH")):
            query = self.sql_until("LOOP")
            self.i += 1
            return ast.ForQuery(label, tuple(targets), query, False, self.loop_body(label))
        if len(targets) != 1 or "." in targets[0]:
            raise self.near()
        if self.is_cursor_loop():
            cursor = self.ident()
            args = self.cursor_args()
            self.expect("LOOP")
            return ast.ForCursor(label, targets[0], cursor, args, self.loop_body(label))
        reverse = self.accept("REVERSE")
        low, high = self.range_bounds()
        step = None
        if self.accept("BY"):
            step = self.sql_until("LOOP")
        self.expect("LOOP")
        return ast.ForRange(label, targets[0], reverse, low, high, step, self.loop_body(label))

    def is_cursor_loop(self) -> bool:
        """``FOR rec IN name [(arguments)] LOOP``: a name, then LOOP (a range has ``..``)."""
        tok = self.peek()
        if tok is None or tok.token_type in _WORD_TYPES - {TokenType.IDENTIFIER}:
            return False
        if self.word(1) == "LOOP":
            return True
        if self.word(1) != "(":
            return False
        save = self.i
        self.i += 1
        try:
            self.parens()
            return self.word() == "LOOP"
        finally:
            self.i = save

    def range_bounds(self) -> tuple[ast.Sql, ast.Sql]:
        """``low .. high`` (the tokenizer reads ``1..10`` as ``1.``, ``.``, ``10``)."""
        start = self.i
        depth = 0
        while (tok := self.peek()) is not None:
            nxt = self.peek(1)
            adjacent = nxt is not None and nxt.token_type == TokenType.DOT and \
                nxt.start == tok.end + 1
            if depth == 0 and tok.token_type == TokenType.DOT and adjacent:
                low = self.frag(start, self.i) if self.i > start else None
                self.i += 2
                break
            if depth == 0 and tok.token_type == TokenType.NUMBER and tok.text.endswith(".") \
                    and adjacent:
                first = self.toks[start]
                low = ast.Sql(self.text[first.start:tok.end], first.start)
                self.i += 2
                break
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
            elif depth == 0 and self.word() == "LOOP":
                raise self.near()
            self.i += 1
        else:
            raise SyntaxError_("syntax error at end of input")
        if low is None:
            raise self.near()
        high = self.sql_until("BY", "LOOP")
        return low, high

    def sql_statement(self) -> ast.Stmt:
        head = self.word()
        a, b = self.scan(frozenset({";"}))
        self.end_statement()
        if head not in ("SELECT", "WITH"):
            return ast.SqlStatement(self.frag(a, b), head=head)
        into = self.find_into(a, b)
        if into is None:
            return ast.SqlStatement(self.frag(a, b), head=head)
        at, targets, strict, after = into
        first = self.toks[a]
        text = self.text[first.start:self.toks[at].start]
        if after < b:
            text += " " + self.text[self.toks[after].start:self.toks[b - 1].end + 1]
        return ast.SqlStatement(ast.Sql(text.strip(), first.start), tuple(targets), strict,
                                head)

    def find_into(self, a: int, b: int) -> tuple[int, list[str], bool, int] | None:
        """The INTO [STRICT] targets of a SELECT (outside parentheses): where INTO is, the
        targets, STRICT, and where the rest of the query resumes."""
        depth = 0
        for j in range(a, b):
            tok = self.toks[j]
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
            elif depth == 0 and tok.token_type == TokenType.INTO:
                save = self.i
                self.i = j + 1
                strict = self.accept("STRICT")
                targets = [self.target()]
                while self.word() == "," and self.i < b:
                    self.i += 1
                    targets.append(self.target())
                after = self.i
                self.i = save
                return j, targets, strict, after
        return None

    def check_label(self, label: str | None) -> None:
        if label is not None and label not in self.labels:
            raise SyntaxError_(f'there is no label "{label}" attached to any block or loop '
                               "enclosing this statement")

    # -- one handler per leading keyword ----------------------------------------------------
    def st_if(self) -> ast.Stmt:
        branches = []
        cond = self.sql_until("THEN")
        self.i += 1
        branches.append((cond, self.statements()))
        otherwise = None
        while True:
            if self.accept("ELSIF", "ELSEIF"):
                cond = self.sql_until("THEN")
                self.i += 1
                branches.append((cond, self.statements()))
            elif self.accept("ELSE"):
                otherwise = self.statements()
            else:
                break
        self.expect("END", "IF")
        self.end_statement()
        return ast.If(branches, otherwise)

    def st_case(self) -> ast.Stmt:
        subject = None if self.word() == "WHEN" else self.sql_until("WHEN")
        branches = []
        while self.accept("WHEN"):
            a, b = self.scan(frozenset({"THEN"}))
            self.i += 1
            branches.append((self.split_commas(a, b), self.statements()))
        if not branches:
            raise self.near()
        otherwise = self.statements() if self.accept("ELSE") else None
        self.expect("END", "CASE")
        self.end_statement()
        return ast.Case(subject, branches, otherwise)

    def split_commas(self, a: int, b: int) -> list[ast.Sql]:
        out = []
        depth = 0
        start = a
        for j in range(a, b):
            tt = self.toks[j].token_type
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tt, 0)
            if depth == 0 and tt == TokenType.COMMA:
                out.append(self.frag(start, j))
                start = j + 1
        out.append(self.frag(start, b))
        return out

    def st_exit(self, leave: bool) -> ast.Stmt:
        label = None
        if self.word() not in ("WHEN", ";"):
            label = self.ident()
            self.check_label(label)
        when = None
        if self.accept("WHEN"):
            when = self.sql_until(";")
        self.end_statement()
        return ast.Exit(leave, label, when)

    def st_return(self) -> ast.Stmt:
        if self.word() != ";":
            raise DatatypeMismatch("RETURN cannot have a parameter in a procedure")
        self.end_statement()
        return ast.Return()

    def st_null(self) -> ast.Stmt:
        self.end_statement()
        return ast.Null()

    def st_raise(self) -> ast.Stmt:
        if self.accept(";"):
            return ast.Raise(None, None)
        level = "EXCEPTION"
        if self.word() in _LEVELS:
            level = self.take().text.upper()
        tok = self.peek()
        if tok is None or tok.token_type != TokenType.STRING:
            if self.word() == "USING":
                raise refuse("RAISE ... USING")
            raise refuse("RAISE of a condition name or SQLSTATE")
        self.i += 1
        args: list[ast.Sql] = []
        while self.accept(","):
            args.append(self.sql_until(",", ";", "USING"))
        if self.word() == "USING":
            raise refuse("RAISE ... USING")
        self.end_statement()
        if tok.text.count("%") - 2 * tok.text.count("%%") > len(args):
            raise SyntaxError_("too few parameters specified for RAISE")
        return ast.Raise(level, tok.text, tuple(args))

    def st_perform(self) -> ast.Stmt:
        a, b = self.scan(frozenset({";"}))
        self.end_statement()
        query = self.frag(a, b)
        return ast.Perform(ast.Sql("SELECT " + query.text, query.start))

    def st_execute(self) -> ast.Stmt:
        command = self.sql_until("INTO", "USING", ";")
        targets: list[str] = []
        strict = False
        if self.accept("INTO"):
            strict = self.accept("STRICT")
            targets.append(self.target())
            while self.accept(","):
                targets.append(self.target())
        if self.word() == "USING":
            raise refuse("EXECUTE ... USING")
        self.end_statement()
        return ast.Execute(command, tuple(targets), strict)

    def st_get(self) -> ast.Stmt:
        if self.accept("STACKED"):
            raise refuse("GET STACKED DIAGNOSTICS")
        self.accept("CURRENT")
        self.expect("DIAGNOSTICS")
        items = []
        while True:
            var = self.target()
            if not self.accept(":=", "="):
                raise self.near()
            item = self.word()
            if item != "ROW_COUNT":
                raise refuse(f"GET DIAGNOSTICS {item or 'item'}")
            self.i += 1
            items.append((var, item))
            if not self.accept(","):
                break
        self.end_statement()
        return ast.GetDiagnostics(tuple(items))

    def st_transaction(self, commit: bool) -> ast.Stmt:
        self.accept("WORK", "TRANSACTION")
        if self.word() == "AND":
            raise refuse("COMMIT AND CHAIN")
        self.end_statement()
        return ast.Transaction(commit)

    def st_open(self) -> ast.Stmt:
        cursor = self.ident()
        if self.accept("NO"):
            self.expect("SCROLL")
        elif self.word() == "SCROLL":
            raise refuse("SCROLL cursors")
        if not self.accept("FOR"):
            args = self.cursor_args()
            self.end_statement()
            return ast.Open(cursor, args=args)
        if self.accept("EXECUTE"):
            command = self.sql_until("USING", ";")
            if self.word() == "USING":
                raise refuse("OPEN ... FOR EXECUTE ... USING")
            self.end_statement()
            return ast.Open(cursor, command, dynamic=True)
        if self.word() == "USING":
            raise refuse("OPEN ... FOR EXECUTE ... USING")
        query = self.sql_until(";")
        self.end_statement()
        return ast.Open(cursor, query)

    def st_fetch(self) -> ast.Stmt:
        if self.accept(*_NEXT) and self.word() not in ("FROM", "IN"):
            self.counted_fetch(self.toks[self.i - 1].text.upper())
        self.counted_fetch("")
        self.accept("FROM", "IN")
        cursor = self.ident()
        self.expect("INTO")
        targets = [self.target()]
        while self.accept(","):
            targets.append(self.target())
        self.end_statement()
        return ast.Fetch(cursor, tuple(targets))

    def counted_fetch(self, direction: str) -> None:
        """Refuse a FETCH direction other than NEXT (a count, ALL, PRIOR ...)."""
        tok = self.peek()
        if self.word() in _DIRECTIONS or (tok is not None and tok.token_type in (
                TokenType.NUMBER, TokenType.DASH)):
            what = " ".join(w for w in (direction, self.word() or "count") if w)
            raise refuse(f"FETCH {what}")

    def st_close(self) -> ast.Stmt:
        cursor = self.ident()
        self.end_statement()
        return ast.Close(cursor)

    def st_call(self) -> ast.Stmt:
        start = self.i - 1
        first = self.ident()
        schema, name = None, first
        if self.word() == ".":
            self.i += 1
            schema, name = first, self.ident()
        if self.word() != "(":
            raise self.near()
        open_at, _ = self.scan(frozenset({";"}))
        close = self.i - 1  # the closing parenthesis is the last token before ";"
        if self.toks[close].token_type != TokenType.R_PAREN:
            raise self.near()
        args = self.split_commas(open_at + 1, close) if close > open_at + 1 else []
        self.end_statement()
        return ast.Call(self.frag(start, self.i - 1), (schema, name), tuple(args))


_STATEMENTS = {
    "IF": _Parser.st_if,
    "CASE": _Parser.st_case,
    "EXIT": lambda p: p.st_exit(True),
    "CONTINUE": lambda p: p.st_exit(False),
    "RETURN": _Parser.st_return,
    "NULL": _Parser.st_null,
    "RAISE": _Parser.st_raise,
    "PERFORM": _Parser.st_perform,
    "EXECUTE": _Parser.st_execute,
    "GET": _Parser.st_get,
    "COMMIT": lambda p: p.st_transaction(True),
    "END_TRANSACTION": lambda p: p.st_transaction(True),
    "ROLLBACK": lambda p: p.st_transaction(False),
    "ABORT": lambda p: p.st_transaction(False),
    "CALL": _Parser.st_call,
    "OPEN": _Parser.st_open,
    "FETCH": _Parser.st_fetch,
    "CLOSE": _Parser.st_close,
}
