"""VARBYTE (also VARBINARY, BINARY VARYING): Redshift's binary strings, as DuckDB BLOBs.

* A cast to VARBYTE takes the UTF-8 bytes of a string and the big-endian bytes of a SMALLINT,
  INTEGER or BIGINT (the engine's ``VARBYTE`` macro picks by type); a string literal is
  text, a parameter binary (it is described as bytea). DuckDB's own cast would read ``\\x``
  escapes and refuse integers.
* A cast of a VARBYTE to a character type reads its bytes as UTF-8 (the ``TEXT`` macro, which
  also gives a SUPER scalar's text as Redshift casts it), where DuckDB's cast prints escapes
  for non-ASCII bytes.
* ``FROM_HEX(s)``, ``TO_VARBYTE(s, format)`` and ``FROM_VARBYTE(v, format)`` with the formats
  hex, binary, utf8 (utf-8, utf_8) and base64, given as a literal (0A000 otherwise; 22023
  for another format);
  ``TO_HEX`` of a VARBYTE is sqlglot's ``lower(hex(v))`` already.
* ``LEN``/``LENGTH`` and ``OCTET_LENGTH`` of a VARBYTE count its bytes (the ``LENGTH`` and
  ``OCTETS`` macros, which pick by type; DuckDB has no ``length`` of a BLOB and its
  ``octet_length`` takes no string).
* ``+`` between operands written as VARBYTE (a cast or one of the functions above) is
  concatenation, as ``||`` is; the operands' types are not known otherwise.
* The bitwise operators ``~ & | #`` through the ``BITS_*`` macros, which take VARBYTE values
  and integers by type (operands of different lengths are refused, 0A000, as Redshift
  documents none), where an operand is written as VARBYTE or every operand may be one; with
  a literal, a parameter or a cast to another type they stay DuckDB's, for integers.
* ``GETBIT(v, i)``: bit i counted from the rightmost (the ``GETBIT`` macro).
* ``SUBSTRING``/``SUBSTR`` of a value written as VARBYTE through the ``SUBSTR`` macro, which
  counts bytes. Any other SUBSTRING is ``string_functions``' (DuckDB's substring, positions
  made DuckDB's), then ``varbyte_substrings``' ``SUBSTRING`` macro, whose overloads DuckDB
  picks by the value's type when it binds: a slice of a VARBYTE (a column, say), DuckDB's
  substring of a string at its own speed. An aggregate's or a window's value, whose type
  DuckDB does not know when it picks, goes through ``SUBSTR`` (a slice of either type).
* A string literal beside a value that may be a VARBYTE, in ``||`` or a bitwise operator
  (``b || 'x'``, ``b & 'x'``), is its UTF-8 bytes when the value is one (the
  ``LITERAL_BYTES`` and ``LITERAL_OPERAND`` macros, picked when DuckDB binds), the literal
  otherwise (``i & '5'`` stays an integer's, ``v || 'x'`` a string's); beside an aggregate's
  or a window's value it stays a literal. So is a string literal compared with such a value
  (``b = 'é'``) where DuckDB's cast of text to BLOB would not give its UTF-8 bytes: one with
  a backslash (read as a ``\\x`` escape) or a character that is not ASCII (refused); any
  other literal's bytes are the cast's already, and those comparisons stay as written.

This runs on the statement as written, before the catalog's views are spliced in: their SQL
takes ``len`` of lists and casts lists to text, which the macros' overloads cannot always tell
from a BLOB.

Columns are BLOBs (``map_types``) whose length ``character_lengths`` enforces; the wire
reports them as Redshift's varbyte (OID 6551), printed as hex without a prefix.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported, InvalidParameterValue
from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.virtual_relations import TEXT_FUNCTIONS

_T = exp.DataType.Type
_CHARACTER_TYPES = {_T.VARCHAR, _T.NVARCHAR, _T.CHAR, _T.NCHAR, _T.TEXT, _T.BPCHAR}
# Marks the subject of a SUBSTRING written in the statement.
_SUBJECT = "duckshift.substring_subject"
_FORMATS = {"hex": "hex", "binary": "binary", "utf8": "utf8", "utf-8": "utf8",
            "utf_8": "utf8", "base64": "base64"}


def _fn(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of DuckDB's own function ``name``."""
    return exp.Anonymous(this=name, expressions=list(args))


def _format(node: exp.Expr, function: str) -> str:
    """The literal format argument of TO_VARBYTE/FROM_VARBYTE, normalized."""
    if isinstance(node, exp.Literal) and node.is_string:
        fmt = _FORMATS.get(node.this.lower())
        if fmt is not None:
            return fmt
        raise InvalidParameterValue(f"invalid format for {function}: '{node.this}'")
    raise FeatureNotSupported(
        f"feature not supported on Duckshift: {function} with a format that is not a literal")


def _as_varbyte(value: exp.Expr) -> exp.Expr:
    """``value`` cast to VARBYTE as Redshift casts it."""
    if isinstance(value, exp.Literal) and value.is_string:
        return _fn("encode", exp.cast(value, "VARCHAR"))
    if isinstance(value, exp.Null | exp.Placeholder | exp.Parameter):
        # A parameter is described as bytea, so drivers send bytes for it.
        return exp.cast(value, "BLOB")
    return call(macros.VARBYTE, value)


def _to_varbyte(text: exp.Expr, fmt: str) -> exp.Expr:
    text = exp.cast(text, "VARCHAR")
    if fmt == "hex":
        return _fn("unhex", text)
    if fmt == "binary":
        return exp.cast(exp.cast(text, "BIT"), "BLOB")
    if fmt == "base64":
        return _fn("from_base64", text)
    return _fn("encode", text)


def _from_varbyte(value: exp.Expr, fmt: str) -> exp.Expr:
    value = _as_varbyte(value)
    if fmt == "hex":
        return _fn("lower", _fn("hex", value))
    if fmt == "binary":
        return exp.cast(exp.cast(value, "BIT"), "VARCHAR")
    if fmt == "base64":
        return _fn("to_base64", value)
    return _fn("decode", value)


def _function(node: exp.Anonymous) -> exp.Expr | None:
    """The translation of FROM_HEX/TO_VARBYTE/FROM_VARBYTE, or None for other calls."""
    name, args = node.name.lower(), node.expressions
    if name == "from_hex" and len(args) == 1:
        return _to_varbyte(args[0].copy(), "hex")
    if name == "to_varbyte" and len(args) == 2:
        return _to_varbyte(args[0].copy(), _format(args[1], "TO_VARBYTE"))
    if name == "from_varbyte" and len(args) == 2:
        return _from_varbyte(args[0].copy(), _format(args[1], "FROM_VARBYTE"))
    return None


_BINARY_BITWISE: dict[type[exp.Expr], str] = {
    exp.BitwiseAnd: macros.BITS_AND, exp.BitwiseOr: macros.BITS_OR,
    exp.BitwiseXor: macros.BITS_XOR,
}
_BITWISE = (exp.BitwiseNot, exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)


def _written_as_varbyte(node: exp.Expr) -> bool:
    """Whether ``node`` is a VARBYTE by how it is written: a cast, a VARBYTE function, or an
    operator or SUBSTRING over such a value."""
    if isinstance(node, exp.Paren | exp.BitwiseNot | exp.Substring):
        return _written_as_varbyte(node.this)
    if isinstance(node, exp.Cast):
        return node.to.this == _T.VARBINARY
    if isinstance(node, exp.Add | exp.DPipe | exp.BitwiseAnd | exp.BitwiseOr | exp.BitwiseXor):
        return _written_as_varbyte(node.this) or _written_as_varbyte(node.expression)
    return isinstance(node, exp.Anonymous) and node.name.lower() in ("from_hex", "to_varbyte")


def _operands(node: exp.Expr) -> list[exp.Expr]:
    """The operands of a bitwise operator."""
    return [node.this] if isinstance(node, exp.BitwiseNot) else [node.this, node.expression]


def _operand(node: exp.Expr) -> exp.Expr:
    """An operand of a VARBYTE operator or function: a string literal is its bytes."""
    if isinstance(node, exp.Literal) and node.is_string:
        return _as_varbyte(node)
    return node


def _may_be_varbyte(node: exp.Expr) -> bool:
    """Whether ``node`` may be a VARBYTE: not a literal, parameter, cast to another type, or
    SUPER navigation (a subscript or path, which json_functions reads as it is written)."""
    if isinstance(node, exp.Cast):
        return node.to.this == _T.VARBINARY
    if isinstance(node, exp.Anonymous) and node.name.lower().split(".")[-1] in TEXT_FUNCTIONS:
        return False  # a catalog function's text
    return not isinstance(
        node, exp.Literal | exp.Null | exp.Placeholder | exp.Parameter | exp.Bracket | exp.Dot)


def _bound_by_type(node: exp.Expr) -> bool:
    """Whether DuckDB knows ``node``'s type when it picks a macro's typed overload: not a
    literal, a parameter or NULL (which cast to any overload) nor a value of an aggregate or a
    window (whose type DuckDB does not know yet)."""
    return _may_be_varbyte(node) and node.find(exp.AggFunc, exp.Window) is None


def _is_text_literal(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_string


def _read_literal(literal: exp.Expr, probe: exp.Expr, macro: str) -> exp.Expr:
    """``literal`` as the literal macro ``macro`` reads it beside ``probe``."""
    return call(macro, probe.copy(), exp.Literal.string(literal.this.encode().hex()),
                literal.copy())


def _chain(node: exp.Expr) -> list[exp.Expr]:
    """The operands of a chain of ``||`` (parenthesized or not), left to right."""
    if isinstance(node, exp.Paren) and isinstance(node.this, exp.DPipe):
        return _chain(node.this)
    if isinstance(node, exp.DPipe):
        return _chain(node.this) + _chain(node.expression)
    return [node]


def _leaf(node: exp.Expr) -> exp.Expr:
    """The operand whose type a bitwise expression has: through parentheses and bitwise
    operators, the first that is not a string literal."""
    if isinstance(node, exp.Paren | exp.BitwiseNot):
        return _leaf(node.this)
    if isinstance(node, exp.BitwiseAnd | exp.BitwiseOr | exp.BitwiseXor):
        return _leaf(node.expression if _is_text_literal(node.this) else node.this)
    return node


def _literals_beside(tree: exp.Expr) -> set[int]:
    """Read each string literal in ``||`` or a bitwise operator beside a value that may be a
    VARBYTE through the literal macros (typed by that value: in a chain of ``||``, the
    nearest other operand; beside a bitwise expression, its first operand that is not a
    literal); the ids of the bitwise operators changed. Every probe is an operand copied from
    the tree as written, so the statement grows linearly."""
    replacements: list[tuple[exp.Expr, exp.Expr]] = []
    changed: set[int] = set()
    for top in tree.find_all(exp.DPipe):
        if isinstance(top.parent, exp.DPipe) or (
                isinstance(top.parent, exp.Paren) and isinstance(top.parent.parent, exp.DPipe)):
            continue
        operands = _chain(top)
        for i, literal in enumerate(operands):
            if not _is_text_literal(literal):
                continue
            nearest = [o for o in reversed(operands[:i]) if not _is_text_literal(o)][:1] or [
                o for o in operands[i + 1:] if not _is_text_literal(o)][:1]
            if nearest and _bound_by_type(nearest[0]):
                replacements.append(
                    (literal, _read_literal(literal, nearest[0], macros.LITERAL_BYTES)))
    for node in tree.find_all(exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor):
        if _written_as_varbyte(node):
            continue  # the BITS_* macros read a literal operand as bytes already
        for literal, other in ((node.this, node.expression), (node.expression, node.this)):
            if _is_text_literal(literal) and _bound_by_type(_leaf(other)):
                replacements.append(
                    (literal, _read_literal(literal, _leaf(other), macros.LITERAL_OPERAND)))
                changed.add(id(node))
                break
    for literal, read in replacements:
        literal.replace(read)
    return changed


def _cast_misreads(literal: exp.Expr) -> bool:
    """Whether DuckDB's cast of the string literal to BLOB differs from its UTF-8 bytes."""
    return _is_text_literal(literal) and ("\\" in literal.this or not literal.this.isascii())


def _compared_literal(node: exp.Expr) -> None:
    """A string literal compared with a value that may be a VARBYTE, read as its UTF-8 bytes
    where that value is one (only where DuckDB's cast would read other bytes)."""
    for literal, other in ((node.this, node.expression), (node.expression, node.this)):
        if _cast_misreads(literal) and _bound_by_type(other):
            literal.replace(_read_literal(literal, other, macros.LITERAL_BYTES))
            return


def _lengths(tree: exp.Expr) -> None:
    """LEN/LENGTH/OCTET_LENGTH through the macros that also measure a VARBYTE."""
    for node in list(tree.find_all(exp.Length, exp.Anonymous)):
        if isinstance(node, exp.Anonymous):
            if node.name.lower() != "octet_length" or len(node.expressions) != 1:
                continue
            macro, arg = macros.OCTETS, node.expressions[0]
        else:
            macro, arg = macros.LENGTH, node.this
            if (isinstance(arg, exp.Literal) and arg.is_string) or (
                isinstance(arg, exp.Cast) and arg.to.this in _CHARACTER_TYPES
            ):
                continue  # text: the string functions' rules (CHAR drops trailing blanks)
        node.replace(exp.cast(call(macro, arg.copy()), "INT"))


def _bitwise(node: exp.Expr) -> exp.Expr:
    """A bitwise operator as the ``BITS_*`` macro's call."""
    if isinstance(node, exp.BitwiseNot):
        return call(macros.BITS_NOT, _operand(node.this.copy()))
    return call(_BINARY_BITWISE[type(node)], _operand(node.this.copy()),
                _operand(node.expression.copy()))


def _substring(node: exp.Substring) -> exp.Expr:
    """SUBSTRING through the ``SUBSTR`` macro, which takes a VARBYTE and a string alike."""
    args = [node.this, node.args.get("start"), node.args.get("length")]
    return call(macros.SUBSTR, *(arg.copy() for arg in args if arg is not None))


def varbyte(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite VARBYTE casts, functions, lengths and operators as the module docstring says."""
    _lengths(tree)
    # Decided first, while the operands still show how they were written.
    bitwise = {id(node) for node in tree.find_all(*_BITWISE)
               if _written_as_varbyte(node) or all(_may_be_varbyte(op) for op in _operands(node))}
    bitwise |= _literals_beside(tree)
    substrings = {id(node) for node in tree.find_all(exp.Substring) if _written_as_varbyte(node)}
    for node in tree.find_all(exp.Substring):
        if id(node) not in substrings:
            # The statement's own (not the catalog views' spliced in later), for
            # varbyte_substrings; string_functions copies the subject with its mark.
            node.this.meta[_SUBJECT] = True
    for add in list(tree.find_all(exp.Add)):
        if _written_as_varbyte(add.this) or _written_as_varbyte(add.expression):
            add.replace(exp.DPipe(this=add.this, expression=add.expression))
    # Innermost first: a rewritten argument is copied into its enclosing rewrite.
    kinds = (exp.Cast, exp.Anonymous, exp.Substring, exp.Getbit, *_BITWISE, *_COMPARISONS)
    for node in reversed(list(tree.find_all(*kinds))):
        new: exp.Expr | None = None
        if isinstance(node, _COMPARISONS):
            _compared_literal(node)
        elif isinstance(node, exp.Anonymous):
            new = _function(node)
        elif isinstance(node, exp.Getbit):
            new = call(macros.GETBIT, _operand(node.this.copy()), node.expression.copy())
        elif isinstance(node, _BITWISE):
            new = _bitwise(node) if id(node) in bitwise else None
        elif isinstance(node, exp.Substring):
            new = _substring(node) if id(node) in substrings else None
        elif node.to.this == _T.VARBINARY:
            new = _as_varbyte(node.this.copy())
        elif node.to.this in _CHARACTER_TYPES and _may_be_varbyte(node.this):
            node.set("this", call(macros.TEXT, node.this.copy()))
        if new is not None:
            node.replace(new)
    return tree


def varbyte_substrings(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """SUBSTRING with DuckDB's positions (after ``string_functions``) through the macros that
    also slice a VARBYTE, as the module docstring says."""
    for node in list(tree.find_all(exp.Substring)):
        subject = node.this
        if not subject.meta.get(_SUBJECT) or not _may_be_varbyte(subject) or (
            isinstance(subject, exp.Cast) and subject.to.this in _CHARACTER_TYPES
        ):
            continue
        macro = macros.SUBSTRING if _bound_by_type(subject) else macros.SUBSTR
        args = [subject, node.args.get("start"), node.args.get("length")]
        node.replace(call(macro, *(arg.copy() for arg in args if arg is not None)))
    return tree
