"""TO_CHAR(number, format) and TO_NUMBER(text, format) with Redshift's numeric format strings.

Redshift formats numbers as PostgreSQL does: ``9`` a digit (blank when a leading zero), ``0``
a digit always shown, ``.``/``D`` the decimal point, ``,``/``G`` a group separator, ``S``
(a sign next to the number), ``MI``/``PL``/``SG`` (minus, plus, either, where written), ``PR``
(a negative number in angle brackets), ``FM`` (no padding, no trailing zeros of ``9``), ``TH``
(an ordinal suffix), ``V`` (shift by a power of ten), ``EEEE`` (scientific notation), ``RN``
(Roman numerals); quoted text and other characters are copied. Too many digits print ``#``
in every digit position. ``L`` (the locale's currency symbol) depends on a locale Duckshift
does not emulate and is refused. The answers were checked against PostgreSQL 15's own
``to_char`` (tests/unit/engine/test_number_format.py holds them).

DuckDB has neither function; these run as Python functions of the engine, on the number's
exact decimal text, so a NUMERIC(38, s) is formatted without passing through a float.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

import duckdb

from catalog.errors import make
from engine import macros
from engine.storage import INTERNAL_PREFIX

TO_CHAR = f"{INTERNAL_PREFIX}to_char_number"  # the macro: picks by the number's type
_TO_CHAR_TEXT = f"{INTERNAL_PREFIX}to_char_text"
_TO_CHAR_FLOAT = f"{INTERNAL_PREFIX}to_char_float"
TO_NUMBER = f"{INTERNAL_PREFIX}to_number"

_KEYWORDS = ("EEEE", "FM", "MI", "PL", "SG", "PR", "RN", "TH", "S", "D", "G", "V", "L")


@dataclass
class _Format:
    tokens: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    pre: int = 0  # digit positions before the decimal point (V's digits included)
    post: int = 0  # digit positions after it
    multi: int = 0  # digits after V: the value is multiplied by 10**multi
    zero_start: int | None = None  # index among integer digits of the first '0'
    fill: bool = True  # False under FM
    sign: bool = False  # an explicit S, MI, SG or PR: no default sign slot
    lead_sign: bool = False  # S or PR written before the digits: the sign sits next to them
    eeee: bool = False
    roman: bool = False
    currency: bool = False  # L: TO_NUMBER skips the symbol; TO_CHAR cannot print it


def _unsupported(what: str) -> ValueError:
    # "<SQLSTATE> <message>": engine functions fail this way (duckdb_errors.translate).
    return ValueError(f"0A000 feature not supported on Duckshift: {what}")


@functools.lru_cache(maxsize=256)
def _parse(fmt: str) -> _Format:
    f = _Format()
    i, after_point, after_v = 0, False, False
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            end = fmt.find('"', i + 1)
            end = len(fmt) if end < 0 else end
            f.tokens.append(("text", fmt[i + 1:end]))
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(fmt):
            f.tokens.append(("text", fmt[i + 1]))
            i += 2
            continue
        if ch in "90":
            if after_v:
                f.multi += 1
                f.pre += 1
                f.tokens.append(("digit", ch))
            elif after_point:
                f.post += 1
                f.tokens.append(("frac", ch))
            else:
                if ch == "0" and f.zero_start is None:
                    f.zero_start = f.pre
                f.pre += 1
                f.tokens.append(("digit", ch))
            i += 1
            continue
        if ch in ".," or ch.upper() in "DG":
            kind = "point" if ch in ".Dd" else "group"
            if kind == "point":
                if after_point:
                    raise ValueError('42601 multiple decimal points')
                after_point = True
            f.tokens.append((kind, ch))
            i += 1
            continue
        word = next((k for k in _KEYWORDS if fmt[i:i + len(k)].upper() == k), None)
        if word is None:
            f.tokens.append(("text", ch))
            i += 1
            continue
        written = fmt[i:i + len(word)]
        i += len(word)
        if word == "FM":
            f.fill = False
        elif word == "V":
            after_v = True
        elif word == "EEEE":
            f.eeee = True
        elif word == "RN":
            f.roman = True
            f.tokens.append(("roman", written))
        elif word == "TH":
            f.tokens.append(("th", written))
        elif word == "L":
            f.currency = True
        elif word == "PL":
            f.tokens.append((word, written))  # printed where written, the default sign stays
        else:
            f.sign = True
            if word == "S" and f.pre == 0 and f.post == 0:
                f.lead_sign = True  # anchored before the number, not where written
            elif word == "PR":
                f.lead_sign = True
                f.tokens.append((word, written))
            else:
                f.tokens.append((word, written))
    if any(kind == "PR" for kind, _ in f.tokens) and f.tokens[-1][0] != "PR":
        raise ValueError('42601 "PR" must be the last pattern used')
    if any(kind == "PR" for kind, _ in f.tokens) and f.pre + f.post == 0:
        raise ValueError('42601 "9" must be ahead of "PR"')
    return f


def _ordinal(n: int, upper: bool) -> str:
    n = abs(n)
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return suffix.upper() if upper else suffix


def _roman(value: Decimal, fill: bool) -> str:
    n = int(value.to_integral_value(ROUND_HALF_UP))
    if abs(n) > 2**31 - 1:
        raise ValueError("22003 integer out of range")
    if not 1 <= n <= 3999:
        return "#" * 15
    out = ""
    for amount, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                            (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                            (4, "IV"), (1, "I")):
        count, n = divmod(n, amount)
        out += numeral * count
    return out.rjust(15) if fill else out


def _scientific(value: Decimal, f: _Format) -> str:
    if f.pre == 0 and f.post == 0:
        raise ValueError('22023 "EEEE" requires at least one digit')
    exponent = 0 if value == 0 else value.copy_abs().adjusted()
    mantissa = (value.copy_abs().scaleb(-exponent)).quantize(
        Decimal(1).scaleb(-f.post), rounding=ROUND_HALF_UP)
    # The exponent is the unrounded value's: PostgreSQL prints 99.995 as 10.00e+01.
    body = f"{mantissa:f}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    sign = "-" if value < 0 else (" " if f.fill else "")
    return sign + body


def format_number(text: str | None, fmt: str | None) -> str | None:
    """``to_char(number, fmt)`` of the number whose decimal text is ``text``."""
    if text is None or fmt is None:
        return None
    return _format(text, fmt, None)


def _format(text: str, fmt: str, post_limit: int | None) -> str:
    """``text`` formatted by ``fmt``, printing at most ``post_limit`` fraction digits (the
    other fraction positions print nothing)."""
    f = _parse(fmt)
    if f.currency:
        raise _unsupported("the L (currency symbol) pattern of TO_CHAR")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f'22P02 invalid input syntax for type numeric: "{text}"') from exc
    if not value.is_finite():
        return None if value.is_nan() else "#" * (f.pre + f.post + 1)
    if f.roman:
        return "".join(_roman(value, f.fill) if kind == "roman" else txt
                       for kind, txt in f.tokens if kind in ("roman", "text"))
    if f.eeee:
        return _scientific(value, f)
    with localcontext() as ctx:
        ctx.prec = 1000
        scaled = (value * (Decimal(10) ** f.multi)).quantize(
            Decimal(1).scaleb(-f.post), rounding=ROUND_HALF_UP)
    # A double keeps the sign of a negative value that rounds to zero, as C's printf does.
    negative = scaled < 0 or (post_limit is not None and scaled.is_signed())
    int_text, _, frac_text = f"{abs(scaled):f}".partition(".")
    frac_text = frac_text.ljust(f.post, "0")[:f.post]
    int_text = int_text.lstrip("0")
    overflow = len(int_text or "0") > f.pre  # a zero integer part needs a position too
    # FM drops the fraction's trailing zeros that fall on '9' positions.
    frac_kinds = [txt for kind, txt in f.tokens if kind == "frac"]
    keep = f.post
    if post_limit is not None:
        keep = min(keep, post_limit)
    if not f.fill:
        while keep > 0 and frac_kinds[keep - 1] == "9" and frac_text[keep - 1] == "0":
            keep -= 1
    if f.pre and not int_text and not frac_text[:keep] and f.zero_start is None:
        int_text = "0"  # zero prints its last integer digit, as PostgreSQL does
    int_text = int_text.rjust(f.pre, "\0")  # \0: a position left of the number
    out: list[str] = []
    first_digit = None  # index in out of the number's first printed character
    digit_i = frac_i = 0
    for kind, txt in f.tokens:
        if kind == "digit":
            ch = int_text[digit_i]
            if overflow:
                ch = "#"
            elif ch == "\0":
                zero = f.zero_start is not None and digit_i >= f.zero_start
                ch = "0" if zero else ("\0" if f.fill else "")
            digit_i += 1
            if ch and ch != "\0" and first_digit is None:
                first_digit = len(out)
            out.append(ch)
        elif kind == "frac":
            if post_limit is not None and frac_i >= post_limit:
                ch = ""
            else:
                ch = "#" if overflow else (frac_text[frac_i] if frac_i < keep else "")
            frac_i += 1
            out.append(ch)
        elif kind == "point":
            if first_digit is None:
                first_digit = len(out)
            out.append(".")
        elif kind == "group":
            out.append("," if first_digit is not None else ("\0" if f.fill else ""))
        elif kind == "th":
            if not negative and not overflow:  # PostgreSQL: no suffix for these
                out.append(_ordinal(int(scaled), txt.isupper()))
        elif kind == "text":
            out.append(txt)
        elif kind in ("S", "SG"):
            out.append("-" if negative else "+")
        elif kind == "MI":
            out.append("-" if negative else (" " if f.fill else ""))
        elif kind == "PL":
            out.append("+" if not negative else (" " if f.fill else ""))
        elif kind == "PR":
            out.append(">" if negative else (" " if f.fill else ""))
    lead = None
    if any(kind == "PR" for kind, _ in f.tokens):
        lead = "<" if negative else " "
    elif f.lead_sign:
        lead = "-" if negative else "+"
    elif not f.sign:
        lead = "-" if negative else " "  # the default sign slot
    if lead is not None:
        # Next to the number: left of its first printed character.
        if lead == " " and not f.fill:
            lead = ""
        out.insert(first_digit if first_digit is not None else len(out), lead)
    result = "".join(out)
    # Blanks left of the number: the sign moved next to the digits, the rest pad on the left.
    return result.replace("\0", " ") if f.fill else result.replace("\0", "")


_NUMBER_TEXT = re.compile(r"[^0-9.\-+<>]")


def parse_number(text: str | None, fmt: str | None) -> Decimal | None:
    """``to_number(text, fmt)``: the digits, decimal point and sign of ``text``, read with the
    format's number of fraction digits."""
    if text is None or fmt is None:
        return None
    f = _parse(fmt)
    cleaned = _NUMBER_TEXT.sub("", text.replace(",", ""))
    negative = "-" in cleaned or (cleaned.startswith("<") and cleaned.endswith(">"))
    digits = cleaned.strip("<>").replace("-", "").replace("+", "")
    if not digits or digits == ".":
        raise ValueError(f'22P02 invalid input syntax for type numeric: "{text}"')
    try:
        value = Decimal(digits)
    except InvalidOperation as exc:
        raise ValueError(f'22P02 invalid input syntax for type numeric: "{text}"') from exc
    value = value.quantize(Decimal(1).scaleb(-f.post), rounding=ROUND_HALF_UP)
    if f.multi:
        value = value.scaleb(-f.multi)
    return -value if negative else value


def scale_of(fmt: str) -> int:
    """The number of fraction digits a format has (TO_NUMBER's result scale)."""
    return _checked(fmt).post


def _checked(fmt: str) -> _Format:
    try:
        return _parse(fmt)
    except ValueError as exc:
        code, _, message = str(exc).partition(" ")
        raise make(code, message) from None


_DBL_DIG = 15  # the significant digits PostgreSQL prints of a double


def format_float(value: float | None, fmt: str | None) -> str | None:
    """``to_char(double, fmt)``: as PostgreSQL, the double is first printed with C's ``%.*f``
    (exact binary value, so 2.5 rounds to 2) and with at most 15 significant digits."""
    if value is None or fmt is None:
        return None
    f = _parse(fmt)
    if value != value or value in (float("inf"), float("-inf")):
        return _format(repr(value), fmt, None)
    # C's rounding of the exact binary value: ties go to even (148.5 is CXLVIII).
    if f.roman:  # out of range is all '#' for a double (an error for a NUMERIC)
        return _format(str(round(value)) if abs(value) < 4000 else "0", fmt, None)
    if f.eeee:
        return _format(f"{value:.{f.post}e}", fmt, None)
    pre_digits = len(f"{abs(value) * 10.0 ** f.multi:.0f}")
    post = 0 if pre_digits >= _DBL_DIG else min(f.post, _DBL_DIG - pre_digits)
    return _format(f"{value:.{post + f.multi}f}", fmt, post)


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Register TO_CHAR's and TO_NUMBER's Python functions on ``con``, and the macro that
    formats a DOUBLE or REAL as a double and any other number by its exact decimal text."""
    for name, fn, params in (
        (_TO_CHAR_TEXT, format_number, ["VARCHAR", "VARCHAR"]),
        (_TO_CHAR_FLOAT, format_float, ["DOUBLE", "VARCHAR"]),
        (TO_NUMBER, _parse_number_text, ["VARCHAR", "VARCHAR"]),
    ):
        con.create_function(name, fn, params, "VARCHAR",  # type: ignore[arg-type]
                            null_handling="special")
    # By typeof (folded to a constant) rather than typed overloads: a DECIMAL literal such
    # as 2.5 would bind to a DOUBLE overload and round as a double.
    con.execute(
        f"CREATE OR REPLACE MACRO {macros.CATALOG}.{macros.SCHEMA}.{TO_CHAR}(x, fmt) AS "
        f"CASE WHEN typeof(x) IN ('DOUBLE', 'FLOAT') THEN {_TO_CHAR_FLOAT}(CAST(x AS DOUBLE), fmt) "
        f"ELSE {_TO_CHAR_TEXT}(CAST(x AS VARCHAR), fmt) END"
    )


def _parse_number_text(text: str | None, fmt: str | None) -> str | None:
    value = parse_number(text, fmt)
    return None if value is None else f"{value:f}"
