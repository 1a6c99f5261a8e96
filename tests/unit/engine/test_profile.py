"""DuckDB's profile read back as QMR metrics, from a real DuckDB with profiling on."""

from __future__ import annotations

import duckdb

from engine import profile


def test_profile_of_joins_and_scans() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE a AS SELECT range AS x FROM range(10000)")
    con.execute("SET lock_configuration = true")  # as the server runs: still works
    cur = con.cursor()
    profile.enable(cur)
    cur.execute("SELECT count(*) FROM a a1 JOIN a a2 ON a1.x = a2.x").fetchall()
    hashed = profile.read(cur)
    assert hashed is not None
    assert hashed.scan_rows == 20_000
    assert hashed.join_rows == 20_000 and hashed.nested_loop_join_rows == 0
    assert hashed.cpu_time_s > 0
    assert any(op.step_name == "hashjoin" for op in hashed.operators)
    assert {op.table_name for op in hashed.operators if op.step_name == "scan"} == {"a"}
    reader = cur.execute(
        "SELECT * FROM a a1, a a2 WHERE a1.x < 50 AND a2.x < 40 AND a1.x < a2.x"
    ).to_arrow_reader(1000)
    rows = sum(b.num_rows for b in reader)
    nested = profile.read(cur)
    assert nested is not None and rows == 780
    # The rows fed to the range join (DuckDB infers a1.x < 40, so fewer than 50 + 40).
    assert 0 < nested.nested_loop_join_rows <= 90
    assert nested.returned_rows == rows


def test_parse_refuses_garbage() -> None:
    assert profile.parse("not json") is None
    assert profile.parse("[]") is None
