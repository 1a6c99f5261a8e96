"""asyncpg's own test suite (from its PyPI sdist) against a real Duckshift.

Every test that runs must pass unless ``tests/upstream/asyncpg.toml`` lists it as an expected
failure with its reason. A listed test that passes fails this test too: the list is the
compatibility record (docs/compatibility.md quotes its counts), and a stale entry would hide
that the test breaks again later. Tests whose outcome depends on timing are listed as flaky.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.server import free_port, start
from tests.upstream.suites import (
    FAILED,
    PASSED,
    SKIPPED,
    load_blocklist,
    outcomes,
    run_suite,
    suite_dir,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow_file(155)]

# The suite's database and superuser are called what asyncpg's tests hard-code in places
# (``database='postgres'`` beside the default connection, to see the same tables).
CONFIG = """
[server]
host = "127.0.0.1"

[[namespace]]
name = "upstream"
admin_user = "postgres"
admin_password = "Admin-pw-1"
databases = ["postgres"]

[[workgroup]]
name = "upstream"
namespace = "upstream"
port = {port}
base_capacity = 512
"""


def test_asyncpg_suite(tmp_path: Path) -> None:
    """asyncpg's suite: no failure outside the blocklist, no blocklisted test passing."""
    root = suite_dir("asyncpg")
    blocklist = load_blocklist("asyncpg")
    port = free_port()
    srv = start(tmp_path / "data", config=CONFIG.format(port=port), ports={"upstream": port})
    # asyncpg's _testbase uses the running server named by PGHOST instead of starting a cluster.
    env = {
        **os.environ,
        "PGHOST": srv.host,
        "PGPORT": str(port),
        "PGUSER": "postgres",
        "PGPASSWORD": srv.password,
        "PGDATABASE": "postgres",
        "PGSSLMODE": "disable",
    }
    junit = tmp_path / "asyncpg.xml"
    log = tmp_path / "asyncpg.log"
    try:
        run_suite(root, blocklist, env, junit, log)
    finally:
        srv.stop()
    if not junit.exists():
        # -v prints each test's id as it starts: the last one is the test that hung.
        text = log.read_text()
        started = [line.split()[0] for line in text.splitlines() if line.startswith("tests/")]
        pytest.fail(
            f"the suite ended without a report, in {started[-1] if started else 'startup'}:\n"
            + text[-3000:]
        )
    got = outcomes(root, junit)

    failed = {t for t, o in got.items() if o.result == FAILED}
    unexpected = sorted(failed - blocklist.expected_failures.keys() - blocklist.flaky.keys())
    fixed = sorted(
        t for t in blocklist.expected_failures if t in got and got[t].result == PASSED
    )
    missing = sorted(blocklist.expected_failures.keys() - got.keys())
    counts = Counter(o.result for o in got.values())
    print(
        f"asyncpg {root.name} upstream suite: {counts[PASSED]} passed, "
        f"{len(failed & blocklist.expected_failures.keys())} expected failures, "
        f"{len(failed & blocklist.flaky.keys())} flaky failures, "
        f"{counts[SKIPPED]} skipped by the suite, {len(blocklist.deselected)} not run"
    )
    assert not unexpected, "failures not in tests/upstream/asyncpg.toml:\n" + "\n".join(
        f"{t}: {got[t].message}" for t in unexpected
    )
    assert not fixed, "now passing, remove from tests/upstream/asyncpg.toml:\n" + "\n".join(fixed)
    assert not missing, "listed but not run (renamed?):\n" + "\n".join(missing)
