"""The escape-attempt corpus (``tests/escape/corpus.toml``), run over the wire.

Every case is run as a non-superuser and as the superuser of namespace ``tenant``; each must be
refused with its SQLSTATE and must read and write nothing. A unique marker is planted where an
escape would find it: in files outside the data dir (CSV, text, JSON, Parquet), behind a
symlink in the server's allowed COPY directory, in a table of another namespace (``other``)
and in the server's environment. A third namespace, ``tenant-``, has a database whose internal
alias a database of ``tenant`` could otherwise share. After each case the marker must appear
in no row, error or notice, no file may have appeared in the canary dir or the data dir, what
a multi-statement string must not have done must not be there, no internal alias shows (unless
the attempt spelled one), and the session must still answer.
"""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
import pytest
from psycopg.pq import DiagnosticField, ExecStatus

from engine.storage import INTERNAL_PREFIX, database_alias
from tests.e2e.server import ADMIN_PASSWORD, RunningServer, free_port, start

CORPUS = Path(__file__).resolve().parents[1] / "escape" / "corpus.toml"
USER_PASSWORD = "Abcd1234"
OTHER_PASSWORD = "Other-pw-1"


@dataclass(frozen=True)
class Case:
    """One escape attempt and the SQLSTATE that refuses it."""

    title: str
    sql: str
    expect: str
    superuser: str | None = None
    protocol: str = "simple"
    params: tuple[str, ...] = ()
    after_empty: str | None = None
    # Run with enable_case_sensitive_identifier on: quoted names keep their case (by default
    # they fold to lower case, as in Redshift, and name the virtual catalog's relations).
    case_sensitive: bool = False

    def expected(self, superuser: bool) -> str:
        return (self.superuser or self.expect) if superuser else self.expect


def load_corpus() -> list[Case]:
    """The cases of the corpus file, each checked for the keys it may have."""
    raw = tomllib.loads(CORPUS.read_text())
    cases = []
    for entry in raw["case"]:
        params = tuple(entry.pop("params", ()))
        cases.append(Case(**entry, params=params))
    return cases


CASES = load_corpus()


def test_corpus_is_large_and_unique() -> None:
    assert len(CASES) >= 80
    titles = [c.title for c in CASES]
    assert len(titles) == len(set(titles))
    for case in CASES:
        for code in filter(None, (case.expect, case.superuser)):
            assert code[:2] in ("42", "0A", "3D", "3F"), (case.title, code)


@dataclass
class Sandbox:
    """The running server and where the marker was planted."""

    server: RunningServer
    marker: str
    canary_dir: Path
    copy_dir: Path
    other_alias: str
    conns: dict[str, psycopg.Connection] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def fill(self, text: str) -> str:
        for key, value in (
            ("{canary}", str(self.canary_dir / "secret.csv")),
            ("{canary_dir}", str(self.canary_dir)),
            ("{copy_dir}", str(self.copy_dir)),
            ("{data_dir}", str(self.server.data_dir)),
            ("{other_alias}", self.other_alias),
        ):
            text = text.replace(key, value)
        return text

    def files(self) -> set[str]:
        """Every file under the canary and data dirs (DuckDB's WAL and spill files aside)."""
        found = set()
        for root in (self.canary_dir, self.server.data_dir):
            for path in root.rglob("*"):
                rel = path.relative_to(root)
                if path.suffix == ".wal" or rel.parts[:1] == ("spill",):
                    continue
                found.add(str(path))
        return found


def _plant(canary_dir: Path, copy_dir: Path, marker: str) -> None:
    canary_dir.mkdir()
    copy_dir.mkdir()
    (canary_dir / "secret.csv").write_text(f"1,{marker}\n")
    (canary_dir / "secret.txt").write_text(f"{marker}\n")
    (canary_dir / "secret.json").write_text(f'{{"a": 1, "b": "{marker}"}}\n')
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT 1 AS a, '{marker}' AS b) TO "
            f"'{canary_dir / 'secret.parquet'}' (FORMAT parquet)"
        )
    (copy_dir / "link.csv").symlink_to(canary_dir / "secret.csv")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A server with two namespaces and one allowed COPY directory; the marker planted."""
    root = tmp_path_factory.mktemp("escape")
    marker = f"CANARY{uuid.uuid4().hex}"
    canary_dir, copy_dir = root / "canary", root / "copy"
    _plant(canary_dir, copy_dir, marker)
    ports = {"tenant-wg": free_port(), "other-wg": free_port()}
    config = f"""
[server]
copy_directories = ["{copy_dir}"]

[[namespace]]
name = "tenant"
admin_password = "{ADMIN_PASSWORD}"

[[namespace]]
name = "other"
admin_password = "{OTHER_PASSWORD}"

# Its database dev has the internal alias namespace tenant's "_dev" would get.
[[namespace]]
name = "tenant-"
admin_password = "{OTHER_PASSWORD}"

[[workgroup]]
name = "tenant-wg"
namespace = "tenant"
port = {ports["tenant-wg"]}

[[workgroup]]
name = "other-wg"
namespace = "other"
port = {ports["other-wg"]}
"""
    server = start(root / "data", config=config, ports=ports,
                   env={"DUCKSHIFT_CANARY": marker})
    box = Sandbox(server, marker, canary_dir, copy_dir, database_alias("other", "dev"))
    try:
        other = server.dsn.replace(f"port={server.port}", f"port={ports['other-wg']}")
        with psycopg.connect(other.replace(ADMIN_PASSWORD, OTHER_PASSWORD),
                             autocommit=True) as con:
            con.execute("create table secret (a int, b varchar(64))")
            con.execute("insert into secret values (1, %s)", [marker])
        admin = psycopg.connect(server.dsn, autocommit=True)
        admin.execute("create table esc_t (a int, b varchar(64))")
        admin.execute("insert into esc_t values (1, 'one')")
        box.conns["superuser"] = admin
        try:
            admin.execute(f"create user esc_user password '{USER_PASSWORD}'")
            admin.execute("grant all on esc_t to esc_user")
        except psycopg.Error as exc:
            box.skipped["user"] = f"CREATE USER / GRANT not available yet: {exc}"
        else:
            dsn = server.dsn.replace("user=admin", "user=esc_user")
            box.conns["user"] = psycopg.connect(
                dsn.replace(ADMIN_PASSWORD, USER_PASSWORD), autocommit=True
            )
        yield box
    finally:
        for con in box.conns.values():
            con.close()
        server.stop()


@dataclass
class Outcome:
    """What one attempt gave back: its SQLSTATE (None: it ran) and every text it returned."""

    sqlstate: str | None = None
    texts: list[str] = field(default_factory=list)


def _run_simple(con: psycopg.Connection, sql: str, out: Outcome) -> None:
    try:
        cur = con.execute(sql)
        while True:
            if cur.description:
                out.texts.extend(repr(row) for row in cur.fetchall())
            if not cur.nextset():
                break
    except psycopg.Error as exc:
        out.sqlstate = exc.sqlstate
        diag = exc.diag
        out.texts += [str(exc), diag.message_detail or "", diag.message_hint or "",
                      diag.context or ""]


def _run_extended(con: psycopg.Connection, sql: str, params: list[str], out: Outcome) -> None:
    """Parse/Bind/Describe/Execute/Sync through libpq, parameters sent as text."""
    res = con.pgconn.exec_params(sql.encode(), [p.encode() for p in params])
    if res.status == ExecStatus.FATAL_ERROR:
        out.sqlstate = (res.error_field(DiagnosticField.SQLSTATE) or b"").decode()
        out.texts.append((res.error_message or b"").decode())
        return
    for row in range(res.ntuples):
        out.texts.append(repr([res.get_value(row, col) for col in range(res.nfields)]))


@pytest.mark.parametrize("who", ["user", "superuser"])
@pytest.mark.parametrize("case", CASES, ids=[c.title for c in CASES])
def test_escape_is_refused(sandbox: Sandbox, case: Case, who: str) -> None:
    if who not in sandbox.conns:
        pytest.skip(sandbox.skipped.get(who, "no connection"))
    con = sandbox.conns[who]
    notices: list[str] = []

    def notice(diag: psycopg.errors.Diagnostic) -> None:
        notices.append(f"{diag.message_primary} {diag.message_detail} {diag.message_hint}")

    con.add_notice_handler(notice)
    before = sandbox.files()
    out = Outcome()
    sql = sandbox.fill(case.sql)
    if case.case_sensitive:
        con.execute("set enable_case_sensitive_identifier to true")
    try:
        if case.protocol == "extended":
            _run_extended(con, sql, [sandbox.fill(p) for p in case.params], out)
        else:
            _run_simple(con, sql, out)
    finally:
        con.remove_notice_handler(notice)
        if case.case_sensitive:
            con.execute("reset enable_case_sensitive_identifier")
    assert out.sqlstate == case.expected(who == "superuser"), out.texts
    texts = [*out.texts, *notices]
    assert not [t for t in texts if sandbox.marker in t]
    if INTERNAL_PREFIX not in sql.lower():
        # Internal aliases are never shown, unless the attempt itself spelled one.
        assert not [t for t in texts if INTERNAL_PREFIX in t.lower()]
    assert sandbox.files() == before
    if case.after_empty is not None:
        assert con.execute(case.after_empty).fetchall() == []
    assert con.execute("select 1").fetchone() == (1,)
