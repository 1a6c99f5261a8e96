"""pytest plugin for the upstream suites: a test that hangs ends the run.

pytest-timeout and pytest's own ``faulthandler_timeout`` cannot do this for asyncpg's tests:
both cancel their timer at the first failing subTest, and the next subTest may wait forever.
This timer is left alone until the test ends; on expiry it prints every thread's traceback and
exits the process. The run must disable pytest's faulthandler plugin, which would cancel it.
"""

from __future__ import annotations

import faulthandler
import os
import sys
from collections.abc import Generator
from typing import IO

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--hang-timeout SECONDS``."""
    parser.addoption("--hang-timeout", type=float, default=60.0, help="seconds per test")


_stderr: IO[str] | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Keep a copy of the real stderr: while a test runs, fd 2 is pytest's capture file."""
    global _stderr
    _stderr = os.fdopen(os.dup(2), "w")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the copy of stderr."""
    if _stderr is not None:
        _stderr.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    """Arm the timer for one test's setup, call and teardown."""
    timeout = item.config.getoption("hang_timeout")
    faulthandler.dump_traceback_later(timeout, exit=True, file=_stderr or sys.stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
