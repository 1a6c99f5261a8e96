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
result, a cast to SUPER, an element of a SUPER array unnested in FROM, MIN and MAX of one,
the SUPER operators' own results, and a column of a derived table or CTE (any UNION branch of
it) that is one of these.

SUM and AVG of a SUPER value are the engine's ``SUPER_SUM`` and ``SUPER_AVG``; FLOOR, CEIL,
ROUND, TRUNC and ABS of one (without a scale argument) its ``SUPER_FLOOR`` and the like. What
INSERT ... SELECT stores into a SUPER column goes through the ``SUPER`` macro, as a cast to
SUPER would: a string is a SUPER string, not parsed JSON.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import sqlglot
from sqlglot import exp

from engine import macros
from engine.storage import INTERNAL_PREFIX
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
# FLOOR, CEIL, ROUND, TRUNC and ABS of one argument.
_ROUNDING: dict[type[exp.Expr], str] = {
    exp.Floor: macros.SUPER_FLOOR, exp.Ceil: macros.SUPER_CEIL, exp.Round: macros.SUPER_ROUND,
    exp.Trunc: macros.SUPER_TRUNC, exp.Abs: macros.SUPER_ABS,
}
# Macros whose result is a SUPER value.
_SUPER_RESULTS = {*_ARITHMETIC.values(), *_ROUNDING.values(), macros.SUPER_NEG, macros.SUPER,
                  macros.SUPER_SUM, macros.SUPER_AVG}


def _source_names(tree: exp.Expr) -> tuple[set[str], bool]:
    """Every name a column may be qualified with (tables, aliases, CTEs, derived tables), and
    whether the statement makes a SUPER value of its own, by JSON_PARSE or a cast to SUPER
    (found on the same walk)."""
    names: set[str] = set()
    makes = False
    for node in tree.find_all(exp.Table, exp.TableAlias, exp.CTE, exp.ParseJSON, exp.Cast):
        if isinstance(node, exp.ParseJSON | exp.Cast):
            makes = makes or isinstance(node, exp.ParseJSON) \
                or node.to.this == exp.DataType.Type.SUPER
        elif isinstance(node, exp.Table):
            names.add(node.name.lower())
            names.add(node.alias_or_name.lower())
        elif node.name:
            names.add(node.name.lower())
    return names, makes


def _macro_name(node: exp.Dot) -> str | None:
    """The engine macro a ``memory.main.<macro>(...)`` call names, else None."""
    fn = node.expression
    return fn.name if isinstance(fn, exp.Anonymous) else None


def _table_supers(table: exp.Table, ctx: Context) -> Mapping[str, int] | None:
    """The SUPER columns (with their positions) of one table named in the statement, None
    where it has none."""
    for key in table_keys(table, ctx):
        columns = ctx.super_columns.get(key)
        if columns is not None:
            return columns
    return None


def _insert_target(tree: exp.Expr) -> exp.Table | None:
    """The table an INSERT writes (which it does not read)."""
    if not isinstance(tree, exp.Insert):
        return None
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    return target if isinstance(target, exp.Table) else None


def _super_tables(tree: exp.Expr, ctx: Context) -> dict[str, Mapping[str, int]]:
    """The SUPER columns of the tables the statement reads (with their positions), by the
    name or alias each is read by."""
    found: dict[str, Mapping[str, int]] = {}
    if not ctx.super_columns:
        return found
    # An INSERT's target is not read: its SUPER columns do not make a selected column of
    # the same name SUPER.
    target = _insert_target(tree)
    for table in tree.find_all(exp.Table):
        columns = None if table is target else _table_supers(table, ctx)
        if columns is not None:
            found[table.alias_or_name.lower()] = columns
    return found


def _branches(query: exp.Expr) -> list[exp.Select]:
    """The SELECTs whose rows a query (a SELECT or a set operation of them) gives."""
    if isinstance(query, exp.SetOperation):
        return _branches(query.this) + _branches(query.expression)
    return [query] if isinstance(query, exp.Select) else []


def _read_names(select: exp.Select) -> list[str]:
    """The names a SELECT's FROM and joins are read by."""
    items = [select.args.get("from_") or select.args.get("from")]
    items += select.args.get("joins") or []
    return [item.this.alias_or_name.lower() for item in items
            if item is not None and isinstance(item.this, exp.Table | exp.Subquery)]


class _Seen:
    """What in one statement is a SUPER value."""

    def __init__(self, tree: exp.Expr, ctx: Context) -> None:
        self.sources, makes = _source_names(tree)
        self.elements = {name.lower() for name in element_names(tree)}
        self.tables: dict[str, Mapping[str, int]] = _super_tables(tree, ctx)
        # Without a SUPER table, JSON_PARSE or a cast to SUPER, no derived table can have a
        # SUPER column.
        if self.tables or makes:
            self._derived(tree)

    def _derived(self, tree: exp.Expr) -> None:
        """Add the SUPER columns of the statement's CTEs and derived tables, by their alias.

        A CTE may read another, written before or after it in the tree: repeated until
        nothing new is found (the columns only grow, so this ends).
        """
        derived = [node for node in tree.find_all(exp.CTE, exp.Subquery)
                   if node.alias or isinstance(node.parent, exp.From | exp.Join)]
        grown = bool(derived)
        while grown:
            grown = False
            for node in derived:
                # A derived table without an alias is read by unqualified names only.
                name = node.alias.lower()
                found = self._outputs(node)
                known = self.tables.get(name, {})
                if found.keys() - known.keys():
                    self.tables[name] = {**known, **found}
                    grown = True

    def _outputs(self, node: exp.CTE | exp.Subquery) -> dict[str, int]:
        """The SUPER columns (with their positions) a CTE or derived table gives."""
        branches = _branches(node.this)
        if not branches:
            return {}
        alias = node.args.get("alias")
        renamed = [column.name for column in alias.columns] \
            if isinstance(alias, exp.TableAlias) else []
        first = branches[0].expressions
        names = [renamed[i] if i < len(renamed) else e.alias_or_name
                 for i, e in enumerate(first)]
        found: dict[str, int] = {}
        for branch in branches:
            for i, e in enumerate(branch.expressions):
                if isinstance(e, exp.Star) or (isinstance(e, exp.Column)
                                               and isinstance(e.this, exp.Star)):
                    # Every SUPER column of what the branch reads.
                    for source in _read_names(branch):
                        found.update(self.tables.get(source, {}))
                elif i < len(names) and self.is_super(e.unalias()):
                    found[names[i].lower()] = i
        return found

    def is_super(self, node: exp.Expr) -> bool:
        """Whether ``node`` is a SUPER value the statement shows."""
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.ParseJSON):
            return True
        if isinstance(node, exp.Max | exp.Min | exp.Sum | exp.Avg | exp.Neg | exp.Window) \
                and not node.expressions:
            return self.is_super(node.this)
        if type(node) in _ARITHMETIC:  # not yet rewritten (a derived table's column)
            return self.is_super(node.this) or self.is_super(node.expression)
        if type(node) in _ROUNDING:
            return not node.args.get("decimals") and self.is_super(node.this)
        if isinstance(node, exp.Anonymous) and node.name in ("arg_max", "arg_min"):
            return self.is_super(node.expressions[0])  # MAX or MIN of one, rewritten
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
        if name in self.elements:
            return True
        if not self.tables:  # most statements: nothing they read has a SUPER column
            return False
        select = column.find_ancestor(exp.Select)
        if select is None:  # UPDATE's, DELETE's or MERGE's own conditions and values
            return any(name in cols for cols in self.tables.values())
        # What the innermost SELECT reads first, then (correlated) what the outer ones read.
        while select is not None:
            if any(name in self.tables.get(read, ()) for read in _read_names(select)):
                return True
            select = select.find_ancestor(exp.Select)
        return False


def _operand(seen: _Seen, node: exp.Expr) -> exp.Expr:
    """An operand of a SUPER operator: a SUPER value as it is, anything else made one."""
    return node.copy() if seen.is_super(node) else call(macros.SUPER, node.copy())


def _assigned(node: exp.Expr) -> bool:
    """Whether ``node`` is an assignment of UPDATE's (or MERGE's) SET, not a comparison."""
    return isinstance(node, exp.EQ) and isinstance(node.parent, exp.Update)


def _stored_positions(columns: list[exp.Expr], supers: Mapping[str, int]) -> list[int]:
    """The positions of the values a write stores into SUPER columns: those of the columns
    named (an INSERT's column list), else the table's own, in its column order."""
    if columns:
        return [i for i, name in enumerate(columns) if name.name.lower() in supers]
    return list(supers.values())


def _kept(value: exp.Expr, seen: _Seen) -> bool:
    """Whether a value stored into a SUPER column is stored as it is: a SUPER value already,
    NULL, DEFAULT, or a parameter (typed by its column)."""
    return seen.is_super(value) or isinstance(value, exp.Null | exp.Placeholder | exp.Parameter) \
        or (isinstance(value, exp.Var) and value.name.upper() == "DEFAULT")


def _stored_selected(value: exp.Expr, seen: _Seen) -> None:
    """A value INSERT ... SELECT stores into a SUPER column, as a cast to SUPER reads it."""
    inner = value.unalias()
    if _kept(inner, seen):
        return
    wrapped = call(macros.SUPER, inner.copy())
    if isinstance(value, exp.Alias):
        value.set("this", wrapped)
    elif isinstance(value, exp.Column):  # keeps its name, which ORDER BY may use
        value.replace(exp.alias_(wrapped, value.name))
    else:
        value.replace(wrapped)


def _starred(query: exp.Expr, positions: list[int]) -> exp.Select:
    """A query whose columns are not known here (a star), its columns at ``positions`` read
    as casts to SUPER read them: ``SELECT * REPLACE (SUPER(c2) AS c2) FROM (query) AS
    s(c0, c1, c2)`` (the alias names as many columns as it needs; the rest keep theirs)."""
    names = [f"{INTERNAL_PREFIX}stored{i}" for i in range(max(positions) + 1)]
    replaced = [exp.alias_(call(macros.SUPER, exp.column(names[i])), names[i])
                for i in positions]
    source = exp.Subquery(this=query, alias=exp.TableAlias(
        this=exp.to_identifier(f"{INTERNAL_PREFIX}stored"),
        columns=[exp.to_identifier(name) for name in names]))
    return exp.select(exp.Star(replace=replaced)).from_(source)


def _stored_query(insert: exp.Insert, positions: list[int], seen: _Seen) -> None:
    """What INSERT ... SELECT stores into SUPER columns, read as casts to SUPER read it."""
    branches = _branches(insert.expression)
    if not branches or any(isinstance(v, exp.Star) or isinstance(v.this, exp.Star)
                           for branch in branches for v in branch.expressions):
        insert.set("expression", _starred(insert.expression, positions))
        return
    for branch in branches:
        values = branch.expressions
        for i in positions:
            if i < len(values):
                _stored_selected(values[i], seen)


def _stored_rows(rows: list[exp.Expr], positions: list[int], seen: _Seen) -> None:
    """The values of VALUES rows stored into SUPER columns, read as casts to SUPER read them."""
    for row in rows:
        values = row.expressions if isinstance(row, exp.Tuple) else [row]
        for i in positions:
            if i < len(values) and not _kept(values[i], seen):
                values[i].replace(call(macros.SUPER, values[i].copy()))


def _stored_values(tree: exp.Expr, seen: _Seen, ctx: Context) -> None:
    """Every value an INSERT (also MERGE's) or UPDATE stores into a SUPER column is read as a
    cast to SUPER reads it: a string is a SUPER string, as Redshift stores it (only
    JSON_PARSE parses), not JSON text to parse."""
    target = _insert_target(tree)
    supers = _table_supers(target, ctx) if target is not None and ctx.super_columns else None
    if supers and isinstance(tree, exp.Insert):
        columns = tree.this.expressions if isinstance(tree.this, exp.Schema) else []
        positions = _stored_positions(columns, supers)
        if positions and isinstance(tree.expression, exp.Values):
            _stored_rows(tree.expression.expressions, positions, seen)
        elif positions and isinstance(tree.expression, exp.Query):
            _stored_query(tree, positions, seen)
    if isinstance(tree, exp.Merge) and isinstance(tree.this, exp.Table) and ctx.super_columns:
        merged = _table_supers(tree.this, ctx)
        for insert in tree.find_all(exp.Insert) if merged else ():
            columns = insert.this.expressions if isinstance(insert.this, exp.Tuple) else []
            if isinstance(insert.expression, exp.Tuple):
                _stored_rows([insert.expression], _stored_positions(columns, merged), seen)
    for node in tree.find_all(exp.EQ):
        if _assigned(node) and seen.is_super(node.this) and not _kept(node.expression, seen):
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
    elif kind in _ROUNDING and not node.args.get("decimals") and seen.is_super(node.this):
        return call(_ROUNDING[kind], node.this.copy())
    elif isinstance(node, exp.Sum | exp.Avg) and not isinstance(node.parent, exp.Window) \
            and seen.is_super(node.this):
        name = macros.SUPER_SUM if isinstance(node, exp.Sum) else macros.SUPER_AVG
        return call(name, node.this.copy())
    elif isinstance(node, exp.Window) and isinstance(node.this, exp.Sum | exp.Avg) \
            and seen.is_super(node.this.this):
        return _windowed_aggregate(node)
    return None


@functools.cache
def _aggregate_body(name: str) -> exp.Expr:
    """The parsed body of the SUPER_SUM or SUPER_AVG macro (of the column ``x``)."""
    return sqlglot.parse_one(macros.SUPER_AGGREGATES[name], read="duckdb")


def _windowed_aggregate(window: exp.Window) -> exp.Expr:
    """SUM or AVG of a SUPER value over a window: the macro's body written out, each of its
    aggregates over the window (DuckDB takes OVER only after an aggregate, not a macro)."""
    name = macros.SUPER_SUM if isinstance(window.this, exp.Sum) else macros.SUPER_AVG
    body = _aggregate_body(name).copy()
    # The body's own aggregates, found before the argument (which may hold aggregates of its
    # own, not over the window) takes the place of its parameter.
    aggregates = [node for node in body.find_all(exp.AggFunc, exp.Anonymous)
                  if isinstance(node, exp.AggFunc) or node.name.lower() == "favg"]
    argument = window.this.this
    for column in list(body.find_all(exp.Column)):
        column.replace(argument.copy())
    over = {key: value for key, value in window.args.items() if key != "this"}
    for aggregate in aggregates:
        windowed = exp.Window(this=aggregate.copy(), **{
            key: value.copy() if isinstance(value, exp.Expr) else
            [v.copy() for v in value] if isinstance(value, list) else value
            for key, value in over.items()
        })
        aggregate.replace(windowed)
    # Through SUPER (which keeps a SUPER value as it is), so that an operator over it sees
    # a SUPER value.
    return call(macros.SUPER, body)


def super_dynamic(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Give comparisons, arithmetic, ORDER BY, MIN, MAX, SUM and AVG of SUPER values
    Redshift's dynamic typing, and store strings into SUPER columns as SUPER strings."""
    if not tree.find(exp.Dot, exp.Column, exp.ParseJSON, exp.Cast) \
            and not (isinstance(tree, exp.Insert) and ctx.super_columns):
        return tree
    seen = _Seen(tree, ctx)
    _stored_values(tree, seen, ctx)
    kinds = (*_ARITHMETIC, *_COMPARISONS, exp.Neg, exp.Between, exp.In, exp.Ordered,
             exp.Max, exp.Min, exp.Sum, exp.Avg, exp.Window, *_ROUNDING)
    # Innermost first, so an operator over another's result sees it as SUPER.
    for node in reversed(list(tree.find_all(*kinds))):
        new = _rewrite(node, seen)
        if new is not None:
            node.replace(new)
    return tree
