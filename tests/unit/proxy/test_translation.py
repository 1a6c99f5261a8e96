"""Tests for proxy/translation.py: big statements translated off the event loop, one cache."""

from __future__ import annotations

import asyncio
import threading

import pytest

from catalog import errors as err
from proxy import translation
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache, translate_all

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})
BIG = "select " + ", ".join(f"${i}::int4" for i in range(1, 600))


async def test_big_statement_is_translated_off_the_loop_and_cached() -> None:
    assert len(BIG) >= translation.OFF_LOOP_CHARS
    cache = StatementCache()
    translator = translation.Translator(cache)
    loop_thread = threading.get_ident()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        stmts = await translator.statements(BIG, CTX)
    finally:
        ticker.cancel()
        translator.close()
    assert ticks > 1, "the loop ran nothing else while the statement translated"
    assert threading.get_ident() == loop_thread
    assert [s.duck_sql for s in stmts] == [s.duck_sql for s in translate_all(BIG, CTX)]
    assert stmts[0].nparams == 599
    assert (cache.hits, cache.misses) == (0, 1)
    assert await translator.statements(BIG, CTX) is stmts
    assert (cache.hits, cache.misses) == (1, 1)


async def test_small_statement_translates_inline() -> None:
    cache = StatementCache()
    translator = translation.Translator(cache)
    try:
        first = await translator.statements("select 1", CTX)
        assert await translator.statements("select 1", CTX) is first
    finally:
        translator.close()
    assert (cache.hits, cache.misses) == (1, 1)


def test_store_keeps_the_first_translation() -> None:
    # Two sessions translated the same text at once: the cache keeps one and counts it once.
    cache = StatementCache()
    first, second = translate_all("select 2", CTX), translate_all("select 2", CTX)
    cache.store("select 2", CTX, first)
    cache.store("select 2", CTX, second)
    assert cache.lookup("select 2", CTX) is first
    assert cache._chars == len("select 2")


async def test_translation_bug_fails_the_statement_not_the_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(sql: str, ctx: Context) -> list[object]:
        raise KeyError("oops")

    monkeypatch.setattr(translation, "translate_all", broken)
    translator = translation.Translator(StatementCache())
    try:
        with pytest.raises(err.InternalError, match=r"translating the statement \(KeyError\)"):
            await translator.statements("select 1", CTX)
    finally:
        translator.close()
