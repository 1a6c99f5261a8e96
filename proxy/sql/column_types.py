"""The numeric types of the columns a statement names, resolved as the engine resolves them.

Transforms that type expressions (``decimal_arithmetic``'s exact division, ``arithmetic``'s
floating point overflow checks) ask one ``ColumnTypes`` per statement for a column's type: a
column of a table or view is the catalog's (``Context.numeric_columns``); a column of a derived
table or CTE (or a VALUES list in FROM) is what the asking transform's own rules make of its
defining expressions (of its rows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlglot import exp

from catalog.directory import Number
from proxy.sql.context import Context
from proxy.sql.table_keys import table_keys

# A column's type as the asking transform types it (a catalog column's is a ``Number``); None
# where it is not known.
Typed = Any
# How the asking transform types a derived table's column from its defining expression in each
# branch of the query (None: not known).
DerivedType = Callable[[list[exp.Expr], "ColumnTypes"], Typed]
# How it types a set operation's column from the types of its branches' columns (where a ``*``
# passes a relation's column on, which has a type but no defining expression here).
CombinedType = Callable[[list[Typed]], Typed]
# A column of a query's result: its name, and how to read its type.
_Output = tuple[str, Callable[[], Typed]]


# A name a scope does not have (look in the enclosing one), unlike None (not known).
_MISSING = "missing"


def defining_query(node: exp.Expr) -> exp.Expr | None:
    """The SELECT or set operation a derived table or CTE stands for (through parentheses)."""
    while isinstance(node, exp.Subquery):
        node = node.this
    return node if isinstance(node, exp.Select | exp.SetOperation) else None


def query_branches(query: exp.Expr) -> list[exp.Select] | None:
    """The SELECTs whose columns a query's columns are, by position (every branch of a UNION,
    INTERSECT or EXCEPT); None if one is something else."""
    if isinstance(query, exp.SetOperation):
        left, right = defining_query(query.this), defining_query(query.expression)
        if left is None or right is None:
            return None
        a, b = query_branches(left), query_branches(right)
        return a + b if a is not None and b is not None else None
    return [query] if isinstance(query, exp.Select) else None


# The statements and queries whose relations a column's name may refer to.
_SCOPES = (exp.Select, exp.Update, exp.Delete, exp.Merge)


def enclosing_scope(node: exp.Expr) -> exp.Expr | None:
    """The SELECT, UPDATE, DELETE or MERGE whose relations ``node``'s names refer to first."""
    node = node.parent
    while node is not None and not isinstance(node, _SCOPES):
        node = node.parent
    return node


class ColumnTypes:
    """The types of a statement's columns: the catalog's DECIMAL, integer and floating point
    columns of its tables and views (``Context.numeric_columns``), and a derived table's or
    CTE's column typed by ``derived`` from its defining expression in each branch (through
    nested ones and set operations). Names resolve scope by scope as the engine does: a
    qualifier names a source of the column's own SELECT or else of an enclosing one; an
    unqualified name must belong to exactly one source (a table, by the catalog's numeric
    columns; a derived table, by its column names). Lazy: only the names asked for are
    resolved."""

    def __init__(self, ctx: Context, derived: DerivedType = lambda _nodes, _columns: None,
                 combined: CombinedType = lambda _types: None) -> None:
        self.ctx = ctx
        self.derived = derived
        self.combined = combined
        self._sources: dict[int, dict[str, exp.Expr] | None] = {}
        self._derived_of: dict[int, tuple[exp.Expr | None, exp.TableAlias | None] | None] = {}
        self._outputs: dict[tuple[int, str], Typed] = {}
        self._starring: set[tuple[int, str]] = set()

    def type_of(self, column: exp.Column) -> Typed:
        found = self._resolved(column)
        return None if found is None else self._column(found, column.name.lower())

    def catalog_column(self, column: exp.Column) -> tuple[tuple[str, str, str], str] | None:
        """The catalog key of the table or view ``column`` names a numeric column of, and
        the column's name (lower case); None where it is a derived table's or not known."""
        name = column.name.lower()
        source = self._resolved(column)
        if source is None or self._derived(source) is not None:
            return None
        assert isinstance(source, exp.Table)
        return next(((key, name) for key in table_keys(source, self.ctx)
                     if name in self.ctx.numeric_columns.get(key, ())), None)

    def _resolved(self, column: exp.Column) -> exp.Expr | None:
        """The relation ``column`` names a column of, scope by scope; None if not known."""
        name = column.name.lower()
        qualifier = column.table.lower() if column.table else None
        scope = enclosing_scope(column)
        while scope is not None:
            found = self._source_in_scope(scope, qualifier, name)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
            scope = enclosing_scope(scope)
        return None

    def _in_scope(self, scope: exp.Expr, qualifier: str | None, name: str) -> Typed:
        found = self._source_in_scope(scope, qualifier, name)
        return found if found is _MISSING or found is None else self._column(found, name)

    def _source_in_scope(self, scope: exp.Expr, qualifier: str | None,
                         name: str) -> exp.Expr | str | None:
        """The relation of ``scope`` that has column ``name``; ``_MISSING`` if none has it,
        None if not known."""
        sources = self._sources_of(scope)
        if sources is None:
            return None
        if qualifier is not None:
            return sources.get(qualifier, _MISSING)
        found: list[exp.Expr] = []
        for source in sources.values():
            has = self._has(source, name)
            if has is None:
                return None
            if has:
                found.append(source)
        if not found:
            return _MISSING
        return found[0] if len(found) == 1 else None

    def _sources_of(self, scope: exp.Expr) -> dict[str, exp.Expr] | None:
        """The relations of a scope by name (a SELECT's FROM and joins; UPDATE's, DELETE's and
        MERGE's target, FROM, USING); None if two share one."""
        key = id(scope)
        if key not in self._sources:
            from_ = scope.args.get("from_")
            using = scope.args.get("using")
            nodes = ([] if isinstance(scope, exp.Select) else [scope.this]) + (
                [from_.this] if from_ is not None else []) + [
                join.this for join in scope.args.get("joins") or ()] + (
                using if isinstance(using, list) else [using] if using is not None else [])
            sources: dict[str, exp.Expr] | None = {}
            # MERGE's UPDATE action has no target of its own: its names are MERGE's.
            for node in filter(None, nodes):
                name = node.alias_or_name.lower()
                if name in sources:
                    sources = None
                    break
                sources[name] = node
            self._sources[key] = sources
        return self._sources[key]

    def _has(self, source: exp.Expr, name: str) -> bool | None:
        """Whether ``source`` has a column ``name`` (a table: a numeric one); None: not known."""
        derived = self._derived(source)
        if derived is None:
            columns = self._catalog(source)
            return columns is not None and name in columns
        query, alias = derived
        if query is None:
            return None
        names = _names(query, alias)
        if names is None and isinstance(query, exp.SetOperation):
            outputs = self._set_outputs(query)
            return None if outputs is None else name in [found for found, _ in outputs[0]]
        return name in names if names is not None \
            else self._through_star(query, alias, name) != _MISSING

    def _column(self, source: exp.Expr, name: str) -> Typed:
        derived = self._derived(source)
        if derived is None:
            columns = self._catalog(source)
            return columns.get(name) if columns is not None else None
        query, alias = derived
        return self._output(query, alias, name) if query is not None else None

    def _catalog(self, table: exp.Expr) -> Mapping[str, Number] | None:
        assert isinstance(table, exp.Table)
        return next((found for key in table_keys(table, self.ctx)
                     if (found := self.ctx.numeric_columns.get(key)) is not None), None)

    def _derived(self, source: exp.Expr) -> tuple[exp.Expr | None, exp.TableAlias | None] | None:
        """(query, alias) of a derived table or of the CTE a table names; None for a table of
        the catalog; query None for a relation whose columns are not read (UNNEST, a
        table function); a VALUES list in FROM is its own query, its rows its branches."""
        key = id(source)
        if key not in self._derived_of:
            derived: tuple[exp.Expr | None, exp.TableAlias | None] | None = (None, None)
            if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
                cte = cte_named(source) if not source.args.get("db") else None
                derived = (defining_query(cte.this), cte.args.get("alias")) if cte is not None \
                    else None
            elif isinstance(source, exp.Subquery):
                values = source.this if isinstance(source.this, exp.Values) else None
                derived = (values if values is not None else defining_query(source),
                           source.args.get("alias"))
            self._derived_of[key] = derived
        return self._derived_of[key]

    def _output(self, query: exp.Expr, alias: exp.TableAlias | None, name: str) -> Typed:
        """The type of a derived table's column: of its defining expression in each branch
        (a set operation's, by Redshift's rule for UNION and COALESCE)."""
        key = (id(query), name)
        if key in self._outputs:
            return self._outputs[key]
        self._outputs[key] = None  # a recursive CTE's column, while its own type is read
        names, rows = _names(query, alias), _rows(query)
        typed: Typed = None
        starred = _starred(query)
        if starred and (names is not None or isinstance(query, exp.SetOperation)):
            # A ``*`` in a branch: its columns by position, the relation's it passes on.
            outputs = self._set_outputs(query)
            if outputs is not None:
                names = names if names is not None else [found for found, _ in outputs[0]]
                if names.count(name) == 1 and all(len(o) == len(names) for o in outputs):
                    index = names.index(name)
                    typed = self.combined([o[index][1]() for o in outputs])
        elif names is None:
            found = self._through_star(query, alias, name)
            typed = found if found != _MISSING else None
        elif names.count(name) == 1 and rows is not None:
            index = names.index(name)
            if all(len(row) > index for row in rows):
                typed = self.derived([row[index].unalias() for row in rows], self)
        self._outputs[key] = typed
        return typed

    def _set_outputs(self, query: exp.Expr) -> list[list[_Output]] | None:
        """The result columns of each branch of a query (a set operation's, or one SELECT's),
        a ``*`` expanded to the columns it passes on; None where one is not known."""
        branches = query_branches(query)
        if branches is None:
            return None
        outputs = [self._outputs_of(branch) for branch in branches]
        return None if any(o is None for o in outputs) else outputs  # type: ignore[return-value]

    def _outputs_of(self, select: exp.Select) -> list[_Output] | None:
        """The result columns of a SELECT in order, each ``*`` (or ``t.*``) expanded to the
        columns of the relations it names (a table's from the catalog's list of its columns,
        ``Context.relation_columns``); None where they are not known (a join's USING or
        NATURAL merges columns)."""
        sources = self._sources_of(select)
        if sources is None:
            return None
        outputs: list[_Output] = []
        for node in select.expressions:
            if node.is_star:
                star = node.this if isinstance(node, exp.Column) else node
                if any(join.args.get("using") or join.args.get("method")
                       for join in select.args.get("joins") or ()) or any(
                        star.args.get(key) for key in ("except_", "replace", "rename", "ilike")):
                    return None  # columns merged, left out, renamed or chosen
                table = node.table.lower() if isinstance(node, exp.Column) else ""
                chosen = [sources.get(table)] if table else list(sources.values())
                for source in chosen:
                    passed = self._relation_outputs(source) if source is not None else None
                    if passed is None:
                        return None
                    outputs += passed
            else:
                expression = node.unalias()
                outputs.append((node.alias_or_name.lower(),
                                lambda e=expression: self.derived([e], self)))
        return outputs

    def _relation_outputs(self, source: exp.Expr) -> list[_Output] | None:
        """The columns a ``*`` passes on from ``source``, in order, with their types."""
        derived = self._derived(source)
        if derived is None:
            assert isinstance(source, exp.Table)
            for key in table_keys(source, self.ctx):
                names = self.ctx.relation_columns.get(key)
                if names is not None:
                    numbers = self.ctx.numeric_columns.get(key) or {}
                    return [(n.lower(), lambda n=n, found=numbers: found.get(n)) for n in names]
            return None
        query, alias = derived
        if query is None:
            return None
        names = _names(query, alias)
        if names is None:
            outputs = self._set_outputs(query)
            names = [found for found, _ in outputs[0]] if outputs else None
        if names is None:
            return None
        return [(n, lambda q=query, a=alias, n=n: self._output(q, a, n)) for n in names]

    def _through_star(self, query: exp.Expr, alias: exp.TableAlias | None, name: str) -> Typed:
        """The type of column ``name`` of a SELECT with a ``*`` (or ``t.*``): the relation's
        column the star passes on, or the one written beside it; ``_MISSING`` if neither."""
        if not isinstance(query, exp.Select) or (alias is not None and alias.columns):
            return None
        key = (id(query), name)
        if key in self._starring:
            # Asked again while it is read: a name the catalog's numeric columns do not have
            # was looked for in an enclosing scope, which leads back here (a CTE named like
            # the column, ``with w as (select t.*, w from t ...) ... from w``). Not known.
            return None
        self._starring.add(key)
        try:
            return self._star_column(query, name)
        finally:
            self._starring.discard(key)

    def _star_column(self, query: exp.Select, name: str) -> Typed:
        """``_through_star`` of a SELECT not being read already."""
        found: list[Typed] = []
        for node in query.expressions:
            if isinstance(node, exp.Column) and node.is_star and node.table:
                source = (self._sources_of(query) or {}).get(node.table.lower())
                has = self._has(source, name) if source is not None else None
                typed = _MISSING if has is False else self._column(source, name) \
                    if has and source is not None else None
            elif node.is_star:
                typed = self._in_scope(query, None, name)
            else:
                typed = self.derived([node.unalias()], self) \
                    if node.alias_or_name.lower() == name else _MISSING
            if typed != _MISSING:
                found.append(typed)
        return found[0] if len(found) == 1 else None if found else _MISSING


def _starred(query: exp.Expr) -> bool:
    """Whether a branch of ``query`` has a ``*`` (or ``t.*``) in its list."""
    branches = query_branches(query)
    return branches is not None and any(
        node.is_star for branch in branches for node in branch.expressions)


def _rows(query: exp.Expr) -> list[list[exp.Expr]] | None:
    """The expressions of a derived table's columns, one list per branch of its query (per
    row of a VALUES list); None where a branch is something else."""
    if isinstance(query, exp.Values):
        return [list(row.expressions) if isinstance(row, exp.Tuple) else [row]
                for row in query.expressions]
    branches = query_branches(query)
    return None if branches is None else [list(branch.expressions) for branch in branches]


def _names(query: exp.Expr, alias: exp.TableAlias | None) -> list[str] | None:
    """A derived table's column names, in order (None where a ``*`` hides them)."""
    if alias is not None and alias.columns:
        return [column.name.lower() for column in alias.columns]
    branches = query_branches(query)
    if branches is None or any(node.is_star for node in branches[0].expressions):
        return None
    return [node.alias_or_name.lower() for node in branches[0].expressions]


def cte_named(table: exp.Table) -> exp.CTE | None:
    """The CTE a table's name refers to where it is written, if one does."""
    name = table.name.lower()
    child, node = table, table.parent
    while node is not None:
        if isinstance(node, exp.With):
            # Inside one of its CTEs: those before it, and itself (recursive), are visible.
            ctes = node.expressions[:child.index + 1] if child.index is not None else []
        else:
            with_ = node.args.get("with_")
            ctes = with_.expressions if isinstance(with_, exp.With) and child is not with_ \
                else []
        for cte in ctes:
            if cte.alias_or_name.lower() == name:
                return cte
        child, node = node, node.parent
    return None
