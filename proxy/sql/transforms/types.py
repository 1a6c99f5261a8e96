"""Redshift column types that DuckDB spells differently.

VARCHAR(MAX) and CHAR(MAX) are VARCHAR (DuckDB strings have no declared length); SUPER,
Redshift's semi-structured type, is stored as DuckDB's JSON. Lengths of VARCHAR(n) are kept in
the tree for the dialect work that enforces them. DECIMAL and NUMERIC without a precision are
DECIMAL(18, 0) in Redshift, in casts and columns alike (DuckDB's default is DECIMAL(18, 3), so
``'12.345'::numeric`` would keep its fraction where Redshift rounds it to 12).
VARBYTE(n) is a BLOB (its length, like VARCHAR's, is enforced by ``character_lengths``).
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context

_T = exp.DataType.Type
# Types whose MAX length (VARCHAR's 65535, CHAR's 4096) DuckDB cannot take.
_CHARACTER_TYPES = {_T.VARCHAR, _T.NVARCHAR, _T.CHAR, _T.NCHAR, _T.BPCHAR}


# Meta key on the JSON type that stands for a written SUPER (``json_functions`` reads it).
SUPER_MARK = "redshift_super"


def map_types(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite VARCHAR(MAX), CHAR(MAX), VARBYTE(n), SUPER and bare DECIMAL in every type
    position."""
    for dt in list(tree.find_all(exp.DataType)):
        if dt.this == exp.DataType.Type.DECIMAL and not dt.expressions:
            dt.replace(exp.DataType.build("DECIMAL(18, 0)"))
        elif dt.this == exp.DataType.Type.SUPER:
            json = exp.DataType.build("JSON")
            json.meta[SUPER_MARK] = True  # a cast to SUPER is not a cast to PostgreSQL's json
            dt.replace(json)
        elif dt.this in _CHARACTER_TYPES:
            params = dt.expressions
            if params and params[0].name.upper() == "MAX":
                dt.set("expressions", [])
        elif dt.this == exp.DataType.Type.VARBINARY:
            dt.set("expressions", [])
    return tree
