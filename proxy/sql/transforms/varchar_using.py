"""JOIN ... USING VARCHAR columns, matched without trailing blanks.

``a JOIN b USING (c)`` matches rows whose ``c`` are equal, and Redshift compares VARCHAR values
without their trailing blanks (``varchar_blanks``), so ``'x'`` meets ``'x '``; DuckDB's USING
compares bytes. Where a USING column is a string that may end with a blank on either side, a
join USING it becomes the join ON ``BARE(a.c) = BARE(b.c)`` (its other USING columns
``a.d = b.d``), and the merged column of an inner or left join is the left table's, as
Redshift's is for these joins (it shows the left row's stored value): an unqualified
reference to it in the query is ``a.c`` and ``*`` leaves ``b.c`` out (``* EXCLUDE (b.c)``:
the columns in the order DuckDB's USING gives them, README: known differences). Of a right
or full join, the merged column is PostgreSQL's: the right table's (RIGHT),
``COALESCE(a.c, b.c)`` (FULL), and ``*`` is written out in PostgreSQL's order (the merged
columns, then each table's others); a query with another USING or NATURAL join and such a
``*`` is left as written.

Left as written: USING CHAR columns (``char_columns`` reads both sides as CHAR values, which
match without blanks) and clean columns (``Context.clean_columns``, noted as read); a join
whose USING column is also merged by an earlier or a later join of the query, or named
unqualified in a subquery of it; a ``*`` that already excludes or replaces columns.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from engine import macros
from proxy.sql.context import BlankNotes, Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.varchar_blanks import (
    CHAR,
    Resolve,
    blank_ended,
    operand_kind,
    resolved_scopes,
    statement_queries,
    string_names,
)


def _owner(name: str, sources: list[str], resolve: Resolve) -> str | None:
    """The one of ``sources`` that has a string column ``name``."""
    owners = [source for source in sources
              if resolve(exp.column(name, table=source)) is not None]
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


def _nested_reference(select: exp.Select, scope: Scope, names: set[str]) -> bool:
    """Whether a subquery of the query names one of ``names`` unqualified (it may mean the
    merged column)."""
    return any(column.name in names and not column.table
               for child in scope.subquery_scopes + scope.derived_table_scopes
               for column in child.expression.find_all(exp.Column))


def _join(select: exp.Select, scope: Scope, position: int, resolve: Resolve,
          notes: BlankNotes | None) -> None:
    """Match the USING columns of the join at ``position`` without trailing blanks."""
    joins = select.args["joins"]
    join = joins[position]
    right = join.this.alias_or_name
    left = [select.args["from_"].this.alias_or_name] + [j.this.alias_or_name
                                                        for j in joins[:position]]
    names = [identifier.name for identifier in join.args["using"]]
    if (join.side not in ("", "LEFT", "RIGHT", "FULL") or not right
            or join.args.get("on") is not None
            or any(name in (i.name for j in joins[:position] + joins[position + 1:]
                            for i in j.args.get("using") or [])
                   for name in names)):
        return
    pairs = []
    for name in names:
        owner = _owner(name, left, resolve)
        if owner is None or resolve(exp.column(name, table=right)) is None:
            return
        pair = (exp.column(name, table=owner), exp.column(name, table=right))
        if any(operand_kind(side, resolve) == CHAR for side in pair):
            return
        pairs.append((*pair, [blank_ended(side, resolve, notes) for side in pair]))
    stars = [p for p in select.expressions if isinstance(p, exp.Star)]
    outer = join.side in ("RIGHT", "FULL")
    if (not any(any(ended) for _, _, ended in pairs) or _nested_reference(select, scope, set(names))
            or any(star.args.get("except_") or star.args.get("replace") for star in stars)
            # a star made of each table's: another USING or NATURAL join would merge more
            or (outer and stars and any(j is not join and (j.args.get("using") or j.method)
                                        for j in joins))):
        return
    for owner_column, right_column, _ in pairs:
        merged = _merged(join.side, owner_column, right_column)
        for column in _unqualified(select, scope, owner_column.name):
            if isinstance(merged, exp.Column):
                column.set("table", merged.args["table"].copy())
            elif column.parent is select:  # a result column keeps its name
                column.replace(exp.alias_(merged.copy(), column.name))
            else:
                column.replace(merged.copy())
    join.set("using", None)
    join.set("on", exp.and_(*[
        exp.EQ(this=call(macros.BARE, left_column), expression=call(macros.BARE, right_column))
        if any(ended) else exp.EQ(this=left_column, expression=right_column)
        for left_column, right_column, ended in pairs]))
    if outer and stars:  # DuckDB's USING order is not PostgreSQL's
        select.set("expressions", [
            expanded for projection in select.expressions
            for expanded in (_table_stars(select, right, pairs, join.side)
                             if isinstance(projection, exp.Star) else [projection])])
    for star in stars if not outer else []:
        star.set("except_", [right_column.copy() for _, right_column, _ in pairs])


def _merged(side: str, left: exp.Column, right: exp.Column) -> exp.Expr:
    """The merged column of a join USING a column, by PostgreSQL's rule: the left table's
    of an inner or left join, the right table's of a right join, and of a full join the
    left's where it has a row (``COALESCE(left, right)``)."""
    if side == "RIGHT":
        return right.copy()
    if side == "FULL":
        return exp.Coalesce(this=left.copy(), expressions=[right.copy()])
    return left.copy()


def _table_stars(select: exp.Select, right: str, pairs: list[tuple[exp.Column, exp.Column,
                                                                   list[bool]]],
                 side: str) -> list[exp.Expr]:
    """``*`` of a right or full join USING the ``pairs``, in PostgreSQL's order: the merged
    columns, then each table's other columns."""
    merged: list[exp.Expr] = [exp.alias_(_merged(side, left, right_column), left.name)
                              for left, right_column, _ in pairs]
    stars = []
    for source in [select.args["from_"].this, *(j.this for j in select.args["joins"])]:
        name = source.alias_or_name
        star = exp.Star()
        owned = [exp.column(left.name) for left, _, _ in pairs
                 if left.table == name or name == right]
        if owned:
            star.set("except_", owned)
        stars.append(exp.Column(this=star, table=exp.to_identifier(name)))
    return merged + stars


def varchar_using(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Match JOIN ... USING strings without their trailing blanks."""
    # Most statements join without USING, or USING columns of other types or known clean.
    using = {identifier.name for join in tree.find_all(exp.Join)
             for identifier in join.args.get("using") or []}
    if not using or not using & string_names(tree, ctx, clean=False):
        if ctx.blank_notes is not None and using and using & string_names(tree, ctx):
            ctx.blank_notes.used = True  # a clean column joined as written
        return tree
    queries = statement_queries(tree) if isinstance(
        tree, exp.Update | exp.Delete | exp.Merge) else [tree]
    for query in queries:
        for scope, resolve in resolved_scopes(query, ctx)[0]:
            select = scope.expression
            if isinstance(select, exp.Select) and select.args.get("from_") is not None:
                for position, join in enumerate(select.args.get("joins") or []):
                    if join.args.get("using"):
                        _join(select, scope, position, resolve, ctx.blank_notes)
    return tree
