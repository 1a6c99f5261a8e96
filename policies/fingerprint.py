"""Normalized query fingerprints: the key under which a query's history is kept.

Two statements that differ only in literals, bind parameters, the length of an IN list,
whitespace, comments or keyword case run the same plan shape, so they share a fingerprint (as
pgbouncer's and PgDog's query statistics do). Normalizing works on the text with one regular
expression pass, so it costs microseconds and never parses SQL.
"""

from __future__ import annotations

import hashlib
import re

# One alternation, scanned left to right, so a quote inside a comment (or a comment marker
# inside a string) is read as what it is.
_TOKENS = re.compile(
    r"""
    (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<string>(?:[eE])?'(?:[^']|'')*')
  | (?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?P=tag)?\$)
  | (?P<ident>"(?:[^"]|"")*")
  | (?P<param>\$\d+|\?)
  | (?P<number>(?<![\w.])(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<space>\s+)
  | (?P<word>[A-Za-z_][\w$]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# An IN list (or VALUES row) of placeholders only, of any length, reads as one placeholder.
_LIST = re.compile(r"\(\s*\?(?:\s*,\s*\?)+\s*\)")


def normalize(sql: str) -> str:
    """The statement with literals and parameters as ``?``, lists of them collapsed, comments
    dropped, whitespace single, and everything outside quoted identifiers in lower case.

    >>> normalize("SELECT *  FROM t WHERE id IN (1, 2, 3) AND name = 'x' -- note")
    'select * from t where id in (?) and name = ?'
    >>> normalize('select "MixedCase" from t limit 10')
    'select "MixedCase" from t limit ?'
    """
    out: list[str] = []
    for m in _TOKENS.finditer(sql):
        kind = m.lastgroup
        if kind == "comment":
            continue
        if kind == "space":
            if out and out[-1] != " ":
                out.append(" ")
        elif kind in ("string", "dollar", "param", "number"):
            out.append("?")
        elif kind == "ident":
            out.append(m.group())
        else:
            out.append(m.group().lower())
    return _LIST.sub("(?)", "".join(out).strip())


def fingerprint(sql: str) -> str:
    """A short stable hash of ``normalize(sql)`` (16 hex digits).

    >>> fingerprint("select 1") == fingerprint("SELECT   2")
    True
    """
    return hashlib.blake2b(normalize(sql).encode(), digest_size=8).hexdigest()
