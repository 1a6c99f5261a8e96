"""Declared lengths of CHAR(n), VARCHAR(n) and VARBYTE(n) columns, enforced in bytes.

DuckDB ignores a declared string length, so each CHAR(n)/VARCHAR(n) column of a CREATE TABLE
gets a CHECK constraint on its UTF-8 byte length (VARCHAR(MAX) is 65535 bytes), and each
VARBYTE(n) column (a BLOB) one on its length in bytes. A value that is too long raises,
through DuckDB's ``error()``, Redshift's message ``value too long for type character
varying(n)`` (``character(n)`` for CHAR, ``binary varying(n)`` for VARBYTE), which the
DuckDB error translation reports as 22001. A CHAR(n) column also refuses a value with a
multi-byte character, as Redshift does (CHAR holds single-byte characters only; 22021), and
its length is checked without trailing blanks, which Redshift drops. CHAR values are stored as
given (DuckDB has no blank-padded type) and read as CHAR values (``char_columns``). The
constraint follows the
column through RENAME COLUMN and holds for INSERT, UPDATE, COPY and MERGE alike; its
expression also records the declared length in DuckDB's catalog.

DuckDB cannot change the type of a column with a CHECK constraint, so ALTER COLUMN ... TYPE
(which Redshift allows for VARCHAR only) rebuilds the table with the new length
(``proxy/late_ddl.py``). Nor can DuckDB add a column with a constraint: a column of ALTER TABLE
ADD COLUMN gets its CHECKs here too, and the table is rebuilt with it (``add_column``).
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context

_T = exp.DataType.Type
_NAMES = {_T.VARCHAR: "character varying", _T.NVARCHAR: "character varying",
          _T.CHAR: "character", _T.NCHAR: "character", _T.BPCHAR: "character",
          _T.VARBINARY: "binary varying"}
MAX_LENGTH = 65535
# CHAR(MAX) is CHAR(4096), the longest CHAR.
CHAR_MAX_LENGTH = 4096
CHAR_TYPES = frozenset({_T.CHAR, _T.NCHAR, _T.BPCHAR})
# Redshift's words for a multi-byte character in a CHAR column.
MULTIBYTE_MESSAGE = "Multibyte character not supported for CHAR (Hint: Try using VARCHAR)"
# A bare VARBYTE is VARBYTE(64000) in Redshift.
VARBYTE_DEFAULT_LENGTH = 64000
# A bare BPCHAR is CHAR(256) in Redshift, as a column's type and in a cast.
BPCHAR_DEFAULT_LENGTH = 256


def declared_length(kind: exp.DataType) -> int | None:
    """The length in bytes of a character or VARBYTE type, or None for other types (and a bare
    VARCHAR or VARBYTE, whose length depends on where it is written)."""
    if kind.this not in _NAMES:
        return None
    if not kind.expressions:
        if kind.this == _T.BPCHAR:
            return BPCHAR_DEFAULT_LENGTH
        return 1 if kind.this in (_T.CHAR, _T.NCHAR) else None
    param = kind.expressions[0].name
    if param.upper() == "MAX":
        return CHAR_MAX_LENGTH if kind.this in CHAR_TYPES else MAX_LENGTH
    return int(param) if param.isdigit() else None


def _check(column: exp.Identifier, length: int, type_name: str) -> exp.ColumnConstraint:
    # NULL is no longer than anything: the comparison is NULL and falls to TRUE.
    value = exp.column(column.copy())
    # DuckDB's OCTET_LENGTH takes a BLOB (a VARBYTE column), its strlen the bytes of a string.
    if type_name == _NAMES[_T.CHAR]:
        # Redshift drops the trailing blanks past a CHAR's length rather than refuse them.
        value = exp.Anonymous(this="rtrim", expressions=[value, exp.Literal.string(" ")])
    measure = (exp.ByteLength(this=value) if type_name == _NAMES[_T.VARBINARY]
               else exp.Anonymous(this="strlen", expressions=[value]))
    too_long = exp.GT(
        this=measure,
        expression=exp.Literal.number(length),
    )
    message = exp.Literal.string(f"value too long for type {type_name}({length})")
    guard = exp.Case(
        ifs=[exp.If(this=too_long, true=exp.Anonymous(this="error", expressions=[message]))],
        default=exp.true(),
    )
    return exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=guard))


def _single_byte(column: exp.Identifier) -> exp.ColumnConstraint:
    # A CHAR holds ASCII only: a value with a multi-byte character has more bytes than
    # characters.
    value = exp.column(column.copy())
    multibyte = exp.NEQ(this=exp.Anonymous(this="strlen", expressions=[value]),
                        expression=exp.Anonymous(this="length", expressions=[value.copy()]))
    guard = exp.Case(
        ifs=[exp.If(this=multibyte, true=exp.Anonymous(
            this="error", expressions=[exp.Literal.string(MULTIBYTE_MESSAGE)]))],
        default=exp.true(),
    )
    return exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=guard))


def char_constraints(column: exp.Identifier, length: int) -> list[exp.ColumnConstraint]:
    """The CHECKs of a CHAR(length) column: its length and its single-byte characters."""
    return [_check(column, length, _NAMES[_T.CHAR]), _single_byte(column)]


def character_lengths(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Add a byte-length CHECK to each CHAR(n)/VARCHAR(n)/VARBYTE(n) column of a CREATE
    TABLE or ALTER TABLE ADD COLUMN."""
    if not isinstance(tree, exp.Create | exp.Alter):
        return tree
    for col in tree.find_all(exp.ColumnDef):
        kind = col.args.get("kind")
        length = declared_length(kind) if isinstance(kind, exp.DataType) else None
        if length is not None and kind.this in CHAR_TYPES:
            for constraint in char_constraints(col.this, length):
                col.append("constraints", constraint)
        elif length is not None:
            col.append("constraints", _check(col.this, length, _NAMES[kind.this]))
    return tree
