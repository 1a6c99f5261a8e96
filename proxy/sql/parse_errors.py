"""sqlglot's parse errors as the errors PostgreSQL and Redshift give for the same text.

sqlglot checks more than a grammar does: the number of a known function's arguments and the
names of types. PostgreSQL's parser accepts those and its analysis refuses them, with other
SQLSTATEs than 42601: ``abs(1, 2)`` is 42883 (no such function), ``cast(x as nosuch)`` and
``create table t (a nosuch)`` are 42704 (no such type). Its tokenizer names an unterminated
string. Everything else stays a 42601 syntax error at the token sqlglot stopped at. Only failed
statements come here.
"""

from __future__ import annotations

import re
from itertools import pairwise

from sqlglot.tokens import Token, TokenType

from catalog.errors import SQLError, SyntaxError_, UndefinedFunction, UndefinedObject

# sqlglot's descriptions of a known function called with arguments it does not take.
_ARGUMENTS = re.compile(r"^(?:The number of provided arguments|Required keyword: '\w+' missing "
                        r"for <class 'sqlglot\.expressions\.)")
_TYPE = re.compile(r"^Expected (?:TYPE after CAST|type)$")
# A CREATE TABLE stopped right after a column's name: at its type, which sqlglot does not know.
_COLUMN_TYPE = re.compile(r'^\s*create\b[^(]*\btable\b.*[(,]\s*(?:"[^"]*"|[a-z_][\w$]*)\s+$',
                          re.I | re.S)
_NAME = re.compile(r"([A-Za-z_][A-Za-z_0-9$]*)\s*$")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
# What cannot follow a comma in any statement; sqlglot's parser skips the empty item.
_NOT_AFTER_COMMA = frozenset({TokenType.COMMA, TokenType.R_PAREN, TokenType.FROM})


def stray_comma(tokens: list[Token]) -> None:
    """Refuse an empty item of a list (``select a,, b``, ``f(a,)``, ``select a, from t``),
    which sqlglot reads as if the comma were not there."""
    for before, token in pairwise(tokens):
        if before.token_type is TokenType.COMMA and token.token_type in _NOT_AFTER_COMMA:
            raise SyntaxError_(f'syntax error at or near "{token.text}"', position=token.start + 1)


def parse_error(description: str, before: str, near: str, position: int | None) -> SQLError:
    """The error for sqlglot's ``description`` of a failure at the token ``near`` (empty at
    the end of input), ``before`` being the statement's text up to it."""
    if _ARGUMENTS.match(description) and near == ")":
        name = _called(before)
        if name is not None:
            return UndefinedFunction(f"function {name.lower()} does not exist", position=position)
    if near and (_TYPE.match(description) or (description == "Expecting )"
                                              and _COLUMN_TYPE.match(before))):
        return UndefinedObject(f'type "{near.lower()}" does not exist', position=position)
    msg = f'syntax error at or near "{near}"' if near else "syntax error at end of input"
    return SyntaxError_(msg, position=position)


def _called(before: str) -> str | None:
    """The name before the innermost parenthesis still open at the end of ``before``."""
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        if before[i] == ")":
            depth += 1
        elif before[i] == "(":
            if depth == 0:
                m = _NAME.search(before[:i])
                return m[1] if m else None
            depth -= 1
    return None


def token_error(text: str) -> SyntaxError_:
    """PostgreSQL's error for text sqlglot could not split into tokens: the string literal,
    quoted identifier or comment left open, else a plain syntax error."""
    i, n = 0, len(text)
    while i < n:
        if text[i] == "'":
            end = i + 1
            while (end := text.find("'", end)) != -1 and text[end + 1:end + 2] == "'":
                end += 2
            what = "quoted string"
        elif text[i] == '"':
            end, what = text.find('"', i + 1), "quoted identifier"
        elif text[i] == "$" and (tag := _DOLLAR_TAG.match(text, i)):
            end, what = text.find(tag[0], tag.end()), "dollar-quoted string"
            if end != -1:
                end += len(tag[0]) - 1
        elif text.startswith("/*", i):
            end, what = text.find("*/", i + 2), "/* comment"
        elif text.startswith("--", i):
            end, what = text.find("\n", i), ""
            if end == -1:
                break
        else:
            i += 1
            continue
        if end == -1:
            return SyntaxError_(f'unterminated {what} at or near "{text[i:]}"', position=i + 1)
        i = end + (2 if what == "/* comment" else 1)
    return SyntaxError_("syntax error")
