"""CHAR(n) values: blank-padded where Redshift's blanks show, compared without them.

Redshift pads a CHAR(n) value with blanks to n bytes and disregards trailing blanks when it
compares. For a value written as a CHAR (an explicit cast, which ``explicit_casts`` cuts to n
bytes without trailing blanks, or a reference to a CHAR column, which ``char_columns`` makes
one):

* where an operand of a comparison (``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, IN, BETWEEN)
  is one, every operand is compared without trailing blanks: ``'a'::char(3) = 'a'`` holds;
* it is padded (the ``PAD`` macro) where the blanks are seen: as a column of the statement's
  result (``select 'ab'::char(4)`` returns ``'ab  '``, described as ``character(4)``: the
  column is cast to the one-member UNION ``proxy.codecs.types`` reads as bpchar; in a set
  operation, when the column is a CHAR value or a string literal in every branch, padded to
  the longest length), in OCTET_LENGTH (4 for that value, as Redshift documents), in a cast
  to VARBYTE (``6162 2020``) and as the subject of LIKE, ILIKE, SIMILAR TO and ``~`` (which
  do not ignore trailing blanks in Redshift). Elsewhere it stays unpadded, so what is stored
  in a table, grouped or concatenated holds no blanks that later comparisons with other
  values would see.

LEN ignores the trailing blanks of a CHAR value (``string_functions``).
"""

from __future__ import annotations

from sqlglot import exp

from engine import macros
from proxy.codecs.types import BPCHAR_MEMBER
from proxy.sql.context import Context
from proxy.sql.transforms.casts import is_char
from proxy.sql.transforms.macros import call

COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ,
               exp.NullSafeNEQ)
_PATTERN_MATCHES = (exp.Like, exp.ILike, exp.SimilarTo, exp.RegexpLike, exp.RegexpILike)
# The engine macros (OCTET_LENGTH, the cast to VARBYTE) whose argument's blanks count.
_PADDED_ARGUMENTS = frozenset({macros.OCTETS, macros.VARBYTE})


def _trimmed(node: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this="rtrim", expressions=[node.copy(), exp.Literal.string(" ")])


def comparison_operands(node: exp.Expr) -> list[tuple[str, exp.Expr]]:
    """(argument name, operand) of each operand of a comparison, IN or BETWEEN."""
    if isinstance(node, exp.In):
        if node.args.get("query") is not None:
            return []  # IN (subquery): the subquery's column is not known here
        return [("this", node.this)] + [("expressions", e) for e in node.expressions]
    keys = ("this", "low", "high") if isinstance(node, exp.Between) else ("this", "expression")
    return [(k, node.args[k]) for k in keys if isinstance(node.args.get(k), exp.Expr)]


def _compare_trimmed(tree: exp.Expr) -> None:
    for node in list(tree.find_all(*COMPARISONS, exp.In, exp.Between)):
        if isinstance(node.parent, exp.Update) and node.arg_key == "expressions":
            continue  # UPDATE's (and MERGE's) SET c = value assigns, it does not compare
        operands = comparison_operands(node)
        if not any(is_char(operand) for _, operand in operands):
            continue
        for key, operand in operands:
            if key == "expressions":
                operand.replace(_trimmed(operand))
            else:
                node.set(key, _trimmed(operand))


def _length(node: exp.Expr) -> int | None:
    """n of a CHAR cast (None if ``node`` is not one)."""
    return int(node.expression.expressions[1].name) if is_char(node) else None


def _pad(node: exp.Expr, length: int | None = None) -> exp.Expr | None:
    """The padded value of a CHAR cast (to its own length, or ``length``), which replaces it
    (None if ``node`` is not one).

    The unpadded value stays inside the padding, so a result column padded from a grouped
    CHAR value is still the grouped expression to DuckDB.
    """
    own = _length(node)
    if own is None:
        return None
    padded = call(macros.PAD, node.copy(), exp.Literal.number(length or own))
    node.replace(padded)
    return padded


def _mark(value: exp.Expr, length: int | None = None) -> None:
    """Pad a CHAR value that is a column of the result and mark it as ``character(n)``."""
    padded = _pad(value, length)
    if padded is not None:
        n = padded.expression.expressions[1].name
        marked = exp.DataType.build(f"UNION({BPCHAR_MEMBER}{n} VARCHAR)", dialect="duckdb")
        padded.replace(exp.cast(padded.copy(), marked))


def _value(projection: exp.Expr) -> exp.Expr:
    return projection.this if isinstance(projection, exp.Alias) else projection


def _branches(node: exp.Expr) -> list[exp.Select]:
    """The SELECTs whose rows a set operation combines."""
    if isinstance(node, exp.SetOperation):
        return _branches(node.left) + _branches(node.right)
    if isinstance(node, exp.Subquery):
        return _branches(node.this)
    return [node] if isinstance(node, exp.Select) else []


def _set_operation_columns(tree: exp.SetOperation) -> None:
    """A column that is a CHAR value in every branch (or a string literal, which Redshift
    reads as one) is one of the result: each branch pads it to the longest of their lengths."""
    branches = _branches(tree)
    if not branches or len({len(b.expressions) for b in branches}) != 1:
        return
    for position in range(len(branches[0].expressions)):
        values = [_value(b.expressions[position]) for b in branches]
        lengths = [n for v in values if (n := _length(v)) is not None]
        literals = [v for v in values if isinstance(v, exp.Literal) and v.is_string]
        if not lengths or len(lengths) + len(literals) != len(values):
            continue
        longest = max(lengths)
        for value in values:
            if value in literals:
                value = value.replace(call(macros.CHAR, value.copy(),
                                           exp.Literal.number(longest)))
            _mark(value, longest)


def _result_columns(tree: exp.Expr) -> None:
    """Pad the CHAR casts that are columns of the result and mark them as bpchar."""
    if isinstance(tree, exp.SetOperation):
        _set_operation_columns(tree)
        return
    if not isinstance(tree, exp.Select) or tree.args.get("into") is not None:
        return  # SELECT INTO stores its columns
    for projection in tree.expressions:
        star = projection.this if isinstance(projection, exp.Column) else projection
        # The CHAR columns of a table that ``*`` replaces (``char_columns``) are columns too.
        replaced = star.args.get("replace") or [] if isinstance(star, exp.Star) else []
        for column in [projection, *replaced]:
            _mark(_value(column))


def blank_padded(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Compare CHAR values without trailing blanks; pad them where the blanks show."""
    _compare_trimmed(tree)
    _result_columns(tree)
    # Pattern matching sees the blanks ("LIKE and ILIKE predicates do not implicitly ignore
    # trailing spaces", Redshift's LIKE page): 'ab'::char(4) LIKE 'ab' is false.
    for match in tree.find_all(*_PATTERN_MATCHES):
        _pad(match.this)
    for node in tree.find_all(exp.Anonymous):
        if node.name in _PADDED_ARGUMENTS and node.expressions:
            _pad(node.expressions[0])
    return tree
