"""JOIN ... USING VARCHAR columns (and NATURAL joins), matched without trailing blanks.

``a JOIN b USING (c)`` matches rows whose ``c`` are equal, and Redshift compares VARCHAR values
without their trailing blanks (``varchar_blanks``), so ``'x'`` meets ``'x '``; DuckDB's USING
compares bytes. Where a USING column is a string that may end with a blank on either side, a
join USING it becomes the join ON ``BARE(a.c) = BARE(b.c)`` (its other USING columns
``a.d = b.d``, of any type), and the merged column of an inner or left join is the left
table's, as Redshift's is for these joins (it shows the left row's stored value): an
unqualified reference to it in the query is ``a.c`` and ``*`` leaves ``b.c`` out (``*
EXCLUDE (b.c)``: the columns in the order DuckDB's USING gives them, README: known
differences). Of a right or full join, the merged column is PostgreSQL's: the right table's
(RIGHT), ``COALESCE(a.c, b.c)`` (FULL), and ``*`` is written out in PostgreSQL's order (of
each join USING columns, the merged columns, then its left side's others, then its right
table's); the other joins USING columns of the query (of any type) are rewritten with it, and
such a ``*`` beside a join whose columns are not known is refused (0A000). A name two joins
USING (``a JOIN b USING (k) JOIN c USING (k)``) is, to the later join, the merged column of the
earlier (``a.k``, or ``COALESCE(a.k, b.k)`` after a full join), as in PostgreSQL; such joins
are rewritten together or not at all (a join left USING a name would find it in two tables).

A NATURAL join is, as PostgreSQL defines it, the join USING the names both its sides have (in
the left side's order): where the columns of its sides are known (a table's or view's from the
catalog, ``Context.relation_columns``; a derived table's or CTE's from its query) it becomes
that join first and is matched as above (its CHAR columns then as ``char_columns`` matches
USING CHAR columns); where they are not and may be strings it is refused (0A000).

A subquery's unqualified reference to a USING column that no query between has a column of
is the merged column too; where a query between has sources whose columns are not known, the
join is left as written. Also left as written: USING CHAR columns (``char_columns`` reads both
sides as CHAR values, which match without blanks; beside a string that may end with a blank,
refused) and clean columns (``Context.clean_columns``, noted as read); a ``*`` that already
excludes or replaces columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from catalog.errors import FeatureNotSupported
from engine import macros
from proxy.sql.context import BlankNotes, Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.varchar_blanks import (
    CHAR,
    Outputs,
    Resolve,
    blank_ended,
    column_names,
    names_column,
    operand_kind,
    resolved_scopes,
    statement_queries,
    string_names,
)


def _owner(name: str, sources: list[str], resolve: Resolve, names: Names) -> str | None:
    """The one of ``sources`` that has a string column ``name`` or, where none has, the one
    that has a column ``name`` (None where that is not known)."""
    owners = [source for source in sources
              if resolve(exp.column(name, table=source)) is not None]
    if not owners:
        found = [names(source) for source in sources]
        if None in found:
            return None
        owners = [source for source, columns in zip(sources, found, strict=True)
                  if name in (columns or [])]
    return owners[0] if len(owners) == 1 else None


def _unqualified(select: exp.Select, scope: Scope, name: str) -> list[exp.Column]:
    """The references to the merged column ``name`` in the query (not a name in ORDER BY
    that names a result column: it stays the result's)."""
    columns = []
    for column in scope.find_all(exp.Column):
        if column.table or column.name != name or isinstance(column.this, exp.Star):
            continue
        if (column.find_ancestor(exp.Order, exp.Select) is not select.args.get("order")
                or column.name not in select.named_selects):
            columns.append(column)
    return columns


def _nested_references(scope: Scope, names: set[str], has: Has) -> list[exp.Column] | None:
    """The unqualified references to ``names`` in the subqueries of the query that mean its
    merged columns: no query between has a column of that name (``names_column``). None
    where one may mean either (the columns of a source between are not known)."""
    found = []
    for child in scope.subquery_scopes:
        for inner in child.traverse():
            for column in inner.find_all(exp.Column):
                if column.table or column.name not in names or isinstance(column.this, exp.Star):
                    continue
                level: Scope | None = inner
                while level is not None and level is not scope:
                    owned = has(level, column.name)
                    if owned is None:
                        return None
                    if owned:
                        break
                    level = level.parent
                else:
                    found.append(column)
    return found


_OUTER = ("RIGHT", "FULL")
# (the left side's operand, the right table's column, whether each may end with a blank)
Pair = tuple[exp.Expr, exp.Column, list[bool]]
# (the position of a join, the merged column a name is after it; -1: before any)
Step = tuple[int, exp.Expr]


def _pairs(select: exp.Select, position: int, merged: dict[str, exp.Expr], resolve: Resolve,
           names: Names, notes: BlankNotes | None) -> list[Pair] | None:
    """The operands the join at ``position`` matches USING, None where it stays as written.
    A name an earlier join merged is that join's merged column (``merged``), as in
    PostgreSQL: ``a JOIN b USING (k) JOIN c USING (k)`` matches ``c.k`` with ``a.k``. A
    column that is a string on neither side is matched as written (``a.id = b.id``)."""
    joins = select.args["joins"]
    join = joins[position]
    right = join.this.alias_or_name
    if (join.side not in ("", "LEFT", "RIGHT", "FULL") or not right or join.method
            or join.args.get("on") is not None):
        return None
    left = [select.args["from_"].this.alias_or_name] + [j.this.alias_or_name
                                                        for j in joins[:position]]
    pairs = []
    chars = False
    for identifier in join.args["using"]:
        name = identifier.name
        if name in merged:
            operand = merged[name].copy()
        else:
            owner = _owner(name, left, resolve, names)
            if owner is None:
                return None
            operand = exp.column(name, table=owner)
        right_column = exp.column(name, table=right)
        kinds = [operand_kind(operand, resolve), resolve(right_column)]
        if kinds == [None, None] and name in (names(right) or []):
            pairs.append((operand, right_column, [False, False]))
            continue
        if None in kinds:
            return None
        chars |= CHAR in kinds
        pairs.append((operand, right_column,
                      [blank_ended(side, resolve, notes) for side in (operand, right_column)]))
    if chars and any(any(ended) for _, _, ended in pairs):
        # char_columns reads the tables joined USING a CHAR column through derived tables of
        # CHAR values, which a join ON these tables' VARCHAR columns could not also be.
        raise FeatureNotSupported(
            "feature not supported on Duckshift: a join USING (or NATURAL over) a CHAR column "
            "beside a VARCHAR column that may hold values ending with blanks; join ON instead")
    return None if chars else pairs


def _using_names(join: exp.Join) -> set[str]:
    return {identifier.name for identifier in join.args.get("using") or []}


def _components(joins: list[exp.Join]) -> list[list[int]]:
    """The positions of the USING joins, in sets that share a name (transitively): a name
    two joins USING is matched by both or by neither."""
    components: list[tuple[set[str], list[int]]] = []
    for position, join in enumerate(joins):
        names = _using_names(join)
        if not names:
            continue
        joined = [c for c in components if c[0] & names]
        component = (set(names), [position])
        for other in joined:
            components.remove(other)
            component[0].update(other[0])
            component[1].extend(other[1])
        components.append(component)
    return [sorted(positions) for _, positions in components]


def _joins(select: exp.Select, scope: Scope, resolve: Resolve, names: Names, has: Has,
           notes: BlankNotes | None) -> None:
    """Match the USING columns of the joins of ``select`` without trailing blanks."""
    joins = select.args["joins"]
    stars = [p for p in select.expressions if isinstance(p, exp.Star)]
    if any(star.args.get("except_") or star.args.get("replace") for star in stars):
        return
    # Of each set of joins that can be rewritten together: their positions, pairs and, of
    # each name, its merged column after each join; whether one of them needs it; the
    # references to its names in subqueries.
    complete: list[tuple[list[int], dict[int, list[Pair]], dict[str, list[Step]], bool,
                         list[exp.Column]]] = []
    for component in _components(joins):
        found: dict[int, list[Pair]] = {}
        state: dict[str, exp.Expr] = {}
        steps: dict[str, list[Step]] = {}
        for position in component:
            pairs = _pairs(select, position, state, resolve, names, notes)
            if pairs is None:
                break
            found[position] = pairs
            for operand, right_column, _ in pairs:
                if right_column.name not in steps:  # what the name meant before
                    steps[right_column.name] = [(-1, operand)]
                state[right_column.name] = _merged(joins[position].side, operand, right_column)
                steps[right_column.name].append((position, state[right_column.name]))
        else:
            names_used = set().union(*(_using_names(joins[p]) for p in component))
            nested = _nested_references(scope, names_used, has)
            if nested is not None:
                needed = any(any(ended) for pairs in found.values() for _, _, ended in pairs)
                complete.append((component, found, steps, needed, nested))
    planned = [entry for entry in complete if entry[3]]
    outer = any(joins[position].side in _OUTER for entry in planned for position in entry[0])
    if stars and outer:
        # A star of a right or full join is written out from what is known of each join:
        # every join USING columns is rewritten, and one whose columns are not known (or a
        # NATURAL join's) would merge more.
        planned = complete
        rewritten = {position for entry in planned for position in entry[0]}
        if any(j.method or (j.args.get("using") and i not in rewritten)
               for i, j in enumerate(joins)):
            raise FeatureNotSupported(
                "feature not supported on Duckshift: SELECT * of a RIGHT or FULL join USING a "
                "VARCHAR column beside a join whose columns are not known; name the columns")
    plans = {position: pairs for _, found, _, _, _ in planned
             for position, pairs in found.items()}
    history = {name: steps for _, _, found_steps, _, _ in planned
               for name, steps in found_steps.items()}
    nested_references = [column for *_, nested in planned for column in nested]
    if not plans:
        return
    for name, steps in history.items():
        for column in [*_unqualified(select, scope, name),
                       *(c for c in nested_references if c.name == name)]:
            value = _merged_at(column, steps, joins)
            if isinstance(value, exp.Column):
                column.set("table", value.args["table"].copy())
            elif column.parent is select:  # a result column keeps its name
                column.replace(exp.alias_(value.copy(), column.name))
            else:
                column.replace(value.copy())
    for position, pairs in plans.items():
        join = joins[position]
        join.set("using", None)
        join.set("on", exp.and_(*[
            exp.EQ(this=call(macros.BARE, left.copy()),
                   expression=call(macros.BARE, right_column.copy()))
            if any(ended) else exp.EQ(this=left.copy(), expression=right_column.copy())
            for left, right_column, ended in pairs]))
    if stars and outer:  # DuckDB's USING order is not PostgreSQL's
        select.set("expressions", [
            expanded for projection in select.expressions
            for expanded in (_postgres_star(select, plans, history, names)
                             if isinstance(projection, exp.Star) else [projection])])
    for star in stars if not outer else []:
        star.set("except_", [right_column.copy() for pairs in plans.values()
                             for _, right_column, _ in pairs])


def _merged_at(column: exp.Column, steps: list[Step],
               joins: list[exp.Join]) -> exp.Expr:
    """The merged column a reference means: in the ON of a later join (a subquery's there
    too), the one of the joins before it; elsewhere, of them all."""
    node = column.parent
    while node is not None and not any(node is join for join in joins):
        node = node.parent
    at = next((i for i, j in enumerate(joins) if j is node), len(joins))
    return next(value for position, value in reversed(steps) if position < at)


def _merged(side: str, left: exp.Expr, right: exp.Column) -> exp.Expr:
    """The merged column of a join USING a column, by PostgreSQL's rule: the left table's
    of an inner or left join, the right table's of a right join, and of a full join the
    left's where it has a row (``COALESCE(left, right)``)."""
    if side == "RIGHT":
        return right.copy()
    if side == "FULL":
        return exp.Coalesce(this=left.copy(), expressions=[right.copy()])
    return left.copy()


def _postgres_star(select: exp.Select, plans: dict[int, list[Pair]],
                   history: dict[str, list[Step]], columns: Names) -> list[exp.Expr]:
    """``*`` of joins USING the ``plans``' columns, in PostgreSQL's order: a join USING
    columns has its merged columns first, then its left side's other columns, then its
    right table's (``a FULL JOIN b USING (k) FULL JOIN c USING (k)``: ``k``, then ``a``'s,
    ``b``'s and ``c``'s others)."""
    joins = select.args["joins"]
    # Each a table's alias, or (name,) of a merged column.
    segments: list[str | tuple[str]] = [select.args["from_"].this.alias_or_name]
    merged_from: dict[str, set[str]] = {}  # of a merged column, the tables merged into it
    for position, join in enumerate(joins):
        right = join.this.alias_or_name
        names = [right_column.name for _, right_column, _ in plans.get(position, [])]
        for operand, right_column, _ in plans.get(position, []):
            merged_from.setdefault(right_column.name, {
                column.table for column in operand.find_all(exp.Column)}).add(right)
        segments = [(name,) for name in names] + [
            segment for segment in segments
            if not (isinstance(segment, tuple) and segment[0] in names)] + [right]
    stars: list[exp.Expr] = []
    for segment in segments:
        if isinstance(segment, tuple):
            stars.append(exp.alias_(history[segment[0]][-1][1].copy(), segment[0]))
            continue
        star = exp.Star()
        owned = [exp.column(name) for name, tables in merged_from.items() if segment in tables]
        known = columns(segment)
        if known is not None and set(known) <= {column.name for column in owned}:
            continue  # every column of the table is a merged one
        if owned:
            star.set("except_", owned)
        stars.append(exp.Column(this=star, table=exp.to_identifier(segment)))
    return stars


# The names of the columns of a source of a query's FROM, by its alias, in their order (None
# where they are not known).
Names = Callable[[str], list[str] | None]
# Whether a query names a column (``names_column``): of any of its sources, or an alias.
Has = Callable[[Scope, str], bool | None]


def _source_names(scope: Scope, ctx: Context, known: Mapping[int, Outputs]) -> Names:
    """The columns of each source of ``scope``'s FROM (``column_names``)."""
    def names(alias: str) -> list[str] | None:
        node, source = scope.selected_sources.get(alias, (None, None))
        return None if source is None else column_names(source, ctx, known, node)
    return names


def _natural(join: exp.Join) -> bool:
    return (join.method or "").upper() == "NATURAL"


def _natural_joins(select: exp.Select, resolve: Resolve, names: Names) -> None:
    """Each NATURAL join of ``select`` as the join USING its common columns (PostgreSQL's
    definition of it: the names both sides have, in the left side's order), which ``_joins``
    then matches as it matches any; 0A000 where they are not known and may be strings."""
    def strings(aliases: list[str]) -> bool:
        return any(resolve(exp.column(name, table=alias)) is not None
                   for alias in aliases for name in names(alias) or [])

    aliases = [select.args["from_"].this.alias_or_name]
    left = names(aliases[0])
    for join in select.args.get("joins") or []:
        alias = join.this.alias_or_name
        right = names(alias) if alias else None
        using = [identifier.name for identifier in join.args.get("using") or []]
        if _natural(join) and (left is None or right is None):
            if (right is None and (left is None or strings(aliases))) or (
                    left is None and strings([alias])):
                raise FeatureNotSupported(
                    "feature not supported on Duckshift: a NATURAL join of a relation whose "
                    "columns are not known (it may match VARCHAR values by their trailing "
                    "blanks); join USING the common columns instead")
        elif _natural(join):
            using = [name for name in dict.fromkeys(left or []) if name in right]
            if not using:  # no name in common: every row meets every row (DuckDB refuses it)
                join.set("method", None)
                join.set("on", exp.true())
            elif all((left or []).count(n) == 1 == right.count(n) for n in using):
                join.set("method", None)
                join.set("using", [exp.to_identifier(name) for name in using])
        left = None if left is None or right is None else [
            *using, *(n for n in left if n not in using), *(n for n in right if n not in using)]
        aliases.append(alias)


def _selects(tree: exp.Expr, ctx: Context, wanted: Callable[[exp.Select], bool],
             ) -> list[tuple[exp.Select, Scope, Resolve, Names, Has]]:
    """The queries of the statement ``wanted`` picks, each with its scope, the resolver of its
    columns' kinds, the names of its sources' columns and ``names_column`` of its queries."""
    queries = statement_queries(tree) if isinstance(
        tree, exp.Update | exp.Delete | exp.Merge) else [tree]
    found = []
    for query in queries:
        resolvers, known = resolved_scopes(query, ctx)
        for scope, resolve in resolvers:
            select = scope.expression
            if isinstance(select, exp.Select) and select.args.get("from_") is not None and (
                    wanted(select)):
                found.append((select, scope, resolve, _source_names(scope, ctx, known),
                              partial(names_column, ctx=ctx, known=known)))
    return found


def varchar_using(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Match JOIN ... USING strings (a NATURAL join's too) without their trailing blanks."""
    joins = list(tree.find_all(exp.Join))
    if any(_natural(join) for join in joins):  # rare: only these pay for reading the columns
        if any(_natural(join) and join.find_ancestor(exp.Select) is None for join in joins):
            raise FeatureNotSupported(
                "feature not supported on Duckshift: a NATURAL join in the FROM or USING of "
                "UPDATE, DELETE or MERGE; join USING the common columns instead")
        for select, _, resolve, names, _ in _selects(tree, ctx, lambda select: any(
                _natural(join) for join in select.args.get("joins") or [])):
            _natural_joins(select, resolve, names)
    # Most statements join without USING, or USING columns of other types or known clean.
    using = {identifier.name for join in joins
             for identifier in join.args.get("using") or []}
    if not using or not using & string_names(tree, ctx, clean=False):
        if ctx.blank_notes is not None and using and using & string_names(tree, ctx):
            ctx.blank_notes.used = True  # a clean column joined as written
        return tree
    for select, scope, resolve, names, has in _selects(tree, ctx, lambda select: any(
            join.args.get("using") for join in select.args.get("joins") or [])):
        _joins(select, scope, resolve, names, has, ctx.blank_notes)
    return tree
