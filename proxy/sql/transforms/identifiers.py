"""Identifier case, as Redshift folds it.

Redshift folds every identifier to lower case: unquoted ones always, quoted ones too unless the
session has ``SET enable_case_sensitive_identifier TO true``, which keeps the case of quoted
identifiers (databases, schemas, tables, columns, aliases, SUPER attributes). So
``CREATE TABLE "MixedCase" ...`` creates ``mixedcase`` by default and ``select 1 as "Total"``
names its column ``total``. Only ASCII letters fold, as PostgreSQL's downcasing does.

This runs before anything reads names (the access checks' references, result column names),
so every later step sees the names Redshift would. DuckDB itself resolves names
case-insensitively, so with the setting on two relations whose names differ only in case
cannot both exist (Redshift allows it): that is a known difference.
"""

from __future__ import annotations

from sqlglot import exp

from proxy.sql.context import Context

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_identifiers(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Fold identifiers to lower case as the session's enable_case_sensitive_identifier says."""
    for ident in tree.find_all(exp.Identifier):
        if ident.quoted and ctx.case_sensitive:
            continue
        name = ident.this
        if isinstance(name, str):
            folded = name.translate(_ASCII_LOWER)
            if folded != name:
                ident.set("this", folded)
    return tree
