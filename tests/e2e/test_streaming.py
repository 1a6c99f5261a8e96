"""Results stream with back-pressure: a huge result read slowly keeps server memory bounded."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.e2e import rawpg
from tests.e2e.server import RunningServer


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_slow_reader_keeps_memory_bounded(fresh_server: Callable[..., RunningServer]) -> None:
    srv = fresh_server()
    conn = rawpg.connect(srv.host, srv.port, srv.user, srv.password, srv.database)
    baseline = _rss_mib(srv.proc.pid)
    # 100M rows of about 60 bytes each (6 GB as DataRows) that the client barely reads.
    conn.sock.sendall(rawpg.query(
        "select x, repeat('y', 50) as pad from range(100000000) t(x)"
    ))
    conn.sock.settimeout(30)
    received = 0
    peak = baseline
    for _ in range(20):
        received += len(conn.sock.recv(64 * 1024))
        time.sleep(0.25)
        peak = max(peak, _rss_mib(srv.proc.pid))
    assert received > 0
    # Socket buffers plus one Arrow batch in flight; nowhere near the result's size.
    assert peak - baseline < 512, f"server grew by {peak - baseline:.0f} MiB"
    conn.sock.close()
    # The abandoned query is interrupted and the server keeps serving.
    with psycopg.connect(srv.dsn) as other:
        assert other.execute("select 1").fetchone() == (1,)
