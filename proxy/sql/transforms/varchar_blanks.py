"""VARCHAR values compared without trailing blanks, as Redshift compares them.

Redshift: "Trailing spaces in VARCHAR and CHAR values are treated as semantically
insignificant when values are compared" (Character types); LENGTH counts them and LIKE sees
them. DuckDB compares strings byte by byte, blanks and all. So a comparison (``=``, ``<>``,
``<``, ``<=``, ``>``, ``>=``, IS [NOT] DISTINCT FROM, IN a list, BETWEEN; wherever it is
written) whose operands are all strings by how they are written compares them without trailing
blanks. Strings: a VARCHAR column of a table or view (the catalog's,
``Context.varchar_columns``, by its table's alias or, unqualified, when one source of the query
has it), a column of a derived table or CTE that is one of these (also one its ``*`` passes
on, ``source_kinds``), a string literal, an explicit
cast to VARCHAR or TEXT, a concatenation with a string, a string function of a string (UPPER,
SUBSTRING, TRIM, MIN, MAX, ...) and TO_CHAR; a parameter beside them is one too (it takes
their type). Any other operand (a DATE column beside ``'2024-01-01'``, a number, a column the
catalog does not know) leaves the comparison to DuckDB. A comparison with a CHAR value is
``blank_padded``'s, which trims every operand.

A literal loses its trailing blanks here; any other operand is compared as the engine's
``BARE(x)`` (``rtrim(x, ' ')`` where ``x`` ends with a blank). A column compared with literals
in a filter (a condition of WHERE, ON or HAVING under AND, OR and NOT) keeps forms DuckDB
evaluates in the table scan, as fast as the comparison as written where no value ends with a
blank:

* ``c IN ('a', 'b')`` is ``(c IN ('a', 'b') OR (ends_with(c, ' ') AND rtrim(c, ' ') IN ('a',
  'b')))``;
* ``c = 'abc'`` is the same inside ``c >= 'abc' AND c < 'abc!'``: bytes compare and ``' '``
  sorts before ``'!'``, so every value that is ``'abc'`` and blanks is in that range, which the
  scan compares with its zone maps (a lookup of a sorted key reads one row group: 2 ms against
  70 ms for 6M rows);
* anywhere, ``c < 'abc'`` and ``c >= 'abc'`` stay as they are when the literal holds no
  character below the blank (``'abc'`` followed by blanks is not below ``'abc'``, and any
  other value is below it exactly when it is without its blanks).

DuckDB estimates the rows of a scan filtered by anything but an equality with a constant at a
fifth of the table, where it estimates an equality from the column's distinct values, so a
join may be planned in another order than the comparison as written would be.

None of this is needed for a column no value of which ends with a blank
(``Context.clean_columns``, from ``catalog.blank_facts``): it is compared as written, beside
literals without their trailing blanks (a parameter without its blanks, ``BARE``), so its
filter is a plain equality and a join of two such columns stays as written (a statement with
parameters too: the server types the text of whichever translation runs). A column
that may hold blank-ended values and is compared is noted (``Context.blank_notes``) so the
server can scan for the fact.

``x IN (SELECT y ...)`` and ``x = (SELECT y ...)`` (any comparison, ANY, ALL; the query may
be a set operation) of strings compare both without their blanks too. Grouping, DISTINCT and
set operations are ``varchar_groups``', JOIN ... USING is ``varchar_using``'; both read
columns with the resolvers built here (``resolved_scopes``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from catalog.blank_facts import Key
from engine import macros
from proxy.sql.char_views import branches
from proxy.sql.context import BlankNotes, Context
from proxy.sql.table_keys import table_keys
from proxy.sql.transforms.blank_padded import COMPARISONS, comparison_operands
from proxy.sql.transforms.character_lengths import CHAR_TYPES
from proxy.sql.transforms.macros import call

_T = exp.DataType.Type
_STRING_TYPES = frozenset({_T.VARCHAR, _T.NVARCHAR, _T.TEXT})
# Functions whose value is a string whatever their arguments.
_STRING_RESULTS = (exp.TimeToStr, exp.ToChar, exp.MD5, exp.Chr)
# Functions whose value is a string when their first argument is one (of a VARBYTE, some are
# a VARBYTE).
_STRING_OF_STRING = (exp.Upper, exp.Lower, exp.Initcap, exp.Trim, exp.Substring, exp.Left,
                     exp.Right, exp.Pad, exp.Replace, exp.Reverse, exp.SplitPart,
                     exp.Translate, exp.Repeat, exp.Min, exp.Max)
_CONCATENATIONS = (exp.DPipe, exp.Concat, exp.ConcatWs)

# What an operand is, by how it is written (None: not known to be a string).
STRING = "string"
CLEAN = "clean"  # a column of a table none of whose values ends with a blank
LITERAL = "literal"
_PARAMETER = "parameter"
NULL = "null"
CHAR = "char"

# Sorts right after the blank: the bound of the values that are a literal and blanks.
_AFTER_BLANK = "!"



class Dirty(str):
    """``STRING`` (equal to it), of a table's column that may hold blank-ended values: it
    carries the table, so a comparison of it can note the column for a scan."""

    key: Key


# A column's kind (STRING, CLEAN, CHAR or None) by its source.
Resolve = Callable[[exp.Column], str | None]


def operand_kind(node: exp.Expr, resolve: Resolve) -> str | None:
    """What ``node`` is as an operand of a comparison."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal):
        return LITERAL if node.is_string else None
    if isinstance(node, exp.Null):
        return NULL
    if isinstance(node, exp.Placeholder | exp.Parameter):
        return _PARAMETER
    if isinstance(node, exp.Column):
        return resolve(node)
    if isinstance(node, exp.Cast):
        kind = node.to.this
        return CHAR if kind in CHAR_TYPES else STRING if kind in _STRING_TYPES else None
    if isinstance(node, _STRING_RESULTS):
        return STRING
    if isinstance(node, _STRING_OF_STRING):
        return STRING if operand_kind(node.this, resolve) in (STRING, CLEAN, LITERAL,
                                                         CHAR) else None
    if isinstance(node, _CONCATENATIONS):
        kinds = [operand_kind(arg, resolve) for arg in node.iter_expressions()]
        return STRING if any(k in (STRING, CLEAN, LITERAL, CHAR) for k in kinds) else None
    if isinstance(node, exp.Coalesce):
        kinds = [operand_kind(arg, resolve) for arg in node.iter_expressions()]
        return STRING if all(k in (STRING, CLEAN, LITERAL, NULL) for k in kinds) and any(
            k != NULL for k in kinds) else None
    return None


def blank_ended(node: exp.Expr, resolve: Resolve, notes: BlankNotes | None) -> bool:
    """Whether ``node`` is a string that may end with a blank, for a transform that groups or
    matches it rather than compares it (noting the facts it reads, as a comparison does)."""
    kind = operand_kind(node, resolve)
    if notes is not None:
        notes.used |= kind == CLEAN
        if isinstance(kind, Dirty) and isinstance(node, exp.Column):
            notes.wanted.add((kind.key, node.name))
    return kind == STRING


def _bare(node: exp.Expr) -> str:
    """A string literal's value without its trailing blanks."""
    return node.name.rstrip(" ")


def _below_blank(text: str) -> bool:
    return any(ch < " " for ch in text)


def _in_filter(node: exp.Expr) -> bool:
    """Whether ``node`` is a condition of a WHERE, ON or HAVING, under AND, OR and NOT only
    (where DuckDB may push it into a scan: a condition of every branch of an OR too)."""
    parent = node.parent
    while isinstance(parent, exp.And | exp.Or | exp.Not | exp.Paren):
        node, parent = parent, parent.parent
    return isinstance(parent, exp.Where | exp.Having) or (
        isinstance(parent, exp.Join) and node.arg_key == "on")


def _function(name: str, column: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=[column.copy(), exp.Literal.string(" ")])


def _filter_form(node: exp.EQ | exp.In, column: exp.Column, values: list[exp.Expr]) -> exp.Expr:
    """A column = or IN literals, in a filter: the comparison as written, or else of the value
    without its blanks where it ends with one (DuckDB skips the second test for the rows the
    first holds and takes both into the scan); of =, inside the range of the values that are
    the literal and blanks, which the scan compares with its zone maps."""
    def compare(subject: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.EQ):
            return exp.EQ(this=subject, expression=values[0].copy())
        return exp.In(this=subject, expressions=[value.copy() for value in values])

    exact = exp.Paren(this=exp.or_(
        compare(column.copy()),
        exp.and_(_function("ends_with", column), compare(_function("rtrim", column))),
        copy=False))
    if isinstance(node, exp.In):
        return exact
    low = values[0].name
    return exp.Paren(this=exp.and_(
        exp.GTE(this=column.copy(), expression=exp.Literal.string(low)),
        exp.LT(this=column.copy(), expression=exp.Literal.string(low + _AFTER_BLANK)),
        exact, copy=False))


def _rewrite(node: exp.Expr, resolve: Resolve, notes: BlankNotes | None) -> None:
    operands = comparison_operands(node)
    if not operands or (isinstance(node, exp.In) and (
            node.args.get("unnest") is not None or node.args.get("field") is not None)):
        return
    kinds = [operand_kind(operand, resolve) for _, operand in operands]
    if None in kinds or CHAR in kinds or not ({STRING, CLEAN, LITERAL} & set(kinds)):
        return
    if NULL in kinds[:1] or (NULL in kinds and not isinstance(node, exp.In)):
        return  # a comparison with NULL is NULL, blanks or not
    if notes is not None:
        notes.used |= CLEAN in kinds
        notes.wanted.update((kind.key, operand.name) for (_, operand), kind
                            in zip(operands, kinds, strict=True)
                            if isinstance(kind, Dirty) and isinstance(operand, exp.Column))
    literals = [_bare(operand) for (_, operand), kind in zip(operands, kinds, strict=True)
                if kind == LITERAL]
    # A clean column takes the general form below: its literals lose their blanks, it stays.
    if (((isinstance(node, exp.LT | exp.GTE) and kinds == [STRING, LITERAL])
            or (isinstance(node, exp.GT | exp.LTE) and kinds == [LITERAL, STRING]))
            and not _below_blank(literals[0])):
        literal = next(o for (_, o), k in zip(operands, kinds, strict=True) if k == LITERAL)
        literal.replace(exp.Literal.string(literals[0]))
        return
    values = [exp.Literal.string(_bare(operand)) if kind == LITERAL else operand.copy()
              for (_, operand), kind in zip(operands, kinds, strict=True)]
    if isinstance(node, exp.EQ) and kinds == [LITERAL, STRING]:
        values.reverse()  # 'abc' = c: as c = 'abc'
    column = next((v for v in values[:1] if isinstance(v, exp.Column)), None)
    if (column is not None and CLEAN not in kinds and isinstance(node, exp.EQ | exp.In)
            and literals
            and all(v is column or isinstance(v, exp.Literal | exp.Null) for v in values)
            and _in_filter(node)):
        node.replace(_filter_form(node, column, values[1:]))
        return
    for (key, operand), kind in zip(operands, kinds, strict=True):
        if kind == LITERAL:
            new: exp.Expr = exp.Literal.string(_bare(operand))
        elif kind in (STRING, _PARAMETER):
            new = call(macros.BARE, operand.copy())
        else:
            continue
        if key == "expressions":
            operand.replace(new)
        else:
            node.set(key, new)


def _subquery(node: exp.Expr) -> exp.Expr | None:
    """The query of a subquery operand (``(SELECT ...)``, ``ANY (SELECT ...)``, ``ALL``)."""
    if isinstance(node, exp.Any | exp.All):
        node = node.this  # a subquery, or a query without its parentheses
        if not isinstance(node, exp.Subquery):
            return node if isinstance(node, exp.Query) else None
    return node.this if isinstance(node, exp.Subquery) else None


def _query_operands(node: exp.Expr) -> tuple[exp.Expr, exp.Expr] | None:
    """(query, other operand) of ``x IN (SELECT ...)`` or a comparison with a subquery."""
    if isinstance(node, exp.In):
        query = node.args.get("query")
        return (query.this if isinstance(query, exp.Subquery) else query,
                node.this) if query is not None else None
    if not isinstance(node, COMPARISONS):
        return None
    for operand, other in ((node.this, node.expression), (node.expression, node.this)):
        query = _subquery(operand)
        if query is not None and isinstance(other, exp.Expr) and _subquery(other) is None:
            return query, other
    return None


def _with_query(node: exp.Expr, resolve: Resolve,
                known: Mapping[int, Outputs]) -> None:
    """``x IN (SELECT y ...)`` and ``x = (SELECT y ...)`` (any comparison, ANY and ALL too;
    the query may be a set operation) of strings: both without trailing blanks (the
    subquery's one column serves only the comparison)."""
    query, other = _query_operands(node) or (None, None)
    columns = known.get(id(query))
    if (query is None or other is None or columns is None or len(columns) != 1
            or not columns[0][1]
            or operand_kind(other, resolve) not in (STRING, CLEAN, LITERAL)):
        return
    for select in branches(query):  # of a set operation, each branch's
        projection = select.expressions[0]
        value = projection.this if isinstance(projection, exp.Alias) else projection
        value.replace(call(macros.BARE, value.copy()))
    other.replace(call(macros.BARE, other.copy()))


def _comparisons(nodes: list[exp.Expr], resolve: Resolve,
                 known: Mapping[int, Outputs], notes: BlankNotes | None) -> None:
    for node in nodes:
        if isinstance(node.parent, exp.Update) and node.arg_key == "expressions":
            continue  # UPDATE's (and MERGE's) SET c = value assigns, it does not compare
        if _query_operands(node) is not None:
            _with_query(node, resolve, known)
        else:
            _rewrite(node, resolve, notes)


_KINDS = (*COMPARISONS, exp.In, exp.Between)

# The string columns of each source a scope reads, by the name the scope knows it by.
Sources = dict[str, Mapping[str, str]]


def table_columns(table: exp.Table, ctx: Context) -> Mapping[str, str]:
    """The kinds of a table's string columns: its VARCHAR columns, less the CHAR ones (DuckDB
    stores those as VARCHARs; ``blank_padded`` compares them), the clean ones apart."""
    for key in table_keys(table, ctx):
        found = ctx.varchar_columns.get(key)
        if found is not None:
            chars = ctx.char_columns.get(key) or {}
            clean = ctx.clean_columns.get(key) or frozenset()
            dirty = Dirty(STRING)
            dirty.key = key
            return {name: CHAR if name in chars else CLEAN if name in clean else dirty
                    for name in found}
    return {}


def _resolver(sources: Sources, outer: Callable[[str], Mapping[str, str] | None],
              enclosing: Callable[[str], str | None] = lambda _: None) -> Resolve:
    """The kind of a column of ``sources`` (of a qualified one of an enclosing query's
    sources too, through ``outer``; of an unqualified one no source here has, through
    ``enclosing``)."""
    def resolve(column: exp.Column) -> str | None:
        if column.table:
            found = sources.get(column.table)
            if found is None and column.table not in sources:
                found = outer(column.table)
            return found.get(column.name) if found is not None else None
        # Unqualified: a column of one source (another source's column of that name would
        # make the name ambiguous, an error); an enclosing query's where no source here has
        # a column of that name, of any type.
        kinds = [found[column.name] for found in sources.values() if column.name in found]
        if kinds:
            return kinds[0] if len(kinds) == 1 else None
        return enclosing(column.name)
    return resolve


# (name, kind) of each column a query returns: STRING, CLEAN or None (not a string).
Outputs = list[tuple[str, str | None]]


def _output_kind(kinds: list[str | None]) -> str | None:
    """A column's kind from its kinds in each branch of a query: CLEAN when it is clean in
    every one (it holds only their clean values), a string when it is one in every one."""
    if all(kind == CLEAN for kind in kinds):
        return CLEAN
    return STRING if all(kind in (STRING, CLEAN, LITERAL) for kind in kinds) else None


def _outputs(query: exp.Expr, resolve: Resolve, known: Mapping[int, Outputs]) -> Outputs:
    """(name, kind) of each column a query returns; of a set operation, a string when it is
    one in every branch (a CHAR column of a derived table is ``char_columns``')."""
    if isinstance(query, exp.Select):
        return [(p.alias_or_name, _output_kind(
            [operand_kind(p.this if isinstance(p, exp.Alias) else p, resolve)]))
            for p in query.expressions]
    columns = [known.get(id(select)) for select in branches(query)]
    if not columns or any(c is None for c in columns) or len({len(c or []) for c in columns}) != 1:
        return []
    first = columns[0] or []
    return [(name, _output_kind([(c or [])[i][1] for c in columns]))
            for i, (name, _) in enumerate(first)]


def source_kinds(source: exp.Expr | Scope, ctx: Context, known: Mapping[int, Outputs]
                  ) -> Mapping[str, str | None] | None:
    """The kinds of the columns of a query's source that ``*`` may stand for (of a table,
    its string columns; of a derived table or CTE, every column it names and the string
    columns its own ``*`` passes on); None where they are not known (two columns of one
    name, a set operation's or USING join's ``*``, EXCLUDE, REPLACE)."""
    if isinstance(source, exp.Table):
        return table_columns(source, ctx)
    if not isinstance(source, Scope):
        return {}  # a function's rows: not known to be strings, as anywhere else
    query = source.expression
    outputs = known.get(id(query)) or []
    if not outputs or "" in (name for name, _ in outputs):
        return None
    if not isinstance(query, exp.Select) or not any(p.is_star for p in query.expressions):
        found = dict(outputs)
        return found if len(found) == len(outputs) and "*" not in found else None
    # A string column two sources have (a USING or NATURAL join merges it, or the name is
    # ambiguous) is not known: the star has it once, or DuckDB names it otherwise.
    kinds: dict[str, str | None] = {}
    for (name, kind), value in zip(outputs, (p.unalias() for p in query.expressions), strict=True):
        inner = value.this if isinstance(value, exp.Column) else value
        if inner.args.get("replace"):
            return None
        passed: dict[str, str | None] = {name: kind}
        if value.is_star:
            qualifier = value.table if isinstance(value, exp.Column) else ""
            excluded = {(c.table, c.name) for c in inner.args.get("except_") or []}
            passed = {}
            for alias, (_, below) in source.selected_sources.items():
                found = source_kinds(below, ctx, known) if alias == (
                    qualifier or alias) else {}
                if found is None:
                    return None
                found = {n: k for n, k in found.items() if not {(alias, n), ("", n)} & excluded}
                if found.keys() & passed.keys():
                    return None
                passed.update(found)
        if passed.keys() & kinds.keys():
            return None
        kinds.update(passed)
    return kinds


def resolved_scopes(tree: exp.Expr, ctx: Context,
                    ) -> tuple[list[tuple[Scope, Resolve]], dict[int, Outputs]]:
    """Each query of ``tree`` with the resolver of its columns' kinds, innermost first, and
    the columns each query returns (by ``id`` of the query)."""
    known: dict[int, Outputs] = {}
    of_scope: dict[int, Sources] = {}
    resolvers: list[tuple[Scope, Resolve]] = []
    for scope in traverse_scope(tree):  # innermost first: a query's sources come before it
        sources: Sources = {}
        for name, source in scope.sources.items():
            if isinstance(source, exp.Table):
                sources[name] = table_columns(source, ctx)
            elif isinstance(source, Scope):
                outputs = known.get(id(source.expression), [])
                if any(n == "*" for n, _ in outputs):  # the columns its ``*`` passes on
                    outputs = list((source_kinds(source, ctx, known) or {}).items())
                sources[name] = {n: kind for n, kind in outputs if kind}
        of_scope[id(scope)] = sources

        def outer(name: str, scope: Scope = scope) -> Mapping[str, str] | None:
            parent = scope.parent
            while parent is not None:
                found = of_scope.get(id(parent), {})
                if name in found:
                    return found[name]
                parent = parent.parent
            return None

        def enclosing(name: str, scope: Scope = scope) -> str | None:
            below = scope
            while names_column(below, name, ctx, known) is False:
                below = below.parent
                if below is None:
                    return None
                kinds = [found[name] for found in of_scope.get(id(below), {}).values()
                         if name in found]
                if kinds:
                    return kinds[0] if len(kinds) == 1 else None
            return None

        resolve = _resolver(sources, outer, enclosing)
        known[id(scope.expression)] = _outputs(scope.expression, resolve, known)
        resolvers.append((scope, resolve))
    return resolvers, known


def names_column(scope: Scope, name: str, ctx: Context, known: Mapping[int, Outputs]
                 ) -> bool | None:
    """Whether a column of ``scope``'s sources (of any type) or an alias of its select list
    (which DuckDB lets its conditions name) is called ``name``; None where that is not known.
    An unqualified ``name`` there that it does not name is an enclosing query's column."""
    query = scope.expression
    if isinstance(query, exp.Select) and name in {
            p.alias for p in query.expressions if isinstance(p, exp.Alias)}:
        return True
    unknown = False
    for node, source in scope.selected_sources.values():
        names = column_names(source, ctx, known, node)
        if names is None:
            unknown = True
        elif name in names:
            return True
    return None if unknown else False


def column_names(source: exp.Expr | Scope, ctx: Context, known: Mapping[int, Outputs],
                 node: exp.Expr | None = None) -> list[str] | None:
    """The names of the columns of a query's source in their order (None where they are not
    known): a table's from the catalog, a derived table's or CTE's from its query (its ``*``
    and ``t.*`` expanded, where no join of it merges columns), renamed by the list of names
    of the CTE's alias and of ``node``'s (the FROM item)."""
    if isinstance(source, exp.Table):
        found = next((list(names) for key in table_keys(source, ctx)
                      if (names := ctx.relation_columns.get(key)) is not None), None)
    elif isinstance(source, Scope):
        found = _query_names(source, ctx, known)
    else:
        return None
    holders: list[exp.Expr | None] = [node]
    if isinstance(source, Scope) and isinstance(source.expression.parent, exp.CTE):
        holders.insert(0, source.expression.parent)
    for holder in holders:
        alias = holder.args.get("alias") if holder is not None else None
        renamed = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
        if found is None or len(renamed) > len(found):
            return None
        found = renamed + found[len(renamed):]
    return found if found and not {"", "*"} & set(found) else None


def _query_names(scope: Scope, ctx: Context, known: Mapping[int, Outputs]) -> list[str] | None:
    """The names of the columns a query returns, its stars expanded."""
    query = scope.expression
    outputs = [name for name, _ in known.get(id(query)) or []]
    if not isinstance(query, exp.Select) or not any(p.is_star for p in query.expressions):
        return outputs
    if any(join.method or join.args.get("using") for join in query.args.get("joins") or []):
        return None  # the star has the merged columns once
    names: list[str] = []
    for projection in query.expressions:
        inner = projection.this if isinstance(projection, exp.Column) else projection
        if not projection.is_star:
            names.append(projection.alias_or_name)
            continue
        if any(inner.args.get(key) for key in ("except_", "replace", "rename", "ilike")):
            return None
        qualifier = projection.table if isinstance(projection, exp.Column) else ""
        for alias, (below_node, below) in scope.selected_sources.items():
            if qualifier and alias != qualifier:
                continue
            found = column_names(below, ctx, known, below_node)
            if found is None:
                return None
            names.extend(found)
    return names


def _scopes(tree: exp.Expr, ctx: Context) -> None:
    """Rewrite the comparisons of each query of ``tree``, once every query's sources are
    known (a subquery may compare a column of the query around it)."""
    resolvers, known = resolved_scopes(tree, ctx)
    for scope, resolve in resolvers:
        _comparisons(list(scope.find_all(*_KINDS)), resolve, known, ctx.blank_notes)


def _statement_sources(tree: exp.Update | exp.Delete | exp.Merge, ctx: Context) -> Sources:
    """The string columns of the tables a DML statement names outside its queries."""
    tables = [tree.this, tree.args.get("using")] if isinstance(tree, exp.Merge) else [
        tree.this, *(tree.args.get("from_").find_all(exp.Table) if tree.args.get("from_")
                     else []), *(tree.args.get("using") or [])]
    return {t.alias_or_name: table_columns(t, ctx) for t in tables
            if isinstance(t, exp.Table)}


def statement_queries(tree: exp.Update | exp.Delete | exp.Merge) -> list[exp.Select]:
    """The outermost queries of a DML statement (its subqueries, its USING's)."""
    return [s for s in tree.find_all(exp.Select) if s.parent is not None
            and s.parent.find_ancestor(exp.Select) is None]


def varchar_blanks(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Compare strings without trailing blanks where every operand is one."""
    # Most statements have no comparison that could be of strings: first by the operands'
    # forms, then by the names of the columns that could be strings.
    comparisons = [node for node in tree.find_all(*_KINDS) if _candidate(node, None)]
    if not comparisons:
        return tree
    names = string_names(tree, ctx)
    if not any(_candidate(node, names) for node in comparisons):
        return tree
    if isinstance(tree, exp.Update | exp.Delete | exp.Merge):
        for query in statement_queries(tree):
            _scopes(query, ctx)
        resolve = _resolver(_statement_sources(tree, ctx), lambda _: None)
        _comparisons([node for node in tree.find_all(*_KINDS)
                      if node.find_ancestor(exp.Select) is None], resolve, {}, ctx.blank_notes)
    else:
        _scopes(tree, ctx)
    return tree


def string_names(tree: exp.Expr, ctx: Context, *, clean: bool = True) -> frozenset[str]:
    """The names a string column of ``tree`` may have: the VARCHAR columns of its tables
    (without the clean ones unless ``clean``) and the names it gives columns (a derived
    table's or CTE's)."""
    names: set[str] = set()
    if ctx.varchar_columns:
        for table in tree.find_all(exp.Table):
            names |= {name for name, kind in table_columns(table, ctx).items()
                      if clean or kind != CLEAN}
    names |= {alias.alias for alias in tree.find_all(exp.Alias)}
    names |= {column.name for alias in tree.find_all(exp.TableAlias)
              for column in alias.columns}
    return frozenset(names)


def _candidate(node: exp.Expr, names: frozenset[str] | None) -> bool:
    """Whether a comparison may be of strings: none of its operands is known not to be one
    (a column is one when it has one of ``names``, or any name without them; its source is
    looked up only later)."""
    queried = _query_operands(node)
    operands = [queried[1]] if queried else [operand for _, operand
                                             in comparison_operands(node)]
    kinds = [operand_kind(operand, lambda column: STRING if names is None or column.name in names
                   else None)
             for operand in operands]
    return bool(kinds) and None not in kinds and CHAR not in kinds
