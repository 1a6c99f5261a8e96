"""String literals beside values of one known type take that type, as PostgreSQL and Redshift
resolve an untyped literal.

``SELECT 1 UNION SELECT '2'`` is an integer column there (and ``SELECT 1 UNION SELECT 'a'`` a
22P02), ``CASE WHEN c THEN 1 ELSE '0' END`` an integer; DuckDB makes both text. So where the
other values of a CASE's results, or of one column of a set operation's branches, are literals
or casts of a single type (numbers, booleans, typed literals such as ``DATE '2020-01-01'``), each
string literal among them becomes a cast to it (which ``explicit_casts`` then checks as written:
22P02 for ``'a'`` as an integer). NULLs are untyped too; a column or any other expression, whose
type translation does not know, leaves the values as they are.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context

_T = exp.DataType.Type


def _known(value: exp.Expr) -> exp.DataType | bool | None:
    """The type ``value`` is written with; None for an untyped literal (a string or NULL);
    False when translation cannot tell."""
    while isinstance(value, exp.Paren):
        value = value.this
    if isinstance(value, exp.Null) or (isinstance(value, exp.Literal) and value.is_string):
        return None
    if isinstance(value, exp.Boolean):
        return exp.DataType.build("BOOLEAN")
    if isinstance(value, exp.Literal):
        text = value.this
        if text.isdigit():
            return exp.DataType.build("INT" if int(text) < 2**31 else "BIGINT")
        return exp.DataType.build("DECIMAL") if "e" not in text.lower() else False
    if isinstance(value, exp.Cast) and isinstance(value.to, exp.DataType) and (
            value.to.this not in (_T.UNKNOWN, _T.USERDEFINED, _T.SUPER, _T.JSON)):
        return value.to
    return False


def _resolve(values: list[exp.Expr]) -> None:
    known = [_known(v) for v in values]
    if any(k is False for k in known):
        return
    types = {k.sql("duckdb") for k in known if isinstance(k, exp.DataType)}
    if len(types) == 1 and any(k is None for k in known):
        # Integers of different widths unite as the wider: one type left means all alike.
        target = next(k for k in known if isinstance(k, exp.DataType))
        if target.this == _T.DECIMAL:
            return  # NUMERIC of unstated precision: DuckDB's would differ in scale
        for value in values:
            if isinstance(value, exp.Literal) and value.is_string:
                value.replace(exp.Cast(this=value.copy(), to=target.copy()))


def _branches(node: exp.Expr) -> list[exp.Select] | None:
    """The selects of a set operation, in order, or None where one is not a plain select."""
    if isinstance(node, exp.SetOperation):
        left, right = _branches(node.this), _branches(node.expression)
        return None if left is None or right is None else [*left, *right]
    while isinstance(node, exp.Subquery | exp.Paren):
        node = node.this
    if isinstance(node, exp.Select) and not any(
            isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
            for e in node.expressions):
        return [node]
    return None


def unknown_literals(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Type the string literals of CASE results and set operation columns (module docstring)."""
    for case in list(tree.find_all(exp.Case)):
        results = [i.args["true"] for i in case.args.get("ifs") or ()]
        if case.args.get("default") is not None:
            results.append(case.args["default"])
        _resolve(results)
    for node in list(tree.find_all(exp.SetOperation)):
        if isinstance(node.parent, exp.SetOperation):
            continue  # the outermost resolves the whole chain
        selects = _branches(node)
        if not selects or len({len(s.expressions) for s in selects}) != 1:
            continue
        for i in range(len(selects[0].expressions)):
            _resolve([s.expressions[i].unalias() for s in selects])
    return tree
