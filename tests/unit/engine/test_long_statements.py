"""Long statements' threads: the engine runs what a short-query lane leaves out at a lower CPU
priority, and its ordinary threads keep the process's."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from engine.instance import LONG_STATEMENT_NICENESS, Engine
from engine.storage import LocalStorage


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_long_statement_threads_are_lower_priority(tmp_path: Path) -> None:
    engine = Engine(tmp_path, LocalStorage(tmp_path), threads=1)
    try:
        base = os.getpriority(os.PRIO_PROCESS, 0)
        # Several calls at once, so more than one thread of each pool is seen.
        barrier = threading.Barrier(3)

        def seen() -> int:
            barrier.wait(10)
            return _niceness()

        long_ones = [engine.long_executor.submit(seen) for _ in range(3)]
        assert {f.result(10) for f in long_ones} == {min(base + LONG_STATEMENT_NICENESS, 19)}
        barrier.reset()
        ordinary = [engine.executor.submit(seen) for _ in range(3)]
        assert {f.result(10) for f in ordinary} == {base}
        # The session cursor works from a long statement's thread like from any other.
        cur = engine.cursor()
        assert engine.long_executor.submit(
            lambda: cur.execute("SELECT 41 + 1").fetchall()).result(10) == [(42,)]
        cur.close()
    finally:
        engine.close()
