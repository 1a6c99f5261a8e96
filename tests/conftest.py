"""Suite-wide hooks."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files marked ``slow_file(seconds)`` first, longest first; the rest as collected.

    ``./dev test`` hands whole files to its workers in this order (``--dist loadfile
    --no-loadscope-reorder``). pytest-xdist's own order (files with the most tests first) left
    the one-test files that take minutes (asyncpg's upstream suite, dbt) to the end, running
    alone on one core. The seconds are one-process timings on the 2-core machine; only their
    order matters.
    """

    def key(item: pytest.Item) -> float:
        mark = item.get_closest_marker("slow_file")
        return -float(mark.args[0]) if mark is not None else 0.0

    items.sort(key=key)
