"""String functions: STRTOL, REGEXP_* argument lists, SIMILAR TO patterns, LIKE escapes."""

from __future__ import annotations

import pytest

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms.string_functions import similar_to_regex

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


@pytest.mark.parametrize(
    ("pattern", "regex"),
    [("a%", "a.*"), ("a_c", "a.c"), ("a.c", "a\\.c"), ("(a|b)%", "(a|b).*"),
     ("a\\%", "a\\%"), ("[a.]%", "[a.].*"), ("x$", "x\\$")],
)
def test_similar_to_regex(pattern: str, regex: str) -> None:
    assert similar_to_regex(pattern) == regex


def test_similar_to_custom_escape() -> None:
    assert similar_to_regex("a#%", "#") == "a\\%"


def test_regexp_replace_replaces_all() -> None:
    assert "'g')" in duck("select regexp_replace(a, 'x', 'y') from t")
    assert "'gi')" in duck("select regexp_replace(a, 'x', 'y', 1, 'i') from t")


def test_like_gets_backslash_escape() -> None:
    assert "ESCAPE '\\'" in duck("select a like b from t")
    assert "ESCAPE" not in duck("select a like 'x%' from t")


def test_lengths_are_integer() -> None:
    # Through the engine's macros, which also count a VARBYTE's bytes.
    assert "CAST(memory.main.__ds_length(a) AS INT)" in duck("select len(a) from t")
    assert "CAST(memory.main.__ds_octets(a) AS INT)" in duck("select octet_length(a) from t")


@pytest.mark.parametrize(
    "sql",
    ["select strtol(a, b) from t", "select strtol(a, 1) from t",
     "select regexp_substr(a, 'x', 1, 1, 'z') from t", "select a similar to b from t",
     "select regexp_count(a, 'x', 1, p) from t"],
)
def test_refused(sql: str) -> None:
    with pytest.raises(FeatureNotSupported):
        duck(sql)


def test_split_part_with_a_literal_position_is_untouched() -> None:
    assert "error(" not in duck("select split_part(a, ',', 2) from t").lower()


@pytest.mark.parametrize("position", ["0", "-1", "n"])
def test_split_part_position_below_one_is_refused(position: str) -> None:
    assert "field position must be greater than zero" in duck(
        f"select split_part(a, ',', {position}) from t")


def test_split_part_empty_delimiter_keeps_the_string() -> None:
    sql = duck("select split_part(a, '', 1) from t").upper()
    assert "SPLIT_PART(" not in sql and "CASE WHEN 1 = 1 THEN A ELSE '' END" in sql


def test_chr_of_zero_is_refused_unless_the_code_is_a_positive_literal() -> None:
    assert "error(" not in duck("select chr(65) from t").lower()
    assert "null character not permitted" in duck("select chr(n) from t")
