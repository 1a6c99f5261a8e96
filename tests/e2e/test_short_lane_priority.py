"""A workgroup with a short-query lane (a price-performance target) runs the statements the
lane leaves out on threads of lower CPU priority; a workgroup without one does not."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from engine.instance import LONG_STATEMENT_NICENESS
from tests.e2e.server import ADMIN_PASSWORD, RunningServer, free_port

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="per-thread niceness is Linux's")


def _config(port: int, capacity: str) -> str:
    return f"""
[[namespace]]
name = "lanes"
admin_password = "{ADMIN_PASSWORD}"
[[workgroup]]
name = "lanes-wg"
namespace = "lanes"
port = {port}
{capacity}
"""


def _thread_niceness(pid: int) -> list[int]:
    out = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        text = stat.read_text()
        out.append(int(text[text.rfind(")") + 2:].split()[16]))
    return out


def _run(srv: RunningServer) -> None:
    with psycopg.connect(host=srv.host, port=srv.port, user="admin", password=ADMIN_PASSWORD,
                         dbname="dev", sslmode="disable", autocommit=True) as conn:
        # Never seen before, so not predicted short: the lane leaves it out.
        assert conn.execute("select count(*) from range(100000)").fetchone() == (100000,)


@pytest.mark.parametrize(("capacity", "lowered"), [
    ('price_performance_target = "BALANCED"\nmax_capacity = 128', True),
    ("base_capacity = 32", False),
])
def test_long_statements_run_at_lower_priority(
    fresh_server: Callable[..., RunningServer], capacity: str, lowered: bool,
) -> None:
    port = free_port()
    srv = fresh_server(config=_config(port, capacity), ports={"lanes-wg": port})
    base = min(_thread_niceness(srv.proc.pid))
    assert max(_thread_niceness(srv.proc.pid)) == base
    _run(srv)
    niceness = set(_thread_niceness(srv.proc.pid))
    assert (min(base + LONG_STATEMENT_NICENESS, 19) in niceness) == lowered
