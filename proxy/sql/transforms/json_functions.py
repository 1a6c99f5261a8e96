"""Redshift's JSON functions and SUPER navigation, on DuckDB's JSON type.

SUPER columns are stored as DuckDB JSON (``map_types``); a SUPER value prints as its JSON text,
as Redshift prints it (strings in double quotes).

* ``JSON_EXTRACT_PATH_TEXT(s, k1, ..., kn [, null_if_invalid])``: the value at the keys as
  text (strings unquoted), NULL where a key is missing. ``JSON_EXTRACT_ARRAY_ELEMENT_TEXT(s,
  i [, null_if_invalid])``: element i (0-based; negative or past the end is NULL).
  ``JSON_ARRAY_LENGTH(s [, null_if_invalid])``: INTEGER. Malformed JSON (or, for the array
  functions, JSON that is not an array) raises ``JSON parsing error`` unless null_if_invalid is
  true, when the answer is NULL.
* ``IS_VALID_JSON`` is true only for a well-formed JSON object, ``IS_VALID_JSON_ARRAY`` for an
  array; ``CAN_JSON_PARSE`` for any JSON value. DuckDB's reader accepts trailing commas, NaN
  and Infinity, which Redshift's does not: the text outside string literals is checked for
  them with regular expressions over the value (not over SQL).
* ``JSON_PARSE(s)`` is a SUPER value (malformed input raises ``JSON parsing error``),
  ``JSON_SERIALIZE(x)`` its compact text (``null`` for NULL), ``JSON_SIZE(x)`` the bytes of
  that text, ``JSON_TYPEOF(x)`` one of object, array, string, number, boolean, null.
  ``IS_ARRAY``/``IS_OBJECT``/``IS_SCALAR``/``IS_VARCHAR``/``IS_BOOLEAN``/``IS_NUMBER`` test a
  SUPER value's type; ``IS_CHAR`` is a string of ASCII characters only; ``IS_SMALLINT``/
  ``IS_INTEGER``/``IS_BIGINT`` a number of scale 0 in the type's range (false for anything
  else, NULL included); ``GET_ARRAY_LENGTH`` is NULL for a non-array. A SUPER number is kept
  as its JSON text, which says whether it is a FLOAT (written with an exponent, ``2.22e+0``,
  as Redshift prints one) or a DECIMAL (``1.50``, integers included): ``IS_FLOAT`` and
  ``IS_DECIMAL`` read that (false for anything else, NULL included), ``DECIMAL_SCALE`` counts
  a DECIMAL's digits after its point and ``DECIMAL_PRECISION`` its significant digits (NULL
  for anything else). ``SIZE`` (Redshift's in-memory size of its own encoding) is refused.
* PartiQL navigation: DuckDB's JSON type navigates ``c.a.b`` itself (NULL where missing, as
  Redshift's lax mode); subscripts ``c.a[0]`` are 0-based in both, so the 1-based offset sqlglot
  adds for DuckDB lists is switched off (Redshift has no arrays besides SUPER). A navigation
  cast to a character type is the engine's ``TEXT`` macro, as any cast to text (``varbyte``):
  a string without its JSON quotes, a number's digits, NULL for the rest. A cast to SUPER is
  the ``SUPER`` macro: a string becomes a SUPER string, not parsed JSON.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.types import SUPER_MARK

_PARSE_ERROR = "JSON parsing error"
# What is left of a JSON value once its string literals and true/false/null are replaced by
# 0: anything else (NaN, Infinity) is a reader extension Redshift does not accept.
_STRING_LITERAL = r'"(\\.|[^"\\])*"'
_PLAIN_JSON = r"[\s\[\]{}:,0-9eE.+-]*"
_TRAILING_COMMA = r",\s*[\]}]"
_JSON_TYPES = {
    "OBJECT": "object", "ARRAY": "array", "VARCHAR": "string", "BIGINT": "number",
    "UBIGINT": "number", "DOUBLE": "number", "BOOLEAN": "boolean", "NULL": "null",
}
_TYPE_TESTS: dict[str, tuple[str, ...]] = {
    "is_array": ("ARRAY",),
    "is_object": ("OBJECT",),
    "is_scalar": ("VARCHAR", "BIGINT", "UBIGINT", "DOUBLE", "BOOLEAN"),
    "is_varchar": ("VARCHAR",),
    "is_boolean": ("BOOLEAN",),
    "is_number": ("BIGINT", "UBIGINT", "DOUBLE"),
}
# IS_SMALLINT, IS_INTEGER, IS_BIGINT: a JSON integer (DuckDB's json_type) within the range.
_INTEGER_TESTS = {"is_smallint": 2**15, "is_integer": 2**31, "is_bigint": 2**63}
_TEXT_TYPES = {exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT, exp.DataType.Type.CHAR,
               exp.DataType.Type.NVARCHAR, exp.DataType.Type.NCHAR, exp.DataType.Type.BPCHAR}


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _string(text: str) -> exp.Expr:
    return exp.Literal.string(text)


def _text(node: exp.Expr) -> exp.Expr:
    return exp.cast(node, "VARCHAR")


def _json_type(value: exp.Expr) -> exp.Expr:
    return _call("json_type", value)


def _valid(value: exp.Expr, kind: str | None = None) -> exp.Expr:
    """Whether ``value`` is JSON as Redshift reads it, of DuckDB json_type ``kind`` if given."""
    plain = _call(
        "regexp_replace",
        _call("regexp_replace", _text(value.copy()), _string(_STRING_LITERAL), _string("0"),
              _string("g")),
        _string("true|false|null"), _string("0"), _string("g"),
    )
    checks: list[exp.Expr] = [
        _call("json_valid", _text(value.copy())),
        _call("regexp_full_match", plain, _string(_PLAIN_JSON)),
        exp.Not(this=_call("regexp_matches", plain.copy(), _string(_TRAILING_COMMA))),
    ]
    out = checks[0]
    for check in checks[1:]:
        out = exp.And(this=out, expression=check)
    if kind is None:
        return exp.Paren(this=out)
    # json_type raises on malformed text, and AND does not stop at the first false; NULL stays
    # NULL.
    return exp.Case(ifs=[
        exp.If(this=out, true=exp.EQ(this=_json_type(_text(value.copy())),
                                     expression=_string(kind))),
        exp.If(this=exp.Not(this=exp.Paren(this=out.copy())), true=exp.false()),
    ])


def _guarded(value: exp.Expr, result: exp.Expr, null_if_invalid: exp.Expr | None,
             kind: str | None = None) -> exp.Expr:
    """``result`` where ``value`` is valid; NULL or the parsing error where it is not.

    A NULL value makes the condition NULL, which falls through to ``result`` (NULL too).
    """
    lenient = isinstance(null_if_invalid, exp.Boolean) and null_if_invalid.this
    invalid = exp.Not(this=_valid(value, kind))
    otherwise: exp.Expr = exp.Null() if lenient else _call("error", _string(_PARSE_ERROR))
    return exp.Case(ifs=[exp.If(this=invalid, true=otherwise)], default=result)


def _path_literal(keys: list[str]) -> str:
    escaped = (key.replace("\\", "\\\\").replace('"', '\\"') for key in keys)
    return "$" + "".join(f'."{key}"' for key in escaped)


def _path(keys: list[exp.Expr]) -> exp.Expr:
    """A DuckDB JSON path selecting ``keys`` in turn (each quoted, so any key text works)."""
    if all(isinstance(k, exp.Literal) and k.is_string for k in keys):
        return _string(_path_literal([k.this for k in keys]))
    out: exp.Expr = _string("$")
    for key in keys:
        quoted = _call("replace", _call("replace", _text(key.copy()), _string("\\"),
                                        _string("\\\\")), _string('"'), _string('\\"'))
        out = exp.DPipe(this=exp.DPipe(this=exp.DPipe(this=out, expression=_string('."')),
                                       expression=quoted), expression=_string('"'))
    return out


def _split_flag(args: list[exp.Expr]) -> tuple[list[exp.Expr], exp.Expr | None]:
    if args and isinstance(args[-1], exp.Boolean):
        return args[:-1], args[-1]
    return args, None


def _extract_path_text(node: exp.JSONExtractScalar) -> exp.Expr:
    path = node.expression
    if isinstance(path, exp.JSONPath):
        keys: list[exp.Expr] = [_string(p.name) for p in path.expressions
                                if isinstance(p, exp.JSONPathKey)]
        flag = None
    else:
        keys, flag = _split_flag([path, *node.expressions])
    value = node.this
    found = _call("json_extract_string", _text(value.copy()), _path(keys))
    return _guarded(value, found, flag)


def _array_element_text(args: list[exp.Expr]) -> exp.Expr:
    (value, index), flag = _split_flag(args)
    path = exp.DPipe(this=exp.DPipe(this=_string("$["), expression=_text(index.copy())),
                     expression=_string("]"))
    found = exp.Case(
        ifs=[exp.If(this=exp.GTE(this=index.copy(), expression=exp.Literal.number(0)),
                    true=_call("json_extract_string", _text(value.copy()), path))],
    )
    return _guarded(value, found, flag, "ARRAY")


def _array_length(args: list[exp.Expr]) -> exp.Expr:
    (value,), flag = _split_flag(args)
    length = exp.cast(_call("json_array_length", _text(value.copy())), "INT")
    return _guarded(value, length, flag, "ARRAY")


def _typeof(value: exp.Expr) -> exp.Expr:
    kind = _json_type(value)
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=kind.copy(), expression=_string(duck)),
                                true=_string(name)) for duck, name in _JSON_TYPES.items()])


def _type_test(value: exp.Expr, kinds: tuple[str, ...]) -> exp.Expr:
    return exp.In(this=_json_type(value), expressions=[_string(k) for k in kinds])


def _serialized(value: exp.Expr) -> exp.Expr:
    """JSON_SERIALIZE: the compact JSON text, ``null`` for a NULL."""
    return exp.Coalesce(this=_text(value), expressions=[_string("null")])


def _integer_test(value: exp.Expr, bound: int) -> exp.Expr:
    """Whether ``value`` is a JSON integer in [-bound, bound); false otherwise, NULL too."""
    number = exp.TryCast(this=_text(value.copy()), to=exp.DataType.build("HUGEINT"))
    in_range = exp.Between(this=number, low=exp.Literal.number(-bound),
                           high=exp.Literal.number(bound - 1))
    integer = _type_test(value, ("BIGINT", "UBIGINT"))
    return exp.Case(ifs=[exp.If(this=exp.And(this=integer, expression=in_range),
                                true=exp.true())], default=exp.false())


def _ascii_string(value: exp.Expr) -> exp.Expr:
    """IS_CHAR: a JSON string of ASCII characters only; false otherwise, NULL too."""
    string = _type_test(value.copy(), ("VARCHAR",))
    ascii_only = _call("regexp_full_match", _call("json_extract_string", value, _string("$")),
                       _string(r"[\x00-\x7F]*"))
    return exp.Case(ifs=[exp.If(this=exp.And(this=string, expression=ascii_only),
                                true=exp.true())], default=exp.false())


def _number_kind(name: str, value: exp.Expr) -> exp.Expr:
    """IS_DECIMAL, IS_FLOAT, DECIMAL_SCALE or DECIMAL_PRECISION of a SUPER value, by its
    number's text (``SUPER_DECIMAL``)."""
    if name == "is_float":
        return call(macros.SUPER_FLOAT, value)
    digits = call(macros.SUPER_DECIMAL, value)
    if name == "is_decimal":
        return exp.Not(this=exp.Is(this=digits, expression=exp.Null()))
    # The digits after the point: as many as the text has (none for an integer).
    scale = _call("length", _call("regexp_extract", digits, _string(r"\.(\d*)"),
                                  exp.Literal.number(1)))
    if name == "decimal_scale":
        return exp.cast(scale, "INT")
    # Every digit but the leading zeros, and at least the scale (0.05 is DECIMAL(2, 2)).
    significant = _call("length", _call("ltrim", _call(
        "regexp_replace", digits.copy(), _string("[^0-9]"), _string(""), _string("g")),
        _string("0")))
    precision = _call("greatest", significant, scale.copy(), exp.Literal.number(1))
    # greatest skips NULLs: what is not a DECIMAL has no precision.
    known = exp.Not(this=exp.Is(this=digits.copy(), expression=exp.Null()))
    return exp.cast(exp.Case(ifs=[exp.If(this=known, true=precision)]), "INT")


def _anonymous(node: exp.Anonymous) -> exp.Expr | None:
    name = node.name.lower()
    args = [a.copy() for a in node.expressions]
    if name == "json_extract_array_element_text" and len(args) in (2, 3):
        return _array_element_text(args)
    if name == "json_array_length" and len(args) in (1, 2):
        return _array_length(args)
    if len(args) != 1:
        return None
    arg = args[0]
    if name == "is_valid_json":
        return _valid(arg, "OBJECT")
    if name == "is_valid_json_array":
        return _valid(arg, "ARRAY")
    if name == "can_json_parse":
        return _valid(arg)
    if name == "json_serialize":
        return _serialized(arg)
    if name == "json_size":
        return exp.cast(_call("strlen", _serialized(arg)), "INT")
    if name in _INTEGER_TESTS:
        return _integer_test(arg, _INTEGER_TESTS[name])
    if name == "is_char":
        return _ascii_string(arg)
    if name in ("is_decimal", "is_float", "decimal_precision", "decimal_scale"):
        return _number_kind(name, arg)
    if name == "size":
        raise FeatureNotSupported(
            "feature not supported on Duckshift: SIZE (the in-memory size of Redshift's own "
            "encoding of a SUPER value)")
    if name == "json_typeof":
        return _typeof(arg)
    if name == "get_array_length":
        return exp.Case(
            ifs=[exp.If(this=exp.EQ(this=_json_type(arg.copy()), expression=_string("ARRAY")),
                        true=exp.cast(_call("json_array_length", arg), "INT"))],
        )
    if name in _TYPE_TESTS:
        return _type_test(arg, _TYPE_TESTS[name])
    return None


def _navigates(node: exp.Expr) -> bool:
    """Whether ``node`` is a SUPER navigation with a subscript somewhere along its path."""
    while isinstance(node, exp.Dot | exp.Bracket):
        if isinstance(node, exp.Bracket):
            return True
        node = node.this
    return False


def json_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite the JSON functions and SUPER subscripts listed in the module docstring."""
    for bracket in tree.find_all(exp.Bracket):
        bracket.set("json_access", True)
    kinds = (exp.JSONExtractScalar, exp.ParseJSON, exp.Anonymous, exp.IsArray, exp.Cast)
    # Innermost first: a rewritten call is copied into its enclosing call's rewrite.
    for node in reversed(list(tree.find_all(*kinds))):
        new: exp.Expr | None = None
        if isinstance(node, exp.JSONExtractScalar):
            new = _extract_path_text(node)
        elif isinstance(node, exp.ParseJSON):
            value = node.this
            new = _guarded(value, _call("json", _text(value.copy())), None)
        elif isinstance(node, exp.IsArray):
            new = _type_test(node.this.copy(), _TYPE_TESTS["is_array"])
        elif isinstance(node, exp.Anonymous):
            new = _anonymous(node)
        elif node.to.this in _TEXT_TYPES and _navigates(node.this):
            new = exp.Cast(this=call(macros.TEXT, node.this.copy()), to=node.to.copy())
        elif node.to.meta.get(SUPER_MARK) and not isinstance(
            node.this, exp.Null | exp.Placeholder | exp.Parameter
        ):
            # SUPER, not PostgreSQL's json (whose cast parses its text, as DuckDB's does)
            new = call(macros.SUPER, node.this.copy())
        if new is not None:
            node.replace(new)
    return tree
