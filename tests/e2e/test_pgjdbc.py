"""pgjdbc (extended protocol, named statements and binary after prepareThreshold, fetch size).

Compiles tests/e2e/java/JdbcSmoke.java with javac and runs it against the shared server; the
program prints ``key=value`` lines that these tests check.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.server import RunningServer

HERE = Path(__file__).resolve().parent
JARS = [
    Path.home() / ".m2/repository/org/postgresql/postgresql/42.7.13/postgresql-42.7.13.jar",
    Path("/usr/share/java/postgresql.jar"),
]


def _jar() -> Path | None:
    return next((j for j in JARS if j.exists()), None)


@pytest.fixture(scope="module")
def classpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    java, javac, jar = shutil.which("java"), shutil.which("javac"), _jar()
    if not (java and javac):
        pytest.skip("java/javac not installed")
    if jar is None:
        pytest.skip("pgjdbc jar not found (" + ", ".join(str(j) for j in JARS) + ")")
    out = tmp_path_factory.mktemp("jdbc")
    subprocess.run(
        [javac, "-d", str(out), "-cp", str(jar), str(HERE / "java" / "JdbcSmoke.java")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return f"{out}{os.pathsep}{jar}"


def run_smoke(classpath: str, server: RunningServer, *mode: str) -> dict[str, str]:
    proc = subprocess.run(
        [
            "java",
            "-cp",
            classpath,
            "JdbcSmoke",
            server.host,
            str(server.port),
            server.user,
            server.password,
            server.database,
            *mode,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def plain(classpath: str, server: RunningServer) -> dict[str, str]:
    return run_smoke(classpath, server, "disable")


def check_common(out: dict[str, str]) -> None:
    assert out["connected"] == "true"
    assert out["sales"] == "172456"
    assert out["types"] == "1|2|3|1.5|12.34|x|2024-02-29|2024-01-02 03:04:05|t|null"
    assert out["ps_names"] == "MLB,NHL,NFL,NBA,MLS,Musicals,"
    assert out["ps_total"] == "21"
    assert out["ps_numeric_1"] == "2.25"
    assert out["ps_timestamp_1"] == "2024-01-02 03:04:05.0"
    assert out["ps_timestamp_6"] == "2024-01-02 03:04:05.0"
    assert out["paged_rows"] == "192497"
    assert out["paged_ordered"] == "true"
    assert out["error"] == "42P01"
    assert out["after_error"] == "42"


def test_sslmode_disable(plain: dict[str, str]) -> None:
    check_common(plain)


def test_sslmode_require(classpath: str, server: RunningServer) -> None:
    check_common(run_smoke(classpath, server, "require"))


def test_sslmode_verify_ca(classpath: str, server: RunningServer) -> None:
    check_common(run_smoke(classpath, server, "verify-ca", str(server.cert)))


def test_binary_numeric_after_threshold(plain: dict[str, str]) -> None:
    assert plain["ps_numeric_6"] == "2.25"
