"""Calls of the engine's own macros (``engine/macros.py``), qualified with their catalog.

A session's search path names only its own database, so the macros, which live in the
engine's in-memory catalog, are always called by their full name.
"""

from __future__ import annotations

from sqlglot import exp

from engine import macros


def call(name: str, *args: exp.Expr) -> exp.Expr:
    """``memory.main.<name>(args)``: a call of one of the engine's macros."""
    return exp.Dot.build([
        exp.to_identifier(macros.CATALOG),
        exp.to_identifier(macros.SCHEMA),
        exp.Anonymous(this=name, expressions=list(args)),
    ])
