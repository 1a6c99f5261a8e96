"""The kept magnitudes of DECIMAL columns (catalog/blank_facts.py): DuckDB's statistics read
once and kept until the table's next write, handed out only where they bound what the reading
statement's snapshot holds."""

from __future__ import annotations

from decimal import Decimal

from catalog.blank_facts import BlankFacts, ColumnKey

T = ("db", "public", "t")
U = ("db", "public", "u")
TP = (T, "p")
TQ = (T, "q")
UP = (U, "p")
READER = 1  # a session that reads and, in one test, writes
WRITER = 7


def _keep(facts: BlankFacts, columns: list[ColumnKey], since: int | None = None,
          value: str = "10.00") -> None:
    token = facts.measuring(columns, since)
    assert token is not None
    facts.measured(token, dict.fromkeys(columns, Decimal(value)))


def test_nothing_is_kept_at_first() -> None:
    assert BlankFacts().magnitudes([TP], None) is None


def test_a_read_is_kept_and_handed_out_for_all_its_columns() -> None:
    facts = BlankFacts()
    _keep(facts, [TP, TQ, UP])
    assert facts.magnitudes([TP, UP], None) == {TP: Decimal(10), UP: Decimal(10)}
    # A column not read yet: read them all again.
    assert facts.magnitudes([TP, (T, "r")], None) is None


def test_unknown_magnitudes_are_kept_too() -> None:
    facts = BlankFacts()
    token = facts.measuring([TP], None)
    assert token is not None
    facts.measured(token, {TP: None})
    assert facts.magnitudes([TP], None) == {TP: None}


def test_a_write_forgets_its_tables_only() -> None:
    facts = BlankFacts()
    _keep(facts, [TP, UP])
    facts.written([T], WRITER)
    assert facts.magnitudes([TP], None) is None
    assert facts.magnitudes([UP], None) == {UP: Decimal(10)}
    # Not clean columns: the translations' version and count stay.
    assert facts.version == 0 and facts.forgotten == 0


def test_a_write_anywhere_forgets_every_table() -> None:
    facts = BlankFacts()
    _keep(facts, [TP, UP])
    facts.written_anywhere(WRITER)
    assert facts.magnitudes([UP], None) is None
    # And nothing is kept until it ends.
    assert facts.measuring([UP], None) is None
    facts.settle(WRITER)
    assert facts.measuring([UP], None) is not None


def test_a_database_attached_or_dropped_forgets_every_table() -> None:
    facts = BlankFacts()
    _keep(facts, [TP])
    facts.written_anywhere(None)
    assert facts.magnitudes([TP], None) is None


def test_no_read_is_kept_while_a_writer_is_open() -> None:
    facts = BlankFacts()
    facts.written([T], WRITER)
    assert facts.measuring([TP, UP], None) is None
    facts.settle(WRITER)
    _keep(facts, [TP, UP])
    assert facts.magnitudes([TP, UP], None) is not None


def test_a_write_between_read_and_record_voids_it() -> None:
    facts = BlankFacts()
    token = facts.measuring([TP, UP], None)
    assert token is not None
    facts.written([U], WRITER)
    facts.settle(WRITER)
    facts.measured(token, {TP: Decimal(1), UP: Decimal(1)})
    assert facts.magnitudes([TP], None) is None


def test_a_writer_open_at_record_voids_it() -> None:
    facts = BlankFacts()
    token = facts.measuring([TP], None)
    assert token is not None
    facts.written_anywhere(WRITER)
    facts.measured(token, {TP: Decimal(1)})
    facts.settle(WRITER)
    assert facts.magnitudes([TP], None) is None


def test_a_write_anywhere_between_read_and_record_voids_it() -> None:
    facts = BlankFacts()
    token = facts.measuring([TP], None)
    assert token is not None
    facts.written_anywhere(None)
    facts.measured(token, {TP: Decimal(1)})
    assert facts.magnitudes([TP], None) is None


def test_the_writer_itself_does_not_use_them() -> None:
    facts = BlankFacts()
    _keep(facts, [TP])
    since = facts.now()
    # Its own rows are in no statistics: it reads them itself (and DuckDB shows none).
    facts.written([U], READER)
    _keep(facts, [TP])
    assert facts.magnitudes([TP], since) == {TP: Decimal(10)}
    facts.written([T], READER)
    assert facts.magnitudes([TP], since) is None
    assert facts.measuring([TP], since) is None
    facts.written_anywhere(READER)
    assert facts.magnitudes([UP], since) is None


def test_an_older_snapshot_does_not_use_a_later_writes_magnitudes() -> None:
    facts = BlankFacts()
    since = facts.now()  # a transaction began
    facts.written([T], WRITER)  # e.g. DROP TABLE t; CREATE TABLE t ... (smaller values)
    facts.settle(WRITER)
    _keep(facts, [TP, UP])  # read outside any transaction: the new table's
    assert facts.magnitudes([TP], since) is None
    assert facts.magnitudes([UP], since) == {UP: Decimal(10)}
    # Nor keeps what it reads of that table itself (its snapshot holds the old one).
    assert facts.measuring([TP], since) is None
    assert facts.measuring([UP], since) is not None
    # A transaction begun after the write uses them.
    assert facts.magnitudes([TP], facts.now()) == {TP: Decimal(10)}


def test_an_older_snapshot_after_a_write_anywhere() -> None:
    facts = BlankFacts()
    since = facts.now()
    facts.written_anywhere(None)
    _keep(facts, [TP])
    assert facts.magnitudes([TP], since) is None
    assert facts.measuring([TP], since) is None
    assert facts.magnitudes([TP], facts.now()) is not None


def test_temporary_tables_are_never_kept() -> None:
    facts = BlankFacts()
    assert facts.measuring([(("temp", "main", "t"), "p")], None) is None
    assert facts.measuring([TP, (("temp", "main", "t"), "p")], None) is None
