"""PostgreSQL 15 for the benchmarks: Debian's binaries, a cached cluster, the same TPC-H data.

The cluster lives in ``bench/.data/pg`` and survives between runs; each run starts it on a free
loopback port and stops it again. As root, initdb and postgres run as the ``postgres`` user
(PostgreSQL refuses to run as root). The TPC-H database is loaded once per scale factor from
CSV exported by DuckDB, with the specification's primary keys and fresh statistics.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import tpch_data

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "postgres"
# Memory sized so SF1 (about 2.5 GB with indexes) mostly stays cached, as DuckDB's does.
# fsync is off because only reads are measured; it just speeds up the one-time load.
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    "max_connections": "200",
    "shared_buffers": "2GB",
    "effective_cache_size": "8GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
DUCKDB_TO_PG = {"BIGINT": "bigint", "INTEGER": "integer", "DATE": "date", "VARCHAR": "text"}


def ensure_installed() -> None:
    """Install postgresql-15 (server and psql) with apt-get when it is missing."""
    if (PG_BIN / "postgres").exists() and shutil.which("psql"):
        return
    if os.geteuid() != 0:
        raise SystemExit(
            f"PostgreSQL 15 not found in {PG_BIN}: install it (apt-get install postgresql-15)"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "postgresql-15"], check=True, env=env)


def _as_user() -> dict[str, Any]:
    """Popen keyword arguments that drop root to the postgres user (created if missing)."""
    if os.geteuid() != 0:
        return {}
    try:
        pw = pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", PG_USER], check=True)
        pw = pwd.getpwnam(PG_USER)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def _pg_type(duck_type: str) -> str:
    if duck_type.startswith("DECIMAL"):
        return duck_type.replace("DECIMAL", "numeric")
    return DUCKDB_TO_PG[duck_type]


class PostgresServer:
    """One PostgreSQL cluster directory, started on ``port`` until ``stop()``."""

    def __init__(self, pgdir: Path, port: int, log_path: Path) -> None:
        self.pgdir = pgdir
        self.port = port
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.user = PG_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    def dsn(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={dbname}"

    def _initdb(self) -> None:
        if (self.pgdir / "PG_VERSION").exists():
            return
        shutil.rmtree(self.pgdir, ignore_errors=True)
        self.pgdir.mkdir(parents=True)
        as_user = _as_user()
        if as_user:
            os.chown(self.pgdir, as_user["user"], as_user["group"])
        os.chmod(self.pgdir, 0o700)
        cmd = [str(PG_BIN / "initdb"), "-D", str(self.pgdir), "-U", self.user,
               "--auth=trust", "--encoding=UTF8", "--locale=C"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **as_user)

    def start(self, timeout: float = 120) -> None:
        self._initdb()
        cmd = [str(PG_BIN / "postgres"), "-D", str(self.pgdir), "-p", str(self.port)]
        for key, value in SETTINGS.items():
            cmd += ["-c", f"{key}={value}"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # Own session: Ctrl-C reaches only this script, which then stops the server itself.
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, **_as_user())
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}, "
                                   f"see {self.log_path}")
            try:
                psycopg.connect(self.dsn("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"postgres not ready after {timeout} s") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def load_tpch(self, main_file: Path, sf: float, csv_dir: Path) -> str:
        """Create the TPC-H database for ``sf`` unless done before; return its name."""
        dbname = "tpch_sf" + tpch_data.sf_tag(sf).replace(".", "_")
        marker = self.pgdir / f"bench-{dbname}.loaded"
        if marker.exists():
            return dbname
        print(f"loading TPC-H SF{tpch_data.sf_tag(sf)} into PostgreSQL ({dbname}) ...",
              flush=True)
        t0 = time.perf_counter()
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {dbname}")
            con.execute(f"CREATE DATABASE {dbname}")
        with psycopg.connect(self.dsn(dbname), autocommit=True) as con:
            for table in tpch_data.TABLES:
                cols = tpch_data.table_columns(main_file, table)
                ddl = ", ".join(f"{name} {_pg_type(typ)} NOT NULL" for name, typ in cols)
                con.execute(f"CREATE TABLE {table} ({ddl})")
                with tpch_data.csv_export(main_file, table, csv_dir) as path, \
                        con.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy, \
                        open(path, "rb") as f:
                    while block := f.read(1 << 20):
                        copy.write(block)
                # Keys after the load: one index build is much faster than row-by-row upkeep.
                pk = ", ".join(tpch_data.PRIMARY_KEYS[table])
                con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({pk})")
                print(f"  {table} loaded ({time.perf_counter() - t0:.0f} s)", flush=True)
            # VACUUM sets the visibility map (index-only scans), ANALYZE the planner statistics.
            con.execute("VACUUM (ANALYZE)")
        marker.write_text(f"TPC-H SF{tpch_data.sf_tag(sf)}\n")
        print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
        return dbname
