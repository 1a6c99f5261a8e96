"""Fixtures: a demo server for each test file, and a factory for fresh servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.e2e.server import RunningServer, start


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server on the embedded default with the TICKIT demo data, shared by a file's tests.

    One per file, not per session: the files run in parallel in an order that changes from
    run to run (``./dev test``), and a file's catalog assertions (no functions, one database)
    must not see what another file left behind."""
    srv = start(tmp_path_factory.mktemp("shared") / "data", demo=True)
    yield srv
    srv.stop()


@pytest.fixture
def fresh_server(
    tmp_path: Path,
) -> Iterator[Callable[..., RunningServer]]:
    """Start servers of one's own (config, args); all are stopped after the test."""
    started: list[RunningServer] = []

    def make(**kwargs: object) -> RunningServer:
        srv = start(tmp_path / f"data{len(started)}", **kwargs)  # type: ignore[arg-type]
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
async def apg(server: RunningServer) -> AsyncIterator[asyncpg.Connection]:
    """An asyncpg connection (no TLS) to the shared server."""
    c = await asyncpg.connect(host=server.host, port=server.port, user=server.user,
                              password=server.password, database=server.database, ssl=False,
                              timeout=15)
    try:
        yield c
    finally:
        await c.close(timeout=5)
