"""Redshift's hash functions on DuckDB: the ones DuckDB computes alike, and refusals.

MD5 and SHA1 exist in both. ``FUNC_SHA1`` is Redshift's other name for SHA1. ``SHA2(x, bits)``
is SHA-256 for 256 and for 0 (Redshift's default); sqlglot would print ``sha256`` for any
length, so SHA-224/384/512, which DuckDB does not compute, would silently give SHA-256's
digest: they fail with 0A000 instead. ``FNV_HASH`` and ``CRC32`` are the engine's own
functions (``engine/hash_functions.py``).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported, UndefinedFunction
from engine import hash_functions
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call

# Redshift's name: (the engine's, whether it is a macro, the argument counts it takes).
_ENGINE_FUNCTIONS = {
    "fnv_hash": (hash_functions.FNV_HASH, True, (1, 2)),
    "crc32": (hash_functions.CRC32, False, (1,)),
}


def _refuse(what: str) -> FeatureNotSupported:
    return FeatureNotSupported(f"feature not supported on Duckshift: {what}")


def hash_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite FUNC_SHA1, SHA2, FNV_HASH and CRC32; refuse SHA2 lengths DuckDB lacks."""
    # Innermost first: a call nested in another's arguments is copied with them.
    for node in reversed(list(tree.find_all(exp.SHA2, exp.Anonymous))):
        if isinstance(node, exp.SHA2):
            length = node.args.get("length")
            if length is not None and length.sql() not in ("0", "256"):
                raise _refuse(f"SHA2 with {length.sql()} bits")
            node.set("length", None)
            continue
        name = node.name.lower()
        if name == "func_sha1" and len(node.expressions) == 1:
            node.replace(exp.SHA(this=node.expressions[0].copy()))
        elif name in _ENGINE_FUNCTIONS:
            engine_name, is_macro, counts = _ENGINE_FUNCTIONS[name]
            if len(node.expressions) not in counts:
                raise UndefinedFunction(
                    f"function {name} does not exist for {len(node.expressions)} arguments")
            args = [a.copy() for a in node.expressions]
            node.replace(call(engine_name, *args) if is_macro
                         else exp.Anonymous(this=engine_name, expressions=args))
    return tree
