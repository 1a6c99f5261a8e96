"""The clean VARCHAR columns' state machine (catalog/blank_facts.py)."""

from __future__ import annotations

import duckdb

from catalog.blank_facts import BlankFacts, scan

T = ("db", "public", "t")
U = ("db", "public", "u")


def _clean(facts: BlankFacts, key=T, columns=("a", "b"), blanks=frozenset()) -> None:
    planned = facts.plan(key, columns)
    assert planned is not None
    wanted, token = planned
    facts.record(key, wanted, token, frozenset(blanks) & wanted)


def test_unknown_tables_are_not_clean() -> None:
    facts = BlankFacts()
    assert facts.clean() == (0, {}, 0)


def test_a_scan_makes_columns_clean_and_moves_the_version() -> None:
    facts = BlankFacts()
    _clean(facts, blanks={"b"})
    key, clean, forgotten = facts.clean()
    assert clean == {T: frozenset({"a"})} and key == 1 and forgotten == 0
    # Known both ways: nothing to scan again until a write.
    assert facts.plan(T, ["a", "b"]) is None


def test_a_write_forgets_the_clean_columns() -> None:
    facts = BlankFacts()
    _clean(facts)
    facts.written([T], writer=7)
    assert facts.clean()[1] == {}
    assert facts.version == 2 and facts.forgotten == 1
    # Writing a table with no clean column forgets nothing.
    facts.written([U], writer=7)
    assert facts.version == 2 and facts.forgotten == 1


def test_no_scan_while_a_writer_is_open() -> None:
    facts = BlankFacts()
    facts.written([T], writer=7)
    assert facts.plan(T, ["a"]) is None
    facts.settle(7)
    assert facts.plan(T, ["a"]) is not None


def test_a_write_during_the_scan_voids_it() -> None:
    facts = BlankFacts()
    planned = facts.plan(T, ["a"])
    assert planned is not None
    facts.written([T], writer=7)
    facts.settle(7)
    facts.record(T, *planned, frozenset())
    assert facts.clean()[1] == {}
    # The next scan is trusted.
    _clean(facts, columns=("a",))
    assert facts.clean()[1] == {T: frozenset({"a"})}


def test_a_write_of_another_table_does_not_void_it() -> None:
    facts = BlankFacts()
    planned = facts.plan(T, ["a"])
    assert planned is not None
    facts.written([U], writer=7)
    facts.record(T, *planned, frozenset())
    assert facts.clean()[1] == {T: frozenset({"a"})}


def test_a_write_whose_tables_are_unknown_forgets_everything() -> None:
    facts = BlankFacts()
    _clean(facts)
    planned = facts.plan(U, ["a"])
    assert planned is not None
    facts.written_anywhere(7)
    facts.record(U, *planned, frozenset())
    assert facts.clean()[1] == {}
    assert facts.plan(T, ["a"]) is None  # the writer is open
    facts.settle(7)
    _clean(facts)
    assert facts.clean()[1] == {T: frozenset({"a", "b"})}


def test_rollback_leaves_the_table_unknown() -> None:
    facts = BlankFacts()
    _clean(facts)
    facts.written([T], writer=7)
    facts.settle(7)  # committed or rolled back: the same
    assert facts.clean()[1] == {}


def test_a_failed_scan_is_not_repeated_until_a_write() -> None:
    facts = BlankFacts()
    planned = facts.plan(T, ["a"])
    assert planned is not None
    facts.record(T, *planned, None)
    assert facts.clean()[1] == {} and facts.plan(T, ["a"]) is None
    facts.written([T], writer=7)
    facts.settle(7)
    assert facts.plan(T, ["a"]) is not None


def test_one_scan_of_a_table_at_a_time() -> None:
    facts = BlankFacts()
    assert facts.plan(T, ["a"]) is not None
    assert facts.plan(T, ["b"]) is None


def test_temporary_tables_are_never_scanned() -> None:
    assert BlankFacts().plan(("temp", "main", "t"), ["a"]) is None


def test_an_older_snapshot_does_not_read_a_later_writes_fact() -> None:
    facts = BlankFacts()
    since = facts.now()  # a transaction began
    facts.written([T], writer=7)
    facts.settle(7)  # another session's write ended after it began
    _clean(facts)
    key, clean, _ = facts.clean(since)
    assert clean == {} and key != facts.version
    assert facts.clean()[1] == {T: frozenset({"a", "b"})}
    # A transaction begun after the write reads it.
    assert facts.clean(facts.now())[1] == {T: frozenset({"a", "b"})}


def test_an_older_snapshot_after_a_write_anywhere() -> None:
    facts = BlankFacts()
    since = facts.now()
    facts.written_anywhere(None)
    _clean(facts)
    assert facts.clean(since)[1] == {}


def test_scan_finds_the_blank_ended_columns() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a VARCHAR, b VARCHAR, c VARCHAR)")
    con.execute("INSERT INTO t VALUES ('x', 'y ', NULL), (NULL, 'z', NULL)")
    key = ("memory", "main", "t")
    assert scan(con.cursor(), key, frozenset({"a", "b", "c"})) == frozenset({"b"})
    con.execute("CREATE VIEW v AS SELECT * FROM t")
    assert scan(con.cursor(), ("memory", "main", "v"), frozenset({"a"})) is None
    assert scan(con.cursor(), ("memory", "main", "gone"), frozenset({"a"})) is None


def test_unknown_is_what_a_plan_would_hand_out() -> None:
    facts = BlankFacts()
    assert facts.unknown(T, ["a"])
    assert not facts.unknown(("temp", "main", "t"), ["a"])  # a session's own
    _clean(facts, columns=("a",))
    assert not facts.unknown(T, ["a"]) and facts.unknown(T, ["a", "b"])
    planned = facts.plan(T, ["b"])
    assert planned is not None
    assert not facts.unknown(T, ["b"])  # being scanned
    facts.record(T, *planned, frozenset({"b"}))
    assert not facts.unknown(T, ["b"])  # known to hold blanks
    facts.written([U], writer=7)
    assert not facts.unknown(U, ["a"])  # an open writer
    facts.settle(7)
    assert facts.unknown(U, ["a"])
    facts.written_anywhere(8)
    assert not facts.unknown(("db", "public", "new"), ["a"])
