"""Redshift's hash functions on DuckDB: the ones DuckDB computes alike, and refusals.

MD5 and SHA1 exist in both. ``FUNC_SHA1`` is Redshift's other name for SHA1. ``SHA2(x, bits)``
is SHA-256 for 256 and for 0 (Redshift's default); sqlglot would print ``sha256`` for any
length, so SHA-224/384/512, which DuckDB does not compute, would silently give SHA-256's
digest: they fail with 0A000 instead, as do ``FNV_HASH`` and ``CRC32`` (not in DuckDB, and
FNV_HASH hashes each type's binary form, which needs the argument's type).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context

_UNSUPPORTED = frozenset({"fnv_hash", "crc32"})


def _refuse(what: str) -> FeatureNotSupported:
    return FeatureNotSupported(f"feature not supported on Duckshift: {what}")


def hash_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite FUNC_SHA1 and SHA2; refuse hashes DuckDB cannot compute as Redshift does."""
    for node in list(tree.find_all(exp.SHA2, exp.Anonymous)):
        if isinstance(node, exp.SHA2):
            length = node.args.get("length")
            if length is not None and length.sql() not in ("0", "256"):
                raise _refuse(f"SHA2 with {length.sql()} bits")
            node.set("length", None)
            continue
        name = node.name.lower()
        if name == "func_sha1" and len(node.expressions) == 1:
            node.replace(exp.SHA(this=node.expressions[0].copy()))
        elif name in _UNSUPPORTED:
            raise _refuse(name.upper())
    return tree
