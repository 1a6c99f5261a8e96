"""Which translation runs, as the clean VARCHAR facts move (proxy/blank_writes.py)."""

from __future__ import annotations

from typing import Any

from catalog.blank_facts import BlankFacts
from engine.streaming import Result
from proxy.blank_writes import checked, current
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
