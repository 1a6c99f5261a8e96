"""What DuckDB's profiler says a statement did: CPU time, rows scanned, joined, spilled, read.

Each session's cursor profiles its statements (``enable``: DuckDB's ``enable_profiling`` table
function, which works on a locked configuration, with no output). When a statement's result
has been read to its end, ``read`` turns the profile (JSON, one node per physical operator) into
the QMR metrics of the whole query and a row per operator for SYS_QUERY_DETAIL. This is the
finest grain DuckDB offers: the profile exists once the statement is complete, not while it
runs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

# The profiler metrics ``parse`` reads, and no others. DuckDB's default set adds some twenty
# (memory, WAL, checkpoint, attach and blocked-thread counters) that every statement pays for:
# profiled ``SELECT 1`` took 401 us of CPU with the defaults and 351 us with these (264 us not
# profiled), medians of 9 interleaved rounds. Each metric here is one DuckDB computes on its
# own (a list of only ROWS_RETURNED fails inside DuckDB when the profile is read).
METRICS = (
    "CPU_TIME", "LATENCY", "ROWS_RETURNED", "RESULT_SET_SIZE", "TOTAL_BYTES_READ",
    "SYSTEM_PEAK_TEMP_DIR_SIZE", "EXTRA_INFO", "OPERATOR_TYPE", "OPERATOR_TIMING",
    "OPERATOR_CARDINALITY", "OPERATOR_ROWS_SCANNED",
)
# Profile every statement (not just SELECT), with nothing printed or written anywhere.
ENABLE_SQL = (
    "CALL enable_profiling(format := 'no_output', coverage := 'ALL', metrics := ["
    + ", ".join(f"'{m}'" for m in METRICS) + "])"
)
MB = 1024 * 1024
# DuckDB operators that join without an equality (Redshift calls these nested loops).
NESTED_LOOP_JOINS = frozenset({
    "NESTED_LOOP_JOIN", "BLOCKWISE_NL_JOIN", "CROSS_PRODUCT", "PIECEWISE_MERGE_JOIN",
    "IE_JOIN", "POSITIONAL_JOIN",
})
# Every join operator (nested loops included).
JOINS = NESTED_LOOP_JOINS | frozenset({
    "HASH_JOIN", "DELIM_JOIN", "LEFT_DELIM_JOIN", "RIGHT_DELIM_JOIN", "ASOF_JOIN",
})
# Redshift's step names for DuckDB's operator types (SYS_QUERY_DETAIL.step_name).
_STEP_NAMES = {
    "TABLE_SCAN": "scan", "HASH_GROUP_BY": "aggregate", "PERFECT_HASH_GROUP_BY": "aggregate",
    "UNGROUPED_AGGREGATE": "aggregate", "HASH_JOIN": "hashjoin", "ORDER_BY": "sort",
    "TOP_N": "sortlimit", "LIMIT": "limit", "STREAMING_LIMIT": "limit", "WINDOW": "window",
    "STREAMING_WINDOW": "window", "INSERT": "insert", "DELETE": "delete", "UPDATE": "insert",
    "PROJECTION": "project", "FILTER": "filter", "DISTINCT": "unique",
}


def enable(cursor: duckdb.DuckDBPyConnection) -> None:
    """Make a cursor profile every statement it runs, silently."""
    cursor.execute(ENABLE_SQL)


@dataclass(slots=True)
class Operator:
    """One physical operator of a profiled statement (a SYS_QUERY_DETAIL row)."""

    step_id: int
    segment_id: int  # depth in the plan: DuckDB has no segments, the tree level stands in
    operator: str
    step_name: str
    table_name: str
    duration_us: int
    input_rows: int
    output_rows: int
    output_bytes: int
    rows_scanned: int


@dataclass(slots=True)
class QueryProfile:
    """A completed statement's metrics, from DuckDB's profiler."""

    cpu_time_s: float = 0.0
    latency_s: float = 0.0
    blocks_read: int = 0  # 1 MB blocks DuckDB read from storage
    temp_blocks: int = 0  # 1 MB blocks of temporary files at the peak
    scan_rows: int = 0
    join_rows: int = 0
    nested_loop_join_rows: int = 0
    returned_rows: int = 0
    operators: list[Operator] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """The QMR metrics this profile settles (names as in ``policies.wlm.METRIC_MAX``)."""
        return {
            "query_cpu_time": self.cpu_time_s,
            "query_blocks_read": float(self.blocks_read),
            "query_temp_blocks_to_disk": float(self.temp_blocks),
            "scan_row_count": float(self.scan_rows),
            "join_row_count": float(self.join_rows),
            "nested_loop_join_row_count": float(self.nested_loop_join_rows),
        }


def read(cursor: duckdb.DuckDBPyConnection) -> QueryProfile | None:
    """The profile of the cursor's last completed statement (None if there is none)."""
    return parse(raw(cursor))


def raw(cursor: duckdb.DuckDBPyConnection) -> str | None:
    """The cursor's last completed statement's profile as DuckDB's JSON, unparsed (None if
    there is none): it must be taken before the cursor runs anything else, and can be parsed
    later."""
    try:
        return cursor.get_profiling_information()
    except duckdb.Error:
        return None


def parse(text: str | None) -> QueryProfile | None:
    """Turn DuckDB's JSON profile into a ``QueryProfile``.

    >>> p = parse('{"cpu_time": 0.5, "total_bytes_read": 3145728, "children": [{'
    ...   '"operator_type": "TABLE_SCAN", "operator_cardinality": 10, '
    ...   '"operator_rows_scanned": 100, "operator_timing": 0.1, "children": []}]}')
    >>> p.scan_rows, p.blocks_read, p.operators[0].step_name
    (100, 3, 'scan')
    """
    try:
        root = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(root, dict):
        return None
    prof = QueryProfile(
        cpu_time_s=float(root.get("cpu_time") or 0.0),
        latency_s=float(root.get("latency") or 0.0),
        blocks_read=math.ceil(int(root.get("total_bytes_read") or 0) / MB),
        temp_blocks=math.ceil(int(root.get("system_peak_temp_dir_size") or 0) / MB),
        returned_rows=int(root.get("rows_returned") or 0),
    )
    _walk(root.get("children") or [], prof, 0)
    return prof


def _walk(nodes: list[dict[str, Any]], prof: QueryProfile, depth: int) -> None:
    for node in nodes:
        children = node.get("children") or []
        kind = str(node.get("operator_type") or node.get("operator_name") or "")
        out = int(node.get("operator_cardinality") or 0)
        scanned = int(node.get("operator_rows_scanned") or 0)
        inputs = sum(int(c.get("operator_cardinality") or 0) for c in children)
        prof.scan_rows += scanned
        if kind in JOINS:
            # Rows a join step processes: what its inputs feed it.
            prof.join_rows += inputs
            if kind in NESTED_LOOP_JOINS:
                prof.nested_loop_join_rows += inputs
        info = node.get("extra_info") or {}
        table = info.get("Table", "") if isinstance(info, dict) else ""
        prof.operators.append(Operator(
            step_id=len(prof.operators),
            segment_id=depth,
            operator=kind,
            step_name=_STEP_NAMES.get(kind, kind.lower()),
            table_name=str(table).rsplit(".", 1)[-1] if table else "",
            duration_us=int(float(node.get("operator_timing") or 0.0) * 1e6),
            input_rows=inputs if children else scanned,
            output_rows=out,
            output_bytes=int(node.get("result_set_size") or 0),
            rows_scanned=scanned,
        ))
        _walk(children, prof, depth + 1)
