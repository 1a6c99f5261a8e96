"""EXPLAIN's QUERY PLAN text, from DuckDB's plan.

DuckDB's own EXPLAIN draws boxes around each operator, naming tables by the internal alias
of their database file (``__ds_default__dev.public.t``), which clients never see, and whose
widths no longer line up once a name is replaced. The plan is read as JSON instead and
written as PostgreSQL and Redshift lay a plan out: one line per operator, each child under its
parent after ``->``, the operator's details indented below it, every internal alias replaced
by its database's name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# The detail written on the operator's own line, as PostgreSQL writes ``rows=``.
_CARDINALITY = "Estimated Cardinality"


def plan_lines(plan_json: str, aliases: Mapping[str, str]) -> list[str]:
    """The QUERY PLAN lines of DuckDB's JSON plan (``EXPLAIN (FORMAT json) ...``), each
    internal alias in ``aliases`` replaced by the database name it stands for."""
    lines: list[str] = []
    for node in json.loads(plan_json):
        _node(node, 0, lines)
    named = []
    for line in lines:
        for alias, name in aliases.items():
            line = line.replace(alias, name)
        named.append(line)
    return named


def _node(node: Mapping[str, Any], depth: int, lines: list[str]) -> None:
    info: Mapping[str, Any] = node.get("extra_info") or {}
    head = str(node.get("name", "")).strip()
    rows = info.get(_CARDINALITY)
    if rows is not None:
        head += f"  (rows={rows})"
    indent = " " * (6 * depth - 4) + "->  " if depth else ""
    lines.append(indent + head)
    detail = " " * (6 * depth + 2)
    for key, value in info.items():
        if key == _CARDINALITY:
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"{detail}{key}: {' '.join(text.split())}")
    for child in node.get("children") or ():
        _node(child, depth + 1, lines)
