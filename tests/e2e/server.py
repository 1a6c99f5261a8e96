"""A real Duckshift process for end-to-end tests: free ports, a temporary data dir."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ADMIN_PASSWORD = "Admin-pw-1"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Block until the server accepts connections on ``port`` (or fail if it died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"server did not listen on {port} within {timeout}s")


@dataclass
class RunningServer:
    """A started server process and how to reach it."""

    data_dir: Path
    port: int
    proc: subprocess.Popen[bytes]
    host: str = "127.0.0.1"
    user: str = "admin"
    password: str = ADMIN_PASSWORD
    database: str = "dev"
    ports: dict[str, int] = field(default_factory=dict)  # workgroup name -> port

    @property
    def dsn(self) -> str:
        """A libpq connection string (TLS off) for the admin user."""
        return (
            f"host={self.host} port={self.port} user={self.user} "
            f"password={self.password} dbname={self.database} sslmode=disable"
        )

    @property
    def cert(self) -> Path:
        """The self-signed certificate the server generated."""
        return self.data_dir / "tls" / "server.crt"

    def stop(self) -> int:
        """Stop the process (SIGTERM) and return its exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def start(
    data_dir: Path,
    *,
    args: list[str] | None = None,
    config: str | None = None,
    ports: dict[str, int] | None = None,
    demo: bool = False,
    env: dict[str, str] | None = None,
) -> RunningServer:
    """Start ``duckshift serve`` as a subprocess and wait until it listens.

    Without ``config`` the embedded default runs on a free port. With ``config`` (TOML text),
    ``ports`` names the workgroups' ports; the first one is the server's ``port``.
    """
    cmd = [sys.executable, "-m", "proxy", "serve", "--data-dir", str(data_dir)]
    if config is not None:
        path = data_dir.parent / f"{data_dir.name}.toml"
        path.write_text(config)
        cmd += ["--config", str(path)]
        assert ports, "give the workgroup ports of the config"
        port = next(iter(ports.values()))
    else:
        port = free_port()
        cmd += ["--port", str(port)]
    if demo:
        cmd.append("--demo")
        if config is None:
            ports = {"default": port, "consumer": free_port()}
            cmd += ["--demo-port", str(ports["consumer"])]
    cmd += args or []
    full_env = {**os.environ, "DUCKSHIFT_ADMIN_PASSWORD": ADMIN_PASSWORD, **(env or {})}
    log = open(data_dir.parent / f"{data_dir.name}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    for p in (ports or {"default": port}).values():
        wait_for_port(p, proc)
    return RunningServer(data_dir, port, proc, ports=dict(ports or {"default": port}))
