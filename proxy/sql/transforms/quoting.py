"""QUOTE_LITERAL and QUOTE_IDENT, which DuckDB does not have.

``quote_literal(x)`` is x as text between single quotes with quotes doubled (NULL stays NULL);
``quote_ident(x)`` adds double quotes only when x is not a plain lower-case identifier, with
inner double quotes doubled. Drivers use both (asyncpg's copy_from_query inlines its arguments
with quote_literal; Metabase calls QUOTE_LITERAL).
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context


def _text(arg: exp.Expr) -> exp.Expr:
    return exp.cast(arg, "VARCHAR")


def _doubled(arg: exp.Expr, quote: str) -> exp.Expr:
    return exp.func(
        "replace", _text(arg), exp.Literal.string(quote), exp.Literal.string(quote * 2)
    )


def _quote_literal(arg: exp.Expr) -> exp.Expr:
    return exp.DPipe(
        this=exp.DPipe(this=exp.Literal.string("'"), expression=_doubled(arg, "'")),
        expression=exp.Literal.string("'"),
    )


def _quote_ident(arg: exp.Expr) -> exp.Expr:
    plain = exp.func(
        "regexp_full_match", _text(arg), exp.Literal.string("[a-z_][a-z0-9_$]*")
    )
    quoted = exp.DPipe(
        this=exp.DPipe(this=exp.Literal.string('"'), expression=_doubled(arg, '"')),
        expression=exp.Literal.string('"'),
    )
    return exp.If(this=plain, true=_text(arg), false=quoted)


def quoting_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite quote_literal(x) and quote_ident(x) into DuckDB string expressions."""
    for node in list(tree.find_all(exp.Anonymous)):
        name = node.name.lower()
        if name not in ("quote_literal", "quote_ident") or len(node.expressions) != 1:
            continue
        arg = node.expressions[0].copy()
        node.replace(exp.Paren(
            this=_quote_literal(arg) if name == "quote_literal" else _quote_ident(arg)
        ))
    return tree
