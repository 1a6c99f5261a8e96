"""Tests for proxy/replay.py: reading a SYS_QUERY_HISTORY export, the simulated report."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from proxy import replay
from proxy.cli import _parser

LOG = """start_time,execution_time,query_text
2024-05-06 09:00:00.5,4000,select * from orders where o_orderkey = 1
2024-05-06 09:00:01,5000,select * from orders where o_orderkey = 2
2024-05-06 09:00:02,2500000,"select sum(x) from big where d > '2024-01-01'"
2024-05-06 09:00:03,3500000,"select sum(x) from big where d > '2023-01-01'"
2024-05-06 09:00:04,120000000,select count(*) from huge
2024-05-06 09:00:05,,
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "log.csv"
    path.write_text(text)
    return path


def test_a_log_becomes_a_trace(tmp_path: Path) -> None:
    trace, cal = replay.load_log(write(tmp_path, LOG))
    assert len(trace) == 5  # the row without text is skipped
    assert trace.arrival.tolist() == pytest.approx([32400.5, 32401, 32402, 32403, 32404])
    assert trace.work.tolist() == pytest.approx([0.004, 0.005, 2.5, 3.5, 120.0])
    assert len(trace.templates) == 3  # one per fingerprint
    assert trace.sql(3) == "select sum(x) from big where d > '2023-01-01'"
    classes = {t.sql.split(" from ")[1].split()[0]: t.klass for t in trace.templates}
    assert classes == {"orders": "point", "big": "adhoc", "huge": "etl"}
    point = next(t.name for t in trace.templates if t.klass == "point")
    assert cal[point].seconds == pytest.approx(np.sqrt(0.004 * 0.005))
    assert trace.start_minute == (19849 * 1440)  # 2024-05-06 00:00 UTC


def test_elapsed_minus_queue_when_there_is_no_execution_time(tmp_path: Path) -> None:
    trace, _ = replay.load_log(write(tmp_path, (
        "start_time,elapsed_time,queue_time,query_text\n"
        "2024-05-06 10:00:00,3000000,1000000,select 1\n")))
    assert trace.work.tolist() == pytest.approx([2.0])


def test_the_command_line(tmp_path: Path) -> None:
    args = _parser().parse_args(["replay", "--log", str(tmp_path / "x.csv"), "--out",
                                 str(tmp_path / "out")])
    assert (args.command, args.mode, args.base, args.max_capacity) == ("replay", "sim", 32, 256)
    with pytest.raises(SystemExit):
        _parser().parse_args(["replay", "--log", "x.csv", "--generate"])


def test_simulated_report(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    lines = ["start_time,execution_time,query_text"]
    for k in range(300):
        lines.append(f"2024-05-06 00:{k // 60:02d}:{k % 60:02d},"
                     f"{2_000_000 if k % 3 else 5000},select {'x' if k % 3 else 'y'} from t "
                     f"where k = {k}")
    out = tmp_path / "out"
    args = argparse.Namespace(log=write(tmp_path, "\n".join(lines) + "\n"), generate=False,
                              mode="sim", base=32, max_capacity=256, out=out)
    assert replay.run(args) == 0
    text = (out / "report.md").read_text()
    assert "Replayed 300 statements" in text and "forecast BALANCED (50)" in text
    assert (out / "capacity.png").stat().st_size > 0 and (out / "frontier.png").exists()
