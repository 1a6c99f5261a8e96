"""The client corpus (``../shared/clients/``): every pgjdbc and redshift_connector query, run.

Each query of ``pgjdbc.sql`` and ``redshift_connector.sql`` is one test: it is sent over the
extended protocol (as both drivers do) with every ``$n`` bound to NULL, and must run. The
files are read at test time and never copied into the repository; without them the tests
skip. Queries that do not run yet are listed in ``NOT_YET`` with the reason, as strict
xfails, so that one that starts to run fails until it is taken off the list.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pytest

from tests.e2e.server import REPO, RunningServer

CLIENTS = REPO.parent / "shared" / "clients"
FILES = ("pgjdbc.sql", "redshift_connector.sql")

# (file, first words of the label comment) -> why it does not run yet.
NOT_YET: dict[tuple[str, str], str] = {
    ("pgjdbc.sql", "SAVEPOINT"): "SAVEPOINT is refused (architecture: limits)",
    ("pgjdbc.sql", "ROLLBACK TO SAVEPOINT"): "SAVEPOINT is refused",
    ("pgjdbc.sql", "RELEASE SAVEPOINT"): "SAVEPOINT is refused",
    ("pgjdbc.sql", "getSQLKeywords"): "'{a,b}'::text[] array literals are not translated",
    ("pgjdbc.sql", "getIndexInfo(null, \"public\", \"t\", false, true) [>= 9.6]"):
        "(i.keys).x over a subquery row: composite field access (9.6+ branch only)",
    ("pgjdbc.sql", "getFunctions(null, \"public\", \"%\") [>= 11]"):
        "pg_get_function_result (11+ branch only)",
    ("redshift_connector.sql", "SHOW"): "SHOW DATABASES/SCHEMAS/TABLES/... (show_discovery)",
}


@dataclass(frozen=True)
class Query:
    """One query of a corpus file and the comment that names it."""

    file: str
    line: int
    label: str
    sql: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def _label_key(label: str) -> str:
    """The function part of a label (after the last ' : ', else the label without '--')."""
    text = label.lstrip("-").strip()
    return text.rsplit(" : ", 1)[-1].strip()


def read_queries(name: str) -> list[Query]:
    """The statements of a corpus file: runs of non-comment lines ending with ';', each labelled
    by the first line of the comment block before it (or the previous statement's label)."""
    path = CLIENTS / name
    if not path.exists():
        return []
    out: list[Query] = []
    label, body, start, in_comment = "", [], 0, False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("--"):
            if not body and not in_comment:
                label = line
            in_comment = True
            continue
        in_comment = False
        if not body and not line.strip():
            continue
        if not body:
            start = number
        body.append(line)
        if line.rstrip().endswith(";"):
            sql = "\n".join(body).rstrip().removesuffix(";")
            out.append(Query(name, start, label, sql))
            body = []
    return out


def _expected_failure(query: Query) -> str | None:
    key = _label_key(query.label)
    for (file, prefix), reason in NOT_YET.items():
        if file != query.file:
            continue
        if key.startswith(prefix) or query.sql.lstrip().upper().startswith(prefix.upper()):
            return reason
    return None


QUERIES = [q for name in FILES for q in read_queries(name)]


def _params(query: Query) -> list[None]:
    count = max((n for n in range(1, 10) if f"${n}" in query.sql), default=0)
    return [None] * count


@pytest.fixture(scope="module")
def conn(server: RunningServer) -> psycopg.Connection[tuple[object, ...]]:
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute(
            "create table if not exists corpus_customers (id int primary key, "
            "name varchar(30), region_id int)"
        )
        yield c


@pytest.mark.skipif(not QUERIES, reason=f"{CLIENTS} is not there")
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.id)
def test_corpus_query_runs(conn: psycopg.Connection[tuple[object, ...]], query: Query) -> None:
    reason = _expected_failure(query)
    cur = psycopg.RawCursor(conn)
    try:
        cur.execute(query.sql, _params(query))
        if cur.description is not None:
            cur.fetchall()
    except psycopg.Error:
        if reason is None:
            raise
        pytest.xfail(reason)
    assert reason is None, f"runs now: take it off NOT_YET ({reason})"


def test_corpus_is_read() -> None:
    if not CLIENTS.exists():
        pytest.skip(f"{CLIENTS} is not there")
    counts = {name: len(read_queries(name)) for name in FILES}
    assert all(n > 20 for n in counts.values()), counts
