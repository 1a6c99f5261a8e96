"""The client corpus (``../shared/clients/``): every query a client sends to browse, run.

Each query of the files in ``FILES`` is one test, sent the way that client sends it: over the
simple protocol for psql and psqlODBC, over the extended protocol with binary results for the
drivers (pgjdbc, redshift_connector, asyncpg and the tools built on them), with every ``$n``
bound to NULL, and must run. The queries of one file run in order on one connection, as the
client sends them, against the schema the corpus was captured with (``capture/schema.sql``:
public.customers with a comment, a key and a default, sales.orders, the view public.v_orders),
on a server of the file's own because some files change it (dbt's DDL). The files are read at
test time and never copied into the repository; without them the tests skip. Queries that do
not run yet are listed in ``NOT_YET`` with the reason, as strict xfails, so that one that starts
to run fails until it is taken off the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.e2e.server import REPO, RunningServer, start

pytestmark = pytest.mark.slow_file(130)

CLIENTS = REPO.parent / "shared" / "clients"
# Corpus file -> whether its client uses the extended protocol (else simple queries).
FILES: dict[str, bool] = {
    "asyncpg.sql": True,
    "dbeaver.sql": True,  # through pgjdbc or the Redshift JDBC driver
    "dbt-redshift.sql": True,  # through redshift_connector
    "metabase.sql": True,  # through pgjdbc or the Redshift JDBC driver
    "pgjdbc.sql": True,
    "psql.sql": False,
    "psqlodbc.sql": False,
    "psycopg.sql": False,  # simple unless there are parameters
    "redshift-jdbc.sql": True,
    "redshift_connector.sql": True,
    "sqlalchemy-redshift.sql": False,  # through psycopg2: parameters bound client-side
    "sqlalchemy.sql": False,
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
    "CREATE USER analyst PASSWORD DISABLE",
)

# (file, first words of the label comment, or of the query) -> why it does not run yet.
_SAVEPOINT = ("SAVEPOINT is refused (0A000): DuckDB has no savepoints (docs/architecture.md, "
              "Limits and known differences)")
NOT_YET: dict[tuple[str, str], str] = {
    ("asyncpg.sql", "UNLISTEN"):
        "sent to PostgreSQL only: asyncpg sees padb_revision and resets with RESET ALL alone "
        "(Redshift has no LISTEN/NOTIFY)",
    ("dbeaver.sql", "select c.oid,pg_catalog.pg_total_relation_size"):
        "compares relnamespace, an oid, with 'public': PostgreSQL refuses it too (the capture "
        "was made against datafusion-postgres)",
    ("dbt-redshift.sql", "set role"):
        "SET ROLE: Redshift has none (dbt sends it only when a profile names a role)",
    ("pgjdbc.sql", "SAVEPOINT"): _SAVEPOINT,
    ("pgjdbc.sql", "ROLLBACK TO SAVEPOINT"): _SAVEPOINT,
    ("pgjdbc.sql", "RELEASE SAVEPOINT"): _SAVEPOINT,
    ("psqlodbc.sql", "SAVEPOINT"): _SAVEPOINT,
    ("psqlodbc.sql", "ROLLBACK TO"): _SAVEPOINT,
    ("psqlodbc.sql", "SELECT pg_catalog.lo_open"): "large objects do not exist in Redshift",
    ("psycopg.sql", "SAVEPOINT"): _SAVEPOINT,
    ("psycopg.sql", "RELEASE"): _SAVEPOINT,
    ("psycopg.sql", "ROLLBACK TO"): _SAVEPOINT,
    ("psycopg.sql", "DEALLOCATE _pg3_0"):
        "names a statement psycopg prepared before: PostgreSQL answers 26000 too without it",
    ("psycopg.sql", 'DECLARE "c1" CURSOR FOR'):
        "a cursor without HOLD outside a transaction block: PostgreSQL refuses it too "
        "(psycopg declares it inside one)",
    ("psycopg.sql", "MOVE ABSOLUTE"):
        "cursors are forward-only: SCROLL and moving backwards are refused (0A000)",
    ("redshift-jdbc.sql", "buildLocalSchemaColumnsQuery"):
        "the corpus text is malformed (the hand rendering left a second 'else end as "
        "COLUMN_SIZE'): PostgreSQL refuses it too",
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


# psycopg2's placeholders, which it fills in on the client (SQLAlchemy's rendered queries).
_PYFORMAT = re.compile(r"%\(\w+\)s")


def _sent(query: Query) -> str:
    """The query's text as its client sends it: psycopg2 sends NULL for a None parameter."""
    return _PYFORMAT.sub("NULL", query.sql)


class _Servers:
    """A server of its own for each corpus file, with the corpus's schema, and one connection
    to it: some files change the schema or the session (dbt's DDL, psycopg's cursors)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.file = ""
        self.server: RunningServer | None = None
        self.conn: psycopg.Connection[tuple[object, ...]] | None = None

    def for_file(self, file: str) -> psycopg.Connection[tuple[object, ...]]:
        if file != self.file or self.conn is None or self.conn.closed:
            self.close()
            self.server = start(self.base / file.removesuffix(".sql"))
            self.conn = psycopg.connect(self.server.dsn, autocommit=True)
            for statement in SCHEMA:
                self.conn.execute(statement)
            self.file = file
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Servers]:
    s = _Servers(tmp_path_factory.mktemp("corpus"))
    yield s
    s.close()


@pytest.mark.skipif(not QUERIES, reason=f"{CLIENTS} is not there")
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.id)
def test_corpus_query_runs(servers: _Servers, query: Query) -> None:
    reason = _expected_failure(query)
    conn = servers.for_file(query.file)
    cur = psycopg.RawCursor(conn)
    try:
        # binary=True sends even a query without parameters over the extended protocol.
        cur.execute(_sent(query), _params(query), binary=FILES[query.file] or None)
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
    assert all(n >= 10 for n in counts.values()), counts
