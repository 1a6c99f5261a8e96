"""Redshift's SOUNDEX and DIFFERENCE, which DuckDB does not have, as engine functions.

* ``SOUNDEX(string)`` is the American Soundex code of the string's ASCII letters (every other
  character is ignored, so several words make one code): the first letter, upper case, then
  the digits of the following letters (b f p v 1; c g j k q s x z 2; d t 3; l 4; m n 5; r 6),
  where a letter with the digit of the one before it adds nothing, a vowel (a e i o u y)
  separates two letters of one digit and h or w does not, padded with 0 or cut to four
  characters; an empty string where there is no letter.
* ``DIFFERENCE(a, b)`` counts the positions at which the two codes have the same character
  (0 to 4): 0 where a string is empty, 1 where neither has a letter.

Redshift's examples (``SOUNDEX('AWS Amazon')`` is A252, ``DIFFERENCE('Amazon', 'Ama')`` is 2
...) are corpus cases. The macros check the argument types by typeof (an aggregate's value
picks no typed overload) and refuse others with PostgreSQL's 42883.
"""

from __future__ import annotations

import duckdb

from engine.function_macros import PG_TYPE
from engine.macros import CATALOG, SCHEMA
from engine.storage import INTERNAL_PREFIX

SOUNDEX = f"{INTERNAL_PREFIX}soundex"
DIFFERENCE = f"{INTERNAL_PREFIX}difference"
_SOUNDEX_TEXT = f"{INTERNAL_PREFIX}soundex_text"
_DIFFERENCE_TEXT = f"{INTERNAL_PREFIX}difference_text"

_DIGITS = dict(zip("abcdefghijklmnopqrstuvwxyz", "01230120022455012623010202", strict=True))
_LENGTH = 4


def soundex(text: str) -> str:
    """The American Soundex code of ``text``.

    >>> soundex("AWS Amazon"), soundex("smith"), soundex("Ashcraft"), soundex("+-*/%")
    ('A252', 'S530', 'A261', '')
    """
    letters = [c for c in text.lower() if c in _DIGITS]
    if not letters:
        return ""
    code = letters[0].upper()
    last = _DIGITS[letters[0]]
    for letter in letters[1:]:
        if len(code) == _LENGTH:
            break
        digit = _DIGITS[letter]
        if letter in "hw":
            continue  # h and w do not separate two letters of one digit
        if digit != "0" and digit != last:
            code += digit
        last = digit
    return code.ljust(_LENGTH, "0")


def difference(a: str, b: str) -> int:
    """How many characters the Soundex codes of ``a`` and ``b`` share, position by position.

    >>> difference("Amazon", "Ama"), difference("%", "@"), difference("Amazon", "")
    (2, 1, 0)
    """
    if not a or not b:
        return 0
    x, y = soundex(a), soundex(b)
    if not x and not y:
        return 1
    return sum(1 for p, q in zip(x, y, strict=False) if p == q)


def _guarded(name: str, body: str, *params: str) -> str:
    """A macro of string parameters ``params``: ``body``, or PostgreSQL's 42883 for others."""
    strings = " AND ".join(f"typeof({p}) IN ('VARCHAR', '\"NULL\"')" for p in params)
    types = " || ', ' || ".join(f"{CATALOG}.{SCHEMA}.{PG_TYPE}({p})" for p in params)
    return (f"({', '.join(params)}) AS CASE WHEN {strings} THEN {body} "
            f"ELSE error('function {name}(' || {types} || ') does not exist') END")


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Register the Python functions on ``con`` and the macros that call them."""
    con.create_function(_SOUNDEX_TEXT, soundex, ["VARCHAR"], "VARCHAR")
    con.create_function(_DIFFERENCE_TEXT, difference, ["VARCHAR", "VARCHAR"], "INTEGER")
    for name, body in (
        (SOUNDEX, _guarded("soundex", f"{_SOUNDEX_TEXT}(CAST(s AS VARCHAR))", "s")),
        (DIFFERENCE, _guarded(
            "difference", f"{_DIFFERENCE_TEXT}(CAST(a AS VARCHAR), CAST(b AS VARCHAR))",
            "a", "b")),
    ):
        con.execute(f"CREATE OR REPLACE MACRO {CATALOG}.{SCHEMA}.{name}{body}")
