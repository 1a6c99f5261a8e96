"""References to CHAR(n) columns read as CHAR(n) values, as Redshift reads them.

DuckDB has no blank-padded type: a CHAR(n) column is a VARCHAR with the length CHECK of
``character_lengths``, which is also how the catalog (``Context.char_columns``) knows it is
one. So each reference to such a column is rewritten to the explicit cast
``CAST(c AS CHAR(n))``, and the later transforms give it what Redshift gives a CHAR value:
cut to n bytes without trailing blanks (``explicit_casts``), compared without trailing blanks
with whatever it is compared to, padded with blanks and described as ``character(n)`` where
it is a column of the result, n bytes to OCTET_LENGTH (``blank_padded``), LEN without the
blanks (``string_functions``). Grouping, DISTINCT, joins and set operations then see the value
without trailing blanks, so blanks a value was stored with never count.

Rewritten: the columns of a query's tables and views (a view's CHAR columns are those its
query returns as CHAR values, ``proxy/sql/char_views.py``; by their alias or, unqualified,
when one table of the query's FROM has a CHAR column of that name), the columns of a derived
table or CTE whose column is a CHAR value, a ``*`` over such tables (``* REPLACE``), the
columns of the target of UPDATE and DELETE, and MERGE's target and source columns. Not
rewritten: the targets of INSERT, UPDATE SET and MERGE's SET and INSERT, and a name in ORDER BY
that names a column of the result (the result column is already the CHAR value).

JOIN ... USING compares the stored values, blanks and all: a table joined USING CHAR columns
is read through a derived table whose USING columns are CHAR values, and the merged column is
one (USING CHAR columns of different lengths, or a CHAR column and another type, is refused).

A CREATE TABLE AS whose query returns CHAR values makes them CHAR(n) columns, as Redshift
does (with a list of column names and with IF NOT EXISTS too): DuckDB's CTAS cannot declare
the CHECK that makes a column one, so the statement is made when it runs, as a CREATE TABLE
typed from the query and an INSERT (``table_with_char_columns``, called by
``proxy/late_ddl.py``, which leaves a CTAS IF NOT EXISTS over an existing relation as it is).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from catalog.errors import FeatureNotSupported
from proxy.sql.char_views import branches
from proxy.sql.context import Context
from proxy.sql.late import CreateAsChar
from proxy.sql.table_keys import table_keys
from proxy.sql.transforms import companions
from proxy.sql.transforms.character_lengths import (
    CHAR_TYPES,
    char_constraints,
    declared_length,
)

Layout = Mapping[str, int]  # column name -> n of a CHAR(n) column


def _table_layout(table: exp.Table, ctx: Context) -> Layout | None:
    """The CHAR columns of a table of the catalog, looked up as DuckDB will resolve it."""
    for key in table_keys(table, ctx):
        layout = ctx.char_columns.get(key)
        if layout is not None:
            return layout
    return None


def _char_length(node: exp.Expr) -> int | None:
    """n of a CHAR(n) value as written (an explicit cast, which references here become)."""
    value = node.this if isinstance(node, exp.Alias) else node
    if isinstance(value, exp.Cast) and value.to.this in CHAR_TYPES:
        return declared_length(value.to)
    return None


def _select_layout(query: exp.Expr) -> Layout:
    """The CHAR columns a derived table or CTE (its query) returns, by the names it gives
    them (its column list's, else the query's); of a set operation, those that are CHAR in
    every branch, with the longest length."""
    holder = query.parent
    alias = holder.args.get("alias") if isinstance(holder, exp.Subquery | exp.CTE) else None
    renamed = [column.name for column in alias.columns] if isinstance(
        alias, exp.TableAlias) else []
    selects = branches(query)
    if not all(isinstance(s, exp.Select) for s in selects) or len(
        {len(s.expressions) for s in selects}
    ) != 1:
        return {}
    layout = {}
    for position, projection in enumerate(selects[0].expressions):
        lengths = [_char_length(s.expressions[position]) for s in selects]
        if all(n is not None for n in lengths):
            name = renamed[position] if position < len(renamed) else projection.alias_or_name
            layout[name] = max(n for n in lengths if n is not None)
    return layout


def _as_char(column: exp.Column, length: int) -> exp.Cast:
    return exp.Cast(this=column.copy(), to=exp.DataType.build(f"CHAR({length})"))


def _replace(column: exp.Column, length: int) -> None:
    cast = _as_char(column, length)
    parent = column.parent
    if isinstance(parent, exp.Select) and column.arg_key == "expressions":
        # A bare result column keeps its name.
        column.replace(exp.alias_(cast, column.output_name, quoted=True))
    else:
        column.replace(cast)


def _source_layouts(scope: Scope, ctx: Context) -> dict[str, Layout]:
    layouts: dict[str, Layout] = {}
    for name, source in scope.sources.items():
        layout = (_table_layout(source, ctx) if isinstance(source, exp.Table)
                  else _select_layout(source.expression) if isinstance(source, Scope)
                  else None)
        if layout:
            layouts[name] = layout
    return layouts


def _length_of(column: exp.Column, layouts: dict[str, Layout],
               merged: Layout | None = None) -> int | None:
    if column.table:
        return layouts.get(column.table, {}).get(column.name)
    if merged and column.name in merged:
        return merged[column.name]  # the column JOIN ... USING made of two
    found = [layout[column.name] for layout in layouts.values() if column.name in layout]
    return found[0] if len(found) == 1 else None


def _names_result_column(column: exp.Column, select: exp.Expr) -> bool:
    return (not column.table and isinstance(select, exp.Select)
            and column.find_ancestor(exp.Order) is not None
            and column.name in select.named_selects)


def _stars(select: exp.Select, layouts: dict[str, Layout], merged: Layout) -> None:
    """``*`` and ``t.*`` over tables with CHAR columns: ``* REPLACE (CAST(c AS CHAR(n)) AS c)``
    (for a column JOIN ... USING made of two, ``*`` has it once, unqualified)."""
    for projection in select.expressions:
        star = projection.this if isinstance(projection, exp.Column) else projection
        if not isinstance(star, exp.Star) or star.args.get("replace"):
            continue
        qualified = isinstance(projection, exp.Column)
        owners = [projection.table] if qualified else list(layouts)
        counts: dict[str, int] = {}
        for owner in owners:
            for name in layouts.get(owner, {}):
                counts[name] = counts.get(name, 0) + 1
        replacements = [
            exp.alias_(_as_char(exp.column(name, table=owner, quoted=True), length), name,
                       quoted=True)
            for owner in owners
            for name, length in layouts.get(owner, {}).items()
            if counts[name] == 1  # a name two tables share is ambiguous in REPLACE
            and (qualified or name not in merged)
        ] + [
            exp.alias_(_as_char(exp.column(name, quoted=True), length), name, quoted=True)
            for name, length in ({} if qualified else merged).items()
        ]
        if replacements:
            star.set("replace", replacements)


def _using_side(sources: list[exp.Expr], name: str, layouts: dict[str, Layout]) -> set[int]:
    """The lengths of the CHAR columns ``name`` of the sources on one side of a USING join."""
    return {n for source in sources
            if (n := layouts.get(source.alias_or_name, {}).get(name)) is not None}


def _read_as_char(source: exp.Expr, columns: Layout) -> None:
    """Read a table of the catalog through a derived table whose ``columns`` are CHAR values
    (stored values keep the trailing blanks they were written with, which USING would see)."""
    if not isinstance(source, exp.Table) or not columns:
        return  # a derived table's CHAR columns are CHAR values already
    replaced = [exp.alias_(_as_char(exp.column(name, quoted=True), n), name, quoted=True)
                for name, n in columns.items()]
    table = source.copy()
    alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(source.name))
    table.set("alias", None)  # the derived table takes it (and its column names, if any)
    inner = exp.select(exp.Star(replace=replaced)).from_(table)
    source.replace(exp.Subquery(this=inner, alias=alias))


def _using_columns(select: exp.Expr, layouts: dict[str, Layout]) -> Layout:
    """The CHAR columns JOIN ... USING makes of two in ``select``'s FROM, by name; the tables
    they join are read so that USING compares them without trailing blanks."""
    from_ = select.args.get("from_") if isinstance(select, exp.Select) else None
    if from_ is None:
        return {}
    merged: dict[str, int] = {}
    left: list[exp.Expr] = [from_.this]
    wrapped: dict[int, tuple[exp.Expr, dict[str, int]]] = {}
    for join in select.args.get("joins") or []:
        right = join.this
        for name in [u.name for u in join.args.get("using") or []]:
            lengths = _using_side(left, name, layouts), _using_side([right], name, layouts)
            if not lengths[0] and not lengths[1]:
                continue
            if len(lengths[0]) != 1 or lengths[0] != lengths[1]:
                raise FeatureNotSupported(
                    "feature not supported on Duckshift: JOIN ... USING a CHAR column and a "
                    f'column of another type or length ("{name}"); join ON instead')
            merged[name] = lengths[1].pop()
            for source in [*left, right]:
                if name in layouts.get(source.alias_or_name, {}):
                    wrapped.setdefault(id(source), (source, {}))[1][name] = merged[name]
        left.append(right)
    for source, columns in wrapped.values():
        _read_as_char(source, columns)
    return merged


def _query_columns(tree: exp.Expr, ctx: Context) -> None:
    for scope in traverse_scope(tree):
        layouts = _source_layouts(scope, ctx)
        if not layouts:
            continue
        merged = _using_columns(scope.expression, layouts)
        for column in [*scope.columns, *_filter_columns(scope.expression)]:
            # A name in a star's EXCLUDE list names a column, it does not read it.
            if isinstance(column.this, exp.Star) or isinstance(column.parent, exp.Star) or (
                    _names_result_column(column, scope.expression)):
                continue
            length = _length_of(column, layouts, merged)
            if length is not None:
                _replace(column, length)
        if isinstance(scope.expression, exp.Select):
            _stars(scope.expression, layouts, merged)


def _filter_columns(query: exp.Expr) -> list[exp.Column]:
    """The unqualified columns of HAVING and QUALIFY named like a result column, which the
    scope leaves out as possible aliases: a CHAR column's name there is the column (its
    value without blanks), not the padded result column."""
    names = set(query.named_selects) if isinstance(query, exp.Select) else set()
    return [
        column
        for key in ("having", "qualify")
        if (clause := query.args.get(key)) is not None
        for column in clause.find_all(exp.Column)
        if not column.table and column.name in names
        and column.find_ancestor(exp.Select) is query
    ]


def _target_columns(tree: exp.Update | exp.Delete, ctx: Context) -> None:
    """The target's columns in UPDATE's SET values and WHERE, DELETE's WHERE."""
    target = tree.this
    layout = _table_layout(target, ctx) if isinstance(target, exp.Table) else None
    if not layout:
        return
    for column in list(tree.find_all(exp.Column)):
        if column.find_ancestor(exp.Select) is not None:
            continue  # a subquery's own scope
        if isinstance(column.parent, exp.EQ) and column.arg_key == "this" and (
            column.parent.parent is tree
        ):
            continue  # the column SET assigns
        if column.table and column.table != target.alias_or_name:
            continue
        length = layout.get(column.name)
        if length is not None:
            _replace(column, length)


def _assigned(column: exp.Column) -> bool:
    """Whether ``column`` is what a SET assigns, or a column of INSERT's list, in MERGE."""
    parent = column.parent
    return (isinstance(parent, exp.EQ) and column.arg_key == "this"
            and isinstance(parent.parent, exp.Update)) or (
        isinstance(parent, exp.Tuple) and parent.arg_key == "this"
        and isinstance(parent.parent, exp.Insert))


def _merge_columns(tree: exp.Merge, ctx: Context) -> None:
    """MERGE's target and source columns in ON, the WHEN conditions and the values it sets
    and inserts (its source's own query is a scope of its own)."""
    layouts: dict[str, Layout] = {}
    for relation in (tree.this, tree.args.get("using")):
        layout = (_table_layout(relation, ctx) if isinstance(relation, exp.Table)
                  else _select_layout(relation.this) if isinstance(relation, exp.Subquery)
                  else None)
        if layout and relation is not None:
            layouts[relation.alias_or_name] = layout
    for column in list(tree.find_all(exp.Column)):
        if column.find_ancestor(exp.Select) is not None or _assigned(column):
            continue
        length = _length_of(column, layouts)
        if length is not None:
            _replace(column, length)


def _result_char_columns(query: exp.Select) -> dict[str, int]:
    """The columns of a query's result that are CHAR values, by name."""
    found: dict[str, int] = {}
    for projection in query.expressions:
        star = projection.this if isinstance(projection, exp.Column) else projection
        replaced = star.args.get("replace") or [] if isinstance(star, exp.Star) else []
        for column in [projection, *replaced]:
            length = _char_length(column)
            if length is not None:
                found[column.alias_or_name] = length
    return found


def _create_as(tree: exp.Create) -> None:
    """A CTAS whose query returns CHAR values makes CHAR columns, as in Redshift (the table is
    made when it runs, from the query's types then: ``proxy/late_ddl.py``), also with a list of
    column names (which name the query's columns by position) or IF NOT EXISTS."""
    query = tree.expression
    names = tree.this
    if (not isinstance(query, exp.Select) or companions.late(tree) is not None
            or (isinstance(names, exp.Schema) and not all(
                isinstance(name, exp.Identifier) for name in names.expressions))):
        return
    for projection in query.expressions:
        if isinstance(projection, exp.Cast) and _char_length(projection) is not None:
            # An unnamed CHAR cast's column is named after its type, as in PostgreSQL.
            projection.replace(exp.alias_(projection.copy(), "bpchar", quoted=True))
    found = _result_char_columns(query)
    if found:
        companions.set_late(tree, CreateAsChar(tuple(found.items())))


def table_with_char_columns(create: exp.Create, described: list[tuple[str, str]],
                            lengths: Mapping[str, int]) -> list[exp.Expr]:
    """A CTAS as CREATE TABLE (the query's columns, typed as ``described``, the CHAR ones
    with their CHECKs, named by the CTAS's list of names where it has one) and an INSERT of
    the query's rows.

    Args:
        create: the CTAS as DuckDB SQL parsed (its IF NOT EXISTS is dropped: the caller knows
            the table does not exist).
        described: (name, DuckDB type) of each column of its query.
        lengths: n of the columns of the query that are CHAR(n).
    """
    target = create.this
    table = (target.this if isinstance(target, exp.Schema) else target).copy()
    names = [e.name for e in target.expressions] if isinstance(target, exp.Schema) else []
    definitions = []
    for position, (name, duck_type) in enumerate(described):
        column = exp.to_identifier(names[position] if position < len(names) else name,
                                   quoted=True)
        definition = exp.ColumnDef(this=column, kind=exp.DataType.build(duck_type,
                                                                        dialect="duckdb"))
        for constraint in char_constraints(column, lengths[name]) if name in lengths else []:
            definition.append("constraints", constraint)
        definitions.append(definition)
    made = create.copy()
    made.set("expression", None)
    made.set("exists", None)
    made.set("this", exp.Schema(this=table, expressions=definitions))
    return [made, exp.insert(create.expression.copy(), table.copy())]


def char_columns(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Read each reference to a CHAR(n) column as ``CAST(column AS CHAR(n))``; a CREATE TABLE
    AS whose query returns CHAR values makes CHAR columns."""
    if (ctx.char_columns and any(_table_layout(t, ctx) for t in tree.find_all(exp.Table))) or any(
        # A derived table's or CTE's CHAR casts are CHAR columns of it.
        _char_length(cast) is not None for cast in tree.find_all(exp.Cast)
    ):
        _statement_columns(tree, ctx)
    # Also without CHAR columns in the catalog: the query may cast to CHAR.
    if isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE":
        _create_as(tree)
    elif isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "VIEW":
        _positional_stars(tree)
    return tree


def _statement_columns(tree: exp.Expr, ctx: Context) -> None:
    """Rewrite the references to CHAR columns of ``tree``'s relations and queries."""
    if isinstance(tree, exp.Update | exp.Delete | exp.Merge):
        for query in [s for s in tree.find_all(exp.Select) if s.parent is not None
                      and s.parent.find_ancestor(exp.Select) is None]:
            _query_columns(query, ctx)  # its subqueries, outermost first
        if isinstance(tree, exp.Merge):
            _merge_columns(tree, ctx)  # after its source's query, whose columns it reads
        else:
            _target_columns(tree, ctx)
    else:
        _query_columns(tree, ctx)


def _positional_stars(tree: exp.Create) -> None:
    """Refuse a view whose columns are named by position (a list of names, a set operation)
    over a ``*`` with CHAR columns: where they are among its columns is not known until
    DuckDB expands the ``*``, so the catalog could not tell which of the view's columns are
    CHAR (``proxy/sql/char_views.py``)."""
    query = tree.expression
    if not isinstance(tree.this, exp.Schema) and not isinstance(query, exp.SetOperation):
        return
    for select in branches(query) if query is not None else []:
        projections = select.expressions if isinstance(select, exp.Select) else []
        stars = [p.this if isinstance(p, exp.Column) else p for p in projections]
        if any(isinstance(star, exp.Star) and star.args.get("replace") for star in stars):
            raise FeatureNotSupported(
                "feature not supported on Duckshift: a view with a list of column names or a "
                "set operation over * of a relation with CHAR columns; name its columns")
