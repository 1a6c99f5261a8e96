"""VARCHAR values grouped, made DISTINCT, counted DISTINCT, set-combined and partitioned
without trailing blanks.

Redshift compares VARCHAR values without their trailing blanks (``varchar_blanks``), and
groups them as it compares them: ``'a'`` and ``'a '`` are one group, one DISTINCT row, one
value to COUNT(DISTINCT). DuckDB groups by bytes. So where a query groups a string (by how
it is written: ``varchar_blanks.operand_kind``) that may end with a blank:

* the key is grouped as the engine's ``BARE(key)`` (in GROUP BY, ROLLUP, CUBE and GROUPING
  SETS; written as the expression, its position in the select list or its alias);
* where the query reads the key once per group (the select list, HAVING, ORDER BY, QUALIFY
  and window specifications, outside aggregates) it reads ``min(key)``: one of the group's
  stored values, as Redshift shows one of them, here the one with the fewest blanks (never
  the value without its blanks unless one is stored so); NULL in the rows in which ROLLUP,
  CUBE or GROUPING SETS sum over the key, and GROUPING(key) is GROUPING(BARE(key)); a
  subquery there that reads the key (a column of the query's that no query between has)
  reads the same, an aggregate of the query's, while an aggregate in a subquery of the
  query's columns only is the query's and reads the rows (``_subquery_reads``);
* SELECT DISTINCT (of a select list without ``*``, aggregates or windows) is the GROUP BY
  of its columns, rewritten as above; any other SELECT DISTINCT (of ``*`` or ``t.*`` of
  tables, joins, derived tables and CTEs, with aggregates, windows or GROUP BY) is DISTINCT
  ON its values, ``BARE`` of the strings (a star's one by one, its CHAR columns as the
  values ``char_columns`` reads, its others as ``COLUMNS(* EXCLUDE (...))``), ordered last
  by the strings so that the row kept shows the fewest blanks;
* COUNT(DISTINCT key) and APPROXIMATE COUNT(DISTINCT key) count ``BARE(key)``, and a
  window's PARTITION BY key partitions by it; LISTAGG(DISTINCT key) concatenates one stored
  value of each set of equal ones, not an empty string (``_distinct_listaggs``);
* UNION, INTERSECT and EXCEPT (MINUS) are the GROUP BY of every column of their rows: of a
  UNION's, UNION ALL'd; of INTERSECT's and EXCEPT's, the left branch's that have (have not) a
  match among the right's, compared as ``BARE`` values (ORDER BY, LIMIT and WITH move to the
  query that replaces them); INTERSECT ALL and EXCEPT ALL match the n-th of the equal rows
  of one branch with the n-th of the other's, and are not grouped. A CHAR column beside
  strings is one of them (``char_columns`` reads its values without their blanks); a
  column CHAR in every branch is grouped as it is and stays CHAR (``char_columns`` reads
  the columns of the derived table made here by the names it gives them).

Measured on 6M rows of 1,000 keys: GROUP BY c 157 ms, by ``BARE(c)`` with ``min(c)`` 394 ms
(``any_value`` 245 ms, but the value it shows varies from run to run; ``rtrim`` rather than
``BARE`` 1,363 ms); LISTAGG(DISTINCT c) per group 430-440 ms against 320-345 ms, SELECT
DISTINCT * as DISTINCT ON 805-840 ms against 295-310 ms (2 columns, 6M rows, 291,000
distinct rows). So a column no value of which ends with a blank (``Context.clean_columns``,
also through a derived table or CTE) is grouped as written, and so are literals, CHAR values
(``char_columns`` reads them as CHAR casts, which group without blanks) and what is not a
string; a grouped column that may hold blank-ended values is noted for a scan
(``Context.blank_notes``), as a compared one is.

Left as written (README: known differences): a SELECT DISTINCT ``*`` whose columns are not
known here (a string column USING merged and left as written, a derived table's string column
of a name two of its sources have), a LISTAGG(DISTINCT) ordered by another expression
(Redshift refuses it), a query whose subquery reads one of its grouped keys that is an
expression, or names a key's column unqualified beside a source whose columns are not known, a
set operation whose branches are set operations with their own ORDER BY or LIMIT. A set
operation's column that is CHAR in some branches and a string literal in the others is a CHAR
column: its literals lose their trailing blanks (as the set operation's own result column,
``blank_padded`` pads it; beside a string that may end with a blank there, refused).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from catalog.errors import FeatureNotSupported
from engine import macros
from proxy.sql.char_views import branches
from proxy.sql.context import BlankNotes, Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.varchar_blanks import (
    CHAR,
    CLEAN,
    LITERAL,
    NULL,
    STRING,
    Outputs,
    Resolve,
    blank_ended,
    column_names,
    operand_kind,
    resolved_scopes,
    source_kinds,
    statement_queries,
    string_names,
)

# The clauses of a set operation that apply to its result.
_MODIFIERS = ("order", "limit", "offset")
# The names of the derived tables of a set operation's rows (of INTERSECT's and EXCEPT's
# right branch, _OTHERS).
_ROWS = "_ds_rows"
_OTHERS = "_ds_others"
# The number of a row among its equals (INTERSECT ALL, EXCEPT ALL).
_NUMBER = "_ds_n"

_AGGREGATES = (exp.AggFunc, exp.Filter, exp.WithinGroup)
# What may group strings.
_GROUPING = (exp.Group, exp.Distinct, exp.ApproxDistinct, exp.SetOperation, exp.Window)

# (key, whether ROLLUP, CUBE or GROUPING SETS may sum over it)
Key = tuple[exp.Expr, bool]
_SUMMED = (exp.Rollup, exp.Cube, exp.GroupingSets)


def _value(projection: exp.Expr) -> exp.Expr:
    return projection.this if isinstance(projection, exp.Alias) else projection


def _group_items(group: exp.Group) -> Iterator[tuple[exp.Expr, bool]]:
    """(item, whether summed over) of each expression a GROUP BY groups by."""
    for item in group.expressions:
        if not isinstance(item, _SUMMED):
            yield item, False
            continue
        for member in item.expressions:
            parts = member.expressions if isinstance(member, exp.Tuple) else [member]
            for part in parts:
                yield (part.this if isinstance(part, exp.Paren) else part), True


def _grouped_value(item: exp.Expr, select: exp.Select, resolve: Resolve) -> exp.Expr | None:
    """What a GROUP BY item groups by: an expression, a position in the select list, or an
    alias of it (a name that is not a string column of the query's sources)."""
    if isinstance(item, exp.Literal):
        position = int(item.name) - 1 if item.is_int else -1
        ok = 0 <= position < len(select.expressions)
        return _value(select.expressions[position]) if ok else None
    if isinstance(item, exp.Column) and not item.table and resolve(item) is None:
        for projection in select.expressions:
            if isinstance(projection, exp.Alias) and projection.alias == item.name:
                return projection.this
    return item


def _same(node: exp.Expr, key: exp.Expr) -> bool:
    if isinstance(node, exp.Column) and isinstance(key, exp.Column):
        return node.name == key.name and (
            not node.table or not key.table or node.table == key.table)
    return type(node) is type(key) and node == key


def _key_of(node: exp.Expr, keys: list[Key]) -> Key | None:
    return next((key for key in keys if _same(node, key[0])), None)


def _representative(key: Key) -> exp.Expr:
    """The value a group shows of its key: one of its stored values (NULL where a summary
    row sums over the key)."""
    value, summed = key
    shown = exp.Min(this=value.copy())
    if not summed:
        return shown
    grouping = exp.Grouping(expressions=[call(macros.BARE, value.copy())])
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=grouping, expression=exp.Literal.number(0)),
                                true=shown)])


def _lift(root: exp.Expr, keys: list[Key]) -> None:
    """Read the keys under ``root`` once per group, outside aggregates."""
    stack = list(root.iter_expressions())
    while stack:
        node = stack.pop()
        key = _key_of(node, keys)
        if key is not None:
            node.replace(_representative(key))
        elif isinstance(node, exp.Grouping):
            for argument in node.expressions:
                found = _key_of(argument, keys)
                if found is not None:
                    argument.replace(call(macros.BARE, found[0].copy()))
        elif not isinstance(node, exp.Query | exp.Subquery) and not (
                isinstance(node, _AGGREGATES) and not isinstance(node.parent, exp.Window)):
            # An aggregate (its FILTER and WITHIN GROUP too) reads the rows; one that is a
            # window function's reads the groups.
            stack.extend(node.iter_expressions())


def _reads_per_group(select: exp.Select) -> list[exp.Expr]:
    """The clauses of ``select`` evaluated once per group."""
    clauses = [select.args.get(name) for name in ("having", "order", "qualify")]
    return [clause for clause in clauses if clause is not None] + list(
        select.args.get("windows") or [])


# Whether the sources of a query (its SELECT) have a column (None: not known).
Owns = Callable[[exp.Select, exp.Column], bool | None]


def _per_group(node: exp.Expr, select: exp.Select) -> bool:
    """Whether ``node`` (under a clause of ``select`` evaluated once per group) is read once
    per group: not inside an aggregate, which reads the rows."""
    parent = node.parent
    while parent is not None and parent is not select:
        if isinstance(parent, _AGGREGATES) and not isinstance(parent.parent, exp.Window):
            return False
        parent = parent.parent
    return True


def _reads_outer(column: exp.Column, select: exp.Select, owns: Owns) -> bool | None:
    """Whether ``column``, in a subquery of ``select``, is a column of ``select``'s sources
    (not of a query between, nor of one around ``select``); None where that is not known."""
    query = column.find_ancestor(exp.Select)
    while query is not None and query is not select:
        owned = owns(query, column)
        if owned is None or owned:
            return None if owned is None else False
        query = query.find_ancestor(exp.Select)
    return owns(select, column) if query is select else False


def _subquery_reads(select: exp.Select, keys: list[Key], owns: Owns
                    ) -> list[tuple[exp.Column, Key]] | None:
    """The columns of subqueries of the select list and of the per-group clauses that read
    one of the group's keys (a column of ``select``, which no query between has), each to be
    its representative (inside an aggregate of the subquery's own columns too, which is the
    subquery's, as well); None where one may read a key otherwise (a key of an expression, a
    source whose columns are not known). An aggregate of ``select``'s columns only, in a
    subquery, is ``select``'s: it reads the rows, as one outside the subquery does."""
    names = {column.name for value, _ in keys for column in value.find_all(exp.Column)}
    reads = []
    for clause in [*select.expressions, *_reads_per_group(select)]:
        for column in clause.find_all(exp.Column):
            if column.name not in names or column.find_ancestor(exp.Select) is select:
                continue
            # The outermost subquery: inside an aggregate of ``select``, it reads the rows.
            subquery: exp.Expr = column
            node: exp.Expr | None = column
            while node is not None and node is not select:
                subquery = node if isinstance(node, exp.Query) else subquery
                node = node.parent
            outer = _reads_outer(column, select, owns)
            if outer is None:
                return None
            if not outer or not _per_group(subquery, select):
                continue  # a column of the subquery's own, or read per row
            aggregate = column.find_ancestor(*_AGGREGATES)
            if aggregate is not None and aggregate.find_ancestor(exp.Query) is not select and (
                    all(_reads_outer(other, select, owns)
                        for other in aggregate.find_all(exp.Column))):
                continue  # ``select``'s aggregate, of its rows
            # Elsewhere (an aggregate of the subquery's own columns too is the subquery's) it
            # reads the group's value: ``select``'s aggregate inside the subquery's.
            key = _key_of(column, keys)
            if key is None:
                return None
            reads.append((column, key))
    return reads


def _group(select: exp.Select, resolve: Resolve, notes: BlankNotes | None,
           owns: Owns) -> None:
    """Group the blank-ended string keys of ``select`` without their blanks."""
    grouped = [(item, value, summed)
               for item, summed in list(_group_items(select.args["group"]))
               if (value := _grouped_value(item, select, resolve)) is not None
               and blank_ended(value, resolve, notes)]
    # A key both grouped and summed over reads as summed (NULL in the summary rows).
    keys: list[Key] = [(value.copy(), any(s for _, v, s in grouped if _same(v, value)))
                       for _, value, _ in grouped]
    reads = _subquery_reads(select, keys, owns) if keys else None
    if reads is None:
        return
    for column, (_, summed) in reads:  # a subquery reads the group's value, once per group
        column.replace(_representative((column.copy(), summed)))
    for item, value, _ in grouped:
        item.replace(call(macros.BARE, value.copy()))
    for projection in select.expressions:
        value = _value(projection)
        key = _key_of(value, keys)
        if key is None:
            _lift(projection, keys)
        elif isinstance(projection, exp.Alias):
            projection.set("this", _representative(key))
        else:  # a bare result column keeps its name
            name = projection.output_name
            shown = _representative(key)
            projection.replace(exp.alias_(shown, name, quoted=True) if name else shown)
    for clause in _reads_per_group(select):
        _lift(clause, keys)


def _distinct_as_group(select: exp.Select, resolve: Resolve,
                       notes: BlankNotes | None) -> None:
    """SELECT DISTINCT of blank-ended strings: the GROUP BY of its columns."""
    values = [_value(projection) for projection in select.expressions]
    if any(isinstance(value, exp.Star) or isinstance(value.this, exp.Star)
           or value.find(exp.AggFunc, exp.Window) is not None for value in values):
        return
    if not any([blank_ended(value, resolve, notes) for value in values]):
        return
    select.set("distinct", None)
    select.set("group", exp.Group(expressions=[_key(value) for value in values]))


def _key(value: exp.Expr) -> exp.Expr:
    """A copy of a select list's value to group by: without the name a scalar subquery
    carries itself (``(select ...) AS "?column?"``, no GROUP BY item)."""
    key = value.copy()
    if isinstance(key, exp.Subquery):
        key.set("alias", None)
    return key


def _star_keys(star: exp.Expr, select: exp.Select, scope: Scope, ctx: Context,
               known: Mapping[int, Outputs]) -> list[tuple[exp.Expr, bool]] | None:
    """(key, whether it is a blank-ended string) of the columns a ``*`` or ``t.*`` of a
    SELECT DISTINCT stands for: its sources' strings one by one (a CHAR column as itself,
    which ``char_columns`` reads without the blanks it may be stored with), then the others
    (``COLUMNS(* EXCLUDE (...))``); None where its columns are not known
    (``source_kinds``, REPLACE, a NATURAL join, a string a join USING merges)."""
    inner = star.this if isinstance(star, exp.Column) else star
    qualifier = star.table if isinstance(star, exp.Column) else ""
    joins = select.args.get("joins") or []
    if inner.args.get("replace") or any(join.method for join in joins):
        return None
    merged = {i.name for join in joins for i in join.args.get("using") or []}
    excluded = list(inner.args.get("except_") or [])
    left_out = {(column.table, column.name) for column in excluded}
    keys: list[tuple[exp.Expr, bool]] = []
    for alias, (_, source) in scope.selected_sources.items():
        kinds = source_kinds(source, ctx, known) if not qualifier or alias == qualifier else {}
        if kinds is None:
            return None
        for name, kind in kinds.items():
            if kind not in (STRING, CLEAN, CHAR) or {(alias, name), ("", name)} & left_out:
                continue
            column = exp.column(name, table=alias)
            # Of its kind as found (a derived table's ``*`` passes on what the query's
            # resolver does not know); noted as a compared column is.
            ended = blank_ended(column, lambda _, kind=kind: kind, ctx.blank_notes)
            if kind == CLEAN:
                continue
            if name in merged:
                return None  # ``*`` has the merged column, not each table's
            keys.append((column, ended))
            excluded.append(exp.column(name, table=None if qualifier else alias))
    others = inner.copy()
    others.set("except_", excluded or None)
    if qualifier:
        others = exp.Column(this=others, table=exp.to_identifier(qualifier))
    return [*keys, (exp.Columns(this=others), False)]


def _distinct_on(select: exp.Select, scope: Scope, ctx: Context, resolve: Resolve,
                 known: Mapping[int, Outputs]) -> None:
    """SELECT DISTINCT of ``*``, aggregates or windows, or with a GROUP BY (its keys
    already grouped by ``_group``): DISTINCT ON the select list's values, ``BARE`` of the
    blank-ended strings, ordered (after the query's own order) by these strings, so that
    each row kept shows the stored values with the fewest blanks."""
    keys: list[tuple[exp.Expr, bool]] = []
    for value in map(_value, select.expressions):
        if not value.is_star:
            keys.append((value, blank_ended(value, resolve, ctx.blank_notes)))
            continue
        found = _star_keys(value, select, scope, ctx, known)
        if found is None:
            return
        keys.extend(found)
    if not any(ended for _, ended in keys):
        return
    select.set("distinct", exp.Distinct(on=exp.Tuple(expressions=[
        call(macros.BARE, _key(key)) if ended else _key(key) for key, ended in keys])))
    order = select.args.get("order") or exp.Order(expressions=[])
    order.set("expressions", [*order.expressions, *[
        exp.Ordered(this=_key(key), nulls_first=False) for key, ended in keys if ended]])
    select.set("order", order)


def _distinct_counts(scope: Scope, resolve: Resolve, notes: BlankNotes | None) -> None:
    """COUNT(DISTINCT key) and APPROXIMATE COUNT(DISTINCT key) of a blank-ended string."""
    for node in scope.find_all(exp.Count, exp.ApproxDistinct):
        argument = node.this
        if isinstance(node, exp.Count):
            if not isinstance(argument, exp.Distinct) or len(argument.expressions) != 1:
                continue
            argument = argument.expressions[0]
        if isinstance(argument, exp.Expr) and blank_ended(argument, resolve, notes):
            argument.replace(call(macros.BARE, argument.copy()))


def _listagg_parts(node: exp.GroupConcat) -> tuple[exp.Expr, exp.Expr] | None:
    """(value, delimiter) of ``LISTAGG(DISTINCT value, delimiter)`` (None for any other
    LISTAGG). sqlglot reads the delimiter as a second DISTINCT expression (``aggregates``
    puts it back later)."""
    argument = node.this
    if not isinstance(argument, exp.Distinct) or not 1 <= len(argument.expressions) <= 2:
        return None
    value, *rest = argument.expressions
    delimiter = rest[0] if rest else node.args.get("separator")
    return value, (delimiter.copy() if delimiter is not None else exp.Literal.string(""))


def _distinct_listaggs(scope: Scope, resolve: Resolve, notes: BlankNotes | None) -> None:
    """LISTAGG(DISTINCT key, d) [WITHIN GROUP (ORDER BY key)] [OVER (...)] of a blank-ended
    string: of the values equal without their blanks, one is concatenated.

    Redshift keeps "the first value encountered", one of the stored values. The one shown
    here is the one with the fewest blanks, as a GROUP BY shows, of the group's (or window's)
    own values: the aggregate collects the distinct stored values (``list(DISTINCT key)``)
    and ``BARE_DISTINCT`` keeps one of each set, so no derived table has to be made of the
    query and its other aggregates read the rows as written."""
    for node in list(scope.find_all(exp.GroupConcat)):
        parts = _listagg_parts(node)
        if parts is None or not blank_ended(parts[0], resolve, notes):
            continue
        value, delimiter = parts
        outer: exp.Expr = node.parent if isinstance(node.parent, exp.WithinGroup) else node
        order = outer.expression.expressions if outer is not node else []
        if len(order) > 1 or (order and not _same(order[0].this, value)):
            continue  # Redshift orders a DISTINCT LISTAGG by its value only
        values: exp.Expr = exp.Filter(
            this=exp.ArrayAgg(this=exp.Distinct(expressions=[value.copy()])),
            expression=exp.Where(this=exp.Not(this=exp.Is(this=value.copy(),
                                                          expression=exp.Null()))))
        window = outer.parent if isinstance(outer.parent, exp.Window) else None
        if window is not None:
            outer = window
            window = window.copy()
            window.set("this", values)
            values = window
        # LISTAGG ignores empty strings (``aggregates``): the set of values equal to '' is
        # dropped where '' is the one kept (the fewest blanks), as it is where it is stored.
        kept = exp.Anonymous(this="list_filter", expressions=[
            call(macros.BARE_DISTINCT, values),
            exp.Lambda(this=exp.NEQ(this=exp.column("x"), expression=exp.Literal.string("")),
                       expressions=[exp.to_identifier("x")])])
        if order:
            direction = "DESC" if order[0].args.get("desc") else "ASC"
            kept = exp.Anonymous(this="list_sort",
                                 expressions=[kept, exp.Literal.string(direction)])
        # NULL where nothing is left, as for a group of NULLs.
        outer.replace(exp.Nullif(this=exp.func("array_to_string", kept, delimiter),
                                 expression=exp.Literal.string("")))


def _partitions(scope: Scope, resolve: Resolve, notes: BlankNotes | None) -> None:
    """A window's PARTITION BY a blank-ended string: by ``BARE(key)`` (after ``_group``,
    whose per-group ``min(key)`` is such a string)."""
    for window in scope.find_all(exp.Window):
        for key in window.args.get("partition_by") or []:
            if blank_ended(key, resolve, notes):
                key.replace(call(macros.BARE, key.copy()))


def _set_operations(node: exp.Expr) -> Iterator[exp.SetOperation]:
    """The set operations ``node`` combines its rows by (itself and those of its branches)."""
    if isinstance(node, exp.Subquery):
        yield from _set_operations(node.this)
    elif isinstance(node, exp.SetOperation):
        yield node
        yield from _set_operations(node.left)
        yield from _set_operations(node.right)


def _rows(query: exp.Expr, alias: str, count: int) -> exp.Subquery:
    """``query`` as a derived table ``alias`` whose columns are ``c0``, ``c1``, ..."""
    query = query.this if isinstance(query, exp.Subquery) else query
    return exp.Subquery(this=query.copy(), alias=exp.TableAlias(
        this=exp.to_identifier(alias),
        columns=[exp.to_identifier(f"c{i}") for i in range(count)]))


def _combines(node: exp.Expr) -> bool:
    """Whether ``node`` is a set operation that compares its rows: any but UNION ALL."""
    return isinstance(node, exp.SetOperation) and bool(
        node.args.get("distinct") or not isinstance(node, exp.Union))


def _numbered(query: exp.Expr, alias: str, blank: list[bool]) -> exp.Subquery:
    """The rows of ``query`` as ``_rows`` makes them, each with its number (``_ds_n``) among
    those equal to it without trailing blanks, the ones with the fewest blanks first."""
    columns = [exp.column(f"c{i}", table=alias) for i in range(len(blank))]
    number = exp.Window(
        this=exp.RowNumber(),
        partition_by=[call(macros.BARE, column.copy()) if ended else column.copy()
                      for column, ended in zip(columns, blank, strict=True)],
        order=exp.Order(expressions=[exp.Ordered(this=column.copy(), nulls_first=False)
                                     for column, ended in zip(columns, blank, strict=True)
                                     if ended]),
        over="OVER")
    rows = exp.select(*[column.copy() for column in columns],
                      exp.alias_(number, _NUMBER)).from_(_rows(query, alias, len(blank)))
    return exp.Subquery(this=rows, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _bare_literals(selects: list[exp.Select], position: int) -> None:
    """The string literals at ``position`` of the select lists, without trailing blanks."""
    for select in selects:
        value = _value(select.expressions[position])
        if isinstance(value, exp.Literal) and value.is_string:
            value.replace(exp.Literal.string(value.name.rstrip(" ")))


def _set_operation(operation: exp.SetOperation, outputs: Outputs,
                   resolvers: Mapping[int, Resolve], notes: BlankNotes | None,
                   result: bool = False) -> exp.Select | None:
    """A UNION, INTERSECT or EXCEPT of blank-ended strings, as the query that replaces it
    (None to leave it): the rows of a UNION are UNION ALL'd, those of the others are the
    left's that have (INTERSECT) or have not (EXCEPT) a match among the right's, and then
    grouped by every column (each shows a stored value of the left's). ``resolvers``: of
    each query (by ``id``), the resolver of its columns; ``result``: whether the operation's
    rows are the statement's result.

    A column that is CHAR in some branches and a string literal in the others is a CHAR
    column (Redshift reads the literals as CHAR values): its literals lose their trailing
    blanks, as the CHAR values do (``char_columns``), so the rows compare as Redshift's."""
    names = [name for name, _ in outputs]
    nested = list(_set_operations(operation))[1:]
    selects = branches(operation)
    # Of each column, the kinds of its values in the branches (a branch this transform made
    # of a set operation has neither to note nor CHARs).
    kinds: list[set[str | None]] = [set() for _ in (selects[0].expressions if selects else [])]
    for select in selects:
        resolve = resolvers.get(id(select))
        for i, projection in enumerate(select.expressions if resolve is not None else []):
            # Noted for a scan, as a compared column is.
            blank_ended(_value(projection), resolve, notes)
            if i < len(kinds):
                kinds[i].add(operand_kind(_value(projection), resolve))
    padded = [i for i, found in enumerate(kinds)
              if {CHAR, LITERAL} <= found and found - {NULL} <= {CHAR, LITERAL}
              and all(len(select.expressions) == len(kinds) and id(select) in resolvers
                      for select in selects)]
    for i in padded:
        _bare_literals(selects, i)
    if not names or "" in names or (isinstance(operation, exp.Union) and any(
            not isinstance(n, exp.Union) or any(n.args.get(k) for k in _MODIFIERS)
            for n in nested)):
        return None
    blank = [kind == STRING for _, kind in outputs]
    for i, found in enumerate(kinds[:len(blank)]):
        if CHAR not in found or i in padded:
            continue
        # A CHAR value is read without its blanks (char_columns): beside strings that may
        # end with one, it is one of them; a column CHAR in every branch is grouped as it is
        # and stays CHAR (char_columns reads the columns of the derived table made here).
        blank[i] = found <= {CHAR, STRING, CLEAN, LITERAL} and STRING in found
    if notes is not None:
        notes.used |= any(kind == CLEAN for _, kind in outputs)
    if not any(blank):
        return None
    if padded and result:
        # blank_padded pads such a column of the result only where it is the operation's own.
        raise FeatureNotSupported(
            "feature not supported on Duckshift: a set operation with a column that is CHAR "
            "in some branches and a string literal in the others beside a VARCHAR column that "
            "may hold values ending with blanks; cast the literals to CHAR")
    modifiers = {key: operation.args.get(key) for key in (*_MODIFIERS, "with_")}
    for key in modifiers:
        operation.set(key, None)
    columns = [exp.column(f"c{i}", table=_ROWS) for i in range(len(names))]
    every = not operation.args.get("distinct")  # INTERSECT ALL, EXCEPT ALL
    if isinstance(operation, exp.Union):
        for union in [operation, *nested]:
            union.set("distinct", False)
        query = exp.select().from_(_rows(operation, _ROWS, len(names)))
    else:
        # ALL: the n-th of the left's rows equal without blanks is kept where the right has
        # (INTERSECT) or has not (EXCEPT) an n-th, so as many as Redshift's counts keep.
        others = [exp.column(f"c{i}", table=_OTHERS) for i in range(len(names))]
        right = (_numbered(operation.right, _OTHERS, blank) if every
                 else _rows(operation.right, _OTHERS, len(names)))
        same = [exp.NullSafeEQ(
            this=call(macros.BARE, column.copy()) if ended else column.copy(),
            expression=call(macros.BARE, other) if ended else other)
            for column, other, ended in zip(columns, others, blank, strict=True)]
        if every:
            same.append(exp.EQ(this=exp.column(_NUMBER, table=_ROWS),
                               expression=exp.column(_NUMBER, table=_OTHERS)))
        found: exp.Expr = exp.Exists(this=exp.select("1").from_(right).where(exp.and_(*same)))
        query = exp.select().from_(_numbered(operation.left, _ROWS, blank) if every
                                   else _rows(operation.left, _ROWS, len(names))).where(
            found if isinstance(operation, exp.Intersect) else exp.Not(this=found))
    query.set("expressions", [
        exp.alias_(exp.Min(this=column.copy()) if ended and not every else column.copy(),
                   name, quoted=True)
        for column, name, ended in zip(columns, names, blank, strict=True)])
    if not every:
        query.set("group", exp.Group(expressions=[
            call(macros.BARE, column.copy()) if ended else column.copy()
            for column, ended in zip(columns, blank, strict=True)]))
    for key, value in modifiers.items():
        query.set(key, value)
    return query


def _grouped_columns(tree: exp.Expr) -> Iterator[exp.Column]:
    """The columns a GROUP BY, DISTINCT, COUNT(DISTINCT), set operation or PARTITION BY may
    group (for a GROUP BY, the select list's too: an item may be a position or an alias)."""
    for node in tree.find_all(*_GROUPING):
        if isinstance(node, exp.Window):
            for key in node.args.get("partition_by") or []:
                yield from key.find_all(exp.Column)
            continue
        if isinstance(node, exp.SetOperation):
            for select in branches(node) if _combines(node) else []:
                for projection in select.expressions:
                    yield from projection.find_all(exp.Column)
            continue
        yield from node.find_all(exp.Column)
        if isinstance(node.parent, exp.Select) and node.arg_key in ("group", "distinct"):
            for projection in node.parent.expressions:
                # A star is named "*": a SELECT DISTINCT * groups the table's strings.
                yield from (projection.find_all(exp.Column) if not isinstance(
                    projection, exp.Star) else [exp.column("*")])


def _owns(scopes: Mapping[int, Scope], ctx: Context, known: Mapping[int, Outputs]) -> Owns:
    """Whether the sources of a query of the statement have a column."""
    def owns(query: exp.Select, column: exp.Column) -> bool | None:
        scope = scopes.get(id(query))
        if scope is None:
            return None
        if column.table:
            return column.table in scope.selected_sources
        found = [column_names(source, ctx, known, node)
                 for node, source in scope.selected_sources.values()]
        return None if None in found else any(column.name in names for names in found
                                                if names is not None)
    return owns


def varchar_groups(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Group, make DISTINCT and count DISTINCT strings without their trailing blanks."""
    # Most statements group nothing, or only columns of other types or known to be clean.
    if tree.find(*_GROUPING) is None:
        return tree
    grouped = {column.name for column in _grouped_columns(tree)}
    dirty = string_names(tree, ctx, clean=False)
    if not grouped & dirty and not (dirty and "*" in grouped):
        if ctx.blank_notes is not None and grouped & string_names(tree, ctx):
            ctx.blank_notes.used = True  # a clean column grouped as written
        return tree
    queries = statement_queries(tree) if isinstance(
        tree, exp.Update | exp.Delete | exp.Merge) else [tree]
    for query in queries:
        resolvers, known = resolved_scopes(query, ctx)
        by_query = {id(scope.expression): resolve for scope, resolve in resolvers}
        owns = _owns({id(scope.expression): scope for scope, _ in resolvers}, ctx, known)
        for scope, resolve in resolvers:
            select = scope.expression
            if isinstance(select, exp.SetOperation) and _combines(select):
                rows = _set_operation(select, known.get(id(select), []), by_query,
                                      ctx.blank_notes, select is tree)
                if rows is not None and select is tree:
                    tree = rows
                elif rows is not None:
                    select.replace(rows)
            if not isinstance(select, exp.Select):
                continue
            _distinct_counts(scope, resolve, ctx.blank_notes)
            _distinct_listaggs(scope, resolve, ctx.blank_notes)
            distinct = select.args.get("distinct")
            if (distinct is not None and not distinct.args.get("on")
                    and select.args.get("group") is None):
                _distinct_as_group(select, resolve, ctx.blank_notes)
            if select.args.get("group") is not None:
                _group(select, resolve, ctx.blank_notes, owns)
            distinct = select.args.get("distinct")
            if distinct is not None and not distinct.args.get("on"):
                _distinct_on(select, scope, ctx, resolve, known)
            _partitions(scope, resolve, ctx.blank_notes)
    return tree
