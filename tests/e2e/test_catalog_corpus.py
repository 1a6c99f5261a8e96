"""The client corpus (``../shared/clients/``): every query a client sends to browse, run.

Each query of the files in ``FILES`` is one test, sent the way that client sends it: over the
simple protocol for psql and psqlODBC, over the extended protocol with binary results for the
drivers (pgjdbc, redshift_connector, asyncpg and the tools built on them), with every ``$n``
bound to NULL, and must run. The queries of one file run in order on one connection, as the
client sends them, against the schema the corpus was captured with (``capture/schema.sql``:
public.customers with a comment, a key and a default, sales.orders, the view public.v_orders),
made again before each file because some files change it (dbt's DDL). The files are read at
test time and never copied into the repository; without them the tests skip. Queries that do
not run yet are listed in ``NOT_YET`` with the reason, as strict xfails, so that one that starts
to run fails until it is taken off the list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from tests.e2e.server import REPO, RunningServer, start

CLIENTS = REPO.parent / "shared" / "clients"
# Corpus file -> whether its client uses the extended protocol (else simple queries).
FILES: dict[str, bool] = {
    "pgjdbc.sql": True,
    "redshift_connector.sql": True,
}

# The corpus's schema (capture/schema.sql) in Redshift's SQL. DuckDB refuses foreign keys
# across schemas, so sales.orders refers to public.customers only by its column.
SCHEMA = (
    "CREATE SCHEMA IF NOT EXISTS sales",
    "CREATE TABLE public.customers (id integer PRIMARY KEY, "
    "name varchar(50) NOT NULL DEFAULT 'x', created timestamptz, balance numeric(12,2))",
    "COMMENT ON TABLE public.customers IS 'customer table'",
    "COMMENT ON COLUMN public.customers.name IS 'customer name'",
    "CREATE TABLE sales.orders (order_id bigint PRIMARY KEY, customer_id integer, "
    "amount double precision, note varchar(256))",
    "CREATE VIEW public.v_orders AS SELECT o.order_id, c.name FROM sales.orders o "
    "JOIN public.customers c ON c.id = o.customer_id",
)

# (file, first words of the label comment, or of the query) -> why it does not run yet.
NOT_YET: dict[tuple[str, str], str] = {
    ("pgjdbc.sql", "SAVEPOINT"): "SAVEPOINT is refused (architecture: limits)",
    ("pgjdbc.sql", "ROLLBACK TO SAVEPOINT"): "SAVEPOINT is refused",
    ("pgjdbc.sql", "RELEASE SAVEPOINT"): "SAVEPOINT is refused",
    ("redshift_connector.sql", "SHOW COLUMN GRANTS"): "SHOW COLUMN GRANTS is not built",
    ("redshift_connector.sql", "SHOW PARAMETERS OF FUNCTION"):
        "no user-defined functions yet: the corpus schema's add_one cannot be created",
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


def _make_schema(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Drop what a previous file left in public and sales, then create the corpus's schema."""
    conn.execute("ROLLBACK")  # a file may end inside a transaction block
    rows = conn.execute(
        "SELECT table_schema, table_name, table_type FROM information_schema.tables "
        "WHERE table_schema IN ('public', 'sales') ORDER BY table_type DESC"
    ).fetchall()
    for schema, name, kind in rows:  # views first: they depend on the tables
        conn.execute(f'DROP {"VIEW" if kind == "VIEW" else "TABLE"} "{schema}"."{name}"')
    for statement in SCHEMA:
        conn.execute(statement)


@pytest.fixture(scope="module")
def corpus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of the corpus's own: its schema is made again for each file."""
    srv = start(tmp_path_factory.mktemp("corpus") / "data")
    yield srv
    srv.stop()


class _Sessions:
    """One connection per corpus file, opened (with the schema made again) at its first query."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.file = ""
        self.conn: psycopg.Connection[tuple[object, ...]] | None = None

    def for_file(self, file: str) -> psycopg.Connection[tuple[object, ...]]:
        if file != self.file or self.conn is None or self.conn.closed:
            self.close()
            with psycopg.connect(self.server.dsn, autocommit=True) as admin:
                _make_schema(admin)
            self.conn = psycopg.connect(self.server.dsn, autocommit=True)
            self.file = file
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@pytest.fixture(scope="module")
def sessions(corpus_server: RunningServer) -> Iterator[_Sessions]:
    s = _Sessions(corpus_server)
    yield s
    s.close()


@pytest.mark.skipif(not QUERIES, reason=f"{CLIENTS} is not there")
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.id)
def test_corpus_query_runs(sessions: _Sessions, query: Query) -> None:
    reason = _expected_failure(query)
    conn = sessions.for_file(query.file)
    cur = psycopg.RawCursor(conn)
    try:
        # binary=True sends even a query without parameters over the extended protocol.
        cur.execute(query.sql, _params(query), binary=FILES[query.file] or None)
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
