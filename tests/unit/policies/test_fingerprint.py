"""Tests for policies/fingerprint.py: what makes two statements the same shape."""

from __future__ import annotations

import pytest

from policies.fingerprint import fingerprint, normalize


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("select * from t where id = 1", "SELECT *\n  FROM t WHERE id = 99"),
        ("select * from t where id = $1", "select * from t where id = 42"),
        ("select * from t where name = 'a'", "select * from t where name = 'it''s'"),
        ("select * from t where id in (1)", "select * from t where id in (1, 2, 3, 4)"),
        ("select 1.5e3 -- comment", "select 7 /* other\ncomment */"),
        ("select $$x$$", "select $tag$y$tag$"),
        ("select x from t limit 10", "select x from t limit 20"),
    ],
)
def test_same_shape(a: str, b: str) -> None:
    assert fingerprint(a) == fingerprint(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("select a from t", "select b from t"),
        ('select "A" from t', 'select "a" from t'),  # quoted identifiers keep their case
        ("select * from t1", "select * from t2"),
        ("select x from t where a = 1", "select x from t where a > 1"),
    ],
)
def test_different_shape(a: str, b: str) -> None:
    assert fingerprint(a) != fingerprint(b)


def test_normal_form() -> None:
    assert normalize("SELECT  c1 ,'x--y' FROM \"T\" WHERE k=E'\\n' -- trailing") == (
        'select c1 ,? from "T" where k=?')
    assert normalize("select t1.c2 from t1") == "select t1.c2 from t1"  # digits in names stay
