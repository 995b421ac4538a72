"""Real ``linkgate serve`` processes on loopback for multi-replica tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SECRET_KEYS = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY;active=k1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(
    home: Path, database: str, *, redis: str | None = None, env: dict[str, str] | None = None
) -> Server:
    port = free_port()
    log = home / f"server-{port}.log"
    environ = {
        **os.environ,
        "LINKGATE_HOME": str(home),
        "LINKGATE_SECRET_KEYS": SECRET_KEYS,
        "LINKGATE_PSEUDONYM_KEY": "replica-test",
        "LINKGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "linkgate",
        "serve",
        "--port",
        str(port),
        "--database",
        database,
    ]
    if redis:
        command += ["--redis", redis]
    process = subprocess.Popen(
        command, env=environ, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"server did not become ready: {log.read_text(errors='replace')[-2000:]}")


@contextmanager
def servers(home: Path, database: str, count: int, **kwargs: object) -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        for _ in range(count):
            started.append(start_server(home, database, **kwargs))  # type: ignore[arg-type]
        yield started
    finally:
        for server in started:
            server.stop()
