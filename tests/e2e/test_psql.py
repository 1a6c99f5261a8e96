"""psql (libpq, simple protocol only): queries, multi-statement -c, \\copy in/out, TLS, errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.server import RunningServer

PSQL = shutil.which("psql") or "/usr/bin/psql"

pytestmark = pytest.mark.skipif(not Path(PSQL).exists(), reason="psql is not installed")


def psql(
    server: RunningServer, *args: str, sslmode: str | None = "disable", check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run psql against ``server`` (no psqlrc, stop on the first error)."""
    conninfo = f"host={server.host} port={server.port} user={server.user} dbname={server.database}"
    if sslmode is not None:
        conninfo += f" sslmode={sslmode}"
    env = {**os.environ, "PGPASSWORD": server.password, "PGCONNECT_TIMEOUT": "10"}
    env.pop("PGSSLMODE", None)
    proc = subprocess.run(
        [PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-d", conninfo, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_select_unaligned(server: RunningServer) -> None:
    out = psql(server, "-At", "-c", "select count(*) from users").stdout
    assert out.strip() == "49990"


def test_select_tickit_rows(server: RunningServer) -> None:
    out = psql(
        server, "-At", "-F", "|", "-c", "select catid, catname from category order by catid limit 3"
    ).stdout
    assert out.splitlines() == ["1|MLB", "2|NHL", "3|NFL"]


def test_multi_statement_command(server: RunningServer) -> None:
    out = psql(server, "-At", "-c", "select 1; select 2").stdout
    # psql prints the result of every statement of a -c string (psql >= 15).
    assert out.split() == ["1", "2"]


def test_multi_statement_stops_at_error(server: RunningServer) -> None:
    proc = psql(server, "-At", "-c", "select 1; select * from nope_t; select 3", check=False)
    assert proc.returncode != 0
    assert "3" not in proc.stdout.split()
    assert 'relation "nope_t" does not exist' in proc.stderr


def test_error_shows_sqlstate(server: RunningServer) -> None:
    proc = psql(server, "-v", "VERBOSITY=verbose", "-c", "select * from nope_t", check=False)
    assert proc.returncode == 1
    assert "ERROR:  42P01:" in proc.stderr
    assert 'relation "nope_t" does not exist' in proc.stderr


def test_syntax_error_shows_sqlstate(server: RunningServer) -> None:
    proc = psql(server, "-v", "VERBOSITY=verbose", "-c", "selec 1", check=False)
    assert proc.returncode == 1
    assert "ERROR:  42601:" in proc.stderr


def test_sslmode_require(server: RunningServer) -> None:
    out = psql(server, "-c", "\\conninfo", sslmode="require").stdout
    assert "SSL connection (protocol: TLS" in out


def test_default_prefer_gets_tls(server: RunningServer) -> None:
    out = psql(server, "-c", "\\conninfo", sslmode=None).stdout
    assert "SSL connection (protocol: TLS" in out


def test_sslmode_disable_is_plain(server: RunningServer) -> None:
    out = psql(server, "-c", "\\conninfo").stdout
    assert "SSL connection" not in out
    assert f'port "{server.port}"' in out


def test_sslmode_verify_ca_with_server_cert(server: RunningServer) -> None:
    out = psql(
        server, "-At", "-c", "select 7", sslmode=f"verify-ca sslrootcert={server.cert}"
    ).stdout
    assert out.strip() == "7"


@pytest.mark.parametrize("tls", ["disable", "require"])
def test_copy_text_round_trip(server: RunningServer, tmp_path: Path, tls: str) -> None:
    table = f"psql_copy_text_{tls}"
    src = tmp_path / "in.txt"
    src.write_text("1\talpha\t2024-01-02\n2\t\\N\t\\N\n3\tback\\\\slash tab\\there\t2023-12-31\n")
    dst = tmp_path / "out.txt"
    psql(
        server,
        "-c",
        f"drop table if exists {table}",
        "-c",
        f"create table {table} (id int, s varchar(50), d date)",
        "-c",
        f"\\copy {table} from '{src}'",
        "-c",
        f"\\copy (select * from {table} order by id) to '{dst}'",
        sslmode=tls,
    )
    assert dst.read_text() == src.read_text()
    out = psql(server, "-At", "-c", f"select s from {table} where id = 3").stdout
    assert out == "back\\slash tab\there\n"


def test_copy_csv_header_round_trip(server: RunningServer, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text('id,name,amount\n1,"Smith, J",12.50\n2,,0.00\n3,"say ""hi""",-3.25\n')
    dst = tmp_path / "out.csv"
    psql(
        server,
        "-c",
        "drop table if exists psql_copy_csv",
        "-c",
        "create table psql_copy_csv (id int, name varchar(30), amount decimal(8,2))",
        "-c",
        f"\\copy psql_copy_csv from '{src}' with (format csv, header)",
        "-c",
        f"\\copy (select * from psql_copy_csv order by id) to '{dst}' with (format csv, header)",
    )
    assert dst.read_text() == src.read_text()
    out = psql(server, "-At", "-c", "select count(*), sum(amount) from psql_copy_csv").stdout
    assert out.strip() == "3|9.25"
    out = psql(server, "-At", "-c", "select name is null from psql_copy_csv where id = 2").stdout
    assert out.strip() == "t"


def test_copy_table_to_file(server: RunningServer, tmp_path: Path) -> None:
    dst = tmp_path / "cat.csv"
    psql(server, "-c", f"\\copy category to '{dst}' csv header")
    lines = dst.read_text().splitlines()
    assert lines[0] == "catid,catgroup,catname,catdesc"
    assert len(lines) == 12


def test_copy_bad_input_fails(server: RunningServer, tmp_path: Path) -> None:
    src = tmp_path / "bad.txt"
    src.write_text("1\tok\nnot-a-number\tbad\n")
    psql(
        server,
        "-c",
        "drop table if exists psql_copy_bad",
        "-c",
        "create table psql_copy_bad (id int, s varchar(10))",
    )
    proc = psql(server, "-c", f"\\copy psql_copy_bad from '{src}'", check=False)
    assert proc.returncode != 0
    assert "ERROR:" in proc.stderr
    # the failed COPY is atomic and the session machinery still works afterwards
    out = psql(server, "-At", "-c", "select count(*) from psql_copy_bad").stdout
    assert out.strip() == "0"
