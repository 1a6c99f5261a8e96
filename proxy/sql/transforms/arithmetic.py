"""Arithmetic fails where Redshift's does, instead of giving NULL, infinity or zero.

* Division by zero: Redshift (like PostgreSQL) fails ``x / 0`` and ``x % 0`` with 22012
  ``division by zero`` for every numeric type. DuckDB answers NULL for integers
  (``integer_division`` is on) and infinity for floating point, which would be a silently
  wrong answer. Each divisor that is not a non-zero numeric literal is wrapped in
  ``CASE WHEN d = 0 THEN error('division by zero') ELSE d END``: the CASE keeps the divisor's
  type (so integer division still truncates) and only raises for a row that really divides by
  zero; a NULL divisor still gives NULL. DuckDB raises the message as an invalid-input error,
  which ``engine/duckdb_errors.py`` maps to 22012. A modulo by -1 is a modulo by 1 (the same
  answer for every type), since DuckDB fails the smallest integer modulo -1.
* Floating point overflow and underflow: ``1e300::float8 * 1e300`` fails with 22003
  ``value out of range: overflow`` (a zero product or quotient of non-zero operands,
  ``underflow``) where DuckDB answers infinity or zero. An operation of ``+``, ``-``, ``*`` or
  ``/`` with a floating point operand (an explicit DOUBLE PRECISION or REAL cast, a DOUBLE
  PRECISION or REAL column of the catalog, ``Context.numeric_columns``, or such an operation
  itself) is checked. It is DOUBLE PRECISION unless both operands are REAL (Redshift's and
  PostgreSQL's result types: ``real_column * 2`` is a DOUBLE PRECISION, which DuckDB computes
  in REAL), so a REAL operand beside anything else is cast to DOUBLE PRECISION. Each tree of
  such operations becomes ``CASE WHEN <its value is finite and each product and quotient in
  it non-zero> THEN <the tree as DuckDB computes it> ELSE <the tree of the engine's checked
  macros (FLOAT_ADD ..., REAL_ADD ...)> END``: an overflow makes the value infinite or NaN (or,
  as a divisor, a zero quotient), an underflow a zero product or quotient, so only rows where
  something may have failed, or whose value is zero or not finite by itself, take the slower
  checked branch (sum(x * x) over 6M rows of a DOUBLE PRECISION column: about 3 times the
  unchecked time, against about 9 times for the checked macros alone). A tree whose operands
  are not all columns, literals, casts or DuckDB's math functions of them is only checked (a
  subquery would run again, a large expression be bound again). An operation with an
  interval, date or time written beside it is not one of numbers and is left alone. A
  column's type is the catalog's or, of a derived table or CTE, that of its defining
  expression (``proxy.sql.column_types``); SQRT, PI, RANDOM and the other math functions
  (EXP/DEXP, POWER, LN/DLOG1, LOG/DLOG10, CBRT, DEGREES, RADIANS, the trigonometric and
  hyperbolic ones) are DOUBLE PRECISION (an
  operation of RANDOM's value and a literal that cannot fail, ``random() * 100``, is left
  unchecked: a volatile value takes only the checked macros, not the CASE), and so
  are SUM and AVG of a floating point value (Redshift's documented type, also of REAL), MIN,
  MAX, ABS, FLOOR, CEIL, ROUND, TRUNC, SIGN and NULLIF keep their argument's type, CASE,
  COALESCE/NVL, GREATEST and LEAST take their branches' (DOUBLE PRECISION where one is, else
  REAL where one is); a VALUES list's column is typed by its rows. A
  parameter is typed where the client bound it as DOUBLE PRECISION or REAL at Parse
  (``Context.param_types``: the statement is translated again for those types). Every other
  statement pays nothing: the check is made once per operator node
  of the walk the division guard makes anyway.
* SUM and AVG of floating point values (also with DISTINCT, FILTER and as windows) fail with
  22003 ``value out of range: overflow`` where the total of finite values overflows, where
  DuckDB answers infinity; an infinite value still sums to infinity, as in PostgreSQL. Only
  the final value is checked (``_checked_total``): a second SUM of the values scaled by 2^-64
  is finite exactly when every value is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

from catalog.directory import DOUBLE, REAL, Number
from engine import macros
from proxy.sql.column_types import ColumnTypes, defining_query, query_branches
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of DuckDB's own function ``name`` (not sqlglot's canonical node for it)."""
    return exp.Anonymous(this=name, expressions=list(args))

DIVISION_BY_ZERO = "division by zero"
# Marks a divisor's guard (``_guarded``): its CASE and its test of the divisor.
GUARD = "division_guard"
_FLOAT_MACROS = {
    exp.Add: macros.FLOAT_ADD, exp.Sub: macros.FLOAT_SUB, exp.Mul: macros.FLOAT_MUL,
    exp.Div: macros.FLOAT_DIV,
}
_REAL_MACROS = {
    exp.Add: macros.REAL_ADD, exp.Sub: macros.REAL_SUB, exp.Mul: macros.REAL_MUL,
    exp.Div: macros.REAL_DIV,
}
_DOUBLE_RESULTS = frozenset({*_FLOAT_MACROS.values(), macros.EXP, macros.POWER, macros.CBRT,
                             macros.DEGREES, macros.RADIANS})
_REAL_RESULTS = frozenset(_REAL_MACROS.values())
_T = exp.DataType.Type
_TEMPORAL = frozenset({_T.INTERVAL, _T.DATE, _T.TIME, _T.TIMETZ, _T.TIMESTAMP, _T.TIMESTAMPTZ})
# The floating point types of an operand or operation (DuckDB's names, for casts).
_DOUBLE = "DOUBLE"
_REAL = "FLOAT"
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)
# Functions whose value is a DOUBLE PRECISION whatever their arguments (Redshift's math
# functions; DuckDB computes each in DOUBLE): SQRT, PI, RANDOM, the trigonometric and
# hyperbolic ones, LN and LOG (DLOG1 and DLOG10 are renamed to ln and log10 by then; EXP,
# POWER, CBRT, DEGREES and RADIANS are the engine's macros, ``_DOUBLE_RESULTS``).
_DOUBLE_FUNCTIONS = (
    exp.Sqrt, exp.Pi, exp.Rand, exp.Acos, exp.Asin, exp.Atan, exp.Atan2, exp.Cos, exp.Cot,
    exp.Sin, exp.Tan, exp.Sinh, exp.Cosh, exp.Tanh, exp.Ln, exp.Log, exp.Cbrt, exp.Exp,
    exp.Pow, exp.Degrees, exp.Radians,
)
# The same functions where sqlglot leaves the call by its name.
_DOUBLE_NAMES = frozenset({"ln", "log", "log10", "log2", "atan2", "cot", "degrees", "radians",
                           "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"})
# Functions whose value has their (first) argument's type: a floating point argument gives a
# floating point value.
_ARGUMENT_TYPED = (exp.Min, exp.Max, exp.Abs, exp.Window, exp.Filter, exp.Floor, exp.Ceil,
                   exp.Round, exp.Trunc, exp.Sign, exp.Nullif)
# Functions whose value is the common type of their arguments.
_COMMON_TYPED = (exp.Coalesce, exp.Greatest, exp.Least)
# DuckDB's own scalar functions, which cost little to name more than once (``_plain_operands``).
_PLAIN_FUNCTIONS = (*_DOUBLE_FUNCTIONS, *_COMMON_TYPED, exp.Abs, exp.Floor, exp.Ceil,
                    exp.Round, exp.Trunc, exp.Sign, exp.Nullif)
# The literals beside which RANDOM's value (in [0, 1)) can neither overflow nor underflow in
# ``+ - *`` or as a dividend (``_bounded``): zero, or of a magnitude in [1e-300, 1e300].
_SMALLEST, _LARGEST = 1e-300, 1e300
_AVERAGES = frozenset({macros.AVG, macros.AVG_DISTINCT})
# 2^-64: a SUM of finite values scaled by it cannot overflow (``_checked_total``).
_SCALE = "5.421010862427522e-20"


def _nonzero_literal(node: exp.Expr) -> bool:
    if isinstance(node, exp.Paren):
        return _nonzero_literal(node.this)
    if isinstance(node, exp.Neg):
        return _nonzero_literal(node.this)
    return isinstance(node, exp.Literal) and node.is_number and float(node.this) != 0


def _minus_one(node: exp.Expr) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    return isinstance(node, exp.Neg) and node.this.is_int and node.this.name == "1"


def guarded(divisor: exp.Expr) -> exp.Expr:
    """``divisor`` raising 22012 where it is zero (a non-zero numeric literal as it is)."""
    return divisor if _nonzero_literal(divisor) else _guarded(divisor, modulo=False)


def _guarded(divisor: exp.Expr, modulo: bool) -> exp.Expr:
    test = exp.EQ(this=divisor.copy(), expression=exp.Literal.number(0))
    # Not a comparison the statement makes: a parameter's type is not inferred from it
    # (``param_types.probes``), but from the division's other operand.
    test.meta[GUARD] = True
    ifs = [exp.If(this=test, true=_call("error", exp.Literal.string(DIVISION_BY_ZERO)))]
    if modulo:
        # x % -1 is x % 1 for every type, and DuckDB fails the smallest integer % -1 (an
        # overflow of the quotient it does not need), where Redshift answers 0.
        minus_one = exp.Neg(this=exp.Literal.number(1))
        ifs.append(exp.If(this=exp.EQ(this=divisor.copy(), expression=minus_one),
                          true=exp.Literal.number(1)))
    case = exp.Case(ifs=ifs, default=divisor)
    case.meta[GUARD] = True
    return case


def _unwrapped(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren | exp.Neg):
        node = node.this
    return node


def _operand_kind(node: exp.Expr, kinds: dict[int, str],
                  columns: ColumnTypes | None) -> str | None:
    """``_DOUBLE`` or ``_REAL`` where ``node`` is that floating point type by how it is written
    (a cast, an operation found to be one, a call of the engine's checked macros) or by the
    catalog; None where that is not known."""
    node = _unwrapped(node)
    if id(node) in kinds:
        return kinds[id(node)]
    if isinstance(node, exp.Cast):
        return {_T.DOUBLE: _DOUBLE, _T.FLOAT: _REAL}.get(node.to.this)
    if isinstance(node, exp.Column):
        number = columns.type_of(node) if columns is not None else None
        return None if not isinstance(number, Number) or not number.floating else \
            _REAL if number == REAL else _DOUBLE
    if isinstance(node, exp.Parameter):
        # Typed where the client bound it as a floating point number (``Context``).
        bound = columns.ctx.param_types if columns is not None else ()
        return next((kind for number, kind in bound
                     if str(number) == node.name and kind in (_DOUBLE, _REAL)), None)
    inner = node.expression if isinstance(node, exp.Dot) else None
    if isinstance(inner, exp.Anonymous):
        if inner.name in _AVERAGES and inner.expressions:
            return _DOUBLE if _operand_kind(inner.expressions[0], kinds, columns) else None
        if inner.name == macros.TRUNC and inner.expressions:
            return _operand_kind(inner.expressions[0], kinds, columns)
        return _DOUBLE if inner.name in _DOUBLE_RESULTS else \
            _REAL if inner.name in _REAL_RESULTS else None
    if isinstance(node, exp.Anonymous):
        return _DOUBLE if node.name.lower() in _DOUBLE_NAMES else None
    if isinstance(node, _ARITHMETIC):
        # Not one of the statement's operations walked so far (a derived table's column's
        # defining expression): typed the same way.
        return _operation_kind((node.this, node.expression), kinds, columns)
    if isinstance(node, exp.Sum):
        # Redshift's SUM of a floating point value is a DOUBLE PRECISION.
        return _DOUBLE if _operand_kind(_sum_argument(node), kinds, columns) else None
    if isinstance(node, _ARGUMENT_TYPED):
        return _operand_kind(node.this, kinds, columns)
    if isinstance(node, _COMMON_TYPED):
        return _common_kind([node.this, *node.expressions], kinds, columns)
    if isinstance(node, exp.Case):
        return _common_kind([*(branch.args.get("true") for branch in node.args.get("ifs") or ()),
                             node.args.get("default")], kinds, columns)
    if isinstance(node, exp.Subquery):
        # A scalar subquery's value: its one result column's (each branch's, of a UNION).
        query = defining_query(node)
        branches = query_branches(query) if query is not None else None
        return _common_kind([branch.expressions[0].unalias() for branch in branches
                             if len(branch.expressions) == 1], kinds, columns) if branches else None
    return _DOUBLE if isinstance(node, _DOUBLE_FUNCTIONS) else None


def _common_kind(nodes: list[exp.Expr | None], kinds: dict[int, str],
                 columns: ColumnTypes | None) -> str | None:
    """The floating point type of a CASE's, COALESCE's, GREATEST's or LEAST's value from its
    branches: DOUBLE PRECISION where one is, else REAL where one is (beside an integer too,
    as PostgreSQL resolves the common type); None where none is a floating point number."""
    found = {_operand_kind(node, kinds, columns) for node in nodes if node is not None}
    return _DOUBLE if _DOUBLE in found else _REAL if _REAL in found else None


def _sum_argument(node: exp.Sum) -> exp.Expr:
    """The argument of a SUM (through DISTINCT)."""
    arg = node.this
    return arg.expressions[0] if isinstance(arg, exp.Distinct) and arg.expressions else arg


def _operation_kind(operands: tuple[exp.Expr, exp.Expr], kinds: dict[int, str],
                    columns: ColumnTypes | None) -> str | None:
    """The floating point type of ``+ - * /`` of ``operands``: DOUBLE PRECISION unless both
    are REAL; None where neither is a floating point number (or one is a date or time)."""
    found = [_operand_kind(o, kinds, columns) for o in operands]
    if not any(found) or any(_temporal(o) for o in operands):
        return None
    return _REAL if found == [_REAL, _REAL] else _DOUBLE


def _derived_kind(nodes: list[exp.Expr], columns: ColumnTypes) -> Number | None:
    """A derived table's or CTE's column as a floating point number, where its defining
    expression is one in some branch (a UNION of one with an integer is one too)."""
    found = [_operand_kind(node.unalias(), {}, columns) for node in nodes]
    if not any(found):
        return None
    return REAL if all(kind == _REAL for kind in found) else DOUBLE


def _combined_kind(types: list[Number | None]) -> Number | None:
    """A set operation's column from its branches' columns' types (a ``*`` passes a relation's
    on): a floating point number where one is, as ``_derived_kind`` types it."""
    found = [t for t in types if isinstance(t, Number) and t.floating]
    if not found:
        return None
    return REAL if len(found) == len(types) and all(t == REAL for t in found) else DOUBLE


def float_columns(ctx: Context) -> ColumnTypes:
    """The column types ``is_floating`` reads: the catalog's floating point columns and those
    of derived tables and CTEs, typed as the overflow checks type them."""
    return ColumnTypes(ctx, _derived_kind, _combined_kind)


def is_floating(node: exp.Expr, columns: ColumnTypes) -> bool:
    """Whether ``node`` is a DOUBLE PRECISION or REAL value, by how it is written or by the
    catalog (as the overflow checks type an operand)."""
    return _operand_kind(node, {}, columns) in (_DOUBLE, _REAL)


def _temporal(node: exp.Expr) -> bool:
    """Whether ``node`` is an interval, date or time by how it is written (``x::float8 *
    interval '1 day'`` is an interval, not a DOUBLE PRECISION operation)."""
    node = _unwrapped(node)
    return isinstance(node, exp.Interval) or (
        isinstance(node, exp.Cast) and node.to.this in _TEMPORAL)


def _float_kinds(nodes: list[exp.Expr], columns: ColumnTypes | None) -> dict[int, str]:
    """The floating point type of each operation of ``nodes`` (outermost first) that is one,
    by ``id``: DOUBLE PRECISION unless both operands are REAL; and of each REAL operand of
    such an operation, under the key ``-id``."""
    kinds: dict[int, str] = {}
    for node in reversed(nodes):  # innermost first: an operation's kind is its parent's operand's
        if not isinstance(node, _ARITHMETIC):
            continue
        operands = (node.this, node.expression)
        kind = _operation_kind(operands, kinds, columns)
        if kind is not None:
            kinds[id(node)] = kind
            kinds.update((-id(o), _REAL) for o in operands
                         if _operand_kind(o, kinds, columns) == _REAL)
    return kinds


def _widened(operand: exp.Expr, kind: str, kinds: dict[int, str],
             build: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """``operand`` built, cast to DOUBLE PRECISION where a REAL meets another type."""
    built = build(operand)
    if kind == _DOUBLE and kinds.get(-id(operand)) == _REAL:
        return exp.Cast(this=built, to=exp.DataType(this=_T.DOUBLE))
    return built


def _tree(node: exp.Expr, kinds: dict[int, str], checked: bool,
          products: list[exp.Expr] | None = None) -> exp.Expr:
    """A copy of the floating point operation ``node``: each operation in it DuckDB's own
    (collecting the products and quotients into ``products``) or, ``checked``, the engine's
    checked macro."""
    def build(child: exp.Expr) -> exp.Expr:
        if isinstance(child, exp.Paren):
            return exp.Paren(this=build(child.this))
        if isinstance(child, exp.Neg):
            return exp.Neg(this=build(child.this))
        if id(child) in kinds:
            return _tree(child, kinds, checked, products)
        return child.copy()

    kind = kinds[id(node)]
    a = _widened(node.this, kind, kinds, build)
    b = _widened(node.expression, kind, kinds, build)
    if checked and isinstance(node, exp.Div) and not _nonzero_literal(node.expression):
        # Guarded here (the first walk leaves these divisors), and only in the checked tree:
        # DuckDB's own division by zero is infinite or NaN, so such a row takes the checked
        # branch, where an underflow to a zero divisor fails first, as in PostgreSQL.
        b = _guarded(b, modulo=False)
    if checked:
        macro = (_REAL_MACROS if kind == _REAL else _FLOAT_MACROS)[type(node)]
        return call(macro, a, b)
    built = type(node)(this=a, expression=b)
    if products is not None and isinstance(node, exp.Mul | exp.Div):
        products.append(built)
    return built


def _plain_operands(node: exp.Expr, kinds: dict[int, str]) -> bool:
    """Whether the operands of the floating point operations of ``node`` are columns,
    literals, casts of them or DuckDB's own scalar functions of them: cheap to name more than
    once (the unchecked branch names each two or three times; a subquery would run again, and
    a large expression such as decimal_arithmetic's exact division would be bound again, its
    macros copying it)."""
    node = _unwrapped(node)
    if id(node) in kinds:
        return _plain_operands(node.this, kinds) and _plain_operands(node.expression, kinds)
    while isinstance(node, exp.Cast):
        node = _unwrapped(node.this)
    if (isinstance(node, _PLAIN_FUNCTIONS) and not isinstance(node, exp.Rand)) or (
            isinstance(node, exp.Anonymous) and node.name.lower() in _DOUBLE_NAMES):
        # SQRT, LN, FLOOR, COALESCE ... of such operands (RANDOM's value would differ at each
        # naming).
        return all(_plain_operands(arg, kinds) for arg in node.iter_expressions())
    return isinstance(node, exp.Column | exp.Literal | exp.Null | exp.Parameter)


def _checked_tree(root: exp.Expr, kinds: dict[int, str]) -> exp.Expr:
    """The floating point operation ``root`` failing where Redshift's does (the module
    docstring): DuckDB's own where its value shows nothing can have failed, the checked
    macros otherwise."""
    checked = _tree(root, kinds, checked=True)
    if not _plain_operands(root, kinds):
        return checked
    products: list[exp.Expr] = []
    plain = _tree(root, kinds, checked=False, products=products)
    conditions: list[exp.Expr] = [exp.Anonymous(this="isfinite", expressions=[plain.copy()])]
    conditions += [exp.NEQ(this=p.copy(), expression=exp.Literal.number(0)) for p in products]
    return exp.Case(ifs=[exp.If(this=exp.and_(*conditions), true=plain)], default=checked)


def _bounded(node: exp.Expr) -> bool:
    """Whether ``+ - * /`` of RANDOM's value and a literal cannot fail: its value, in
    [0, 1), times, plus or divided by a literal of magnitude 1e-300 to 1e300 (or zero, not
    as a divisor) is finite, and not zero unless an operand is. The common ``random() * 100``
    then costs nothing: as a volatile value, RANDOM's could only take the checked macros
    (``random() * 1e6`` over 6M rows took 3.3 times as long)."""
    this, that = _unwrapped(node.this), _unwrapped(node.expression)
    if isinstance(that, exp.Rand) and not isinstance(node, exp.Div):
        this, that = that, this
    if not isinstance(this, exp.Rand) or this.this is not None:
        return False
    while isinstance(that, exp.Paren | exp.Neg):
        that = that.this
    if not (isinstance(that, exp.Literal) and that.is_number):
        return False
    value = abs(float(that.this))
    return _SMALLEST <= value <= _LARGEST or (value == 0 and not isinstance(node, exp.Div))


def _root(node: exp.Expr, kinds: dict[int, str]) -> bool:
    """Whether the floating point operation ``node`` is not an operand of another one."""
    parent = node.parent
    while isinstance(parent, exp.Paren | exp.Neg):
        parent = parent.parent
    return id(parent) not in kinds


# An integer as PostgreSQL reads one from text: blanks around, a sign, digits.
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")
_BIGINT_LIMIT = 2**63


def _integer_text(node: exp.Expr) -> int | None:
    """The value of a string literal whose text is an integer of BIGINT's range, else None."""
    if not (isinstance(node, exp.Literal) and node.is_string
            and _INTEGER_TEXT.fullmatch(node.this)):
        return None
    value = int(node.this)
    return value if -_BIGINT_LIMIT <= value < _BIGINT_LIMIT else None


def integer_text_operands(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """A string literal holding an integer, an operand of ``+ - * / %`` beside anything but
    another string literal, is that integer.

    PostgreSQL and Redshift read such a literal (type unknown) as the other operand's type:
    ``int_col + '2'`` is 3 more, ``5 / '2'`` is 2 and ``date + '1'`` the next day. DuckDB cannot
    choose an operator for most of these (42725 here) and divides ``5 / '2'`` in DOUBLE
    PRECISION (2.5). An integer answers as PostgreSQL does beside every numeric and date type.
    Other text (``'1 day'`` beside a timestamp, ``'2.5'``) is left as written."""
    for node in tree.find_all(exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod):
        operands = (node.this, node.expression)
        if all(isinstance(o, exp.Literal) and o.is_string for o in operands):
            continue
        for key, operand in zip(("this", "expression"), operands, strict=True):
            value = _integer_text(operand)
            if value is not None:
                number = exp.Literal.number(abs(value))
                node.set(key, exp.Paren(this=exp.Neg(this=number)) if value < 0 else number)
    return tree


def _total_argument(node: exp.Expr) -> exp.Expr | None:
    """The argument of a SUM or AVG (the engine's AVG macros), else None."""
    if isinstance(node, exp.Sum):
        return _sum_argument(node)
    inner = node.expression if isinstance(node, exp.Dot) else None
    if isinstance(inner, exp.Anonymous) and inner.name in _AVERAGES and inner.expressions:
        return inner.expressions[0]
    return None


def _checked_total(total: exp.Expr, argument: exp.Expr) -> None:
    """Make a SUM or AVG of floating point values (in place, with its FILTER or window) fail
    where it overflows: ``FLOAT_TOTAL`` of it and of the SUM of its values scaled by 2^-64,
    which is not finite only where a value is not (so an infinite value still sums to
    infinity, as in PostgreSQL). Only the final value is checked; the second SUM is the
    cheapest way found to tell an overflow from infinite values (SUM of a 6M-row DOUBLE
    PRECISION column in-process: 28 ms against 10 ms; ``max(abs(x))`` beside it took 4-8
    times, ``count(*) FILTER (WHERE isinf(x) OR isnan(x))`` 5 times)."""
    outer = total
    while isinstance(outer.parent, exp.Filter | exp.Window) and outer.arg_key == "this":
        outer = outer.parent
    scaled = exp.Sum(this=exp.Mul(this=exp.Paren(this=argument.copy()),
                                  expression=exp.Literal.number(_SCALE)))
    detector = scaled if outer is total else outer.copy()
    if outer is not total:
        node = detector
        while node.this is not None and not isinstance(node.this, type(total)):
            node = node.this
        node.set("this", scaled)
    marker = exp.Null()
    outer.replace(marker)
    marker.replace(call(macros.FLOAT_TOTAL, outer, detector))


def guard_arithmetic(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Make ``/``, ``%`` and integer division raise on a zero divisor, and floating point
    arithmetic, SUM and AVG raise on overflow and underflow (see the module docstring)."""
    found = list(tree.find_all(exp.Div, exp.Mod, exp.IntDiv, exp.Add, exp.Sub, exp.Mul,
                               exp.Sum, exp.Dot))
    nodes = [node for node in found if not isinstance(node, exp.Sum | exp.Dot)]
    totals = [(node, arg) for node in found if (arg := _total_argument(node)) is not None]
    if not nodes and not totals:
        return tree
    # Lazy: only the names asked for are resolved.
    columns = float_columns(ctx)
    kinds = _float_kinds(nodes, columns)
    for total, argument in totals:
        if _operand_kind(argument, kinds, columns):
            _checked_total(total, argument)
    # Innermost first: a floating point tree inside a function's argument is rewritten before
    # the tree around it copies it.
    for node in reversed(nodes):
        divisor = node.expression
        if isinstance(node, exp.Mod) and _minus_one(divisor):
            node.set("expression", exp.Literal.number(1))
        elif isinstance(node, exp.Div | exp.Mod | exp.IntDiv) and id(node) not in kinds and not (
            divisor is None or _nonzero_literal(divisor)
        ):
            # The divisor itself moves into the guard (its default), so a floating point
            # operation in it is still the node ``kinds`` knows.
            node.set("expression", _guarded(divisor, isinstance(node, exp.Mod)))
    for node in reversed(nodes):
        if id(node) in kinds and _root(node, kinds) and not _bounded(node):
            node.replace(_checked_tree(node, kinds))
    return tree
