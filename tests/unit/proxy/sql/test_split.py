"""Tests for proxy/sql/split.py: statement splitting around strings, dollar quotes, comments."""

from __future__ import annotations

import pytest

from catalog.errors import SyntaxError_
from proxy.sql.split import split, tokenize


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select 1", ["select 1"]),
        ("select 1; select 2", ["select 1", "select 2"]),
        ("select 1;", ["select 1"]),
        ("select 1 ;\n\n", ["select 1"]),
        ("  select 1  ;  select 2  ", ["select 1", "select 2"]),
        # Quoted semicolons do not split.
        ("select ';' ; select 2", ["select ';'", "select 2"]),
        ("select 'it''s;'; select 2", ["select 'it''s;'", "select 2"]),
        ("select 'a\\';b'; select 2", ["select 'a\\';b'", "select 2"]),
        ("select '--'; select 2", ["select '--'", "select 2"]),
        ("select '/*'; select 2", ["select '/*'", "select 2"]),
        ('select "a;b" from t; select 2', ['select "a;b" from t', "select 2"]),
        # Dollar quotes, tagged and untagged; an inner $$ does not close a tagged body.
        ("select $$a;b$$; select 3", ["select $$a;b$$", "select 3"]),
        ("select $$;$$", ["select $$;$$"]),
        ("select $t$ a;$$ b $t$; select 1", ["select $t$ a;$$ b $t$", "select 1"]),
        # Comments do not split, and stay with the statement they end.
        ("select 1 -- ; c\n; select 2", ["select 1 -- ; c", "select 2"]),
        ("select /* ; */ 1; select 2", ["select /* ; */ 1", "select 2"]),
        ("select 1 /* c */ ; select 2", ["select 1 /* c */", "select 2"]),
        ("select /* a /* b */ ; */ 1; select 2", ["select /* a /* b */ ; */ 1", "select 2"]),
        # Leading comments are not part of the text.
        ("/* lead */ select 1", ["select 1"]),
        ("-- lead\nselect 1", ["select 1"]),
        # Multi-line statements keep their inner newlines.
        ("select\n  1\nfrom t;\nselect 2", ["select\n  1\nfrom t", "select 2"]),
    ],
)
def test_split_texts(sql: str, expected: list[str]) -> None:
    assert [p.text for p in split(sql)] == expected


@pytest.mark.parametrize("sql", ["", "   ", "\n\t", ";", ";;;", " ; ; ", "-- only a comment",
                                 "/* only */", "/* a */ ; -- b"])
def test_empty_query_has_no_pieces(sql: str) -> None:
    assert split(sql) == []


def test_empty_statements_between_semicolons_are_dropped() -> None:
    assert [p.text for p in split(";select 1;;;select 2;")] == ["select 1", "select 2"]


def test_pieces_carry_their_own_tokens() -> None:
    first, second = split("select a, b from t; update t set a = 1")
    assert [t.text for t in first.tokens] == ["select", "a", ",", "b", "from", "t"]
    assert [t.text for t in second.tokens][:2] == ["update", "t"]
    assert all(t.text != ";" for piece in (first, second) for t in piece.tokens)


def test_token_positions_index_the_original_string() -> None:
    sql = "select 1; select abc"
    _, second = split(sql)
    tok = second.tokens[1]
    assert sql[tok.start : tok.end + 1] == "abc"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select 'abc", "unterminated quoted string at or near \"'abc\""),
        ("select 'abc; select 2", "unterminated quoted string at or near \"'abc; select 2\""),
        ('select "abc', 'unterminated quoted identifier at or near ""abc"'),
        ("select $$ abc", 'unterminated dollar-quoted string at or near "$$ abc"'),
        ("select $t$ x $$", 'unterminated dollar-quoted string at or near "$t$ x $$"'),
        ("select $$a$$, $$", 'unterminated dollar-quoted string at or near "$$"'),
        ("select /* x", 'unterminated /* comment at or near "/* x"'),
        ("select 1; select 'x", "unterminated quoted string at or near \"'x\""),
    ],
)
def test_unterminated_is_a_syntax_error(sql: str, message: str) -> None:
    # PostgreSQL's words for what its tokenizer leaves open.
    with pytest.raises(SyntaxError_) as info:
        split(sql)
    assert info.value.sqlstate == "42601"
    assert info.value.message == message


def test_tokenize_raises_syntax_error_too() -> None:
    with pytest.raises(SyntaxError_):
        tokenize("select 'x")
