"""Mistakes in a query's shape, refused with PostgreSQL's and Redshift's errors before DuckDB
sees them.

DuckDB refuses these too, but without what PostgreSQL's message names (the position, the set
operation), or it answers where PostgreSQL refuses:

* ``GROUP BY 3`` of a two-column select list: 42P10 ``GROUP BY position 3 is not in select
  list`` (DuckDB's message gives the range, not the position).
* ``SELECT a ... INTERSECT SELECT a, b``: 42601 ``each INTERSECT query must have the same
  number of columns`` (DuckDB's does not say which operation).
* ``MAX(a, b)`` and ``MIN(a, b)``: DuckDB's top-n aggregates, which answer with a list; MAX and
  MIN take one argument in Redshift (42883).
* ``SELECT DISTINCT a FROM t ORDER BY b``: DuckDB sorts by a column DISTINCT dropped; 42P10
  ``for SELECT DISTINCT, ORDER BY expressions must appear in select list``. Only a plain
  column is checked (by name, against the select list's columns and output names); other
  expressions are left to DuckDB.
* ``NTH_VALUE(x, 0)``: DuckDB answers NULL; PostgreSQL and Redshift take positions from 1
  (22016).
* ``CREATE TABLE t (a int, a int)``: 42701 ``column "a" specified more than once`` (DuckDB's
  message is the one ALTER TABLE ADD COLUMN of an existing column gets).
* ``SELECT a FROM (SELECT 1 AS a, 2 AS a) x``: 42702 ``column reference "a" is ambiguous``
  (DuckDB reads the first ``a``).

Select lists with a ``*`` are left to DuckDB, whose errors ``engine/duckdb_errors.py``
translates (its ORDER BY positions too, read from DuckDB's caret). The checks only read the
tree.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import (
    AmbiguousColumn,
    AmbiguousFunction,
    DuplicateColumn,
    InvalidArgumentForNthValue,
    InvalidColumnReference,
    SyntaxError_,
    UndefinedFunction,
)
from proxy.sql.context import Context

_SET_OPERATIONS: dict[type[exp.Expr], str] = {
    exp.Union: "UNION", exp.Intersect: "INTERSECT", exp.Except: "EXCEPT",
}


def query_checks(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Refuse GROUP BY positions past the select list, set operations of queries of different
    widths, MAX/MIN of several arguments, SUM/AVG of a string literal and a table's repeated
    column names; return
    ``tree`` unchanged otherwise."""
    if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema):
        _column_names(tree.this)
    for select in tree.find_all(exp.Select):
        _derived_names(select)
    for node in tree.find_all(exp.Group, exp.SetOperation, exp.Max, exp.Min, exp.NthValue,
                              exp.Distinct, exp.Sum, exp.Avg):
        if isinstance(node, exp.Sum | exp.Avg):
            _untyped_argument(node)
        elif isinstance(node, exp.Distinct):
            _distinct_order(node)
        elif isinstance(node, exp.Group):
            _group_positions(node)
        elif isinstance(node, exp.SetOperation):
            _set_widths(node)
        elif isinstance(node, exp.NthValue):
            _nth_position(node.args.get("offset"))
        elif node.expressions:
            name = "max" if isinstance(node, exp.Max) else "min"
            raise UndefinedFunction(
                f"function {name} with {1 + len(node.expressions)} arguments does not exist")
    return tree


def _untyped_argument(node: exp.Sum | exp.Avg) -> None:
    """SUM or AVG of a string literal: an untyped value that numbers, intervals and money
    would all take, which PostgreSQL refuses to choose among (DuckDB reads a VARCHAR and
    finds no overload, 42883)."""
    argument = node.this
    while isinstance(argument, exp.Paren):
        argument = argument.this
    if isinstance(argument, exp.Literal) and argument.is_string:
        name = "sum" if isinstance(node, exp.Sum) else "avg"
        raise AmbiguousFunction(
            f"function {name}(unknown) is not unique",
            hint="Could not choose a best candidate function. You might need to add explicit "
                 "type casts.")


def _width(query: exp.Expr | None) -> int | None:
    """How many columns a query gives, or None where the tree does not say (a ``*``)."""
    while isinstance(query, exp.Subquery | exp.Paren):
        query = query.this
    if isinstance(query, exp.SetOperation):
        return _width(query.this)
    if not isinstance(query, exp.Select):
        return None
    if any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star))
           for p in query.expressions):
        return None
    return len(query.expressions)


def _group_positions(group: exp.Group) -> None:
    width = _width(group.parent) if isinstance(group.parent, exp.Select) else None
    if width is None:
        return
    for key in group.expressions:
        if isinstance(key, exp.Literal) and key.is_int and not 1 <= int(key.this) <= width:
            raise InvalidColumnReference(f"GROUP BY position {key.this} is not in select list")


def _set_widths(node: exp.SetOperation) -> None:
    left, right = _width(node.this), _width(node.expression)
    if left is not None and right is not None and left != right:
        kind = _SET_OPERATIONS.get(type(node), "UNION")
        raise SyntaxError_(f"each {kind} query must have the same number of columns")


def _column_names(schema: exp.Schema) -> None:
    seen: set[str] = set()
    for column in schema.expressions:
        if isinstance(column, exp.ColumnDef):
            if column.name in seen:
                raise DuplicateColumn(f'column "{column.name}" specified more than once')
            seen.add(column.name)


def _nth_position(offset: exp.Expr | None) -> None:
    # A literal position only: a column's values are checked by no one (DuckDB answers NULL).
    negative = isinstance(offset, exp.Neg) and isinstance(offset.this, exp.Literal)
    if negative or (isinstance(offset, exp.Literal) and offset.is_int and int(offset.this) < 1):
        raise InvalidArgumentForNthValue("argument of nth_value must be greater than zero")


def _distinct_order(distinct: exp.Distinct) -> None:
    select = distinct.parent
    order = select.args.get("order") if isinstance(select, exp.Select) else None
    if order is None or distinct.args.get("on") is not None or _width(select) is None:
        return
    names = set()
    for item in select.expressions:
        names.add(item.alias_or_name)
        column = item.unalias().unnest()  # DISTINCT(a) and (a) AS x are column a too
        if isinstance(column, exp.Column):
            names.add(column.name)
    for ordered in order.expressions:
        key = ordered.this
        if isinstance(key, exp.Column) and key.name not in names:
            raise InvalidColumnReference(
                "for SELECT DISTINCT, ORDER BY expressions must appear in select list")


def _derived_names(select: exp.Select) -> None:
    """A name a derived table of the FROM clause gives twice, read by the select."""
    repeated: dict[str, set[str]] = {}  # alias -> names given twice
    sources = [select.args.get("from_"), *(select.args.get("joins") or ())]
    for source in sources:
        derived = source.this if isinstance(source, exp.From | exp.Join) else None
        if not isinstance(derived, exp.Subquery) or _width(derived) is None:
            continue
        inner = derived.this
        while isinstance(inner, exp.Subquery | exp.Paren | exp.SetOperation):
            inner = inner.this
        if not isinstance(inner, exp.Select):
            continue
        names = [item.alias_or_name for item in inner.expressions]
        twice = {n for n in names if n and names.count(n) > 1}
        if twice and not (derived.args.get("alias") and derived.args["alias"].columns):
            repeated[derived.alias_or_name] = twice
    if not repeated:
        return
    for col in select.find_all(exp.Column):
        if col.find_ancestor(exp.Select) is not select:
            continue
        for alias, twice in repeated.items():
            if col.name in twice and (not col.table or col.table == alias):
                raise AmbiguousColumn(f'column reference "{col.name}" is ambiguous')
