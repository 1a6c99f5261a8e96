"""A division with a DECIMAL operand is an exact DECIMAL, of Redshift's result type.

DuckDB divides DECIMALs in DOUBLE PRECISION (``10::decimal(10,2) / 3`` is
3.3333333333333335); Redshift answers a DECIMAL whose type follows from its operands'
("Computations with numeric values"): scale max(4, s1 + p2 - s2 + 1), precision
p1 - s1 + s2 + scale; a precision above 38 becomes 38 and the scale max(38 + scale -
precision, 4); SMALLINT, INTEGER and BIGINT count as DECIMAL(5, 0), (10, 0) and (19, 0).

Each division whose operands' types the statement shows, one of them a DECIMAL and neither a
floating-point number, becomes the engine's exact ``DIVIDE`` (``engine/macros.py``) cast to
that type; its divisor is guarded as every divisor is (``arithmetic.guarded``: 22012 for a
zero). The types shown: numeric literals (``100.0`` is DECIMAL(4, 1), ``3`` INTEGER), explicit
casts, the DECIMAL and integer columns of the statement's tables and views (the catalog's,
``Context.numeric_columns``: by their table's alias, or unqualified where the statement has no
derived table or CTE and exactly one of its tables has a column of that name), SUM, AVG, COUNT,
MIN and MAX of those, and ``+``, ``-``, ``*`` and ``/`` of them (Redshift's rules, which
DuckDB's own match for ``+`` and ``-``). Any other division is left to DuckDB (a DOUBLE
PRECISION where an operand is a DECIMAL).

A product of such operands that is a result column gets Redshift's precision p1 + p2 + 1
(DuckDB's is p1 + p2; below 38 digits it is cast to Redshift's type, whose values are the
same); elsewhere (inside an expression, an aggregate or a derived table) DuckDB's type stays.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.directory import Number
from engine import macros
from proxy.sql.context import Context
from proxy.sql.table_keys import CatalogColumns
from proxy.sql.transforms.arithmetic import guarded
from proxy.sql.transforms.macros import call

_MAX_PRECISION = 38
# Operand digits up to this many fit a BIGINT, whose division is much cheaper than HUGEINT's.
_BIGINT_DIGITS = 18
# Digits of a quotient one DOUBLE PRECISION estimate of it gets right (macros.ESTIMATE).
_DOUBLE_DIGITS = 15
_INT4 = Number(10, 0, True)
_INT8 = Number(19, 0, True)
_INTEGERS = {
    exp.DataType.Type.SMALLINT: Number(5, 0, True),
    exp.DataType.Type.INT: _INT4,
    exp.DataType.Type.BIGINT: _INT8,
}


# A REAL or DOUBLE PRECISION operand (the division stays DuckDB's); None: not known.
_FLOAT = "float"
_FLOATS = {exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE}
Typed = Number | str | None


def quotient_type(p1: int, s1: int, p2: int, s2: int) -> tuple[int, int]:
    """Redshift's (precision, scale) of DECIMAL(p1, s1) / DECIMAL(p2, s2).

    >>> quotient_type(8, 2, 8, 2)
    (17, 9)
    >>> quotient_type(19, 0, 19, 0)
    (38, 19)
    """
    scale = max(4, s1 + p2 - s2 + 1)
    precision = p1 - s1 + s2 + scale
    if precision > _MAX_PRECISION:
        scale = max(_MAX_PRECISION + scale - precision, 4)
        precision = _MAX_PRECISION
    return precision, scale


def _sum_type(a: Number, b: Number) -> Number:
    scale = max(a.scale, b.scale)
    precision = max(a.precision - a.scale, b.precision - b.scale) + 1 + scale
    return Number(min(precision, _MAX_PRECISION), scale, False)


def _product_type(a: Number, b: Number) -> Number | None:
    scale = a.scale + b.scale
    return Number(min(a.precision + b.precision + 1, _MAX_PRECISION), scale, False) \
        if scale <= _MAX_PRECISION else None


def _literal_type(literal: exp.Literal) -> Typed:
    text = literal.this
    if "e" in text.lower():
        return _FLOAT
    whole, _, fraction = text.partition(".")
    if not fraction and "." not in text:
        value = int(whole)
        return _INT4 if -2**31 <= value < 2**31 else _INT8 if -2**63 <= value < 2**63 else None
    digits = len(whole.lstrip("0")) + len(fraction)
    return Number(max(digits, len(fraction), 1), len(fraction), False) \
        if digits <= _MAX_PRECISION else None


def _cast_type(to: exp.DataType) -> Typed:
    kind = to.this
    if kind in _INTEGERS:
        return _INTEGERS[kind]
    if kind in _FLOATS:
        return _FLOAT
    if kind == exp.DataType.Type.DECIMAL:
        sizes = [int(e.name) for e in to.expressions
                 if isinstance(e, exp.DataTypeParam) and e.name.isdigit()]
        if len(sizes) == len(to.expressions) and sizes:
            return Number(sizes[0], sizes[1] if len(sizes) > 1 else 0, False)
        if not to.expressions:
            return Number(18, 0, False)  # Redshift's bare DECIMAL
    return None


def _aggregate_type(arg: Typed, kind: type[exp.Expr] | str) -> Typed:
    if not isinstance(arg, Number):
        return arg
    if kind in (exp.Min, exp.Max):
        return arg
    if arg.integer:
        return _INT8  # SUM and AVG of an integer are BIGINTs
    return Number(_MAX_PRECISION, arg.scale, False)


_AVERAGES = {macros.AVG, macros.AVG_DISTINCT}


def _type(node: exp.Expr, columns: CatalogColumns) -> Typed:
    """The numeric type of ``node`` as Redshift types it, where the statement shows it."""
    while isinstance(node, exp.Paren | exp.Neg):
        node = node.this
    if isinstance(node, exp.Literal):
        return _literal_type(node) if node.is_number else None
    if isinstance(node, exp.Cast):
        return _cast_type(node.to)
    if isinstance(node, exp.Column):
        number = columns.type_of(node)
        return _FLOAT if number is not None and number.floating else number
    if isinstance(node, exp.Count):
        return _INT8
    if isinstance(node, exp.Sum | exp.Min | exp.Max):
        return _aggregate_type(_type(node.this, columns), type(node))
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous) \
            and node.expression.name in _AVERAGES:
        return _aggregate_type(_type(node.expression.expressions[0], columns), "avg")
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div):
        return _arithmetic_type(node, _type(node.this, columns),
                                _type(node.expression, columns))
    return None


def _arithmetic_type(node: exp.Expr, a: Typed, b: Typed) -> Typed:
    if a is None or b is None:
        return None
    if not isinstance(a, Number) or not isinstance(b, Number):
        return _FLOAT
    if a.integer and b.integer:
        return max(a, b)  # integer arithmetic stays in the wider integer type
    if isinstance(node, exp.Div):
        return Number(*quotient_type(a.precision, a.scale, b.precision, b.scale), False)
    if isinstance(node, exp.Mul):
        return _product_type(a, b)
    return _sum_type(a, b)


def _decimal(precision: int, scale: int) -> exp.DataType:
    # Built, not parsed: exp.DataType.build of a string runs the parser.
    return exp.DataType(this=exp.DataType.Type.DECIMAL, expressions=[
        exp.DataTypeParam(this=exp.Literal.number(precision)),
        exp.DataTypeParam(this=exp.Literal.number(scale)),
    ])


def _cast(node: exp.Expr, to: exp.DataType) -> exp.Cast:
    return exp.Cast(this=node, to=to)


def _digits(node: exp.Expr, number: Number, integer: exp.DataType.Type) -> exp.Expr:
    """The digits of ``node``, of type ``number``, as an integer (-2.50 of a DECIMAL(5, 2) is
    -250). Cast to that type first, so a value of another scale cannot shift them."""
    if number.integer:
        return _cast(node, exp.DataType(this=integer))
    value = _cast(node, _decimal(number.precision, number.scale))
    if number.precision + number.scale <= _MAX_PRECISION:
        # Times 10^s its digits fit DuckDB's DECIMAL (much cheaper than text, below); past 18
        # digits in a DECIMAL(38, s), since DuckDB multiplies two DECIMALs of up to 18 digits
        # in BIGINT.
        if number.precision + number.scale > _BIGINT_DIGITS:
            value = _cast(value, _decimal(_MAX_PRECISION, number.scale))
        value = exp.Mul(this=value, expression=_cast(
            exp.Literal.number(10 ** number.scale), _decimal(number.scale + 1, 0)))
    else:
        value = exp.Anonymous(this="replace", expressions=[
            _cast(value, exp.DataType(this=exp.DataType.Type.VARCHAR)),
            exp.Literal.string("."), exp.Literal.string("")])
    return _cast(value, exp.DataType(this=integer))


def _exact(div: exp.Div, a: Number, b: Number) -> exp.Expr:
    """The exact DECIMAL division of ``div``'s operands (moved, not copied: ``div`` is
    replaced), of types ``a`` and ``b``."""
    precision, scale = quotient_type(a.precision, a.scale, b.precision, b.scale)
    # The dividend's digits times 10^shift, divided by the divisor's, are the quotient's.
    shift = scale - a.scale + b.scale
    small = _small(a, b)
    integer = exp.DataType.Type.BIGINT if small else exp.DataType.Type.INT128
    dividend = exp.Mul(this=_digits(div.this, a, integer), expression=_cast(
        exp.Literal.number(10 ** shift), exp.DataType(this=integer)))
    divisor = _digits(guarded(div.expression), b, integer)
    if small:
        quotient: exp.Expr = exp.IntDiv(this=dividend.copy(), expression=divisor.copy())
    else:
        double = exp.DataType(this=exp.DataType.Type.DOUBLE)
        quotient = _cast(exp.Div(this=_cast(dividend.copy(), double),
                                 expression=_cast(divisor.copy(), double)),
                         exp.DataType(this=integer))
        for _ in range(-(-precision // _DOUBLE_DIGITS) - 1):
            quotient = call(macros.ESTIMATE, dividend.copy(), divisor.copy(), quotient)
    unit = "0." + "0" * (scale - 1) + "1" if scale else "1"
    divide = call(macros.DIVIDE, dividend, divisor, quotient,
                  _cast(exp.Literal.string(unit), _decimal(_MAX_PRECISION, scale)))
    return _cast(divide, _decimal(precision, scale))


def _small(a: Number, b: Number) -> bool:
    """Whether the exact division of ``a`` by ``b`` is done in BIGINT (the cheap way)."""
    _, scale = quotient_type(a.precision, a.scale, b.precision, b.scale)
    shift = scale - a.scale + b.scale
    return a.precision + shift <= _BIGINT_DIGITS and b.precision <= _BIGINT_DIGITS


_APART = (exp.AggFunc, exp.Window, exp.Where, exp.Having, exp.Qualify)


def _evaluated_apart(node: exp.Expr) -> bool:
    """Whether ``node`` is in an aggregate's or window's argument or in a condition (WHERE,
    HAVING, QUALIFY, ON), where DuckDB evaluates each mention of a macro's argument apart
    instead of once, as it does in a SELECT list."""
    while node.parent is not None and not isinstance(node.parent, exp.Select):
        if isinstance(node.parent, _APART) or node.arg_key == "on":
            return True
        node = node.parent
    return False


def _shown(node: exp.Expr) -> bool:
    """Whether ``node`` is a result column of the statement (or of CREATE TABLE AS's query)."""
    while isinstance(node.parent, exp.Paren | exp.Alias):
        node = node.parent
    select = node.parent
    return (isinstance(select, exp.Select) and node.arg_key == "expressions"
            and (select.parent is None or isinstance(select.parent, exp.Create)))


def _widened(mul: exp.Mul, a: Number, b: Number) -> None:
    """Give a DECIMAL product that is a result column Redshift's precision, p1 + p2 + 1
    (DuckDB's is p1 + p2; the values are the same, the type clients see and CREATE TABLE AS
    keeps is not). Only there: a cast of every row costs up to 10 times the product itself
    (SUM of a product of DECIMAL(15,2) columns over 6M rows: 0.38 s against 0.06 s)."""
    product = _product_type(a, b)
    if product is not None and product.precision < _MAX_PRECISION and _shown(mul):
        cast = _cast(exp.Null(), _decimal(product.precision, product.scale))
        mul.replace(cast)
        cast.set("this", mul)


def decimal_arithmetic(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Make each division with a DECIMAL operand of known types an exact DECIMAL, and give
    such a product Redshift's precision."""
    nodes = list(tree.find_all(exp.Div, exp.Mul))
    if not nodes:
        return tree
    columns = CatalogColumns.of(tree, ctx, keep=True)  # guard_arithmetic reads it next
    # Innermost first: an outer operator then sees the inner one's DECIMAL cast.
    for node in reversed(nodes):
        a, b = _type(node.this, columns), _type(node.expression, columns)
        if isinstance(a, Number) and isinstance(b, Number) and not (a.integer and b.integer):
            if isinstance(node, exp.Div):
                if not _small(a, b) and _evaluated_apart(node):
                    # There the wide exact division costs 2-10 us a row against DuckDB's
                    # 35 ns (SUM(a / b) of DECIMAL(12,2) by DECIMAL(10,3) over 2M rows: 5-10
                    # s against 0.07 s): DuckDB's DOUBLE PRECISION stays (known difference).
                    continue
                node.replace(_exact(node, a, b))
            else:
                _widened(node, a, b)
    return tree
