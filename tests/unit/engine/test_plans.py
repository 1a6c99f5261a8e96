"""EXPLAIN's QUERY PLAN lines from DuckDB's JSON plan (``engine/plans.py``)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from engine.plans import plan_lines


def test_lines_nest_children_and_name_databases_not_aliases(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'f.duckdb'}' AS __ds_ns__dev")
    con.execute("CREATE TABLE __ds_ns__dev.main.t AS SELECT range AS id FROM range(1000)")
    plan = con.execute("EXPLAIN (FORMAT json) SELECT id FROM __ds_ns__dev.main.t "
                       "WHERE id % 7 = 1").fetchall()[0][-1]
    lines = plan_lines(plan, {"__ds_ns__dev": "dev"})
    text = "\n".join(lines)
    assert "__ds_" not in text
    assert "Table: dev.main.t" in text
    scan = next(i for i, line in enumerate(lines) if "SEQ_SCAN" in line)
    assert lines[scan].lstrip().startswith("->  ") or scan == 0
    assert any("Filters:" in line and "id" in line for line in lines)
    assert lines[0] and not lines[0].startswith(" ")
