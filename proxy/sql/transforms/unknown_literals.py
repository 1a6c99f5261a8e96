"""String literals beside values of one known type take that type, and values of types that
cannot meet are refused, as PostgreSQL and Redshift resolve a set operation's columns and a
CASE's results (PostgreSQL's ``select_common_type``).

``SELECT 1 UNION SELECT '2'`` is an integer column there (and ``SELECT 1 UNION SELECT 'a'`` a
22P02), ``CASE WHEN c THEN 1 ELSE '0' END`` an integer; DuckDB makes both text. So where the
other values of a CASE's results are literals or casts of a single type (numbers, booleans,
typed literals such as ``DATE '2020-01-01'``), each string literal among them becomes a cast to
it (which ``explicit_casts`` then checks as written: 22P02 for ``'a'`` as an integer); DuckDB
itself types a literal beside a column there. A set operation's column is resolved pair by
pair, as PostgreSQL resolves ``a UNION b UNION c`` as ``(a UNION b) UNION c``: a string literal
beside a value of a known type (a literal, a cast, a numeric or character column of a table,
view, derived table or CTE) becomes a cast to that type, two literals are text, and two values
of different kinds (a number and a string, a boolean, a date or timestamp) are 42804 ``UNION
types integer and character varying cannot be matched``, where DuckDB would make both text.
GREATEST and LEAST of such values are refused alike. NULLs are untyped too; any other
expression, whose type translation does not know, leaves the values as they are. A literal
beside a DECIMAL takes a DECIMAL of its own digits, so it keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from sqlglot import exp

from catalog.directory import Number
from catalog.errors import DatatypeMismatch
from proxy.sql.column_types import ColumnTypes, defining_query, query_branches
from proxy.sql.context import Context
from proxy.sql.transforms.varchar_blanks import (
    CHAR,
    CLEAN,
    STRING,
    names_column,
    resolved_scopes,
    statement_queries,
)

_T = exp.DataType.Type

# Each type's category as PostgreSQL's TypeCategory reads it, and its rank there: of two
# types of one category the higher rank is the one a set operation's column takes (PostgreSQL
# names it in a later mismatch).
_CATEGORIES: dict[_T, tuple[str, int]] = {
    _T.SMALLINT: ("numeric", 0), _T.INT: ("numeric", 1), _T.BIGINT: ("numeric", 2),
    _T.DECIMAL: ("numeric", 3), _T.FLOAT: ("numeric", 4), _T.DOUBLE: ("numeric", 5),
    _T.CHAR: ("string", 0), _T.BPCHAR: ("string", 0), _T.VARCHAR: ("string", 0),
    _T.NVARCHAR: ("string", 0), _T.TEXT: ("string", 1),
    _T.BOOLEAN: ("boolean", 0),
    _T.DATE: ("datetime", 0), _T.TIMESTAMP: ("datetime", 1), _T.TIMESTAMPTZ: ("datetime", 2),
}
_NAMES: dict[_T, str] = {
    _T.SMALLINT: "smallint", _T.INT: "integer", _T.BIGINT: "bigint", _T.DECIMAL: "numeric",
    _T.FLOAT: "real", _T.DOUBLE: "double precision", _T.CHAR: "character",
    _T.BPCHAR: "character", _T.VARCHAR: "character varying", _T.NVARCHAR: "character varying",
    _T.TEXT: "text", _T.BOOLEAN: "boolean", _T.DATE: "date",
    _T.TIMESTAMP: "timestamp without time zone", _T.TIMESTAMPTZ: "timestamp with time zone",
}
_SET_OPERATIONS: dict[type[exp.Expr], str] = {
    exp.Union: "UNION", exp.Intersect: "INTERSECT", exp.Except: "EXCEPT",
}

# A value's type: a DataType, None for an untyped literal (a string or NULL), False where
# translation cannot tell.
_Typed = exp.DataType | bool | None


def _bare(value: exp.Expr) -> exp.Expr:
    while isinstance(value, exp.Paren):
        value = value.this
    return value


def _known(value: exp.Expr) -> _Typed:
    """The type ``value`` is written with; None for an untyped literal (a string or NULL);
    False when translation cannot tell by how it is written."""
    value = _bare(value)
    if isinstance(value, exp.Null) or (isinstance(value, exp.Literal) and value.is_string):
        return None
    if isinstance(value, exp.Boolean):
        return exp.DataType.build("BOOLEAN")
    if isinstance(value, exp.Literal):
        text = value.this
        if text.isdigit():
            return exp.DataType.build("INT" if int(text) < 2**31 else "BIGINT")
        return exp.DataType.build("DECIMAL") if "e" not in text.lower() else False
    if isinstance(value, exp.Cast) and isinstance(value.to, exp.DataType) and (
            value.to.this not in (_T.UNKNOWN, _T.USERDEFINED, _T.SUPER, _T.JSON)):
        return value.to
    return False


def _number_type(number: Number) -> exp.DataType:
    """The type of a numeric column as the catalog describes it."""
    if number.floating:
        return exp.DataType.build("REAL" if number.precision == 24 else "DOUBLE")
    if number.integer:
        return exp.DataType.build({5: "SMALLINT", 10: "INT"}.get(number.precision, "BIGINT"))
    return exp.DataType.build(f"DECIMAL({number.precision}, {number.scale})")


class _Typer:
    """The types of a statement's values: by how they are written (``_known``), and of its
    numeric and character columns (read lazily: only a statement that asks for a column's
    type pays for resolving its names)."""

    def __init__(self, tree: exp.Expr, ctx: Context) -> None:
        self.tree, self.ctx = tree, ctx
        self._numbers: ColumnTypes | None = None
        self._strings: dict[int, tuple[str | None, bool]] | None = None

    def __call__(self, value: exp.Expr) -> _Typed:
        value = _bare(value)
        known = _known(value)
        if known is not False or not isinstance(value, exp.Column) or value.is_star:
            return known
        kind, own = self._string_kind(value)
        if kind == CHAR:
            return exp.DataType.build("CHAR")
        if kind in (STRING, CLEAN):
            return exp.DataType.build("VARCHAR")
        if not own:
            return False  # a name whose source translation cannot place
        if self._numbers is None:
            self._numbers = ColumnTypes(self.ctx, self._derived)
        number = self._numbers.type_of(value)
        if isinstance(number, Number):
            return _number_type(number)
        return number if isinstance(number, exp.DataType) else False

    def _string_kind(self, column: exp.Column) -> tuple[str | None, bool]:
        """The column's string kind (``varchar_blanks``') and whether its own query has a
        column of that name (else it is an enclosing query's, or not known)."""
        if self._strings is None:
            self._strings = {}
            # A DML statement's queries resolve apart, as ``varchar_blanks`` resolves them.
            queries = statement_queries(self.tree) if isinstance(
                self.tree, exp.Update | exp.Delete | exp.Merge) else [self.tree]
            for query in queries:
                resolvers, known = resolved_scopes(query, self.ctx)
                for scope, resolve in resolvers:
                    for found in scope.columns:
                        own = bool(found.table) or names_column(
                            scope, found.name, self.ctx, known) is True
                        self._strings[id(found)] = (resolve(found), own)
        return self._strings.get(id(column), (None, False))

    def _derived(self, nodes: list[exp.Expr], _columns: ColumnTypes) -> exp.DataType | None:
        """A derived table's or CTE's column: the type its defining values share."""
        types = [self(node) for node in nodes]
        if any(not isinstance(t, exp.DataType) for t in types):
            return None
        found: exp.DataType | None = None
        for typed in types:
            assert isinstance(typed, exp.DataType)
            found = typed if found is None else _wider(found, typed)
            if found is None:
                return None
        return found


def _category(typed: exp.DataType) -> tuple[str, int] | None:
    return _CATEGORIES.get(typed.this)


def _wider(a: exp.DataType, b: exp.DataType) -> exp.DataType | None:
    """The one of two types of one category a column of both takes; None across categories
    (or for a type whose category is not known here)."""
    ca, cb = _category(a), _category(b)
    if ca is None or cb is None or ca[0] != cb[0]:
        return None
    return b if cb[1] > ca[1] else a


def _mismatch(context: str, a: exp.DataType, b: exp.DataType) -> DatatypeMismatch:
    return DatatypeMismatch(f"{context} types {_NAMES[a.this]} and {_NAMES[b.this]} cannot be "
                            "matched")


def _check(context: str, types: Iterable[_Typed]) -> None:
    """Refuse values of different categories, naming them as PostgreSQL does: the type the
    values before took, and the first one that cannot meet it."""
    first: exp.DataType | None = None
    for typed in types:
        if not isinstance(typed, exp.DataType) or _category(typed) is None:
            continue
        if first is None:
            first = typed
            continue
        wider = _wider(first, typed)
        if wider is None:
            raise _mismatch(context, first, typed)
        first = wider


def _resolve(values: list[exp.Expr]) -> None:
    """A CASE's results: string literals take the one type of the other literals and casts."""
    known = [_known(v) for v in values]
    if any(k is False for k in known):
        return
    types = {k.sql("duckdb") for k in known if isinstance(k, exp.DataType)}
    if len(types) == 1 and any(k is None for k in known):
        # Integers of different widths unite as the wider: one type left means all alike.
        target = next(k for k in known if isinstance(k, exp.DataType))
        for value in values:
            _cast_literal(value, target)


def _cast_literal(value: exp.Expr, target: exp.DataType) -> None:
    """Make a string literal a cast to ``target`` (not to a string type, which a literal is
    already: CHAR's length comes from its other values); to a DECIMAL, one of the literal's
    own digits (``_decimal_of``)."""
    value = _bare(value)
    category = _category(target)
    if not (isinstance(value, exp.Literal) and value.is_string) or (
            category is not None and category[0] == "string"):
        return
    if target.this == _T.DECIMAL:
        target = _decimal_of(value.this)
    value.replace(exp.Cast(this=value.copy(), to=target.copy()))


def _decimal_of(text: str) -> exp.DataType:
    """The DECIMAL a literal's digits make (``'2.555'`` DECIMAL(4, 3)), which its value keeps
    beside another DECIMAL: PostgreSQL's NUMERIC of unstated precision keeps each value's
    digits, where a cast to the other value's DECIMAL would round it. Text that is no plain
    number takes DECIMAL(38, 0), whose cast refuses it (22P02) or reads it (``1e3``)."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        return exp.DataType.build("DECIMAL(38, 0)")
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    scale = max(-exponent, 0)
    precision = min(max(len(digits) + max(exponent, 0), scale, 1), 38)
    return exp.DataType.build(f"DECIMAL({precision}, {min(scale, precision)})")


def _set_column(node: exp.Expr, index: int, typer: _Typer) -> tuple[_Typed, exp.Expr | None]:
    """The type of column ``index`` of a set operation (or of one of its selects), and the
    value of a select whose value is an untyped literal, resolved pair by pair."""
    query = defining_query(node)
    if not isinstance(query, exp.SetOperation):
        assert isinstance(query, exp.Select)
        value = query.expressions[index].unalias()
        typed = typer(value)
        return typed, value if typed is None else None
    left, left_value = _set_column(query.this, index, typer)
    right, right_value = _set_column(query.expression, index, typer)
    if left is False or right is False:
        return False, None
    if left is None and right is None:
        return exp.DataType.build("TEXT"), None  # two untyped literals: text
    if left is None or right is None:
        typed, value = (right, left_value) if left is None else (left, right_value)
        assert isinstance(typed, exp.DataType) and value is not None
        _cast_literal(value, typed)
        return typed, None
    assert isinstance(left, exp.DataType) and isinstance(right, exp.DataType)
    if _category(left) is None or _category(right) is None:
        return False, None
    wider = _wider(left, right)
    if wider is None:
        raise _mismatch(_SET_OPERATIONS.get(type(query), "UNION"), left, right)
    return wider, None


def unknown_literals(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Type the string literals of CASE results and set operation columns, and refuse set
    operation columns and GREATEST/LEAST arguments of types that cannot meet (module
    docstring)."""
    for case in list(tree.find_all(exp.Case)):
        results = [i.args["true"] for i in case.args.get("ifs") or ()]
        if case.args.get("default") is not None:
            results.append(case.args["default"])
        _resolve(results)
    typer = _Typer(tree, ctx)
    for node in list(tree.find_all(exp.SetOperation)):
        if isinstance(node.parent, exp.SetOperation):
            continue  # the outermost resolves the whole chain
        selects = query_branches(node)
        if not selects or len({len(s.expressions) for s in selects}) != 1 or any(
                e.is_star for s in selects for e in s.expressions):
            continue  # a ``*`` hides which value stands at which position
        for i in range(len(selects[0].expressions)):
            _set_column(node, i, typer)
    for call in tree.find_all(exp.Greatest, exp.Least):
        _check(type(call).__name__.upper(), (typer(arg) for arg in call.iter_expressions()))
    return tree
