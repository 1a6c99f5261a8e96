"""Statements read by their first words before sqlglot parses them: refused by name, or
repaired for the parser.

* ANALYZE COMPRESSION: Redshift's report proposes an encoding per column from a sample of its
  rows by Redshift's own encoders, which have no counterpart here: 0A000.
* CREATE SCHEMA ... QUOTA: a quota of a size is neither kept nor enforced, so it is 0A000
  naming schema quotas; QUOTA UNLIMITED, which is what a schema without a quota has, is
  dropped before parsing (``without_unlimited_quota``).
"""

from __future__ import annotations

from sqlglot.tokens import Token

from catalog.errors import FeatureNotSupported
from proxy.sql.split import Piece

_HEADS = frozenset({"CREATE", "ANALYZE"})


def _refuse(what: str) -> FeatureNotSupported:
    return FeatureNotSupported(f"feature not supported on Duckshift: {what}")


def _words(tokens: list[Token], n: int) -> list[str]:
    return [t.text.upper() for t in tokens[:n]]


def check(piece: Piece) -> None:
    """Raise 0A000 if ``piece`` is one of the statements refused by name (module docstring)."""
    tokens = piece.tokens
    if not tokens or tokens[0].text.upper() not in _HEADS:
        return
    words = _words(tokens, 2)
    head = words[0]
    if head == "ANALYZE" and words[1:2] == ["COMPRESSION"]:
        raise _refuse("ANALYZE COMPRESSION")
    if words[:2] == ["CREATE", "SCHEMA"]:
        quota = _quota(tokens)
        if quota is not None and tokens[quota + 1].text.upper() != "UNLIMITED":
            raise _refuse("schema quotas (QUOTA other than UNLIMITED)")


def _quota(tokens: list[Token]) -> int | None:
    """Where the QUOTA of a CREATE SCHEMA is (followed by its value), or None."""
    for i, tok in enumerate(tokens[2:-1], start=2):
        if tok.text.upper() == "QUOTA":
            return i
    return None


def without_unlimited_quota(tokens: list[Token]) -> list[Token]:
    """The tokens of a CREATE SCHEMA without its QUOTA UNLIMITED (others as they are)."""
    if _words(tokens, 2) != ["CREATE", "SCHEMA"]:
        return tokens
    quota = _quota(tokens)
    if quota is None or tokens[quota + 1].text.upper() != "UNLIMITED":
        return tokens
    return tokens[:quota] + tokens[quota + 2:]
