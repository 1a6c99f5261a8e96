"""TO_CHAR of a number and TO_NUMBER, with Redshift's numeric format strings.

sqlglot reads every TO_CHAR as a datetime formatting; a format made of numeric patterns
(``9``, ``0``, ``FM``, ``S``, ``RN``, ...) formats a number instead, computed by the engine's
functions (``engine/number_format.py``). A format that also
holds datetime letters (``YYYY-MM-01``) stays a datetime format. TO_NUMBER's result is a
NUMERIC(38, s) with the format's number of fraction digits, so the format must be a literal.
"""

from __future__ import annotations

import re

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from engine import number_format
from proxy.sql.context import Context
from proxy.sql.transforms.datetime_formats import original_format
from proxy.sql.transforms.macros import call

# Numeric patterns, longest first; what remains of a numeric format has no letters.
_NUMERIC_WORDS = re.compile(r"EEEE|FM|MI|PL|SG|PR|RN|TH|[SDGVL]", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"?')


def is_numeric_format(fmt: str) -> bool:
    """Whether a TO_CHAR format formats a number (digits or Roman numerals, no date parts)."""
    bare = _QUOTED.sub("", fmt)
    rest = _NUMERIC_WORDS.sub("", bare)
    has_digits = bool(re.search(r"[09]|RN", bare, re.IGNORECASE))
    return has_digits and not re.search(r"[A-Za-z]", rest)


def _literal_format(node: exp.Expr, function: str) -> str:
    fmt = node.args.get("format")
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        raise FeatureNotSupported(
            f"feature not supported on Duckshift: {function} with a format that is not a "
            "string literal")
    return fmt.this


def number_formats(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite TO_CHAR(number, numeric format) and TO_NUMBER(text, format)."""
    for node in list(tree.find_all(exp.TimeToStr, exp.ToNumber)):
        fmt = node.args.get("format")
        if isinstance(node, exp.TimeToStr):
            if not (isinstance(fmt, exp.Literal) and fmt.is_string):
                continue
            # sqlglot turned the format into strftime codes when it read a TO_CHAR.
            written = original_format(fmt.this, "TO_CHAR")
            if not is_numeric_format(written):
                continue
            node.replace(call(number_format.TO_CHAR, node.this.copy(),
                              exp.Literal.string(written)))
            continue
        spec = _literal_format(node, "TO_NUMBER")
        scale = number_format.scale_of(spec)
        parsed = exp.Anonymous(this=number_format.TO_NUMBER,
                               expressions=[node.this.copy(), exp.Literal.string(spec)])
        node.replace(exp.cast(parsed, f"DECIMAL(38, {scale})"))
    return tree
