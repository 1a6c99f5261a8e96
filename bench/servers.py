"""Duckshift server process for the benchmarks, plus port and memory helpers.

Duckshift serves ``<data-dir>/namespaces/<namespace>/<database>.duckdb``; the benchmark puts a
fresh copy of the TPC-H file at ``namespaces/default/dev.duckdb`` for every run, so whatever the
server writes never leaks into the cached data or into the next run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

NAMESPACE = "default"
DATABASE = "dev"
ADMIN_USER = "admin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening, see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port} after {timeout} s") from None
            time.sleep(0.2)


def _tree_rss_bytes(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants, in bytes (0 once the process is gone)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class RssSampler:
    """Peak resident memory of a process tree, sampled every ``interval`` s while active."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class DuckshiftServer:
    """``duckshift serve`` on a fresh copy of a TPC-H DuckDB file (tables in ``public``)."""

    def __init__(self, exe: Path, data_dir: Path, port: int, password: str, log_path: Path):
        self.exe = exe
        self.data_dir = data_dir
        self.port = port
        self.password = password
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, tpch_public_file: Path, timeout: float = 120) -> None:
        if not self.exe.exists():
            raise SystemExit(f"{self.exe} not found: install the project (pip install -e .)")
        shutil.rmtree(self.data_dir, ignore_errors=True)
        db_dir = self.data_dir / "namespaces" / NAMESPACE
        db_dir.mkdir(parents=True)
        shutil.copyfile(tpch_public_file, db_dir / f"{DATABASE}.duckdb")
        cmd = [str(self.exe), "serve", "--data-dir", str(self.data_dir), "--port", str(self.port)]
        env = dict(os.environ, DUCKSHIFT_ADMIN_PASSWORD=self.password)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # Own session: Ctrl-C reaches only this script, which then stops the server itself.
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        wait_for_port(self.port, self.proc, timeout, self.log_path)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # The whole process group, in case the server runs helper processes.
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
