"""Redshift's dynamic typing of SUPER values in comparisons, arithmetic, ORDER BY, MIN and MAX.

SUPER is DuckDB JSON, which compares, sorts and aggregates by its text: ``c.price < 10`` is
false for 9.5 and ``MAX`` of 9 and 10 is 9, where Redshift compares the numbers; ``c.name =
'x'`` fails, as DuckDB parses the string as JSON. Where an operand is a SUPER value the
statement shows, the operator becomes one of the engine's SUPER macros (``engine/macros.py``),
which compare and compute on the values as Redshift's dynamic typing does; ORDER BY, MIN and
MAX of one order by ``SUPER_KEY``.

A SUPER value is: a navigation (``c.a.b``, where ``c`` is not a table or alias of the
statement, so it is a column; ``x.y[0]``; a path past a column), a SUPER column of a table or
view the statement reads (the catalog's, ``Context.super_columns``: by its table's alias, or
unqualified when a table of the statement has a SUPER column of that name), JSON_PARSE's
result, a cast to SUPER, an element of a SUPER array unnested in FROM, and the SUPER
operators' own results. A SUPER column of a derived table or CTE is not seen, and DuckDB's
JSON comparison applies there.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from engine import macros
from proxy.sql.context import Context
from proxy.sql.table_keys import table_keys
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.partiql import element_names

_COMPARISONS: dict[type[exp.Expr], str] = {
    exp.EQ: macros.SUPER_EQ, exp.NEQ: macros.SUPER_NE, exp.LT: macros.SUPER_LT,
    exp.LTE: macros.SUPER_LE, exp.GT: macros.SUPER_GT, exp.GTE: macros.SUPER_GE,
}
_ARITHMETIC: dict[type[exp.Expr], str] = {
    exp.Add: macros.SUPER_ADD, exp.Sub: macros.SUPER_SUB, exp.Mul: macros.SUPER_MUL,
    exp.Div: macros.SUPER_DIV, exp.Mod: macros.SUPER_MOD,
}
# Macros whose result is a SUPER value.
_SUPER_RESULTS = {*_ARITHMETIC.values(), macros.SUPER_NEG, macros.SUPER}


def _source_names(tree: exp.Expr) -> set[str]:
    """Every name a column may be qualified with: tables, aliases, CTEs, derived tables."""
    names: set[str] = set()
    for node in tree.find_all(exp.Table, exp.TableAlias, exp.CTE):
        if isinstance(node, exp.Table):
            names.add(node.name.lower())
            names.add(node.alias_or_name.lower())
        elif node.name:
            names.add(node.name.lower())
    return names


def _macro_name(node: exp.Dot) -> str | None:
    """The engine macro a ``memory.main.<macro>(...)`` call names, else None."""
    fn = node.expression
    return fn.name if isinstance(fn, exp.Anonymous) else None


def _super_tables(tree: exp.Expr, ctx: Context) -> dict[str, Mapping[str, int]]:
    """The SUPER columns of the statement's tables (with their positions), by the name or
    alias each is read by."""
    found: dict[str, Mapping[str, int]] = {}
    if not ctx.super_columns:
        return found
    for table in tree.find_all(exp.Table):
        for key in table_keys(table, ctx):
            columns = ctx.super_columns.get(key)
            if columns is not None:
                found[table.alias_or_name.lower()] = columns
                break
    return found


class _Seen:
    """What in one statement is a SUPER value."""

    def __init__(self, tree: exp.Expr, ctx: Context) -> None:
        self.sources = _source_names(tree)
        self.elements = {name.lower() for name in element_names(tree)}
        self.tables = _super_tables(tree, ctx)

    def is_super(self, node: exp.Expr) -> bool:
        """Whether ``node`` is a SUPER value the statement shows."""
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.ParseJSON):
            return True
        if isinstance(node, exp.Cast):
            return node.to.this == exp.DataType.Type.SUPER
        if isinstance(node, exp.Bracket):
            return self.is_super(node.this)
        if isinstance(node, exp.Dot):
            name = _macro_name(node)
            if name is not None:
                return name in _SUPER_RESULTS
            return isinstance(node.this, exp.Column) or self.is_super(node.this)
        if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
            return self._column(node)
        return False

    def _column(self, column: exp.Column) -> bool:
        name = column.name.lower()
        qualifier = column.table.lower()
        if qualifier and qualifier not in self.sources:
            return True  # a navigation: the qualifier is a column
        if qualifier:
            return name in self.tables.get(qualifier, ())
        return name in self.elements or any(name in cols for cols in self.tables.values())


def _operand(seen: _Seen, node: exp.Expr) -> exp.Expr:
    """An operand of a SUPER operator: a SUPER value as it is, anything else made one."""
    return node.copy() if seen.is_super(node) else call(macros.SUPER, node.copy())


def _assigned(node: exp.Expr) -> bool:
    """Whether ``node`` is an assignment of UPDATE's (or MERGE's) SET, not a comparison."""
    return isinstance(node, exp.EQ) and isinstance(node.parent, exp.Update)


def _string(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_string


def _stored_strings(tree: exp.Expr, seen: _Seen) -> None:
    """A string literal stored into a SUPER column (INSERT VALUES, UPDATE's SET) is a SUPER
    string, as Redshift stores it (only JSON_PARSE parses)."""
    if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Values):
        target = tree.this
        table = target.this if isinstance(target, exp.Schema) else target
        supers = seen.tables.get(table.alias_or_name.lower(), {}) \
            if isinstance(table, exp.Table) else {}
        if isinstance(target, exp.Schema):
            positions = [i for i, name in enumerate(target.expressions)
                         if name.name.lower() in supers]
        else:  # the table's columns in their order
            positions = list(supers.values())
        for row in tree.expression.expressions:
            values = row.expressions if isinstance(row, exp.Tuple) else [row]
            for i in positions:
                if i < len(values) and _string(values[i]):
                    values[i].replace(call(macros.SUPER, values[i].copy()))
    for node in tree.find_all(exp.EQ):
        if _assigned(node) and _string(node.expression) and seen.is_super(node.this):
            node.expression.replace(call(macros.SUPER, node.expression.copy()))


def _rewrite(node: exp.Expr, seen: _Seen) -> exp.Expr | None:
    """The SUPER form of one operator, or None where no operand is SUPER."""
    kind = type(node)
    if _assigned(node):
        return None
    if kind in _ARITHMETIC or kind in _COMPARISONS:
        if seen.is_super(node.this) or seen.is_super(node.expression):
            name = _ARITHMETIC.get(kind) or _COMPARISONS[kind]
            return call(name, _operand(seen, node.this), _operand(seen, node.expression))
    elif isinstance(node, exp.Neg) and seen.is_super(node.this):
        return call(macros.SUPER_NEG, node.this.copy())
    elif isinstance(node, exp.Between) and seen.is_super(node.this):
        return exp.and_(
            call(macros.SUPER_GE, node.this.copy(), _operand(seen, node.args["low"])),
            call(macros.SUPER_LE, node.this.copy(), _operand(seen, node.args["high"])),
        )
    elif (isinstance(node, exp.In) and node.expressions and seen.is_super(node.this)
          and not node.args.get("query")):
        return exp.Paren(this=exp.or_(*(
            call(macros.SUPER_EQ, node.this.copy(), _operand(seen, value))
            for value in node.expressions
        )))
    elif isinstance(node, exp.Ordered) and seen.is_super(node.this):
        node.this.replace(call(macros.SUPER_KEY, node.this.copy()))
    elif isinstance(node, exp.Max | exp.Min) and not node.expressions \
            and seen.is_super(node.this):
        pick = "arg_max" if isinstance(node, exp.Max) else "arg_min"
        return exp.Anonymous(this=pick, expressions=[
            node.this.copy(), call(macros.SUPER_KEY, node.this.copy())
        ])
    return None


def super_dynamic(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Give comparisons, arithmetic, ORDER BY, MIN and MAX of SUPER values Redshift's
    dynamic typing, and store string literals into SUPER columns as SUPER strings."""
    if not tree.find(exp.Dot, exp.Column, exp.ParseJSON, exp.Cast) \
            and not (isinstance(tree, exp.Insert) and ctx.super_columns):
        return tree
    seen = _Seen(tree, ctx)
    _stored_strings(tree, seen)
    kinds = (*_ARITHMETIC, *_COMPARISONS, exp.Neg, exp.Between, exp.In, exp.Ordered,
             exp.Max, exp.Min)
    # Innermost first, so an operator over another's result sees it as SUPER.
    for node in reversed(list(tree.find_all(*kinds))):
        new = _rewrite(node, seen)
        if new is not None:
            node.replace(new)
    return tree
