"""A throwaway PostgreSQL 15 cluster for tests that compare Duckshift with PostgreSQL.

initdb in a temporary directory, a free port, trust authentication, the C locale. When it cannot
be started (binaries missing, running as root without a postgres user, no permission) the
calling test is skipped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.e2e.server import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class Postgres:
    """A throwaway PostgreSQL 15 cluster."""

    dsn: str
    proc: subprocess.Popen[bytes]
    pgdir: Path

    def stop(self) -> None:
        """Stop the server (a fast shutdown) and remove its directory."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.pgdir, ignore_errors=True)


def start_postgres() -> Postgres:
    """Start a throwaway cluster and return it once it accepts connections; skip the test
    when PostgreSQL 15 is missing or cannot start (the caller stops it)."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 is not installed")
    as_user: dict[str, Any] = {}
    user = pwd.getpwuid(os.geteuid()).pw_name
    pgdir = Path(tempfile.mkdtemp(prefix="duckshift-pg-"))
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the postgres user when there is one.
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(pgdir, ignore_errors=True)
            pytest.skip("running as root without a postgres user to run PostgreSQL as")
        os.chown(pgdir, pw.pw_uid, pw.pw_gid)
        as_user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        user = "postgres"
    data = pgdir / "data"
    try:
        subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", user, "--auth=trust",
             "--encoding=UTF8", "--locale=C"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **as_user)
    except (OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(pgdir, ignore_errors=True)
        pytest.skip(f"initdb failed: {exc}")
    port = free_port()
    proc = subprocess.Popen(
        [str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
         "-c", "fsync=off"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, **as_user)
    pg = Postgres(f"host=127.0.0.1 port={port} user={user} dbname=postgres", proc, pgdir)
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pg.stop()
            pytest.skip("PostgreSQL exited on start-up")
        try:
            psycopg.connect(pg.dsn, connect_timeout=2).close()
            return pg
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                pg.stop()
                pytest.skip("PostgreSQL did not accept connections")
            time.sleep(0.2)
