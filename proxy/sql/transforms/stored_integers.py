"""A string stored into an integer column is read as Redshift reads it.

Redshift (like PostgreSQL's input of a literal) stores the string ``'12'`` into a SMALLINT,
INTEGER or BIGINT column as 12 and refuses ``'12.5'`` with 22P02 ``invalid input syntax for
type integer: "12.5"``, where DuckDB's implicit cast rounds it to 13. So each value that may be
a string (by how it is written, ``casts.may_be_text``) stored by INSERT (VALUES, or the
result columns of its query and of each branch of a set operation), UPDATE's SET or MERGE's
UPDATE and INSERT becomes ``STORED_INTEGER(x, v)``, where ``x`` is a typed sample of the
target column (``(SELECT c FROM t LIMIT 0)``, ``#n`` for a position): DuckDB picks the
overload by both types when the statement binds, so only strings stored into integer columns
go through the engine's integer cast (the one explicit casts use) and the sample is never
evaluated. A string literal is rewritten only where DuckDB would read it and PostgreSQL would
not (``'12.5'``, ``'1e3'``), so bulk VALUES of text pay nothing. The catalog's facts
(``Context.numeric_columns``) spare the tables without integer columns, and the columns named
in a list that are not integers, any rewrite. A ``*`` (or ``s.*``) of the stored query is
first expanded to the columns it stands for, where the catalog's facts
(``Context.relation_columns``), the derived tables', CTEs' and VALUES lists' own columns tell
them (a join's USING or NATURAL merging columns, first, as PostgreSQL orders them), so each
column is stored as a named one is.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlglot import exp

from engine import macros
from proxy.sql.column_types import cte_named, defining_query, query_branches
from proxy.sql.context import Context
from proxy.sql.table_keys import table_keys
from proxy.sql.transforms.casts import INTEGER_TEXT, may_be_text
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.session_time_zone import target_columns


def _integer_columns(table: exp.Table, ctx: Context) -> frozenset[str] | None:
    """The integer columns of a table of the catalog (None when the catalog has no facts of
    it: any column may be one)."""
    for key in table_keys(table, ctx):
        numbers = ctx.numeric_columns.get(key)
        if numbers is not None:
            return frozenset(name.lower() for name, number in numbers.items() if number.integer)
        if key in ctx.varchar_columns or key in ctx.super_columns:
            return frozenset()
    return None


def _sample(table: exp.Table, column: exp.Expr) -> exp.Expr:
    """A typed NULL of ``table``'s column ``column`` (a name or DuckDB's ``#n``)."""
    return exp.Subquery(this=exp.select(column.copy()).from_(table.copy()).limit(0))


def _lenient(literal: exp.Literal) -> bool:
    """Whether a string literal is one DuckDB's cast reads as an integer where PostgreSQL's
    refuses it (a number with a fraction or an exponent, hexadecimal, digits with
    underscores). Any other literal needs no rewrite: integer digits read alike, and text
    that is no number fails in both."""
    text = literal.this
    if INTEGER_TEXT.fullmatch(text):
        return False
    bare = text.strip().replace("_", "")
    try:
        Decimal(bare)
    except InvalidOperation:
        return bare.lstrip("+-")[:2].lower() in ("0x", "0b", "0o")
    return True


def _store(value: exp.Expr, table: exp.Table, column: exp.Expr) -> None:
    """Rewrite ``value`` (in place) as storing it into ``table``'s column ``column`` reads it."""
    if isinstance(value, exp.Literal):
        if not (value.is_string and _lenient(value)):
            return
    elif isinstance(value, exp.Star | exp.Var) or value.name.upper() == "DEFAULT" or not (
            may_be_text(value)):
        return
    value.replace(call(macros.STORED_INTEGER, _sample(table, column), value.copy()))


def _rows(source: exp.Expr) -> list[list[exp.Expr]]:
    """The values an INSERT's source stores, row by row (a query's result columns; each branch
    of a set operation is a row)."""
    if isinstance(source, exp.Values):
        return [list(row.expressions) for row in source.expressions if isinstance(row, exp.Tuple)]
    if isinstance(source, exp.Select):
        return [[e.this if isinstance(e, exp.Alias) else e for e in source.expressions]]
    if isinstance(source, exp.SetOperation):
        return _rows(source.this) + _rows(source.expression)
    if isinstance(source, exp.Subquery):
        return _rows(source.this)
    return []


def _source_columns(source: exp.Expr, ctx: Context) -> list[str] | None:
    """The columns of a relation of a FROM clause in their order: a table's or view's from
    the catalog's facts, a derived table's or CTE's from its query (its stars expanded);
    None where they are not known."""
    query, alias = None, source.args.get("alias")
    values = source.this if isinstance(source, exp.Subquery) else source
    if isinstance(values, exp.Values):
        # A VALUES list's columns are its alias's, the others named as DuckDB names them
        # (col1 for the second, where PostgreSQL's name is column2: only the star stands for
        # them here, which names none).
        alias = values.args.get("alias") or alias
        width = {len(row.expressions) for row in values.expressions if isinstance(row, exp.Tuple)}
        names = [column.name for column in alias.columns] if isinstance(
            alias, exp.TableAlias) else []
        if len(width) != 1 or len(names) > min(width):
            return None
        return names + [f"col{n}" for n in range(len(names), min(width))]
    if isinstance(source, exp.Unnest) and len(source.expressions) == 1:
        # A table function's: UNNEST of one array is one column, its alias's or DuckDB's
        # ``unnest`` (generate_series and range give numbers or times, never a string).
        names = [column.name for column in alias.columns] if isinstance(
            alias, exp.TableAlias) else []
        return names if len(names) == 1 else None if names else ["unnest"]
    if isinstance(source, exp.Subquery):
        query = defining_query(source)
    elif isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
        cte = cte_named(source) if not source.args.get("db") else None
        if cte is None:
            return next((list(found) for key in table_keys(source, ctx)
                         if (found := ctx.relation_columns.get(key)) is not None), None)
        query, alias = defining_query(cte.this), cte.args.get("alias")
    names = _query_columns(query, ctx) if query is not None else None
    renamed = [column.name for column in alias.columns] if isinstance(
        alias, exp.TableAlias) else []
    if names is None or len(renamed) > len(names):
        return None
    return renamed + names[len(renamed):]


def _query_columns(query: exp.Expr, ctx: Context) -> list[str] | None:
    """A query's result column names in order, once the stars of each of its branches are
    expanded (in place); None where they are not known or two share a name."""
    branches = query_branches(query)
    if branches is None or not all(_expand(branch, ctx) for branch in branches):
        return None
    # Only a column's or an alias's name is certain: DuckDB names other expressions by their
    # own text.
    names = [node.alias_or_name for node in branches[0].expressions
             if isinstance(node, exp.Alias | exp.Column)]
    if len(names) < len(branches[0].expressions) or len(
            {name.lower() for name in names}) < len(names):
        return None
    return names


def _expand(select: exp.Select, ctx: Context) -> bool:
    """Replace each ``*`` and ``s.*`` of ``select`` by the columns it stands for; False (and
    ``select`` untouched) where one stands for columns not known."""
    if not any(node.is_star for node in select.expressions):
        return True
    from_ = select.args.get("from_")
    if from_ is None:
        return False
    joins = select.args.get("joins") or []
    sources = [from_.this] + [join.this for join in joins]
    expanded: list[exp.Expr] = []
    for node in select.expressions:
        if not node.is_star:
            expanded.append(node)
            continue
        star = node.this if isinstance(node, exp.Column) else node
        # An earlier rewrite's REPLACE (super_dynamic's SUPER reading of stored columns).
        replaced = {e.alias.lower(): e for e in star.args.get("replace") or ()}
        if star.args.get("except_") or star.args.get("rename") or star.args.get("ilike"):
            return False
        qualifier = node.table.lower() if isinstance(node, exp.Column) else ""
        if qualifier:
            # ``s.*`` is the relation's own columns, also where a join merges some of them.
            picked = [_relation_columns(source, ctx) for source in sources
                      if source.alias_or_name.lower() == qualifier]
            columns = picked[0] if len(picked) == 1 else None
        else:
            columns = _joined_columns(from_.this, joins, ctx)
        if columns is None:
            return False
        expanded.extend(replaced[name.lower()].copy() if name.lower() in replaced
                        else value.copy() for name, value in columns)
    select.set("expressions", expanded)
    return True


Named = list[tuple[str, exp.Expr]]


def _relation_columns(source: exp.Expr, ctx: Context) -> Named | None:
    """A relation's columns in order, each with its reference (``"s"."c"``; ``"c"`` of a
    relation without a name)."""
    columns = _source_columns(source, ctx)
    name = source.alias_or_name
    table = exp.to_identifier(name, quoted=True) if name else None
    return None if columns is None else [
        (column, exp.column(exp.to_identifier(column, quoted=True), table=table))
        for column in columns]


def _joined_columns(from_: exp.Expr, joins: list[exp.Join], ctx: Context) -> Named | None:
    """The columns an unqualified ``*`` stands for, in order, each with the expression that
    gives it: each relation's in turn, except that a join's USING or NATURAL merges the
    columns of the same name into one, put first (PostgreSQL's order): its left side's value,
    the right side's for a RIGHT JOIN, COALESCE of both for a FULL JOIN. None where the
    columns of a relation are not known."""
    columns = _relation_columns(from_, ctx)
    for join in joins:
        right = _relation_columns(join.this, ctx)
        if columns is None or right is None:
            return None
        using = [name.name.lower() for name in join.args.get("using") or ()]
        if join.method:
            if join.method.upper() != "NATURAL":
                return None
            common = {name.lower() for name, _ in right}
            using = [name.lower() for name, _ in columns if name.lower() in common]
        merged: Named = []
        for name in using:
            left_ones = [(n, e) for n, e in columns if n.lower() == name]
            right_ones = [e for n, e in right if n.lower() == name]
            if len(left_ones) != 1 or len(right_ones) != 1:
                return None  # ambiguous or missing: the engine refuses it
            (written, left), value = left_ones[0], right_ones[0]
            if join.side.upper() == "FULL":
                both = exp.Coalesce(this=left.unalias().copy(), expressions=[value])
                value = exp.alias_(both, written, quoted=True)
            elif join.side.upper() != "RIGHT":
                value = left
            merged.append((written, value))
        columns = merged + [(n, e) for n, e in columns + right if n.lower() not in using]
    return columns


def _insert(insert: exp.Insert, ctx: Context) -> None:
    found = target_columns(insert)
    if found is None:
        return
    table, columns = found
    integers = _integer_columns(table, ctx)
    if integers is not None and not integers:
        return
    query = defining_query(insert.expression)
    for branch in (query_branches(query) or []) if query is not None else []:
        _expand(branch, ctx)
    named = isinstance(insert.this, exp.Schema)
    for row in _rows(insert.expression):
        for value, column in zip(row, columns, strict=False):
            if value.is_star:  # the values after it are not at known positions
                break
            if integers is None or not named or column.name.lower() in integers:
                _store(value, table, column)


def _assignments(target: exp.Expr, assignments: list[exp.Expr], ctx: Context) -> None:
    """UPDATE's (or MERGE's) ``SET column = value`` of ``target``."""
    if not isinstance(target, exp.Table):
        return
    integers = _integer_columns(target, ctx)
    bare = target.copy()
    bare.set("alias", None)
    for assignment in assignments:
        if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column) and (
                integers is None or assignment.this.name.lower() in integers):
            _store(assignment.expression, bare, exp.column(assignment.this.name))


def _merge(merge: exp.Merge, ctx: Context) -> None:
    target = merge.this
    whens = merge.args.get("whens")
    if not isinstance(target, exp.Table) or whens is None:
        return
    bare = target.copy()
    bare.set("alias", None)
    integers = _integer_columns(target, ctx)
    for when in whens.expressions:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            _assignments(target, then.expressions, ctx)
        elif isinstance(then, exp.Insert) and isinstance(then.expression, exp.Tuple):
            values = then.expression.expressions
            names = then.this.expressions if isinstance(then.this, exp.Tuple) else None
            columns = ([exp.column(c.name) for c in names] if names is not None
                       else [exp.var(f"#{n}") for n in range(1, len(values) + 1)])
            for value, column in zip(values, columns, strict=False):
                if integers is None or names is None or column.name.lower() in integers:
                    _store(value, bare, column)


def stored_integers(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Make each string stored into a SMALLINT, INTEGER or BIGINT column read as Redshift
    reads it (the module docstring says how)."""
    if isinstance(tree, exp.Insert):
        _insert(tree, ctx)
    elif isinstance(tree, exp.Update):
        _assignments(tree.this, tree.expressions, ctx)
    elif isinstance(tree, exp.Merge):
        _merge(tree, ctx)
    return tree
