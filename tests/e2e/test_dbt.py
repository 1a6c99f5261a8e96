"""dbt-redshift against Duckshift: ``dbt build`` and ``dbt docs generate`` on a small project.

The project (``tests/e2e/dbt_project``: two seeds, a view, a materialized view,
a table with DISTKEY/SORTKEY, an incremental model, a check snapshot, schema tests) is copied
to a temporary directory and run with dbt-core 1.11 and dbt-redshift 1.11 from their own
virtualenv (``.venv-dbt``, which ``./dev test`` installs: dbt-redshift pins an older
redshift_connector than the tests use). dbt talks to the server through redshift_connector,
over the extended protocol with binary results, as against Redshift. A second build after the
seeds change runs the incremental model's merge and the snapshot's update; ``docs generate``
reads the catalog.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.e2e.server import REPO, RunningServer, start

DBT = REPO / ".venv-dbt" / "bin" / "dbt"
PROJECT = Path(__file__).resolve().parent / "dbt_project"

pytestmark = [
    pytest.mark.skipif(not DBT.exists(), reason=f"{DBT} is not installed (./dev test)"),
    pytest.mark.slow_file(55),
]


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("dbt") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dbt_project") / "project"
    shutil.copytree(PROJECT, path)
    return path


def _dbt(srv: RunningServer, project: Path, *args: str) -> str:
    env = {**os.environ, "DUCKSHIFT_PORT": str(srv.port), "DUCKSHIFT_PASSWORD": srv.password,
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run([str(DBT), *args, "--profiles-dir", str(project)], cwd=project,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout


def _rows(srv: RunningServer, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def test_build_twice_and_generate_docs(srv: RunningServer, project: Path) -> None:
    out = _dbt(srv, project, "build")
    assert "PASS=15 WARN=0 ERROR=0 SKIP=0" in out, out[-3000:]
    assert _rows(srv, "SELECT customer_id, orders, total FROM analytics.customer_totals "
                      "ORDER BY customer_id") == [(1, 2, 19.75), (2, 1, 30.0), (3, 1, 5.0)]
    assert _rows(srv, "SELECT count(*) FROM analytics.orders_incremental") == [(4,)]
    assert _rows(srv, "SELECT name, is_stale FROM svv_mv_info "
                      "WHERE schema_name = 'analytics'") == [("orders_per_customer", "f")]
    assert _rows(srv, "SELECT table_type FROM information_schema.tables "
                      "WHERE table_schema = 'analytics' AND table_name = 'stg_customers'") == [
        ("VIEW",)]

    # New data: one more order (the incremental model merges it), and a customer who moved
    # (the snapshot closes the old version and opens a new one).
    with (project / "seeds" / "raw_orders.csv").open("a") as f:
        f.write("14,2,8.00,2024-04-05 12:00:00\n")
    customers = project / "seeds" / "raw_customers.csv"
    customers.write_text(customers.read_text().replace("3,Cid,north", "3,Cid,south"))
    out = _dbt(srv, project, "build")
    assert "PASS=15 WARN=0 ERROR=0 SKIP=0" in out, out[-3000:]
    assert _rows(srv, "SELECT count(*), max(order_id) FROM analytics.orders_incremental") == [
        (5, 14)]
    assert _rows(srv, "SELECT sum(orders) FROM analytics.orders_per_customer") == [(5,)]
    # dbt told the materialized view from a view (its text starts CREATE MATERIALIZED VIEW),
    # described it (svv_table_info, svv_mv_info) and refreshed it rather than rebuild it.
    assert _rows(srv, "SELECT count(*) FROM sys_query_history WHERE query_text "
                      "ILIKE 'refresh materialized view%orders_per_customer%'") == [(1,)]
    assert _rows(srv, "SELECT customer_id, region, dbt_valid_to IS NULL "
                      "FROM snapshots.customers_snapshot WHERE customer_id = 3 "
                      "ORDER BY dbt_valid_from") == [(3, "north", False), (3, "south", True)]

    _dbt(srv, project, "docs", "generate")
    catalog = json.loads((project / "target" / "catalog.json").read_text())
    assert not catalog.get("errors")
    totals = catalog["nodes"]["model.duckshift_e2e.customer_totals"]
    assert totals["metadata"]["type"] == "BASE TABLE"
    assert {name: c["type"] for name, c in totals["columns"].items()} == {
        "customer_id": "integer", "name": "character varying",
        "region": "character varying", "orders": "bigint", "total": "double precision"}
    view = catalog["nodes"]["model.duckshift_e2e.stg_customers"]
    assert view["metadata"]["type"] == "VIEW"
    assert "snapshot.duckshift_e2e.customers_snapshot" in catalog["nodes"]
