"""The dialect corpus: plain-text cases in ``tests/corpus/*.test``, run over the wire.

A file is a sequence of cases separated by blank lines, in the spirit of sqllogictest::

    # title: DATEADD returns a timestamp
    query [rowsort]
    select dateadd(day, 1, '2020-01-31'::date)
    ----
    2020-02-01 00:00:00

    statement ok
    create table t (a int)

    statement error 22012 division by zero
    select 1/0

``query`` expects rows as PostgreSQL's text output (columns separated by a tab, ``NULL`` for
NULL, nothing after ``----`` for no rows); ``rowsort`` sorts actual and expected rows before
comparing. ``statement error`` names the SQLSTATE and optionally the start of the message.
Comment lines (``#``) other than ``# title:`` are ignored. Each case is one pytest item, with id
``file:title`` (or ``file:line`` untitled); the cases of a file share one autocommit connection
and run in file order, so later cases may use tables that earlier ones created.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.e2e.server import RunningServer

pytestmark = pytest.mark.slow_file(120)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@dataclass(frozen=True)
class Case:
    """One corpus case: a statement and what it must give."""

    file: str
    line: int
    title: str
    kind: str  # "query", "ok" or "error"
    sql: str
    rows: tuple[str, ...] = ()
    rowsort: bool = False
    sqlstate: str = ""
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.file}:{self.title or self.line}"


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based line number of their first line."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip("\n"))
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse_corpus(path: Path) -> list[Case]:
    """The cases of one corpus file; a malformed block is an error naming its line."""
    cases: list[Case] = []
    for start, block in _blocks(path.read_text()):
        title = ""
        lines = list(block)
        while lines and lines[0].startswith("#"):
            if lines[0].startswith("# title:"):
                title = lines[0].removeprefix("# title:").strip()
            lines.pop(0)
        if not lines:
            continue
        head, body = lines[0].split(), lines[1:]
        where = f"{path.name}:{start}"
        if head[0] == "query":
            if "----" not in body:
                raise ValueError(f"{where}: query without ----")
            cut = body.index("----")
            cases.append(Case(path.name, start, title, "query", "\n".join(body[:cut]),
                              rows=tuple(body[cut + 1:]), rowsort="rowsort" in head[1:]))
        elif head[:2] == ["statement", "ok"]:
            cases.append(Case(path.name, start, title, "ok", "\n".join(body)))
        elif head[:2] == ["statement", "error"] and len(head) >= 3:
            message = lines[0].split(None, 3)[3] if len(head) > 3 else ""
            cases.append(Case(path.name, start, title, "error", "\n".join(body),
                              sqlstate=head[2], message=message))
        else:
            raise ValueError(f"{where}: unknown case header {lines[0]!r}")
    return cases


def _all_cases() -> list[Case]:
    cases = [case for path in sorted(CORPUS.glob("*.test")) for case in parse_corpus(path)]
    ids = [case.id for case in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate corpus case ids: {sorted(duplicates)}")
    return cases


CASES = _all_cases()


@pytest.fixture(scope="module")
def connections(server: RunningServer) -> Iterator[dict[str, psycopg.Connection]]:
    """One autocommit connection per corpus file, opened on first use."""
    conns: dict[str, psycopg.Connection] = {}
    yield conns
    for conn in conns.values():
        conn.close()


def _text_rows(cur: psycopg.Cursor) -> list[str]:
    """The result as PostgreSQL sent it: text values, tab-joined, NULL as ``NULL``."""
    res = cur.pgresult
    assert res is not None
    rows = []
    for r in range(res.ntuples):
        values = (res.get_value(r, c) for c in range(res.nfields))
        rows.append("\t".join("NULL" if v is None else v.decode() for v in values))
    return rows


@pytest.mark.e2e
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_corpus(
    case: Case, server: RunningServer, connections: dict[str, psycopg.Connection]
) -> None:
    conn = connections.get(case.file)
    if conn is None or conn.closed:
        conn = connections[case.file] = psycopg.connect(server.dsn, autocommit=True)
    with conn.cursor(binary=False) as cur:
        if case.kind == "error":
            with pytest.raises(psycopg.Error) as info:
                cur.execute(case.sql)
            assert info.value.sqlstate == case.sqlstate, info.value.diag.message_primary
            assert (info.value.diag.message_primary or "").startswith(case.message)
            return
        cur.execute(case.sql)
        if case.kind == "query":
            rows = _text_rows(cur)
            expected = list(case.rows)
            if case.rowsort:
                rows, expected = sorted(rows), sorted(expected)
            assert rows == expected
