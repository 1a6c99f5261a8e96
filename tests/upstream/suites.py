"""Drivers' own test suites, from their PyPI sdists, run against a Duckshift server.

A suite is the ``tests/`` folder of the sdist of the driver version installed in the venv. It is
downloaded once with pip into ``.upstream/`` (git-ignored), so reruns need no network. Each
suite runs in a pytest subprocess with a junit report; its outcomes are compared with the
committed blocklist ``tests/upstream/<suite>.toml`` of tests expected to fail, each with a reason.

``python -m tests.upstream.suites`` downloads and unpacks every suite (``./dev test`` runs it
before the tests, so the network is needed in setup only).

psycopg has no suite here: none of its PyPI artifacts (the ``psycopg``, ``psycopg-c`` and
``psycopg-pool`` sdists; ``psycopg-binary`` has wheels only) ships psycopg's tests, which live
at the top of its repository, outside the packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".upstream"
BLOCKLISTS = Path(__file__).resolve().parent
PLUGINS = BLOCKLISTS / "plugin"

# The outcome of one upstream test, aggregated over its subtests.
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class Blocklist:
    """A suite's committed expectations: what to run and which tests fail, and why."""

    modules: tuple[str, ...]
    timeout_per_test: int  # seconds one test may take before the run is ended
    suite_timeout: int  # seconds the whole run may take
    deselected: dict[str, str]  # test id -> reason it is not run at all
    expected_failures: dict[str, str]  # test id -> reason it fails
    flaky: dict[str, str]  # test id -> why either outcome is accepted


def load_blocklist(suite: str) -> Blocklist:
    """Read ``tests/upstream/<suite>.toml``.

    Its ``[[deselect]]``, ``[[fail]]`` and ``[[flaky]]`` tables each hold one ``reason`` and the
    ``tests`` (pytest node ids relative to the suite) that share it.
    """
    raw = tomllib.loads((BLOCKLISTS / f"{suite}.toml").read_text())
    seen: set[str] = set()

    def by_test(kind: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for group in raw.get(kind, []):
            for test in group["tests"]:
                if test in seen:
                    raise ValueError(f"{suite}.toml: {test} is listed twice")
                seen.add(test)
                out[test] = group["reason"]
        return out

    return Blocklist(
        modules=tuple(raw["modules"]),
        timeout_per_test=int(raw["timeout_per_test"]),
        suite_timeout=int(raw["suite_timeout"]),
        deselected=by_test("deselect"),
        expected_failures=by_test("fail"),
        flaky=by_test("flaky"),
    )


def suite_dir(package: str) -> Path:
    """The unpacked ``tests/`` of the installed ``package``'s sdist, downloaded if not cached.

    Only ``tests/`` is unpacked, beside no copy of the package, so the tests import the
    installed (compiled) driver.
    """
    ver = version(package)
    root = CACHE / f"{package}-{ver}"
    if (root / "tests").is_dir():
        return root
    sdist = CACHE / "sdist" / f"{package}-{ver}.tar.gz"
    if not sdist.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", "--disable-pip-version-check",
             f"{package}=={ver}", "-d", str(sdist.parent)],
            check=True,
            stdin=subprocess.DEVNULL,
        )
    prefix = f"{package}-{ver}/tests/"
    staging = CACHE / f".partial-{package}-{ver}"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix)]
        if not members:
            raise RuntimeError(f"{sdist.name} has no tests/")
        tar.extractall(staging, members=members, filter="data")
    # Unpacked aside and renamed whole, so a half-unpacked suite is never taken for a cached one.
    (staging / f"{package}-{ver}").rename(root)
    staging.rmdir()
    return root


def run_suite(
    root: Path, blocklist: Blocklist, env: dict[str, str], junit: Path, log: Path
) -> None:
    """Run the selected modules of a suite with pytest, writing a junit report and a log.

    A test that hangs past the blocklist's ``timeout_per_test`` ends the whole run (the
    ``hang_guard`` plugin beside this module), as does the run passing ``suite_timeout``; then
    there is no report, and the log's tail names the test. The venv's pytest-asyncio and
    hypothesis plugins are kept out: the upstream tests drive their own event loops.
    """
    cmd = [
        sys.executable, "-m", "pytest", *blocklist.modules,
        "-v", "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:hypothesispytest",
        "-p", "hang_guard", "--hang-timeout", str(blocklist.timeout_per_test),
        "-p", "no:faulthandler", "--tb=line", f"--junitxml={junit}",
        # No configuration file: pytest would otherwise find the project's pyproject.toml
        # above the suite and run it with the project's settings.
        "-c", os.devnull, "--rootdir", str(root),
    ]
    for test in blocklist.deselected:
        cmd += ["--deselect", test]
    # Only the plugin's folder: the project's own ``tests`` package would shadow the suite's.
    env = {**env, "PYTHONPATH": str(PLUGINS)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            proc.wait(blocklist.suite_timeout)
        except subprocess.TimeoutExpired:
            # Killed before pytest writes the report at its end: the caller finds none.
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class Outcome:
    """One upstream test's result and, if it failed, the first line of why."""

    result: str  # PASSED, FAILED or SKIPPED
    message: str = ""


def outcomes(root: Path, junit: Path) -> dict[str, Outcome]:
    """Each test's outcome from a junit report, by pytest node id relative to ``root``.

    A test with subtests appears once more per failing subtest; any failure or error fails it.
    """
    result: dict[str, Outcome] = {}
    for case in ET.parse(junit).iter("testcase"):
        classname = case.get("classname", "")
        module, _, cls = classname.rpartition(".")
        if (root / (classname.replace(".", "/") + ".py")).exists():
            test = f"{classname.replace('.', '/')}.py::{case.get('name')}"
        else:
            test = f"{module.replace('.', '/')}.py::{cls}::{case.get('name')}"
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None:
            message = failure.get("message", "").strip().splitlines()
            result[test] = Outcome(FAILED, message[0] if message else "")
        elif test not in result:
            result[test] = Outcome(SKIPPED if case.find("skipped") is not None else PASSED)
    return result


def main() -> None:
    """Download and unpack every suite (the setup step of ``./dev test``)."""
    for package in ("asyncpg",):
        print(f"upstream suite: {suite_dir(package)}")


if __name__ == "__main__":
    main()
