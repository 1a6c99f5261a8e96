"""Redshift's COPY from files and UNLOAD to files over the wire: superusers only, in the
directories of ``[server] copy_directories`` only."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.e2e.server import ADMIN_PASSWORD, RunningServer, free_port, start

USER_PASSWORD = "Abcd1234"


@dataclass
class Files:
    """A server allowed to read and write ``allowed``; ``outside`` is a directory it is not."""

    server: RunningServer
    allowed: Path
    outside: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Files]:
    root = tmp_path_factory.mktemp("copyfiles")
    allowed, outside = root / "allowed", root / "outside"
    allowed.mkdir()
    outside.mkdir()
    port = free_port()
    config = f"""
[server]
copy_directories = ["{allowed}"]

[[namespace]]
name = "default"
admin_password = "{ADMIN_PASSWORD}"

[[workgroup]]
name = "default"
namespace = "default"
port = {port}
"""
    server = start(root / "data", config=config, ports={"default": port})
    yield Files(server, allowed, outside)
    server.stop()


@pytest.fixture
def admin(files: Files) -> Iterator[psycopg.Connection]:
    with psycopg.connect(files.server.dsn, autocommit=True) as con:
        con.execute("drop table if exists sales")
        con.execute("create table sales (id int, name varchar(20), price decimal(8,2))")
        yield con


def _notices(con: psycopg.Connection) -> list[str]:
    seen: list[str] = []
    con.add_notice_handler(lambda d: seen.append(f"{d.severity} {d.message_primary}"))
    return seen


def _rows(con: psycopg.Connection) -> list[tuple[object, ...]]:
    return con.execute("select id, name, price::text from sales order by id").fetchall()


def test_copy_from_pipe_delimited_text(files: Files, admin: psycopg.Connection) -> None:
    (files.allowed / "sales.txt").write_text("1|alpha|1.50\n2|beta|\\N\n")
    notices = _notices(admin)
    cur = admin.execute(f"copy sales from '{files.allowed}/sales.txt' iam_role default")
    assert cur.statusmessage == "COPY 2"
    assert _rows(admin) == [(1, "alpha", "1.50"), (2, "beta", None)]
    assert notices == ["INFO Load into table 'sales' completed, 2 record(s) loaded successfully."]


def test_copy_from_csv_with_options(files: Files, admin: psycopg.Connection) -> None:
    (files.allowed / "sales.csv").write_text("id;name;price\n1;'a;b';2.00\n2;NIL;3\n")
    admin.execute(
        f"copy sales from 'file://{files.allowed}/sales.csv' "
        "iam_role 'arn:aws:iam::123:role/x' region 'us-east-1' "
        "format as csv quote as '''' delimiter ';' ignoreheader 1 null as 'NIL'"
    )
    assert _rows(admin) == [(1, "a;b", "2.00"), (2, None, "3.00")]


def test_copy_from_a_prefix_a_directory_and_gzip(files: Files, admin: psycopg.Connection) -> None:
    part = files.allowed / "parts"
    (part / "sub").mkdir(parents=True, exist_ok=True)
    (part / "day_1.csv").write_text("1,a,1\n")
    (part / "day_2.csv").write_text("2,b,2\n")
    (part / "two.csv").write_text("4,d\n")
    with gzip.open(part / "sub" / "z.csv.gz", "wt") as f:
        f.write("3,c,3\n")
    # A key prefix, as in S3: every file whose path starts with it.
    assert admin.execute(f"copy sales from '{part}/day_' csv").statusmessage == "COPY 2"
    # A directory: every file under it.
    admin.execute(f"copy sales from '{part}/sub' csv gzip")
    admin.execute(f"copy sales (id, name) from '{part}/two.csv' csv")
    assert _rows(admin) == [(1, "a", "1.00"), (2, "b", "2.00"), (3, "c", "3.00"), (4, "d", None)]


def test_copy_from_json_auto(files: Files, admin: psycopg.Connection) -> None:
    (files.allowed / "sales.json").write_text(
        '{"id": 1, "name": "x", "price": 1.25}\n{"id": 2, "price": 2}\n'
    )
    admin.execute(f"copy sales from '{files.allowed}/sales.json' format as json 'auto'")
    assert _rows(admin) == [(1, "x", "1.25"), (2, None, "2.00")]


def test_copy_into_a_transaction_that_rolls_back(files: Files, admin: psycopg.Connection) -> None:
    (files.allowed / "tx.txt").write_text("7|seven|7\n")
    admin.execute("begin")
    admin.execute(f"copy sales from '{files.allowed}/tx.txt'")
    assert len(_rows(admin)) == 1
    admin.execute("rollback")
    assert _rows(admin) == []


def test_unload_text_csv_parquet(files: Files, admin: psycopg.Connection) -> None:
    admin.execute("insert into sales values (1, 'a|b', 1.5), (2, null, 2)")
    out = files.allowed / "out"
    notices = _notices(admin)
    cur = admin.execute(f"unload ('select * from sales order by id') to '{out}/text_'")
    assert cur.statusmessage == "UNLOAD"
    assert notices == ["INFO UNLOAD completed, 2 record(s) unloaded successfully."]
    assert (out / "text_0000_part_00").read_text() == "1|a|b|1.50\n2||2.00\n"
    admin.execute(
        f"unload ('select id, name from sales where id = 1') to '{out}/csv_' "
        "iam_role default format csv header parallel off"
    )
    assert (out / "csv_000").read_text() == 'id,name\n1,a|b\n'
    admin.execute(f"unload ('select * from sales') to '{out}/pq_' format as parquet")
    assert (out / "pq_0000_part_00.parquet").exists()
    admin.execute("truncate sales")
    admin.execute(f"copy sales from '{out}/pq_' format as parquet")
    assert _rows(admin) == [(1, "a|b", "1.50"), (2, None, "2.00")]


def test_unload_does_not_overwrite_unless_asked(files: Files, admin: psycopg.Connection) -> None:
    admin.execute("insert into sales values (1, 'a', 1)")
    target = f"{files.allowed}/again_"
    admin.execute(f"unload ('select id from sales') to '{target}' csv")
    admin.execute("insert into sales values (2, 'b', 2)")
    with pytest.raises(psycopg.Error) as info:
        admin.execute(f"unload ('select id from sales') to '{target}' csv")
    assert info.value.sqlstate == "58P02"
    admin.execute(f"unload ('select id from sales order by 1') to '{target}' csv allowoverwrite")
    assert (files.allowed / "again_0000_part_00").read_text() == "1\n2\n"
    admin.execute(f"unload ('select id from sales') to '{target}' csv gzip extension 'csv'")
    with gzip.open(files.allowed / "again_0000_part_00.csv.gz", "rt") as f:
        assert sorted(f.read().split()) == ["1", "2"]


@pytest.mark.parametrize(
    ("sql", "sqlstate", "message"),
    [
        ("copy sales from '{outside}/x.csv' csv", "42501",
         'permission denied for path "{outside}/x.csv": not in a directory allowed'),
        ("copy sales from '{allowed}/../outside/x.csv' csv", "42501",
         'permission denied for path "{allowed}/../outside/x.csv"'),
        ("copy sales from '{allowed}/link.csv' csv", "42501",
         'permission denied for path "{allowed}/link.csv"'),
        ("copy sales from 'x.csv' csv", "42501", 'permission denied for path "x.csv"'),
        ("copy sales from 'file://otherhost{allowed}/x.csv'", "42501", "permission denied"),
        ("copy sales from 's3://bucket/x.csv' iam_role default", "0A000",
         "feature not supported on Duckshift: s3:// paths"),
        ("copy sales from '{allowed}/nothing_here'", "58P01",
         'could not open file "{allowed}/nothing_here" for reading'),
        ("copy sales to '{allowed}/x.csv'", "0A000",
         "feature not supported on Duckshift: COPY TO a file"),
        ("copy sales from '{allowed}/x.csv' format as orc", "0A000",
         'feature not supported on Duckshift: COPY format "ORC"'),
        ("copy sales from '{allowed}/x.csv' maxerror 10", "0A000",
         'feature not supported on Duckshift: COPY option "MAXERROR"'),
        ("unload ('select 1') to '{outside}/u_'", "42501",
         'permission denied for path "{outside}/u_"'),
        ("unload ('select * from read_csv(''{allowed}/x.csv'')') to '{allowed}/u_'", "42501",
         "permission denied for function read_csv"),
        ("unload ('insert into sales values (1)') to '{allowed}/u_'", "42601",
         "UNLOAD query must be a SELECT"),
        ("unload ('select 1') to '{allowed}/u_' format parquet header", "0A000",
         'UNLOAD option "HEADER" with FORMAT PARQUET'),
        ("unload ('select 1') to '{allowed}/u_' manifest", "0A000",
         'feature not supported on Duckshift: UNLOAD option "MANIFEST"'),
    ],
)
def test_refusals(
    files: Files, admin: psycopg.Connection, sql: str, sqlstate: str, message: str
) -> None:
    (files.outside / "x.csv").write_text("1,secret,1\n")
    (files.allowed / "x.csv").write_text("1,fine,1\n")
    link = files.allowed / "link.csv"
    if not link.is_symlink():
        link.symlink_to(files.outside / "x.csv")
    before = sorted(p.name for p in files.allowed.iterdir())
    fill = {"{allowed}": str(files.allowed), "{outside}": str(files.outside)}
    for key, value in fill.items():
        sql, message = sql.replace(key, value), message.replace(key, value)
    with pytest.raises(psycopg.Error) as info:
        admin.execute(sql)
    assert info.value.sqlstate == sqlstate
    assert message in str(info.value)
    assert "secret" not in str(info.value)
    assert _rows(admin) == []
    assert sorted(p.name for p in files.allowed.iterdir()) == before


def test_non_superusers_are_refused(files: Files, admin: psycopg.Connection) -> None:
    admin.execute(f"create user copier password '{USER_PASSWORD}'")
    admin.execute("grant all on sales to copier")
    (files.allowed / "ok.txt").write_text("1|a|1\n")
    dsn = files.server.dsn.replace("user=admin", "user=copier")
    with psycopg.connect(dsn.replace(ADMIN_PASSWORD, USER_PASSWORD), autocommit=True) as con:
        for sql, what in [
            (f"copy sales from '{files.allowed}/ok.txt'", "must be superuser to COPY from a file"),
            (f"unload ('select * from sales') to '{files.allowed}/user_'",
             "must be superuser to UNLOAD to a file"),
            (f"copy sales to '{files.allowed}/user.csv'", "must be superuser to COPY to a file"),
        ]:
            with pytest.raises(psycopg.Error) as info:
                con.execute(sql)
            assert info.value.sqlstate == "42501"
            assert str(info.value).startswith(what)
        # COPY with the client stays open to anyone with the privileges.
        with con.cursor().copy("copy sales from stdin") as copy:
            copy.write("5\tfive\t5\n")
    assert _rows(admin) == [(5, "five", "5.00")]
    assert not list(files.allowed.glob("user*"))
    admin.execute("drop user copier")


def test_turned_off_without_copy_directories(fresh_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    srv = fresh_server()
    (tmp_path / "x.txt").write_text("1\n")
    with psycopg.connect(srv.dsn, autocommit=True) as con:
        con.execute("create table t (a int)")
        for sql in (f"copy t from '{tmp_path}/x.txt'", f"unload ('select 1') to '{tmp_path}/u_'"):
            with pytest.raises(psycopg.Error) as info:
                con.execute(sql)
            assert info.value.sqlstate == "42501"
            assert "COPY and UNLOAD with files are turned off on this server" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("x", "u"))) == [
        "x.txt"
    ]


def test_a_superuser_demoted_mid_session_is_refused(
    files: Files, admin: psycopg.Connection
) -> None:
    admin.execute(f"create user boss password '{USER_PASSWORD}' createuser")
    (files.allowed / "boss.txt").write_text("8|eight|8\n")
    dsn = files.server.dsn.replace("user=admin", "user=boss")
    try:
        with psycopg.connect(dsn.replace(ADMIN_PASSWORD, USER_PASSWORD), autocommit=True) as con:
            con.execute(f"copy sales from '{files.allowed}/boss.txt'")
            admin.execute("alter user boss nocreateuser")
            with pytest.raises(psycopg.Error) as info:
                con.execute(f"copy sales from '{files.allowed}/boss.txt'")
            assert info.value.sqlstate == "42501"
    finally:
        admin.execute("drop user boss")
    assert _rows(admin) == [(8, "eight", "8.00")]
