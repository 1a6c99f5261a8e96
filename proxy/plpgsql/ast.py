"""The tree of a PL/pgSQL body, as ``proxy.plpgsql.parser`` reads it.

SQL inside the body (expressions, queries, statements) stays source text (``Sql``): the
executor binds the variables it names as parameters and runs it through the connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Sql:
    """A fragment of SQL as written in the body, and where it starts (for error positions)."""

    text: str
    start: int = 0


@dataclass(frozen=True, slots=True)
class Decl:
    """``name [CONSTANT] type [NOT NULL] [{DEFAULT | := | =} expression]``, or ``name RECORD``,
    or ``name ALIAS FOR $n``, or a bound cursor ``name CURSOR [(arguments)] FOR query``; the
    type may be ``variable%TYPE``, ``[schema.]table.column%TYPE`` or ``[schema.]table%ROWTYPE``."""

    name: str
    type: str  # as written; "record" for RECORD, "refcursor" for a cursor
    constant: bool = False
    not_null: bool = False
    default: Sql | None = None
    alias_of: int = 0  # ALIAS FOR $n: the n-th argument
    cursor: Sql | None = None  # a bound cursor's query
    cursor_args: tuple[tuple[str, str], ...] = ()  # its arguments: (name, type as written)
    # ``name%TYPE`` / ``relation%ROWTYPE``: the dotted name the type is taken from, at run time
    anchor: tuple[str, ...] = ()
    rowtype: bool = False


@dataclass(slots=True)
class Block:
    """``[<<label>>] [DECLARE ...] BEGIN ... [EXCEPTION WHEN ... THEN ...] END [label];``"""

    label: str | None
    decls: list[Decl]
    body: list[Stmt]
    handlers: list[Handler] | None = None


@dataclass(slots=True)
class Handler:
    """``WHEN condition [OR condition ...] THEN statements`` (condition names lower case)."""

    conditions: list[str]
    body: list[Stmt]


@dataclass(frozen=True, slots=True)
class Assign:
    target: str  # a variable, or "record.field"
    value: Sql


@dataclass(frozen=True, slots=True)
class SqlStatement:
    """A plain SQL statement; ``into`` the variables of SELECT ... INTO (STRICT: one row)."""

    sql: Sql
    into: tuple[str, ...] = ()
    strict: bool = False
    head: str = ""  # its first word, upper case


@dataclass(frozen=True, slots=True)
class Perform:
    query: Sql  # the query with SELECT in place of PERFORM


@dataclass(frozen=True, slots=True)
class Execute:
    """``EXECUTE expression [INTO [STRICT] vars]``: the expression's value is SQL."""

    command: Sql
    into: tuple[str, ...] = ()
    strict: bool = False


@dataclass(frozen=True, slots=True)
class If:
    branches: list[tuple[Sql, list[Stmt]]]
    otherwise: list[Stmt] | None


@dataclass(frozen=True, slots=True)
class Case:
    """``CASE [subject] WHEN a [, b] THEN ... [ELSE ...] END CASE``."""

    subject: Sql | None
    branches: list[tuple[list[Sql], list[Stmt]]]
    otherwise: list[Stmt] | None


@dataclass(frozen=True, slots=True)
class Loop:
    label: str | None
    body: list[Stmt]


@dataclass(frozen=True, slots=True)
class While:
    label: str | None
    condition: Sql
    body: list[Stmt]


@dataclass(frozen=True, slots=True)
class ForRange:
    label: str | None
    var: str
    reverse: bool
    low: Sql
    high: Sql
    step: Sql | None
    body: list[Stmt]


@dataclass(frozen=True, slots=True)
class ForQuery:
    """``FOR target IN query LOOP`` or ``FOR target IN EXECUTE expression LOOP``."""

    label: str | None
    targets: tuple[str, ...]
    query: Sql
    dynamic: bool
    body: list[Stmt]


@dataclass(frozen=True, slots=True)
class Exit:
    """EXIT (``leave`` False: CONTINUE) [label] [WHEN condition]."""

    leave: bool
    label: str | None
    when: Sql | None


@dataclass(frozen=True, slots=True)
class Return:
    pass


@dataclass(frozen=True, slots=True)
class Null:
    pass


@dataclass(frozen=True, slots=True)
class Raise:
    """``RAISE level 'format' [, expression ...]``; ``RAISE;`` re-raises (level None)."""

    level: str | None
    message: str | None
    args: tuple[Sql, ...] = ()


@dataclass(frozen=True, slots=True)
class GetDiagnostics:
    items: tuple[tuple[str, str], ...]  # (variable, ROW_COUNT)


@dataclass(frozen=True, slots=True)
class Transaction:
    """COMMIT or ROLLBACK inside the body."""

    commit: bool


@dataclass(frozen=True, slots=True)
class Call:
    """A nested CALL: its INOUT arguments that are variables get the values back."""

    sql: Sql
    name: tuple[str | None, str]
    args: tuple[Sql, ...]


@dataclass(frozen=True, slots=True)
class Open:
    """``OPEN cursor [(arguments)]`` of a bound cursor (``args`` None: no parentheses), or
    ``OPEN var FOR query`` / ``OPEN var FOR EXECUTE expression`` of a refcursor variable."""

    cursor: str
    query: Sql | None = None
    dynamic: bool = False
    args: tuple[Sql, ...] | None = None


@dataclass(frozen=True, slots=True)
class Fetch:
    """``FETCH [NEXT] [FROM | IN] cursor INTO target [, ...]``: the cursor's next row."""

    cursor: str
    into: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Close:
    cursor: str


@dataclass(frozen=True, slots=True)
class ForCursor:
    """``FOR record IN bound_cursor [(arguments)] LOOP``: opens, reads and closes it."""

    label: str | None
    target: str
    cursor: str
    args: tuple[Sql, ...] | None
    body: list[Stmt]


Stmt = (Block | Assign | SqlStatement | Perform | Execute | If | Case | Loop | While | ForRange
        | ForQuery | Exit | Return | Null | Raise | GetDiagnostics | Transaction | Call | Open
        | Fetch | Close | ForCursor)


@dataclass(slots=True)
class Body:
    """A whole procedure body: its outer block."""

    block: Block
    labels: set[str] = field(default_factory=set)
