"""ALTER TABLE ADD COLUMN of a column DuckDB cannot add: made when it runs, by a rebuild.

DuckDB adds no column with a constraint, and a CHAR(n), VARCHAR(n) or VARBYTE(n) column is
one only by the CHECKs of its length (``character_lengths``), which are also how the catalog
knows its declared type. So ``ADD COLUMN c CHAR(n)`` (and VARCHAR, VARBYTE, NOT NULL) is marked
``AddColumn`` and ``proxy/late_ddl.py`` makes the table again with the column, in one
transaction: its rows, keys, defaults, checks and comments are kept, and its grants and
metadata follow its name.

Redshift's rules: a NOT NULL column needs a default that is not NULL; DEFAULT, NULL, NOT NULL
and ENCODE are what the column may declare (ENCODE is dropped by ``ddl_attributes``; a key or
REFERENCES is left to DuckDB, which refuses it as before).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context
from proxy.sql.late import AddColumn
from proxy.sql.transforms import companions
from proxy.sql.transforms.character_lengths import declared_length
from proxy.sql.transforms.ddl_attributes import place_of

_ALLOWED = (exp.DefaultColumnConstraint, exp.NotNullColumnConstraint)


def _not_null(constraint: exp.ColumnConstraint) -> bool:
    kind = constraint.args.get("kind")
    return isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null")


def _null_default(column: exp.ColumnDef) -> bool:
    """Whether the column has no default, or NULL."""
    for constraint in column.constraints:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.DefaultColumnConstraint):
            return isinstance(kind.this, exp.Null)
    return True


def add_column(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Mark ``ALTER TABLE t ADD COLUMN`` of a CHAR/VARCHAR/VARBYTE or NOT NULL column to be
    made by a rebuild; refuse NOT NULL without a default, as Redshift does."""
    if not isinstance(tree, exp.Alter) or (tree.args.get("kind") or "").upper() != "TABLE":
        return tree
    actions = tree.args.get("actions") or []
    columns = [a for a in actions if isinstance(a, exp.ColumnDef)]
    if not columns:
        return tree
    for column in columns:
        if any(_not_null(c) for c in column.constraints) and _null_default(column):
            raise FeatureNotSupported(
                "ALTER TABLE ADD COLUMN defined as NOT NULL must have a non-null default "
                "expression")
    table = tree.this
    column = columns[0]
    kind = column.args.get("kind")
    rebuilt = (isinstance(kind, exp.DataType) and declared_length(kind) is not None) or any(
        _not_null(c) for c in column.constraints)
    if (len(actions) != 1 or not isinstance(table, exp.Table) or not rebuilt
            or not all(isinstance(c.args.get("kind"), _ALLOWED) for c in column.constraints)):
        return tree  # DuckDB adds the column, or refuses what it cannot do
    companions.set_late(tree, AddColumn(place_of(table, ctx), column.name,
                                        bool(column.args.get("exists"))))
    return tree
