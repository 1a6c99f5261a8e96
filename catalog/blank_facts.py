"""Which VARCHAR columns of tables hold no value that ends with a blank, and how large the
values of their DECIMAL columns may be.

Redshift compares VARCHAR values without trailing blanks (``varchar_blanks`` in the proxy
rewrites comparisons for it). Where no value of a column ends with one, the comparison as
written is already exact, and DuckDB plans it better: it estimates an equality with a constant
from the column's distinct values, any other filter at a fifth of the table. This module keeps
that fact per table (``(alias, schema, table)``, as the catalog's column facts are keyed) and
column, and errs towards "may have blanks":

* every write marks its tables before it runs (``written``, or ``written_anywhere`` when the
  tables are not known): their clean columns are forgotten, their epoch moves, and the writing
  session is an open writer of them until its transaction ends (``settle``);
* a column becomes clean only through a scan of the committed table (``plan``, ``scan``,
  ``record``) that no write can have overtaken: the epochs did not move between planning and
  recording, and no writer was open when it was planned (an open writer's rows are invisible to
  the scan and may commit later);
* a transaction whose snapshot began before a write of a table ended may still see the rows
  that write replaced: ``clean`` leaves that table out for it (``since``, from ``now`` at its
  start).

Anything else (a new table, a view, a temporary table, a failed scan) may have blanks.
``version`` moves whenever the clean columns change (translations depend on them), and
``forgotten`` whenever a write forgets one (a statement translated before that must not run
as translated, unless its snapshot cannot see that write).

The same bookkeeping keeps the magnitudes of table columns that DuckDB's statistics showed
(``engine.column_stats``; a statement's DECIMAL products run in BIGINT where they bound its
arithmetic to 18 digits, ``proxy.sql.product_bounds``), so that a statement does not read the
statistics again until its table may have changed. The same write forgets them; a read is kept
only where no writer was open when it was planned (``measuring``) and no write began before it
was recorded (``measured``), and a session's own read in a transaction only where its snapshot
sees the table as committed now (no write of it ended since the transaction began). Until the
next write, such a magnitude bounds every value of the committed table: DuckDB's minimum and
maximum widen with appends and updates (committed or not, rolled back or not) and do not
narrow on DELETE, and what may shrink them (ALTER TABLE's rewrite, TRUNCATE, DROP, CREATE OR
REPLACE) is a write. They are handed out (``magnitudes``) to a session that wrote none of the
tables in its open transaction (its own rows are in no statistics) and, in a transaction, only
for tables no write of which ended since it began (its snapshot may hold other rows).
"""

from __future__ import annotations

import decimal
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb

Key = tuple[str, str, str]
# The clean columns of tables, ``{(alias, schema, table): {column, ...}}``.
CleanColumns = Mapping[Key, frozenset[str]]
# What ``plan`` hands to ``record``: the table's epoch and the global one then.
Planned = tuple[int, int]
# A table column: ((alias, schema, table), column).
ColumnKey = tuple[Key, str]
# The largest magnitude of each column's values; None where DuckDB does not know it.
Magnitudes = Mapping[ColumnKey, decimal.Decimal | None]
# What ``measuring`` hands to ``measured``: each table's epoch, and the global one, then.
Measuring = tuple[tuple[tuple[Key, int], ...], int]

# DuckDB's catalog of a connection's temporary tables: each session has its own, under one
# name, so a fact about one would be read for another's.
_TEMPORARY = "temp"


@dataclass(slots=True)
class _Table:
    clean: frozenset[str] = frozenset()
    # Found to hold a value ending with a blank at ``epoch`` (not scanned again until a write).
    blanks: frozenset[str] = frozenset()
    epoch: int = 0
    writers: set[int] = field(default_factory=set)
    ended: int = 0  # ``now`` when its last writer's transaction ended
    scanning: bool = False
    # Its columns' magnitudes by DuckDB's statistics (``measured``) since the last write.
    magnitudes: dict[str, decimal.Decimal | None] = field(default_factory=dict)


class BlankFacts:
    """The clean VARCHAR columns of tables, kept exact across writes and transactions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[Key, _Table] = {}
        self._writes: dict[int, set[Key]] = {}  # writer -> the tables it wrote
        self._anywhere: set[int] = set()  # writers whose tables are not known
        self._anywhere_epoch = 0
        self._anywhere_ended = 0
        self._clock = 0
        self._clean: dict[Key, frozenset[str]] = {}  # replaced, never changed in place
        self.version = 0
        self.forgotten = 0

    def now(self) -> int:
        """A point in time to compare with writes' ends (a transaction's start)."""
        with self._lock:
            self._clock += 1
            return self._clock

    def clean(self, since: int | None = None) -> tuple[object, CleanColumns, int]:
        """The clean columns, with a key naming them (for a translation cache) and
        ``forgotten`` as it was when they were read.

        ``since``: for a transaction that started at that ``now``, without the tables whose
        writes ended after it began (its snapshot may hold their replaced rows).
        """
        with self._lock:
            version, clean, forgotten = self.version, self._clean, self.forgotten
            if since is None or not clean:
                return version, clean, forgotten
            if self._anywhere_ended >= since:
                return (version, None), {}, forgotten
            stale = frozenset(key for key in clean if self._tables[key].ended >= since)
        if not stale:
            return version, clean, forgotten
        return (version, stale), {k: v for k, v in clean.items() if k not in stale}, forgotten

    def written(self, keys: Iterable[Key], writer: int) -> None:
        """``writer`` is about to write these tables (in its open transaction, if any)."""
        with self._lock:
            changed = False
            mine = self._writes.setdefault(writer, set())
            for key in keys:
                table = self._tables.setdefault(key, _Table())
                table.epoch += 1
                table.writers.add(writer)
                table.blanks = frozenset()
                table.magnitudes.clear()
                changed |= bool(table.clean)
                table.clean = frozenset()
                mine.add(key)
            if changed:
                self.forgotten += 1
                self._publish()

    def written_anywhere(self, writer: int | None) -> None:
        """``writer`` is about to write tables that are not known (None: something changed
        that no transaction holds, such as a database attached or dropped)."""
        with self._lock:
            self._anywhere_epoch += 1
            if writer is not None:
                self._anywhere.add(writer)
            else:
                self._anywhere_ended = self._clock = self._clock + 1
            changed = False
            for table in self._tables.values():
                changed |= bool(table.clean)
                table.clean = table.blanks = frozenset()
                table.magnitudes.clear()
            if changed:
                self.forgotten += 1
                self._publish()

    def settle(self, writer: int) -> None:
        """``writer``'s transaction ended (committed or rolled back)."""
        if writer not in self._writes and writer not in self._anywhere:
            return
        with self._lock:
            self._clock += 1
            for key in self._writes.pop(writer, ()):
                table = self._tables[key]
                table.writers.discard(writer)
                table.ended = self._clock
            if writer in self._anywhere:
                self._anywhere.discard(writer)
                self._anywhere_ended = self._clock

    def unknown(self, key: Key, columns: Iterable[str]) -> bool:
        """Whether ``plan`` would hand out a scan of some of ``columns`` of ``key`` now
        (without planning it)."""
        if key[0] == _TEMPORARY:
            return False
        with self._lock:
            table = self._tables.get(key)
            if table is None:
                return not self._anywhere
            return not (table.scanning or table.writers or self._anywhere) and bool(
                frozenset(columns) - table.clean - table.blanks)

    def plan(self, key: Key, columns: Iterable[str]) -> tuple[frozenset[str], Planned] | None:
        """The columns of ``key`` to scan now, of ``columns`` (those not yet known), or None
        when nothing is to be scanned or a scan could not be trusted (an open writer)."""
        if key[0] == _TEMPORARY:
            return None
        with self._lock:
            table = self._tables.setdefault(key, _Table())
            if table.scanning or table.writers or self._anywhere:
                return None
            wanted = frozenset(columns) - table.clean - table.blanks
            if not wanted:
                return None
            table.scanning = True
            return wanted, (table.epoch, self._anywhere_epoch)

    def record(self, key: Key, columns: frozenset[str], planned: Planned,
               blanks: frozenset[str] | None) -> None:
        """A scan planned by ``plan`` found ``blanks`` among ``columns`` (None: it failed, or
        ``key`` is not a table); the others are clean unless a write may have overtaken it."""
        with self._lock:
            table = self._tables[key]
            table.scanning = False
            if planned != (table.epoch, self._anywhere_epoch) or table.writers:
                return
            if blanks is None:
                table.blanks |= columns  # not again until a write
                return
            table.blanks |= blanks
            clean = table.clean | (columns - blanks)
            if clean != table.clean:
                table.clean = clean
                self._publish()

    def magnitudes(self, columns: Sequence[ColumnKey], since: int | None
                   ) -> dict[ColumnKey, decimal.Decimal | None] | None:
        """The kept magnitudes of ``columns``, or None unless all of them are kept and may be
        used: (``since``: the reading transaction's ``now`` at its start) no write of one of
        their tables ended since it began. None are kept of a table while a writer of it is
        open (``written`` forgets them, ``measured`` keeps none), so a session's own rows,
        which are in no statistics, never meet kept magnitudes."""
        found: dict[ColumnKey, decimal.Decimal | None] = {}
        with self._lock:
            if since is not None and self._anywhere_ended >= since:
                return None
            for column in columns:
                key, name = column
                table = self._tables.get(key)
                if (table is None or name not in table.magnitudes
                        or (since is not None and table.ended >= since)):
                    return None
                found[column] = table.magnitudes[name]
        return found

    def measuring(self, columns: Sequence[ColumnKey], since: int | None) -> Measuring | None:
        """A token for ``measured`` of a read of ``columns``' statistics about to start, or
        None when it must not be kept: a writer of one of their tables is open (its rows may
        commit unseen), one is a temporary table, or (``since``, as for ``magnitudes``) the
        reading transaction's snapshot may not see a table as committed now."""
        with self._lock:
            if self._anywhere or (since is not None and self._anywhere_ended >= since):
                return None
            epochs: dict[Key, int] = {}
            for key, _ in columns:
                if key in epochs:
                    continue
                if key[0] == _TEMPORARY:
                    return None
                table = self._tables.setdefault(key, _Table())
                if table.writers or (since is not None and table.ended >= since):
                    return None
                epochs[key] = table.epoch
            return tuple(epochs.items()), self._anywhere_epoch

    def measured(self, token: Measuring, found: Magnitudes) -> None:
        """Keep the magnitudes a read planned by ``measuring`` found, unless a write began
        since it was planned (or is open)."""
        epochs, anywhere = token
        with self._lock:
            if anywhere != self._anywhere_epoch or self._anywhere:
                return
            tables = [(key, self._tables[key]) for key, _ in epochs]
            if any(table.epoch != epoch or table.writers
                   for (_, table), (_, epoch) in zip(tables, epochs, strict=True)):
                return
            for (key, name), magnitude in found.items():
                self._tables[key].magnitudes[name] = magnitude

    def _publish(self) -> None:
        self._clean = {key: t.clean for key, t in self._tables.items() if t.clean}
        self.version += 1


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_rows(con: duckdb.DuckDBPyConnection, keys: Iterable[Key]) -> dict[Key, int]:
    """DuckDB's estimate of the committed rows of each of ``keys`` that is a table (not a view
    nor a temporary table); ``con`` is a cursor of its own, closed here."""
    wanted = set(keys)
    try:
        rows = con.execute(
            "SELECT database_name, schema_name, table_name, estimated_size FROM duckdb_tables() "
            "WHERE NOT temporary AND list_contains(?, table_name)",
            [sorted({name for _, _, name in wanted})]).fetchall()
    except duckdb.Error:
        return {}
    finally:
        con.close()
    return {(alias, schema, name): size for alias, schema, name, size in rows
            if (alias, schema, name) in wanted}


def scan(con: duckdb.DuckDBPyConnection, key: Key, columns: frozenset[str],
         ) -> frozenset[str] | None:
    """Which of ``columns`` of the table ``key`` hold a value ending with a blank, in its
    committed rows (``con`` is a cursor of its own, in no transaction); None when ``key`` is
    not a table or the scan failed."""
    alias, schema, name = key
    try:
        found = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ? AND NOT temporary", [alias, schema, name]).fetchone()
        if not found or not found[0]:
            return None
        ordered = sorted(columns)
        tests = ", ".join(f"coalesce(bool_or(ends_with({_quote(c)}, ' ')), false)"
                          for c in ordered)
        row = con.execute(
            f"SELECT {tests} FROM {_quote(alias)}.{_quote(schema)}.{_quote(name)}").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if row is None:
        return None
    return frozenset(c for c, blank in zip(ordered, row, strict=True) if blank)
