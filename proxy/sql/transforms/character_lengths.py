"""Declared lengths of CHAR(n) and VARCHAR(n) columns, enforced in bytes as Redshift does.

DuckDB ignores a declared string length, so each CHAR(n)/VARCHAR(n) column of a CREATE TABLE
gets a CHECK constraint on its UTF-8 byte length (VARCHAR(MAX) is 65535 bytes). A value that
is too long raises, through DuckDB's ``error()``, Redshift's message ``value too long for
type character varying(n)`` (``character(n)`` for CHAR), which the DuckDB error translation
is to report as 22001 (it reports 23514 until it has that rule). The constraint follows the
column through RENAME COLUMN and holds for INSERT, UPDATE, COPY and MERGE alike; its
expression also records the declared length in DuckDB's catalog.

DuckDB cannot change the type of a column with a CHECK constraint, so ALTER COLUMN ... TYPE
(which Redshift allows for VARCHAR only) rebuilds the table with the new length
(``proxy/late_ddl.py``). Nor can DuckDB add a column with a constraint: a column added by ALTER
TABLE ADD COLUMN is not checked.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context

_T = exp.DataType.Type
_NAMES = {_T.VARCHAR: "character varying", _T.NVARCHAR: "character varying",
          _T.CHAR: "character", _T.NCHAR: "character"}
MAX_LENGTH = 65535


def _length(kind: exp.DataType) -> int | None:
    """The declared length of a character type, or None for other types."""
    if kind.this not in _NAMES or not kind.expressions:
        return None
    param = kind.expressions[0]
    if param.name.upper() == "MAX":
        return MAX_LENGTH
    return int(param.name) if param.name.isdigit() else None


def _check(column: exp.Identifier, length: int, type_name: str) -> exp.ColumnConstraint:
    # NULL is no longer than anything: the comparison is NULL and falls to TRUE.
    too_long = exp.GT(
        this=exp.Anonymous(this="strlen", expressions=[exp.column(column.copy())]),
        expression=exp.Literal.number(length),
    )
    message = exp.Literal.string(f"value too long for type {type_name}({length})")
    guard = exp.Case(
        ifs=[exp.If(this=too_long, true=exp.Anonymous(this="error", expressions=[message]))],
        default=exp.true(),
    )
    return exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=guard))


def character_lengths(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Add a byte-length CHECK to each CHAR(n)/VARCHAR(n) column of a CREATE TABLE."""
    if not isinstance(tree, exp.Create):
        return tree
    for col in tree.find_all(exp.ColumnDef):
        kind = col.args.get("kind")
        length = _length(kind) if isinstance(kind, exp.DataType) else None
        if length is not None:
            col.append("constraints", _check(col.this, length, _NAMES[kind.this]))
    return tree
