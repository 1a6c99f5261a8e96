"""Which translation runs, as the clean VARCHAR facts move (proxy/blank_writes.py)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from catalog.blank_facts import BlankFacts
from engine.streaming import Result
from proxy import blank_writes
from proxy.blank_writes import checked, current, first_scans, scan_first
from proxy.sql.pipeline import Statement

T = ("db", "public", "t")


def _facts_with_clean_t() -> BlankFacts:
    facts = BlankFacts()
    planned = facts.plan(T, ["v"])
    assert planned is not None
    facts.record(T, *planned, frozenset())
    return facts


def _query(facts: BlankFacts, kind: str = "SELECT") -> Statement:
    exact = Statement("q", kind, kind, duck_sql="exact")
    return Statement("q", kind, kind, duck_sql="clean", exact=exact,
                     blank_forgotten=facts.forgotten)


def test_a_query_runs_as_translated_until_a_write_forgets_a_clean_column() -> None:
    facts = _facts_with_clean_t()
    stmt = _query(facts)
    assert current(facts, stmt) is stmt
    facts.written([("db", "public", "other")], writer=1)  # nothing clean forgotten
    assert current(facts, stmt) is stmt
    facts.written([T], writer=1)
    assert current(facts, stmt) is stmt.exact


def test_a_write_always_runs_its_exact_translation() -> None:
    facts = _facts_with_clean_t()
    stmt = _query(facts, "INSERT")
    assert current(facts, stmt) is stmt.exact


def test_a_write_racing_the_snapshot_makes_the_query_run_again_exactly() -> None:
    facts = _facts_with_clean_t()
    stmt = _query(facts)
    ran: list[str] = []

    def run(cursor: Any, text: str, *args: Any, **kwargs: Any) -> Result:
        ran.append(text)
        if len(ran) == 1:
            facts.written([T], writer=2)  # committed before the snapshot was taken
        return Result(exhausted=True)

    checked(facts, stmt, None, run)(None, "clean")
    assert ran == ["clean", "exact"]
    ran.clear()
    checked(facts, stmt, None, run)(None, "clean")  # moved before it ran
    assert ran == ["exact"]


def test_texts_made_elsewhere_are_not_touched() -> None:
    facts = _facts_with_clean_t()

    def run(cursor: Any, text: str) -> Result:
        return Result(exhausted=True)

    assert checked(facts, _query(facts), "narrowed", run) is run
    plain = Statement("q", "SELECT", "SELECT", duck_sql="plain")
    assert checked(facts, plain, None, run) is run


class _Engine:
    """What ``scan_first`` uses of the engine: cursors of one DuckDB database."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def system_cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()


def test_first_scans_are_of_a_query_s_unknown_columns() -> None:
    facts = _facts_with_clean_t()
    u = ("db", "public", "u")
    stmt = Statement("q", "SELECT", "SELECT", blank_wanted=((T, "v"), (u, "w")))
    assert first_scans(facts, stmt) == {u: ["w"]}
    write = Statement("q", "INSERT", "INSERT", blank_wanted=((u, "w"),))
    assert first_scans(facts, write) == {}  # it runs exactly whatever the facts


def test_scan_first_scans_the_small_tables_within_the_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS db")
    con.execute("CREATE SCHEMA db.public")
    con.execute("CREATE TABLE db.public.small AS SELECT 'x' AS v FROM range(10)")
    con.execute("CREATE TABLE db.public.mid AS SELECT 'y' AS v FROM range(100)")
    con.execute("CREATE TABLE db.public.big AS SELECT 'z ' AS v FROM range(1000)")
    facts = BlankFacts()
    keys = {name: ("db", "public", name) for name in ("small", "mid", "big", "gone")}
    monkeypatch.setattr(blank_writes, "FIRST_RUN_ROWS", 500)
    scan_first(facts, _Engine(con), {key: ["v"] for key in keys.values()})  # type: ignore[arg-type]
    assert facts.clean()[1] == {keys["small"]: frozenset({"v"}),
                                keys["mid"]: frozenset({"v"})}
    # Past the bound, and not a table: left to the scans beside the statement.
    assert facts.unknown(keys["big"], ["v"]) and facts.unknown(keys["gone"], ["v"])
