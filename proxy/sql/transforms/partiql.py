"""PartiQL unnesting of SUPER arrays in FROM: ``FROM t AS c, c.orders AS o [AT i]``.

sqlglot reads ``c.orders AS o`` after a FROM item as an UNNEST of the column, and ``... AT i``
as an AtIndex. SUPER is DuckDB JSON, which UNNEST does not take, so the value becomes a JSON
list first; a value that is not an array gives no rows, as in Redshift's lax mode. ``AT i``
is the element's 0-based position. A path deeper than the column (``c.doc.items``) is read by
sqlglot as a column with database and schema parts; it becomes the column and its navigation.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context


def _navigation(column: exp.Column) -> exp.Expr:
    """``c.doc.a.b`` as the column ``c.doc`` navigated by ``.a.b`` (not a database name)."""
    parts = column.parts
    if len(parts) <= 2:
        return column.copy()
    out: exp.Expr = exp.column(parts[1].copy(), table=parts[0].copy())
    for part in parts[2:]:
        out = exp.Dot(this=out, expression=part.copy())
    return out


_LATERAL_PREFIX = "_partiql"


def element_names(tree: exp.Expr) -> set[str]:
    """The names of the SUPER array elements a statement unnests in FROM (``AS o``)."""
    names: set[str] = set()
    for node in tree.find_all(exp.Unnest, exp.Lateral):
        alias = node.args.get("alias")
        if isinstance(node, exp.Unnest) and isinstance(node.parent, exp.Join | exp.From):
            names.update(column.name for column in (alias.columns if alias else []))
        elif alias is not None and alias.name.startswith(_LATERAL_PREFIX):
            inner = node.this.unnest() if isinstance(node.this, exp.Subquery) else node.this
            if isinstance(inner, exp.Select) and inner.expressions:
                names.add(inner.expressions[0].alias_or_name)
    return names


def _as_list(value: exp.Expr) -> exp.Expr:
    """The SUPER value as a JSON list, NULL (no rows) unless it is an array."""
    is_array = exp.EQ(this=exp.Anonymous(this="json_type", expressions=[value.copy()]),
                      expression=exp.Literal.string("ARRAY"))
    only_array = exp.Case(ifs=[exp.If(this=is_array, true=value)])
    return exp.cast(only_array, exp.DataType.build("JSON[]", dialect="duckdb"))


def _at_index(node: exp.AtIndex, n: int) -> exp.Expr:
    """``c.arr AS o AT i`` as a lateral subquery yielding (o, i), i counted from 0."""
    aliased = node.this
    element = aliased.alias if isinstance(aliased, exp.Alias) else "value"
    source = aliased.this if isinstance(aliased, exp.Alias) else aliased
    value = _navigation(source) if isinstance(source, exp.Column) else source.copy()
    array = exp.column("partiql_array")
    # Two unnests in one SELECT list advance together: each element beside its position.
    positions = exp.Anonymous(this="unnest", expressions=[exp.Anonymous(
        this="range", expressions=[exp.Anonymous(this="len", expressions=[array])])])
    inner = (
        exp.select(
            exp.alias_(exp.Anonymous(this="unnest", expressions=[array.copy()]), element),
            exp.alias_(positions, node.expression.name),
        ).from_(exp.select(exp.alias_(_as_list(value), "partiql_array")).subquery())
    )
    return exp.Lateral(this=inner.subquery(),
                       alias=exp.TableAlias(this=exp.to_identifier(f"{_LATERAL_PREFIX}{n}")))


def partiql_unnest(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Unnest SUPER arrays named in FROM, with their positions for ``AT``."""
    for n, node in enumerate(list(tree.find_all(exp.Unnest, exp.AtIndex))):
        if not isinstance(node.parent, exp.Join | exp.From):
            continue
        if isinstance(node, exp.AtIndex):
            node.replace(_at_index(node, n))
            continue
        args = node.expressions
        if len(args) == 1 and isinstance(args[0], exp.Column | exp.Dot):
            value = _navigation(args[0]) if isinstance(args[0], exp.Column) else args[0]
            args[0].replace(_as_list(value.copy()))
    return tree
