"""Explicit casts to a character type with a length truncate, as in Redshift.

``'abcdef'::varchar(3)`` is ``'abc'`` in Redshift (and PostgreSQL): an explicit cast to
VARCHAR(n) or CHAR(n) cuts the value to n bytes, where storing a longer value in such a column
fails (22001, ``character_lengths``). DuckDB ignores declared lengths, so each such cast is
wrapped in the engine's byte-truncating macro, which never splits a multi-byte character.
VARCHAR(MAX) is 65535 bytes, CHAR(MAX) 4096, a bare CHAR is CHAR(1) and a bare BPCHAR
CHAR(256). A CHAR value loses its trailing blanks too (the ``CHAR`` macro), which its
comparisons and grouping disregard; ``blank_padded`` pads it where Redshift's blanks show. Runs
before ``map_types`` drops the length of VARCHAR(MAX).

A literal cast to a number or a boolean is read as PostgreSQL reads it, where DuckDB's cast
would answer something else: a value DOUBLE PRECISION or REAL cannot hold (``'1e400'::float8``,
``1e-50::real``) fails with 22003 where DuckDB answers infinity or zero; a string that is not
an integer's digits (``'12.5'::int``, ``'1e3'::int``, ``'0x1F'::int``) fails with 22P02 where
DuckDB rounds or reads it; blanks around a boolean's word are ignored (``' true '::bool``).
Literals are checked at translation, so no statement pays at run time. A cast of any other
value to SMALLINT, INTEGER or BIGINT that may be a string (not a number or a cast, by how it is
written) becomes the engine's integer cast, which reads a string as PostgreSQL does and is
DuckDB's own cast for a value of any other type (the overload is picked when the statement
binds, so only strings pay for the check: about 0.1 us a row).

A DOUBLE PRECISION or REAL value made text, by a cast to a character type or as an operand of
``||``, reads as Redshift and PostgreSQL write it (``2``, ``1e+15``, ``NaN``, a REAL's
``425640.38``; DuckDB writes ``2.0``, ``1000000000000000.0``, ``nan``, ``425640.375``): the
engine's ``TEXT`` macro gives it its text. ``varbyte`` already reads each cast of a value that
may be a VARBYTE through ``TEXT``; here a cast of an explicit DOUBLE PRECISION or REAL cast
(``2::float8::varchar``) is too, and a ``||`` operand that is a floating point value by how it
is written or by the catalog (``arithmetic.is_floating``).
"""

from __future__ import annotations

import re
import struct
from decimal import Decimal, InvalidOperation

from sqlglot import exp

from catalog.errors import InvalidTextRepresentation, NumericValueOutOfRange
from engine import macros
from engine.storage import INTERNAL_PREFIX
from proxy.sql.context import Context
from proxy.sql.transforms.arithmetic import float_columns, is_floating
from proxy.sql.transforms.character_lengths import CHAR_TYPES, declared_length
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.virtual_relations import catalog_sql

_T = exp.DataType.Type
_CHARACTER_TYPES = {_T.VARCHAR, _T.NVARCHAR, *CHAR_TYPES}
_WRAPPERS = frozenset({macros.CUT, macros.CHAR, macros.PAD})
_FLOAT_NAMES = {_T.DOUBLE: "double precision", _T.FLOAT: "real"}
_INTEGER_NAMES = {_T.SMALLINT: "smallint", _T.INT: "integer", _T.BIGINT: "bigint"}
INTEGER_TEXT = re.compile(r"\s*[-+]?\d+\s*")
_TEXT_MACROS = _WRAPPERS | {macros.TEXT}
_DUCK_INTEGERS = {_T.SMALLINT: "SMALLINT", _T.INT: "INTEGER", _T.BIGINT: "BIGINT"}
# Operands that are never strings, by how they are written: numbers, arithmetic, aggregates
# of numbers, parameters (whose type the client or the statement gives).
_NOT_STRINGS = (exp.Literal, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.Neg,
                exp.Count, exp.Sum, exp.Avg, exp.Placeholder, exp.Parameter, exp.Boolean,
                exp.Null)


def truncated_cast(node: exp.Expr) -> exp.Cast | None:
    """The cast inside a truncating (or padding) wrapper (or ``node`` if a cast)."""
    if isinstance(node, exp.Cast):
        return node
    call_node = node.expression if isinstance(node, exp.Dot) else None
    if isinstance(call_node, exp.Anonymous) and call_node.name in _WRAPPERS:
        inner = call_node.expressions[0]
        return inner if isinstance(inner, exp.Cast) else None
    return None


def is_char(node: exp.Expr) -> bool:
    """Whether ``node`` is a CHAR(n) value by how it is written (an explicit cast, cut or
    padded)."""
    call_node = node.expression if isinstance(node, exp.Dot) else None
    return isinstance(call_node, exp.Anonymous) and call_node.name in (macros.CHAR, macros.PAD)


def _out_of_range(value: Decimal, kind: exp.DataType.Type) -> bool:
    """Whether a finite number is too large or too small (but not zero) for a float type."""
    number = float(value)
    if kind == _T.FLOAT:
        try:
            number = struct.unpack("f", struct.pack("f", number))[0]
        except OverflowError:
            return True
    return number in (float("inf"), float("-inf")) or (number == 0 and value != 0)


def _check_literal(cast: exp.Cast, literal: exp.Literal) -> None:
    """Fail (or normalize) a literal cast as the module docstring says."""
    kind = cast.to.this
    text = literal.this
    if kind in _FLOAT_NAMES:
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            return  # not a number: DuckDB's own 22P02
        if value.is_finite() and _out_of_range(value, kind):
            # PostgreSQL shows a numeric literal's digits, a string as written.
            shown = text.strip() if literal.is_string else format(value, "f")
            raise NumericValueOutOfRange(
                f'"{shown}" is out of range for type {_FLOAT_NAMES[kind]}')
    elif not literal.is_string:
        return
    elif kind in _INTEGER_NAMES and not INTEGER_TEXT.fullmatch(text):
        raise InvalidTextRepresentation(
            f'invalid input syntax for type {_INTEGER_NAMES[kind]}: "{text}"')
    elif kind == _T.BOOLEAN and text != text.strip():
        literal.set("this", text.strip())


def may_be_text(node: exp.Expr) -> bool:
    """Whether ``node`` may be a string, by how it is written (a cast says its type)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast):
        return node.to.this in _CHARACTER_TYPES or node.to.this == _T.TEXT
    engine_call = node.expression if isinstance(node, exp.Dot) else None
    if isinstance(engine_call, exp.Anonymous) and engine_call.name.startswith(INTERNAL_PREFIX):
        # An engine macro's value, built by an earlier rewrite: a string only where it is a
        # cut, padded or converted text (LEN's character count is an integer, say).
        return engine_call.name in _TEXT_MACROS
    return not isinstance(node, _NOT_STRINGS)


def explicit_casts(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Wrap each explicit cast to VARCHAR(n)/CHAR(n) in the byte-truncating macro (for CHAR,
    the one that also drops trailing blanks); check literal casts to numbers and booleans, and
    make a cast of any other value that may be a string to an integer type read it as
    PostgreSQL does."""
    _float_texts(tree, ctx)
    # Innermost first: an outer cast's wrapper copies the inner cast, already wrapped.
    for cast in reversed(list(tree.find_all(exp.Cast))):
        if isinstance(cast.this, exp.Literal):
            _check_literal(cast, cast.this)
        elif (cast.to.this in _DUCK_INTEGERS and type(cast) is exp.Cast
              and may_be_text(cast.this) and not catalog_sql(cast)):
            name, _ = macros.INTEGER_CASTS[_DUCK_INTEGERS[cast.to.this]]
            cast.replace(call(name, cast.this.copy()))
            continue
        length = declared_length(cast.to) if cast.to.this in _CHARACTER_TYPES else None
        if length is None:  # a bare VARCHAR
            continue
        macro = macros.CHAR if cast.to.this in CHAR_TYPES else macros.CUT
        if cast.this.find(exp.Select) is None:
            cast.replace(call(macro, cast.copy(), exp.Literal.number(length)))
        else:
            cast.replace(_once(cast, macro, length))
    return tree


def _once(cast: exp.Cast, macro: str, length: int) -> exp.Expr:
    """The truncating macro over a cast of a subquery's value, the subquery run once.

    A macro's parameter is a copy of its argument, and the macro names its value three
    times: DuckDB would plan the subquery three times, each correlated inside a CASE (a
    catalog lookup such as ``pg_get_constraintdef(oid)::varchar(512)``, which sqlalchemy-redshift
    sends, took minutes). A one-element list's lambda names the value once."""
    value = exp.to_identifier(f"{INTERNAL_PREFIX}v")
    operand = cast.this.copy()
    cast.set("this", exp.column(value.copy()))
    body = call(macro, cast.copy(), exp.Literal.number(length))
    mapped = exp.Anonymous(this="list_transform", expressions=[
        exp.Array(expressions=[operand]), exp.Lambda(this=body, expressions=[value])])
    return exp.Anonymous(this="list_extract", expressions=[mapped, exp.Literal.number(1)])


def _float_texts(tree: exp.Expr, ctx: Context) -> None:
    """Read a floating point value made text through the engine's ``TEXT`` macro: the
    operand of a cast to a character type that is an explicit DOUBLE PRECISION or REAL cast
    (other operands ``varbyte`` wrapped already), an operand of ``||`` that is one."""
    columns = None
    for node in list(tree.find_all(exp.Cast, exp.DPipe)):
        if isinstance(node, exp.Cast):
            inner = node.this
            if (node.to.this in _CHARACTER_TYPES or node.to.this == _T.TEXT) and isinstance(
                    inner, exp.Cast) and inner.to.this in (_T.DOUBLE, _T.FLOAT) and not \
                    catalog_sql(node):
                node.set("this", call(macros.TEXT, inner.copy()))
            continue
        for key in ("this", "expression"):
            operand = node.args.get(key)
            if operand is None or isinstance(operand, exp.Literal):
                continue
            columns = columns or float_columns(ctx)
            if is_floating(operand, columns):
                node.set(key, call(macros.TEXT, operand.copy()))
