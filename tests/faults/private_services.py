"""Services of a test's own, on free loopback ports, that the test may stop and start again.

Fault tests never stop the shared PostgreSQL or Redis: they start their own
``redis-server`` (:class:`PrivateRedis`) or PostgreSQL cluster (:class:`PrivatePostgres`,
made with ``initdb`` in a temporary directory and run with ``pg_ctl``; as the ``postgres``
user when the tests run as root, since PostgreSQL refuses to run as root). When one cannot
be created the test is skipped with the reason, or fails under ``LINKGATE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
import redis

from bench.cluster import free_port
from tests.services import services_required


def unavailable(message: str) -> NoReturn:
    if services_required():
        pytest.fail(f"{message} (LINKGATE_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


class PrivateRedis:
    """A Redis server of the test's own, on a free loopback port, that it can stop."""

    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.tmp = tmp
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.RedisError:
                assert time.monotonic() < deadline, "private redis did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own in a temporary directory, trust auth, loopback."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = found[-1] if found else shutil.which("initdb")
        if initdb is None:
            unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bin = Path(initdb).parent
        self.user: str | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="linkgate-pg-"))
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.dir, ignore_errors=True)
                unavailable("running as root and there is no 'postgres' user to run initdb as")
            self.user = "postgres"
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = self.dir / "data"
        self.port = free_port()
        self.running = False
        done = self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        if done.returncode != 0:
            self.remove()
            unavailable(f"initdb failed: {done.stderr.strip().splitlines()[-1:]}")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / tool), *args],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.dir,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "30",
            "-o", options, "start",
        )  # fmt: skip
        if done.returncode != 0:
            log = (self.dir / "log").read_text(errors="replace")[-1000:]
            raise RuntimeError(f"private PostgreSQL did not start: {done.stderr} {log}")
        self.running = True
        deadline = time.monotonic() + 15
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.Error:
                assert time.monotonic() < deadline, "private PostgreSQL does not answer"
                time.sleep(0.1)

    def stop(self) -> None:
        """A fast shutdown: open sessions are ended, committed work is kept."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.running = False

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
