"""Explicit casts to a character type with a length truncate, as in Redshift.

``'abcdef'::varchar(3)`` is ``'abc'`` in Redshift (and PostgreSQL): an explicit cast to
VARCHAR(n) or CHAR(n) cuts the value to n bytes, where storing a longer value in such a column
fails (22001, ``character_lengths``). DuckDB ignores declared lengths, so each such cast is
wrapped in the engine's byte-truncating macro, which never splits a multi-byte character.
VARCHAR(MAX) is 65535 bytes, CHAR(MAX) 4096, a bare CHAR is CHAR(1) and a bare BPCHAR
CHAR(256). A CHAR value loses its trailing blanks too (the ``CHAR`` macro), which its
comparisons and grouping disregard; ``blank_padded`` pads it where Redshift's blanks show. Runs
before ``map_types`` drops the length of VARCHAR(MAX).
"""

from __future__ import annotations

from sqlglot import exp

from engine import macros
from proxy.sql.context import Context
from proxy.sql.transforms.character_lengths import CHAR_TYPES, declared_length
from proxy.sql.transforms.macros import call

_T = exp.DataType.Type
_CHARACTER_TYPES = {_T.VARCHAR, _T.NVARCHAR, *CHAR_TYPES}
_WRAPPERS = frozenset({macros.CUT, macros.CHAR, macros.PAD})


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


def explicit_casts(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Wrap each explicit cast to VARCHAR(n)/CHAR(n) in the byte-truncating macro (for CHAR,
    the one that also drops trailing blanks)."""
    # Innermost first: an outer cast's wrapper copies the inner cast, already wrapped.
    for cast in reversed(list(tree.find_all(exp.Cast))):
        length = declared_length(cast.to) if cast.to.this in _CHARACTER_TYPES else None
        if length is None:  # a bare VARCHAR
            continue
        macro = macros.CHAR if cast.to.this in CHAR_TYPES else macros.CUT
        cast.replace(call(macro, cast.copy(), exp.Literal.number(length)))
    return tree
