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

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlglot import exp

from engine import macros
from proxy.codecs import oids
from proxy.sql.transforms.arithmetic import GUARD

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
        node: exp.Expr = param
        while isinstance(parent, exp.Paren):
            # ``($1) / x``: typed by the operator around the parentheses.
            node, parent = parent, parent.parent
        if parent is not None and parent.meta.get(GUARD):
            if not isinstance(parent, exp.Case):
                continue  # a guard's test of its divisor against zero
            # A guarded divisor: typed by the division's other operand.
            node, parent = parent, parent.parent
        sibling: exp.Expr | None = None
        if isinstance(parent, _BINARY):
            other = parent.expression if parent.this is node else parent.this
            sibling = other if _number(other) is None else None
        elif isinstance(parent, exp.In | exp.Between) and parent.this is not node:
            sibling = parent.this
        if sibling is not None:
            query = _probe_in_scope(param, sibling, tree)
            if query is not None:
                found[index] = Probe(index, query=query)
    return tuple(found[i] for i in sorted(found))


def divided_params(tree: exp.Expr) -> tuple[int, ...]:
    """The numbers of the parameters in a division's operands (``$1`` of ``x / ($1 + 1)``):
    their types make the division an exact DECIMAL (``Context.param_types``)."""
    found = {int(p.name) for div in tree.find_all(exp.Div)
             for p in div.find_all(exp.Parameter) if p.name.isdigit()}
    return tuple(sorted(found))


def operand_params(tree: exp.Expr) -> tuple[int, ...]:
    """The numbers of the parameters that are an operand of ``+ - * /`` (through parentheses
    and signs): bound untyped, their types are inferred at Bind (``probes``), as PostgreSQL
    infers them at Parse, so that a floating point one's arithmetic fails on overflow as a
    column's does and text that is not of the inferred type fails as in PostgreSQL."""
    found: set[int] = set()
    for param in tree.find_all(exp.Parameter):
        node: exp.Expr = param
        while isinstance(node.parent, exp.Paren | exp.Neg):
            node = node.parent
        if isinstance(node.parent, exp.Add | exp.Sub | exp.Mul | exp.Div) and param.name.isdigit():
            found.add(int(param.name))
    return tuple(sorted(found))


# The types a parameter's arithmetic is translated for, by the type the client bound it as (or
# that was inferred): floating point ones wherever they stand, integers in a division.
_FLOATS = {oids.FLOAT8: "DOUBLE", oids.FLOAT4: "FLOAT"}
_INTEGERS = {oids.INT2: "SMALLINT", oids.INT4: "INTEGER", oids.INT8: "BIGINT"}
# A NUMERIC parameter's type before its value is bound (a Describe's): any DECIMAL gives the
# result's type (NUMERIC); one digit makes the exact division as cheap as most values do.
_UNBOUND = "DECIMAL(1,0)"
_MAX_DIGITS = 38


def decimal_type(value: object) -> str | None:
    """The DECIMAL(p, s) of a NUMERIC parameter's value, as a literal of its digits is typed
    (``12.50`` is DECIMAL(4, 2), ``0.05`` DECIMAL(2, 2)); None past 38 digits or for NaN and
    infinities (the division is then left to the engine).

    >>> decimal_type(Decimal("12.50")), decimal_type(Decimal("0.05")), decimal_type(Decimal("1E+3"))
    ('DECIMAL(4,2)', 'DECIMAL(2,2)', 'DECIMAL(4,0)')
    """
    if value is None:
        return _UNBOUND
    if not isinstance(value, Decimal) or not value.is_finite():
        return None
    digits, exponent = len(value.as_tuple().digits), int(value.as_tuple().exponent)
    scale = max(0, -exponent)
    precision = max(digits + exponent, 0) + scale
    if precision > _MAX_DIGITS:
        return None
    return f"DECIMAL({max(precision, 1)},{scale})"


def parameter_types(param_oids: Sequence[int], divided: Sequence[int],
                    values: Sequence[object] | None) -> tuple[tuple[int, str], ...]:
    """``Context.param_types`` of a statement's parameters: each floating point one, and each
    integer or NUMERIC one of ``divided`` (1-based numbers), a NUMERIC one typed by its bound
    value (of ``values``; before a Bind, ``_UNBOUND``)."""
    found: list[tuple[int, str]] = []
    for number, oid in enumerate(param_oids, 1):
        name = _FLOATS.get(oid)
        if name is None and number in divided:
            name = _INTEGERS.get(oid)
            if name is None and oid == oids.NUMERIC:
                name = decimal_type(values[number - 1] if values is not None else None)
        if name is not None:
            found.append((number, name))
    return tuple(found)
