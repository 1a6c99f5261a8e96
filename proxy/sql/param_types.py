"""Inferring the types of ``$n`` parameters, which DuckDB's Python API does not report.

PostgreSQL infers a parameter's type from where it stands: the other side of a comparison, the
target column of an INSERT or UPDATE, a cast, a LIMIT. Drivers that send untyped parameters
(asyncpg, redshift_connector) then encode values by the type in ParameterDescription. This
module finds, for each parameter, either a fixed type or a small probe query whose single
result column has the parameter's type; the session asks DuckDB to describe the probe (bind
only, never run). Parameters with neither are reported as text, as PostgreSQL does for an
unknown literal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from engine import macros

_BINARY = (
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Add, exp.Sub, exp.Mul, exp.Div,
    exp.Mod, exp.Like, exp.ILike, exp.NullSafeEQ, exp.NullSafeNEQ,
)


@dataclass(frozen=True, slots=True)
class Probe:
    """How to learn parameter ``index``'s type (0-based): a type name, or a probe query."""

    index: int
    type_name: str | None = None
    query: str | None = None
    column: int = 0  # which result column of the probe query


def _number(node: exp.Expr) -> int | None:
    if isinstance(node, exp.Parameter | exp.Placeholder):
        name = str(node.name)
        if name.isdigit():
            return int(name) - 1
    return None


def _without_params(node: exp.Expr) -> exp.Expr:
    copy = node.copy()
    for p in list(copy.find_all(exp.Parameter, exp.Placeholder)):
        if _number(p) is not None:
            p.replace(exp.Null())
    return copy


def _probe_in_scope(param: exp.Expr, sibling: exp.Expr, root: exp.Expr) -> str | None:
    """``SELECT sibling FROM <the enclosing query's FROM> LIMIT 0``, keeping its WITH."""
    select = param.find_ancestor(exp.Select)
    if select is None:
        column = _without_params(sibling).sql("duckdb")
        target = root.this if isinstance(root, exp.Update | exp.Delete) else None
        if isinstance(target, exp.Table):
            return f"SELECT {column} FROM {target.sql('duckdb')} LIMIT 0"
        return f"SELECT {column}"
    probe = exp.select(_without_params(sibling))
    for key in ("from_", "joins", "with_"):
        value = select.args.get(key)
        if value:
            probe.set(key, [v.copy() for v in value] if isinstance(value, list) else value.copy())
    with_ = root.args.get("with_") if root is not select else None
    if with_ is not None and probe.args.get("with_") is None:
        probe.set("with_", with_.copy())
    probe = _without_params(probe)
    return probe.limit(0).sql("duckdb")


def _dml_target(param: exp.Expr, root: exp.Expr) -> tuple[str, int] | None:
    """The column an INSERT ... VALUES or UPDATE ... SET assigns the parameter to."""
    if isinstance(root, exp.Insert):
        tup = param.parent
        if not isinstance(tup, exp.Tuple) or not isinstance(tup.parent, exp.Values):
            return None
        position = tup.expressions.index(param)
        target = root.this
        table = target.this if isinstance(target, exp.Schema) else target
        if not isinstance(table, exp.Table):
            return None
        if isinstance(target, exp.Schema) and target.expressions:
            cols = target.expressions
            if position >= len(cols):
                return None
            return f"SELECT {cols[position].sql('duckdb')} FROM {table.sql('duckdb')} LIMIT 0", 0
        return f"SELECT * FROM {table.sql('duckdb')} LIMIT 0", position
    if isinstance(root, exp.Update) and isinstance(param.parent, exp.EQ):
        eq = param.parent
        if eq.parent is root and eq.expression is param:
            return f"SELECT {eq.this.sql('duckdb')} FROM {root.this.sql('duckdb')} LIMIT 0", 0
    return None


def probes(tree: exp.Expr) -> tuple[Probe, ...]:
    """One Probe per parameter whose type the statement's shape reveals."""
    found: dict[int, Probe] = {}
    for param in tree.find_all(exp.Parameter, exp.Placeholder):
        index = _number(param)
        if index is None or index in found:
            continue
        parent = param.parent
        if isinstance(parent, exp.Anonymous) and parent.name == macros.ZONED:
            # A cast to TIMESTAMPTZ in a session time zone other than UTC.
            found[index] = Probe(index, type_name="TIMESTAMP WITH TIME ZONE")
            continue
        if isinstance(parent, exp.Cast):
            # DuckDB's DESCRIBE spells the type canonically (INT -> INTEGER).
            found[index] = Probe(index, query=f"SELECT CAST(NULL AS {parent.to.sql('duckdb')})")
            continue
        if isinstance(parent, exp.Limit | exp.Offset | exp.Fetch):
            found[index] = Probe(index, type_name="BIGINT")
            continue
        target = _dml_target(param, tree)
        if target is not None:
            found[index] = Probe(index, query=target[0], column=target[1])
            continue
        sibling: exp.Expr | None = None
        if isinstance(parent, _BINARY):
            other = parent.expression if parent.this is param else parent.this
            sibling = other if _number(other) is None else None
        elif isinstance(parent, exp.In | exp.Between) and parent.this is not param:
            sibling = parent.this
        if sibling is not None:
            query = _probe_in_scope(param, sibling, tree)
            if query is not None:
                found[index] = Probe(index, query=query)
    return tuple(found[i] for i in sorted(found))
