"""TO_CHAR/TO_NUMBER numeric formats (engine/number_format.py).

The expected strings are PostgreSQL 15's ``to_char(value::numeric, format)``, whose numeric
formatting Redshift shares (PostgreSQL's documented examples and edge cases: rounding,
overflow, zero, FM, signs, Roman numerals, scientific notation).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.number_format import format_float, format_number, parse_number, scale_of
from proxy.sql.transforms.number_formats import is_numeric_format


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        ('-0.1', '99.99', '  -.10'),
        ('-0.1', 'FM9.99', '-.1'),
        ('-0.1', 'FM90.99', '-0.1'),
        ('0.1', '0.9', ' 0.1'),
        ('12', '9990999.9', '    0012.0'),
        ('12', 'FM9990999.9', '0012.'),
        ('485', '999', ' 485'),
        ('-485', '999', '-485'),
        ('485', '9 9 9', ' 4 8 5'),
        ('1485', '9,999', ' 1,485'),
        ('1485', '9G999', ' 1,485'),
        ('148.5', '999.999', ' 148.500'),
        ('148.5', 'FM999.999', '148.5'),
        ('148.5', 'FM999.990', '148.500'),
        ('-485', '999S', '485-'),
        ('-485', '999MI', '485-'),
        ('485', '999MI', '485 '),
        ('485', 'FM999MI', '485'),
        ('485', 'PL999', '+ 485'),
        ('485', 'SG999', '+485'),
        ('-485', 'SG999', '-485'),
        ('-485', '9SG99', '4-85'),
        ('-485', '999PR', '<485>'),
        ('485', 'RN', '        CDLXXXV'),
        ('485', 'FMRN', 'CDLXXXV'),
        ('5.2', 'FMRN', 'V'),
        ('482', '999th', ' 482nd'),
        ('485', '"Good number:"999', 'Good number: 485'),
        ('485.8', '"Pre:"999" Post:" .999', 'Pre: 485 Post: .800'),
        ('12', '99V999', ' 12000'),
        ('12.4', '99V999', ' 12400'),
        ('12.45', '99V9', ' 125'),
        ('0.0004859', '9.99EEEE', ' 4.86e-04'),
        ('0', '999', '   0'),
        ('0.1', '9.99', '  .10'),
        ('1234567', '999', ' ###'),
        ('99.995', '9.99EEEE', ' 10.00e+01'),
        ('-1', '999th', '  -1'),
        ('0', 'S9,999.99', '     +.00'),
        ('-12', 'S999', ' -12'),
        ('1234.5', 'FM$999,999.00', '$1,234.50'),
        ('999.5', '999', ' ###'),
        ('-0.004', 'FM9.99', '0.'),
        ('0.5', '.99', ' .##'),
        ('11', 'FM999th', '11th'),
        ('12', 'FM999th', '12th'),
        ('13', 'FM999th', '13th'),
        ('-1234.567', 'FM9,999.99', '-1,234.57'),
    ],
)
def test_like_postgresql(value: str, fmt: str, expected: str) -> None:
    assert format_number(value, fmt) == expected


def test_redshift_examples() -> None:
    assert format_number("-125.8", "999D99S") == "125.80-"
    assert format_number("125.8", "999.99") == " 125.80"
    assert parse_number("12,454.8-", "99G999D9S") == Decimal("-12454.8")
    assert parse_number("$ 1,000.25", "L9,999.99") == Decimal("1000.25")
    assert scale_of("99G999D9S") == 1


def test_nulls_and_refusals() -> None:
    assert format_number(None, "999") is None
    assert parse_number(None, "999") is None
    with pytest.raises(ValueError, match=r"^0A000 "):
        format_number("1", "L999")
    with pytest.raises(ValueError, match=r'^42601 "PR" must be the last'):
        format_number("1", "PR999")
    with pytest.raises(ValueError, match=r"^22P02 "):
        parse_number("abc", "999")


@pytest.mark.parametrize(
    ("fmt", "numeric"),
    [("999.99", True), ("FM9,999", True), ("RN", True), ("S999", True), ("9.99EEEE", True),
     ("YYYY-MM-DD", False), ("YYYY-MM-01", False), ("HH24:MI", False), ("Mon DD", False)],
)
def test_numeric_formats_are_told_from_datetime_ones(fmt: str, numeric: bool) -> None:
    assert is_numeric_format(fmt) is numeric


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (2.5, "9", " 2"),  # C's rounding of the binary value: ties to even
        (1.005, "9.99", " 1.00"),  # 1.005 is 1.00499999... as a double
        (-0.1, "999", "  -0"),  # the sign of a negative that rounds to zero stays
        (0.1, "9.99999999999999999999", "  .10000000000000"),  # at most 15 digits
        (1485.0, "9.99EEEE", " 1.48e+03"),
        (148.5, "FMRN", "CXLVIII"),
        (1e20, "RN", "#" * 15),
        (1234.5678, "9G999D99", " 1,234.57"),
    ],
)
def test_doubles_like_postgresql(value: float, fmt: str, expected: str) -> None:
    assert format_float(value, fmt) == expected
