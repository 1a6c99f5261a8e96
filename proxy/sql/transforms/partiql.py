"""PartiQL unnesting of SUPER arrays in FROM: ``FROM t AS c, c.orders AS o [AT i]``.

sqlglot reads ``c.orders AS o`` after a FROM item as an UNNEST of the column, and ``... AT i``
as an AtIndex. SUPER is DuckDB JSON, which UNNEST does not take, so the value becomes a JSON
list first; a value that is not an array gives no rows, as in Redshift's lax mode. ``AT i``
is the element's 0-based position. A path deeper than the column (``c.doc.items``) is read by
sqlglot as a column with database and schema parts; it becomes the column and its navigation.

Object unpivoting, ``FROM t AS c, UNPIVOT c.obj AS v [AT k]``, gives a row per attribute of the
object: its value ``v`` (SUPER) and its name ``k``, in the object's order; a value that is not
an object gives no rows (lax mode). sqlglot reads it as an UNPIVOT of an AtIndex (with AT) or
of a table named like the path (without); a path with subscripts is a syntax error there.
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


def _path(table: exp.Table) -> exp.Column:
    """The column path sqlglot read as a table's name parts (``UNPIVOT c.obj AS v``)."""
    parts = [p.copy() for p in table.parts]
    return exp.Column(this=parts[-1], table=parts[-2] if len(parts) > 1 else None,
                      db=parts[-3] if len(parts) > 2 else None,
                      catalog=parts[-4] if len(parts) > 3 else None)


def _call(name: str, *args: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _unpivot(node: exp.Pivot, n: int) -> exp.Expr | None:
    """``UNPIVOT path AS v [AT k]`` as a lateral subquery yielding (v, k), or None for an
    UNPIVOT of another form."""
    target = node.this
    if isinstance(target, exp.AtIndex) and isinstance(target.this, exp.Alias) and isinstance(
            target.this.this, exp.Column):
        value, name, attribute = target.this.this, target.this.alias, target.expression.name
    elif isinstance(target, exp.Table) and target.alias and not target.args.get("joins"):
        value, name, attribute = _path(target), target.alias, None
    else:
        return None
    obj = exp.column("partiql_object")
    key = exp.to_identifier(attribute or "partiql_attribute")
    is_object = exp.EQ(this=_call("json_type", _navigation(value)),
                       expression=exp.Literal.string("OBJECT"))
    only_object = exp.Case(ifs=[exp.If(this=is_object, true=_navigation(value))])
    attributes = exp.select(obj, exp.alias_(_call("unnest", _call("json_keys", obj.copy())),
                                            key)).from_(
        exp.select(exp.alias_(only_object, "partiql_object")).subquery())
    # A JSONPath of the attribute's name, quoted: any character may be in it.
    quoted = _call("replace", exp.column(key.copy()), exp.Literal.string('"'),
                   exp.Literal.string('\\"'))
    path = _call("printf", exp.Literal.string('$."%s"'), quoted)
    values: list[exp.Expr] = [exp.alias_(_call("json_extract", obj.copy(), path), name)]
    if attribute is not None:
        values.append(exp.column(key.copy()))
    inner = exp.select(*values).from_(attributes.subquery())
    return exp.Lateral(this=inner.subquery(),
                       alias=exp.TableAlias(this=exp.to_identifier(f"{_LATERAL_PREFIX}{n}")))


def partiql_unnest(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Unnest SUPER arrays named in FROM, with their positions for ``AT``; unpivot SUPER
    objects."""
    for n, node in enumerate(list(tree.find_all(exp.Unnest, exp.AtIndex, exp.Pivot))):
        if not isinstance(node.parent, exp.Join | exp.From):
            continue
        if isinstance(node, exp.Pivot):
            lateral = _unpivot(node, n) if node.args.get("unpivot") else None
            if lateral is not None:
                node.replace(lateral)
            continue
        if isinstance(node, exp.AtIndex):
            node.replace(_at_index(node, n))
            continue
        args = node.expressions
        if len(args) == 1 and isinstance(args[0], exp.Column | exp.Dot):
            value = _navigation(args[0]) if isinstance(args[0], exp.Column) else args[0]
            args[0].replace(_as_list(value.copy()))
    return tree
