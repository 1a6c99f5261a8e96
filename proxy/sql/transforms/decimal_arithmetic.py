"""A division with a DECIMAL operand is an exact DECIMAL, of Redshift's result type.

DuckDB divides DECIMALs in DOUBLE PRECISION (``10::decimal(10,2) / 3`` is
3.3333333333333335); Redshift answers a DECIMAL whose type follows from its operands'
("Computations with numeric values"): scale max(4, s1 + p2 - s2 + 1), precision
p1 - s1 + s2 + scale; a precision above 38 becomes 38 and the scale max(38 + scale -
precision, 4); SMALLINT, INTEGER and BIGINT count as DECIMAL(5, 0), (10, 0) and (19, 0).

Each division whose operands' types the statement shows, one of them a DECIMAL and neither a
floating-point number, becomes the engine's exact ``DIVIDE`` (``engine/macros.py``; past
BIGINT's digits ``DIVIDE_SHARED``, whose parts DuckDB computes once per row in a result
column and in an aggregate's or window's argument, ``DIVIDE_ONCE`` where it is computed once
per group of the result) cast to that type; its divisor is guarded as every divisor is
(``arithmetic.guarded``: 22012 for a zero; ``DIVIDE_SHARED`` guards its own). Past BIGINT's
digits it stays DuckDB's DOUBLE PRECISION in a WHERE, HAVING, QUALIFY or ON condition (not
in an aggregate there) and in a CASE's branch or a later AND/OR operand inside an aggregate,
where DuckDB computes each mention of its parts apart (``_left_to_duckdb``), except in a
searched CASE's branch dividing columns or literals (``_hoist``). The types
shown: numeric literals (``100.0`` is DECIMAL(4, 1), ``3`` INTEGER), explicit casts and
CONVERT, the DECIMAL and integer columns of the statement's tables and views (the catalog's,
``Context.numeric_columns``), a derived table's or CTE's column (typed by its defining
expression, through nested ones, alias column lists, ``*`` and UNION branches; names are
resolved scope by scope, a ``*`` of a UNION's branch by position, ``proxy.sql.column_types``),
SUM, AVG, COUNT, MIN and MAX of those (also as windows), ABS, a scalar subquery's column,
CASE, COALESCE, NVL, DECODE, GREATEST and LEAST (``_common``: Redshift's rule for set
operations and COALESCE/DECODE), NVL2 of one type, NULLIF (its first argument's type), LAG,
LEAD, FIRST_VALUE, LAST_VALUE and NTH_VALUE (their argument's), MOD, SIGN, FLOOR and CEIL
(``_kept_type``: Redshift's documented return types; of FLOOR and CEIL only the scale),
ROUND and TRUNC (their scale only, which SUM and AVG need), a SQL UDF's declared result type
(``Context.function_types``), and ``+``, ``-``, ``*`` and ``/`` of them (Redshift's rules,
which DuckDB's own match for ``+`` and ``-``), and a bound parameter in a division where the
extended protocol typed it (``Context.param_types``: an integer by its type, a NUMERIC one as
DECIMAL(p, s) of its value's digits, as a literal of them is typed; one left untyped is typed
at Bind by the division's other operand, whose type this transform notes,
``ProductNotes.divided_beside``). Any other division is left to DuckDB (a DOUBLE PRECISION
where an operand is a DECIMAL).

A product of such operands that is a result column, or a sum or difference with one in it,
gets Redshift's precision p1 + p2 + 1 (DuckDB's is p1 + p2; below 38 digits it is cast to
Redshift's type, whose values are the same); elsewhere (inside another expression, an
aggregate or a derived table) DuckDB's type stays. DuckDB multiplies two operands of up to 18
digits each in BIGINT, typed DECIMAL(18, s1 + s2), and fails (22003) once the product passes
18 digits: such a product in a result column's arithmetic is computed in HUGEINT
(``_in_hugeint``), and so is every one in stored SQL (a view's query, a function's body),
which no run of it can choose. Elsewhere (SUM's argument, a condition, another function's
argument, a derived table) the statement has two forms: this narrow one, which leaves the
product in BIGINT and notes the arithmetic around it as table columns and constants bound it
(``Context.product_notes``, ``_bound``), and a wide one with every such product in HUGEINT
(``Context.wide_products``). Each run chooses (``Connection._sized_form``): the narrow form
where DuckDB's statistics of those columns show that arithmetic fits 18 digits
(``proxy.sql.product_bounds``), else the wide one, so a product past 18 digits is exact in a
transaction block, a write and a query whose rows stream too. Never wide up front: the wide
form's HUGEINT sums made TPC-H SF1 Q1 2.9 times as slow, and summing the rows that overflow
apart (DuckDB's ``TRY``) made the nine queries with such a SUM 5% slower (Q1 1.22 times, Q11
1.45, Q15 1.37), for values no TPC-H row reaches; reading the statistics costs a run about
0.5 ms.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlglot import exp

from catalog.directory import Number
from engine import macros
from engine.storage import INTERNAL_PREFIX
from proxy.sql import product_bounds
from proxy.sql.column_types import ColumnTypes, defining_query, enclosing_scope, query_branches
from proxy.sql.context import Context
from proxy.sql.transforms.arithmetic import guarded
from proxy.sql.transforms.macros import call

_MAX_PRECISION = 38
# Marks the cast that makes DuckDB multiply in HUGEINT (``_wide``).
_WIDE = "hugeint_product"
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
# DuckDB's names of the integer types (``ProductNotes.divided_beside``).
_INTEGER_NAMES = {Number(5, 0, True): "SMALLINT", _INT4: "INTEGER", _INT8: "BIGINT"}


# A REAL or DOUBLE PRECISION operand (the division stays DuckDB's); None: not known.
_FLOAT = "float"
_FLOATS = {exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE}


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


def _parameter_type(node: exp.Parameter, ctx: Context) -> Typed:
    """A parameter's type where the extended protocol gave it (``Context.param_types``)."""
    name = next((t for number, t in ctx.param_types if str(number) == node.name), None)
    return _cast_type(exp.DataType.build(name, dialect="duckdb")) if name else None


# A DECIMAL whose scale the statement shows but not its precision (ROUND's and TRUNC's, or
# CASE/COALESCE past 19 digits): SUM and AVG of it are DECIMAL(38, scale), and + - * keep a
# scale; a division by or of it is left to DuckDB.
class _Scale(NamedTuple):
    scale: int


Typed = Number | _Scale | str | None
def _aggregate_type(arg: Typed, kind: type[exp.Expr] | str) -> Typed:
    if isinstance(arg, _Scale):
        return arg if kind in (exp.Min, exp.Max) else Number(_MAX_PRECISION, arg.scale, False)
    if not isinstance(arg, Number):
        return arg
    if kind in (exp.Min, exp.Max):
        return arg
    if arg.integer:
        return _INT8  # SUM and AVG of an integer are BIGINTs
    return Number(_MAX_PRECISION, arg.scale, False)


_AVERAGES = {macros.AVG, macros.AVG_DISTINCT}
# The precision Redshift's documented rule for set operations and COALESCE/DECODE caps at.
_SET_PRECISION = 19


def _common(nodes: list[exp.Expr], columns: ColumnTypes) -> Typed:
    """The type of the values of ``nodes`` taken together, as CASE, COALESCE, NVL, DECODE and
    set operations type them: NULLs aside, one type stays; integers stay the widest; with a
    DECIMAL, Redshift's documented rule for set operations and COALESCE/DECODE: scale
    max(s1, s2), precision min(max(p1 - s1, p2 - s2) + scale, 19). Past 19 digits only the
    scale is taken (what Redshift does there is not shown by its documented examples)."""
    types: list[Typed] = []
    for node in nodes:
        if isinstance(node, exp.Null):
            continue
        typed = _type(node, columns)
        if typed is None:
            return None
        types.append(typed)
    return _combined(types)


def _combined(types: list[Typed]) -> Typed:
    """The type of values of ``types`` taken together (``_common``'s rule; NULLs left out
    already); a catalog's floating point column is a floating point value."""
    types = [_FLOAT if isinstance(t, Number) and t.floating else t for t in types]
    if any(t is None for t in types) or not types:
        return None
    if _FLOAT in types:
        return _FLOAT
    if len(set(types)) == 1:
        return types[0]
    numbers = [t for t in types if isinstance(t, Number)]
    if len(numbers) == len(types) and all(t.integer for t in numbers):
        return max(numbers)
    scale = max(t.scale for t in types if isinstance(t, Number | _Scale))
    if len(numbers) < len(types):
        return _Scale(scale)
    precision = max(t.precision - t.scale for t in numbers) + scale
    return Number(precision, scale, False) if precision <= _SET_PRECISION else _Scale(scale)


def _rounded(node: exp.Round | exp.Trunc, columns: ColumnTypes) -> Typed:
    """ROUND's and TRUNC's type: the scale they round to (Redshift's examples: ROUND(28.05, 1)
    is 28.1, TRUNC(111.15) is 111); of an integer or a float, their own type."""
    arg = _type(node.this, columns)
    if not isinstance(arg, Number | _Scale) or (isinstance(arg, Number) and arg.integer):
        return arg if arg == _FLOAT else None
    places = node.args.get("decimals")
    if places is None:
        return _Scale(0)
    if isinstance(places, exp.Neg) and isinstance(places.this, exp.Literal) \
            and places.this.is_int:
        return _Scale(0)
    return _Scale(min(int(places.name), arg.scale)) \
        if isinstance(places, exp.Literal) and places.is_int else None


# What has its (first) argument's type: a window, ABS, NULLIF, and the window functions whose
# value is a row's value of their argument (LAG, LEAD, FIRST_VALUE, LAST_VALUE, NTH_VALUE).
_ARGUMENT_TYPED = (exp.Window, exp.Abs, exp.Nullif, exp.Lag, exp.Lead, exp.FirstValue,
                   exp.LastValue, exp.NthValue, exp.IgnoreNulls, exp.RespectNulls)


def _type(node: exp.Expr, columns: ColumnTypes) -> Typed:
    """The numeric type of ``node`` as Redshift types it, where the statement shows it."""
    while isinstance(node, exp.Paren | exp.Neg):
        node = node.this
    if isinstance(node, exp.Literal):
        return _literal_type(node) if node.is_number else None
    if isinstance(node, exp.Cast):
        return _type(node.this, columns) if node.meta.get(_WIDE) else _cast_type(node.to)
    if isinstance(node, exp.Column):
        typed = columns.type_of(node)
        return _FLOAT if isinstance(typed, Number) and typed.floating else typed
    if isinstance(node, exp.Parameter):
        return _parameter_type(node, columns.ctx)
    if isinstance(node, exp.Count | exp.RowNumber | exp.DenseRank | exp.Ntile):
        return _INT8  # COUNT's, ROW_NUMBER's, DENSE_RANK's and NTILE's documented BIGINT
    if isinstance(node, exp.Rank):
        return _INT4  # RANK's documented INTEGER
    if isinstance(node, exp.Sum | exp.Min | exp.Max):
        return _aggregate_type(_type(node.this, columns), type(node))
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous):
        if node.expression.name.startswith(INTERNAL_PREFIX):
            return _macro_type(node.expression, columns)
        return _function_type(node.expression, _qualifier(node.this), columns.ctx)
    if isinstance(node, exp.Anonymous):
        return _function_type(node, [], columns.ctx)
    if isinstance(node, _ARGUMENT_TYPED):
        # NULLIF's type is its first argument's; a window's, LAG's, LEAD's, FIRST_VALUE's,
        # LAST_VALUE's and NTH_VALUE's their argument's (Redshift's documented return types).
        if isinstance(node, exp.Lag | exp.Lead) and node.args.get("default") is not None:
            return _common([node.this, node.args["default"]], columns)
        return _type(node.this, columns)
    if isinstance(node, exp.Nvl2):
        return _nvl2_type(node, columns)
    if isinstance(node, exp.Greatest | exp.Least):
        # Their arguments' common type, as COALESCE's.
        return _common([node.this, *node.expressions], columns)
    if isinstance(node, exp.Sign | exp.Floor | exp.Ceil | exp.Mod):
        return _kept_type(node, columns)
    if isinstance(node, exp.Case):
        return _common([branch.args["true"] for branch in node.args.get("ifs") or ()]
                       + [node.args.get("default") or exp.Null()], columns)
    if isinstance(node, exp.Coalesce):
        return _common([node.this, *node.expressions], columns)
    if isinstance(node, exp.DecodeCase):
        # DECODE(x, search, result, ..., [default]): the results and the default.
        pairs = node.expressions[1:]
        return _common(pairs[1::2] + pairs[-1:] * (len(pairs) % 2), columns)
    if isinstance(node, exp.Round | exp.Trunc):
        return _rounded(node, columns)
    if isinstance(node, exp.Subquery):
        # A scalar subquery: its one column's type.
        query = defining_query(node)
        branches = query_branches(query) if query is not None else None
        return _common([branch.expressions[0].unalias() for branch in branches], columns) \
            if branches and all(len(branch.expressions) == 1 for branch in branches) else None
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div):
        a, b = _type(node.this, columns), _type(node.expression, columns)
        if isinstance(node, exp.Div) and _left_to_duckdb(node, a, b):
            return _FLOAT
        return _arithmetic_type(node, a, b)
    return None


def _macro_type(macro: exp.Anonymous, columns: ColumnTypes) -> Typed:
    """The type of a call of the engine's AVG macros: AVG's (also as a window: ``AVG_WINDOW``
    takes the window's SUM, COUNT and argument, ``AVG_RATIO`` the SUM and COUNT of a window
    over an aggregate, whose quotient has the SUM's type)."""
    args = macro.expressions
    if macro.name in _AVERAGES and args:
        return _aggregate_type(_type(args[0], columns), "avg")
    if macro.name == macros.AVG_WINDOW and len(args) == 3:
        return _aggregate_type(_type(args[2], columns), "avg")
    if macro.name == macros.AVG_RATIO and args:
        return _type(args[0], columns)
    return None


def _qualifier(node: exp.Expr) -> list[str] | None:
    """The names of a qualified call's qualifier (``public`` of ``public.f(x)``, the database's
    alias and the schema of ``dev.public.f(x)``); None for anything else."""
    if isinstance(node, exp.Identifier):
        return [node.name]
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Identifier):
        inner = _qualifier(node.this)
        return [*inner, node.expression.name] if inner is not None else None
    return None


def _function_type(call: exp.Anonymous, qualifier: list[str] | None, ctx: Context) -> Typed:
    """A SQL UDF's declared result type (``Context.function_types``), found as DuckDB finds
    its macro: a qualified name in its schema, an unqualified one in the first schema of the
    search path that has it; None where its overloads of that many arguments differ."""
    if qualifier is None or len(qualifier) > 2 or not ctx.function_types:
        return None
    alias = qualifier[0] if len(qualifier) == 2 else ctx.databases.get(ctx.database, "")
    schemas = qualifier[-1:] if qualifier else ctx.search_path
    name = call.name.lower()
    for schema in schemas:
        overloads = ctx.function_types.get((alias, schema.lower(), name))
        if overloads is not None:
            typed = overloads.get(len(call.expressions))
            return _FLOAT if typed is not None and typed.floating else typed
    return None


def _nvl2_type(node: exp.Nvl2, columns: ColumnTypes) -> Typed:
    """NVL2's type where Redshift documents it: of its two results, the one that is not NULL,
    their one type, or of two integer types the wider. Of unlike DECIMALs it is "the smallest
    compatible numeric data type" (and its usage notes say the first result's): not known."""
    results = [node.args.get("true"), node.args.get("false")]
    if any(result is None for result in results):
        return None
    typed = _common(results, columns)
    kinds = {_type(result, columns) for result in results if not isinstance(result, exp.Null)}
    return typed if len(kinds) == 1 or (
        isinstance(typed, Number) and typed.integer) else None


def _kept_type(node: exp.Sign | exp.Floor | exp.Ceil | exp.Mod, columns: ColumnTypes) -> Typed:
    """SIGN's, FLOOR's, CEIL's and MOD's type, as Redshift documents them: of an integer or a
    floating point argument, its own; SIGN of a DECIMAL is DECIMAL(1, 0); FLOOR and CEIL of a
    DECIMAL are of scale 0 (``FLOOR(28.05)`` is 28; their precision is not documented); MOD of
    two operands of one type is of that type and of an INTEGER an INTEGER; of other DECIMALs
    it has the larger scale (``MOD(10.5, 4)`` is 2.5; the precision is not documented)."""
    arg = _type(node.this, columns)
    if isinstance(node, exp.Mod):
        other = _type(node.expression, columns)
        if arg is None or other is None:
            return None
        if _FLOAT in (arg, other):
            return _FLOAT
        if arg == other:
            return arg
        if isinstance(arg, Number) and isinstance(other, Number) and arg.integer \
                and other.integer:
            return _INT4 if _INT4 in (arg, other) else None
        assert isinstance(arg, Number | _Scale) and isinstance(other, Number | _Scale)
        return _Scale(max(arg.scale, other.scale))
    if isinstance(node, exp.Floor | exp.Ceil) and node.args.get("decimals") is not None:
        return None
    if arg == _FLOAT or (isinstance(arg, Number) and arg.integer):
        return arg
    if isinstance(arg, Number | _Scale):
        return Number(1, 0, False) if isinstance(node, exp.Sign) else _Scale(0)
    return None


def _arithmetic_type(node: exp.Expr, a: Typed, b: Typed) -> Typed:
    if a is None or b is None:
        return None
    if a == _FLOAT or b == _FLOAT:
        return _FLOAT
    if isinstance(a, _Scale) or isinstance(b, _Scale):
        # Only the scale is known: + - keep the larger, * adds them; a quotient's needs p2.
        scale = a.scale + b.scale if isinstance(node, exp.Mul) else max(a.scale, b.scale)
        return None if isinstance(node, exp.Div) or scale > _MAX_PRECISION else _Scale(scale)
    assert isinstance(a, Number) and isinstance(b, Number)
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
    if number.precision <= _BIGINT_DIGITS < number.precision + number.scale \
            and 2 * number.scale <= _BIGINT_DIGITS:
        # Its digits fit a BIGINT, but not DuckDB's DECIMAL(18, s) product by 10^s; through a
        # DECIMAL(38, s) the cast to an integer divides by 10^s in HUGEINT (about 1 us a row):
        # the whole part's digits and the fraction's apart cost 50 ns (the fraction times
        # 10^s has 2s digits in DuckDB's DECIMAL(18, s)).
        whole = exp.Anonymous(this="trunc", expressions=[value])
        return _cast(exp.Add(
            this=exp.Mul(this=_cast(whole, exp.DataType(this=exp.DataType.Type.BIGINT)),
                         expression=exp.Literal.number(10 ** number.scale)),
            expression=_cast(exp.Mul(this=exp.Paren(this=exp.Sub(
                this=value.copy(), expression=whole.copy())),
                                     expression=_cast(exp.Literal.number(10 ** number.scale),
                                                      _decimal(number.scale + 1, 0))),
                             exp.DataType(this=exp.DataType.Type.BIGINT))),
            exp.DataType(this=integer))
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
    by_group = not small and _once_per_group(div)
    unit = _cast(exp.Literal.string("0." + "0" * (scale - 1) + "1" if scale else "1"),
                 _decimal(_MAX_PRECISION, scale))
    if not small and not by_group and not _nested(div):
        hoisted = _hoisting_case(div) if _short_circuited(div) else None
        if hoisted is not None or not _short_circuited(div):
            quotient = _shared(_digits(div.this, a, _narrowest(a)),
                               _digits(div.expression, b, _narrowest(b)), shift, precision, unit)
            if hoisted is not None:
                _hoist(hoisted, quotient)
            return _cast(quotient, _decimal(precision, scale))
    dividend = exp.Mul(this=_digits(div.this, a, integer), expression=_cast(
        exp.Literal.number(10 ** shift), exp.DataType(this=integer)))
    if _nested(div) or (not small and _short_circuited(div) and not by_group):
        # The macros below name the operands several times, which DuckDB binds once per
        # mention (and computes so where it shares none); the macro raises 22012 for a zero
        # divisor itself.
        return _cast(call(macros.DIVIDE_NESTED, dividend, _digits(div.expression, b, integer),
                          unit), _decimal(precision, scale))
    divisor = _digits(guarded(div.expression), b, integer)
    if not small:
        # Once per group: HUGEINT's integer division costs about 2 us a row, but its SQL is
        # small: DuckDB plans the DOUBLE PRECISION estimates in 30 ms to 0.4 s (the TPC-H Q8
        # and Q14 divisions: 25-50 ms against 4-8 ms), which one row per group does not repay.
        return _cast(call(macros.DIVIDE_ONCE, dividend, divisor, unit),
                     _decimal(precision, scale))
    quotient = exp.IntDiv(this=dividend.copy(), expression=divisor.copy())
    divide = call(macros.DIVIDE, dividend, divisor, quotient, unit)
    return _cast(divide, _decimal(precision, scale))


def _narrowest(number: Number) -> exp.DataType.Type:
    """The integer type the digits of a value of type ``number`` fit: BIGINT's arithmetic
    (abs, sign, a comparison) costs a fraction of HUGEINT's."""
    return exp.DataType.Type.BIGINT if number.precision <= _BIGINT_DIGITS \
        else exp.DataType.Type.INT128


def _shared(x: exp.Expr, y: exp.Expr, shift: int, precision: int, unit: exp.Expr) -> exp.Expr:
    """The exact quotient's digits times ``unit`` (``DIVIDE_SHARED``) of dividend digits ``x``
    (times 10^``shift``) and divisor digits ``y``, by DOUBLE PRECISION estimates: the first
    right to 15 digits, each ``ESTIMATE`` 15 more, to within one of the quotient (of
    ``precision`` digits), which its remainder then rounds. DuckDB computes each mention of
    the operands and estimates once in a projection or an aggregate's arguments, where no
    CASE or error() is in them: about 0.7 us a row, against 2 us for HUGEINT division."""
    hugeint = exp.DataType(this=exp.DataType.Type.INT128)
    dividend = call(macros.SHARED_DIVIDEND, x.copy(),
                    _cast(exp.Literal.number(10 ** shift), hugeint))
    divisor = call(macros.SHARED_DIVISOR, y.copy())
    quotient = call(macros.SHARED_ESTIMATE, x.copy(), y.copy(), _cast(
        exp.Literal.number(10 ** shift), exp.DataType(this=exp.DataType.Type.DOUBLE)))
    for _ in range(-(-precision // _DOUBLE_DIGITS) - 1):
        quotient = call(macros.ESTIMATE, dividend.copy(), divisor.copy(), quotient, y.copy())
    return call(macros.DIVIDE_SHARED, dividend, divisor, quotient, x, y, unit)


# Where DuckDB evaluates an expression only for some rows (a CASE's branches and later
# conditions, AND's and OR's later operands), it computes no mention of it once for all.
_SHORT_CIRCUITS = (exp.Case, exp.If, exp.And, exp.Or)


def _short_circuited(node: exp.Expr) -> bool:
    """Whether ``node`` is in a part of a CASE, AND or OR that DuckDB may skip (any but the
    first condition), within its SELECT."""
    while node.parent is not None and not isinstance(node.parent, exp.Select):
        parent = node.parent
        if isinstance(parent, _SHORT_CIRCUITS) and not _first_part(parent, node):
            return True
        node = parent
    return False


def _first_part(parent: exp.Expr, child: exp.Expr) -> bool:
    """Whether ``child`` is what DuckDB evaluates first of ``parent``, a CASE, IF, AND or OR:
    a CASE's operand or first WHEN, an IF's condition, an AND's or OR's first operand."""
    if isinstance(parent, exp.Case):
        ifs = parent.args.get("ifs") or []
        return child is parent.this or (bool(ifs) and child is ifs[0])
    return child is parent.this


def _hoisting_case(div: exp.Expr) -> exp.Case | None:
    """The outermost searched CASE whose branch (or later condition) ``div`` is in, where a
    first condition naming its estimate makes DuckDB compute that for every row, and so once
    (``_hoist``): only where no AND or OR skips it, the CASE itself is computed for every row,
    and the operands are columns or literals, which cannot fail on a row the CASE skips (the
    shared form's parts cannot either: a zero divisor's 22012 stays in the branch)."""
    for operand in (div.this, div.expression):
        while isinstance(operand, exp.Paren | exp.Neg):
            operand = operand.this
        if not isinstance(operand, exp.Column | exp.Literal):
            return None
    node, top = div, None
    while node.parent is not None and not isinstance(node.parent, exp.Select):
        parent = node.parent
        if isinstance(parent, _SHORT_CIRCUITS) and not _first_part(parent, node):
            case = parent.parent if isinstance(parent, exp.If) else parent
            if not isinstance(case, exp.Case) or case.this is not None:
                return None  # AND, OR, IF() or a simple CASE
            top = case
        node = parent
    return top


def _hoist(case: exp.Case, quotient: exp.Expr) -> None:
    """Put a first condition into ``case`` that names ``quotient``'s estimate and is never
    true (a HUGEINT is no NaN): DuckDB then computes the estimate and its parts once for
    every row, and shares them with their mentions in the branch."""
    estimate = quotient.expression.expressions[2]
    never = exp.Anonymous(this="isnan", expressions=[
        _cast(estimate.copy(), exp.DataType(this=exp.DataType.Type.DOUBLE))])
    case.set("ifs", [exp.If(this=never, true=exp.Null()), *(case.args.get("ifs") or [])])


# The macros of an exact division: an operand holding one is named once (``DIVIDE_NESTED``).
_DIVISIONS = frozenset({macros.DIVIDE, macros.DIVIDE_ONCE, macros.DIVIDE_NESTED,
                        macros.DIVIDE_SHARED})


def _nested(div: exp.Div) -> bool:
    """Whether an operand of ``div`` holds another exact division's translation, which each
    mention of it in the macros would make DuckDB bind again (fivefold a level)."""
    return any(node.name in _DIVISIONS for node in div.find_all(exp.Anonymous))


def _aggregate(node: exp.Expr) -> bool:
    """Whether ``node`` is an aggregate (not a window's): one value per group."""
    if isinstance(node, exp.Dot):
        return isinstance(node.expression, exp.Anonymous) and node.expression.name in _AVERAGES \
            and not isinstance(node.parent, exp.Window)
    return isinstance(node, exp.AggFunc) and not isinstance(node.parent, exp.Window)


def _once_per_group(div: exp.Div) -> bool:
    """Whether ``div`` is computed once per group of the statement's result: it reads columns
    only in aggregates' arguments, in a SELECT without GROUP BY (one row) or the statement's
    own (whose rows a client reads, usually few)."""
    select = enclosing_scope(div)
    if not isinstance(select, exp.Select) or (select.args.get("group") is not None
                          and not (select.parent is None or isinstance(select.parent, exp.Create))):
        return False
    aggregates = 0
    for node in div.walk():
        if _aggregate(node):
            aggregates += 1
        elif isinstance(node, exp.Column | exp.Select):
            ancestor = node.parent
            while ancestor is not div and ancestor is not None and not _aggregate(ancestor):
                ancestor = ancestor.parent
            if ancestor is div or ancestor is None or isinstance(node, exp.Select):
                return False
    return aggregates > 0


def _small(a: Number, b: Number) -> bool:
    """Whether the exact division of ``a`` by ``b`` is done in BIGINT (the cheap way)."""
    _, scale = quotient_type(a.precision, a.scale, b.precision, b.scale)
    shift = scale - a.scale + b.scale
    return a.precision + shift <= _BIGINT_DIGITS and b.precision <= _BIGINT_DIGITS


_CONDITIONS = (exp.Where, exp.Having, exp.Qualify)


def _left_to_duckdb(div: exp.Div, a: Typed, b: Typed) -> bool:
    """Whether an exact division of DECIMALs is left to DuckDB's DOUBLE PRECISION: one whose
    exact quotient passes 18 digits in a condition (``_in_condition``), or in a CASE's branch
    or a later AND or OR operand (``_short_circuited``) in an aggregate's or window's
    argument that ``_hoisting_case`` does not take, where DuckDB computes each mention of
    its parts apart (a WHERE's a / b of DECIMAL(18,2) columns: 10 s for 2M rows against
    0.07 s; such a CASE by HUGEINT division 18 s; a known difference)."""
    return isinstance(a, Number) and isinstance(b, Number) and not (a.integer and b.integer) \
        and not _small(a, b) and (_in_condition(div) or (
            _short_circuited(div) and _in_aggregate(div) and not _once_per_group(div)
            and _hoisting_case(div) is None))


def _in_aggregate(node: exp.Expr) -> bool:
    """Whether ``node`` is in an aggregate's or window's argument (of its SELECT)."""
    while node.parent is not None and not isinstance(node.parent, exp.Select):
        if _aggregate(node.parent) or isinstance(node.parent, exp.Window):
            return True
        node = node.parent
    return False


def _in_condition(node: exp.Expr) -> bool:
    """Whether ``node`` is in a WHERE, HAVING, QUALIFY or ON condition, and not in an
    aggregate's or window's argument there: DuckDB shares the mentions of an expression in a
    projection's and an aggregate's arguments (a window's cost alike, as measured), but not in
    a filter's or join's condition."""
    while node.parent is not None and not isinstance(node.parent, exp.Select):
        if _aggregate(node.parent) or isinstance(node.parent, exp.Window):
            return False
        if isinstance(node.parent, _CONDITIONS) or node.arg_key == "on":
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


def _widened(node: exp.Expr, typed: Typed) -> None:
    """Give DECIMAL arithmetic that is a result column Redshift's precision: a product's is
    p1 + p2 + 1 (DuckDB's p1 + p2), and so a sum's or difference's with a product in it is
    one more than DuckDB's (the values are the same, the type clients see and CREATE TABLE AS
    keeps is not; DuckDB drops a cast to the type a value has). Only there: a cast of every
    row costs up to 10 times the product itself (SUM of a product of DECIMAL(15,2) columns
    over 6M rows: 0.38 s against 0.06 s)."""
    if isinstance(typed, Number) and not typed.integer and typed.precision < _MAX_PRECISION \
            and _shown(node):
        cast = _cast(exp.Null(), _decimal(typed.precision, typed.scale))
        node.replace(cast)
        cast.set("this", node)


def _overflows(a: Number, b: Number) -> bool:
    """Whether DuckDB multiplies ``a`` by ``b`` in BIGINT (both of up to 18 digits), typed
    DECIMAL(18, s1 + s2), though the product may pass 18 digits: there it fails (22003),
    where Redshift's product has p1 + p2 + 1 digits."""
    return a.precision <= _BIGINT_DIGITS and b.precision <= _BIGINT_DIGITS and (
        a.precision + b.precision > _BIGINT_DIGITS) and not (a.integer and b.integer)


def _wide(product: exp.Mul, a: Number) -> exp.Mul:
    """``product`` (in place) with its first operand cast to 19 digits: DuckDB then multiplies
    in HUGEINT, typed p1 + p2 + 1 or wider (the same value)."""
    cast = _cast(product.this, _decimal(_BIGINT_DIGITS + 1, a.scale))
    cast.meta[_WIDE] = True  # not a type of Redshift's: ``_type`` reads through it
    product.set("this", cast)
    return product


def _in_hugeint(mul: exp.Mul, a: Number, b: Number, columns: ColumnTypes) -> None:
    """Compute a product that may pass 18 digits in HUGEINT where it is a result column (or in
    a result column's arithmetic), in stored SQL (a view's query, a function's body: no run
    of it can choose), or anywhere in the statement's wide form (``Context.wide_products``).
    Elsewhere leave it in BIGINT, noting the arithmetic around it (``Context.product_notes``,
    ``_bound``): the statement runs in this narrow form where DuckDB's statistics show that
    arithmetic fits 18 digits (``proxy.sql.product_bounds``), else in its wide form. Only
    there: the cast and the HUGEINT product cost about 15 times the BIGINT one (a product of
    DECIMAL(15,2) columns over 6M rows: 1 s against 0.07 s), which a result column's cast to
    Redshift's type (``_widened``) mostly paid already."""
    if not _overflows(a, b):
        return
    ctx = columns.ctx
    top = _arithmetic_top(mul)
    if ctx.wide_products or ctx.stored or _shown(top):
        _wide(mul, a)
    elif ctx.product_notes is not None:
        notes = ctx.product_notes
        notes.narrow = True
        bound = _bound(_bounded_top(mul), columns) if notes.bounds is not None else None
        if bound is None:
            notes.bounds = None
        elif bound not in notes.bounds:  # type: ignore[operator]
            notes.bounds.append(bound)  # type: ignore[union-attr]


# What has the magnitude of one of its arguments (``_bound``).
_ONE_OF = (exp.Case, exp.Coalesce, exp.Greatest, exp.Least)
# What keeps its argument's magnitude but for a unit of its last digit (``_bound``).
_ROUNDED = (exp.Cast, exp.Round, exp.Trunc, exp.Floor, exp.Ceil)
# What has its first argument's magnitude, or less (``_bound``).
_KEPT = (exp.Paren, exp.Neg, exp.Abs, exp.Min, exp.Max, exp.Nullif)
# What carries its first argument's value on (``_bounded_top``).
_CARRIED = (*_KEPT, *_ROUNDED)


def _bounded_top(node: exp.Expr) -> exp.Expr:
    """The outermost expression whose arithmetic DuckDB may do in 18 digits with ``node``'s
    value in it: through ``+ - *``, parentheses, ABS, NULLIF, roundings, and the branches of
    CASE, COALESCE, GREATEST and LEAST (``ROUND(a * b, 2) * c`` multiplies in BIGINT
    again)."""
    while True:
        parent, key = node.parent, node.arg_key
        if not (isinstance(parent, exp.Add | exp.Sub | exp.Mul | exp.Coalesce | exp.Greatest
                           | exp.Least)
                or (isinstance(parent, _CARRIED) and key == "this")
                or (isinstance(parent, exp.If) and key == "true")
                or (isinstance(parent, exp.Case) and key in ("ifs", "default"))):
            return node
        node = parent


def _bound(node: exp.Expr, columns: ColumnTypes) -> product_bounds.Bound | None:
    """The magnitude of ``node``'s values as table columns and constants bound it, with the
    scale of each ``+ - *`` on the way (``product_bounds.Bound``); None where some operand has
    no such bound (a parameter, an aggregate, a derived table's column, a function)."""
    while isinstance(node, _KEPT):
        node = node.this
    if isinstance(node, exp.Literal):
        return ("value", node.this.lstrip("-")) if node.is_number and "e" not in \
            node.this.lower() else None
    if isinstance(node, exp.Null):
        return ("value", "0")
    if isinstance(node, exp.Column):
        found = columns.catalog_column(node)
        return None if found is None else ("column", *found)
    if isinstance(node, _ROUNDED):
        inner = _bound(node.this, columns)
        return None if inner is None else inner if node.meta.get(_WIDE) else ("cast", inner)
    if isinstance(node, _ONE_OF):
        if isinstance(node, exp.Case):
            items = [b.args["true"] for b in node.args.get("ifs") or ()] + [
                node.args.get("default") or exp.Null()]
        else:
            items = [node.this, *node.expressions]
        bounds = [_bound(item, columns) for item in items]
        return None if any(b is None for b in bounds) else ("max", tuple(bounds))
    if isinstance(node, exp.Add | exp.Sub | exp.Mul):
        typed = _type(node, columns)
        a, b = _bound(node.this, columns), _bound(node.expression, columns)
        if not isinstance(typed, Number | _Scale) or a is None or b is None:
            return None
        return ("*" if isinstance(node, exp.Mul) else "+", typed.scale, a, b)
    return None


def _arithmetic_top(node: exp.Expr) -> exp.Expr:
    """The outermost ``+ - *`` (or parentheses) ``node`` is an operand of, or ``node``."""
    while isinstance(node.parent, exp.Add | exp.Sub | exp.Mul | exp.Neg | exp.Paren):
        node = node.parent
    return node


def _note_parameter(div: exp.Div, a: Typed, b: Typed, ctx: Context) -> None:
    """Note the other operand's type of a division by or of a parameter whose own type is not
    known (``ProductNotes.divided_beside``): a DECIMAL's as NUMERIC, an integer's as itself."""
    if ctx.product_notes is None:
        return
    for operand, other in ((div.this, b), (div.expression, a)):
        while isinstance(operand, exp.Paren):
            operand = operand.this
        if isinstance(operand, exp.Parameter) and operand.name.isdigit() \
                and isinstance(other, Number) and not other.floating:
            name = _INTEGER_NAMES.get(other) if other.integer else "DECIMAL"
            if name is not None:
                ctx.product_notes.divided_beside[int(operand.name)] = name


def _result_columns(tree: exp.Expr) -> list[exp.Expr]:
    """The statement's result columns (or CREATE TABLE AS's), through aliases and parentheses."""
    select = tree.expression if isinstance(tree, exp.Create) else tree
    if not isinstance(select, exp.Select):
        return []
    columns = []
    for node in select.expressions:
        while isinstance(node, exp.Alias | exp.Paren):
            node = node.this
        columns.append(node)
    return columns


def decimal_arithmetic(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Make each division with a DECIMAL operand of known types an exact DECIMAL, and give
    such a product Redshift's precision."""
    nodes = list(tree.find_all(exp.Div, exp.Mul))
    if not nodes:
        return tree
    columns = ColumnTypes(ctx, _common, _combined)
    # Innermost first: an outer operator then sees the inner one's DECIMAL cast.
    for node in reversed(nodes):
        a, b = _type(node.this, columns), _type(node.expression, columns)
        if isinstance(node, exp.Div) and (a is None or b is None):
            _note_parameter(node, a, b, ctx)
        if isinstance(a, Number) and isinstance(b, Number) and not (a.integer and b.integer):
            if isinstance(node, exp.Div):
                if not _left_to_duckdb(node, a, b):
                    node.replace(_exact(node, a, b))
            else:
                _in_hugeint(node, a, b, columns)
                _widened(node, _product_type(a, b))
    for node in _result_columns(tree):
        if isinstance(node, exp.Add | exp.Sub):
            _widened(node, _type(node, columns))
    return tree
