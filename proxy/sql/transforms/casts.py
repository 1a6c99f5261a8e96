"""Explicit casts to a character type with a length truncate, as in Redshift.

``'abcdef'::varchar(3)`` is ``'abc'`` in Redshift (and PostgreSQL): an explicit cast to
VARCHAR(n) or CHAR(n) cuts the value to n bytes, where storing a longer value in such a column
fails (22001, ``character_lengths``). DuckDB ignores declared lengths, so each such cast is
wrapped in the engine's byte-truncating macro, which never splits a multi-byte character.
VARCHAR(MAX) is 65535 bytes. Runs before ``map_types`` drops the length of VARCHAR(MAX).
"""

from __future__ import annotations

from sqlglot import exp

from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.character_lengths import MAX_LENGTH
from proxy.sql.transforms.macros import call

_T = exp.DataType.Type
_CHARACTER_TYPES = {_T.VARCHAR, _T.NVARCHAR, _T.CHAR, _T.NCHAR}


def _declared_length(to: exp.DataType) -> int | None:
    if to.this not in _CHARACTER_TYPES or not to.expressions:
        return None
    param = to.expressions[0].name
    if param.upper() == "MAX":
        return MAX_LENGTH
    return int(param) if param.isdigit() else None


def truncated_cast(node: exp.Expr) -> exp.Cast | None:
    """The cast inside a truncating wrapper this transform made (or ``node`` if a cast)."""
    if isinstance(node, exp.Cast):
        return node
    call_node = node.expression if isinstance(node, exp.Dot) else None
    if isinstance(call_node, exp.Anonymous) and call_node.name == macros.CUT:
        inner = call_node.expressions[0]
        return inner if isinstance(inner, exp.Cast) else None
    return None


def explicit_casts(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Wrap each explicit cast to VARCHAR(n)/CHAR(n) in the byte-truncating macro."""
    for cast in list(tree.find_all(exp.Cast)):
        length = _declared_length(cast.to)
        if length is None:
            continue
        wrapped = call(macros.CUT, cast.copy(), exp.Literal.number(length))
        cast.replace(wrapped)
    return tree
