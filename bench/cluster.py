"""N ``linkgate serve`` replicas on one machine, on loopback, sharing one store and one Redis.

Run ``python -m bench.cluster --replicas 2 --database postgresql://... [--redis redis://...]``
(or ``scripts/cluster`` with the same options). It

1. migrates the store once (``linkgate db upgrade``), so the replicas start on a current schema
   instead of racing to migrate it;
2. starts N ``python -m linkgate serve`` processes on consecutive ports from ``--port`` (or free
   ports), each with its own ``LINKGATE_HOME`` under ``--home`` (or a temporary directory) and
   the same ``LINKGATE_SECRET_KEYS`` and ``LINKGATE_PSEUDONYM_KEY`` (taken from the environment,
   or generated once for the whole cluster), as replicas must share them;
3. waits until every replica's ``/readyz`` answers 200, then prints their URLs, one a line;
4. on Ctrl-C, SIGTERM, or when a replica exits, stops every replica it started by its PID
   (SIGTERM, then SIGKILL after ``--grace`` seconds) and exits.

:class:`Cluster` is the same thing as a context manager, for the load benchmark and the
fault tests; :meth:`Cluster.kill` sends one replica a signal (SIGKILL by default).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

HOST = "127.0.0.1"
READY_TIMEOUT = 60.0
DEFAULT_GRACE = 10.0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cluster_keys() -> dict[str, str]:
    """Signing and pseudonym keys for every replica: from the environment, else new ones."""
    secret = os.environ.get("LINKGATE_SECRET_KEYS") or (
        "c1:"
        + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        + ";active=c1"
    )
    pseudonym = os.environ.get("LINKGATE_PSEUDONYM_KEY") or secrets.token_urlsafe(32)
    return {"LINKGATE_SECRET_KEYS": secret, "LINKGATE_PSEUDONYM_KEY": pseudonym}


def ready(url: str, timeout: float = 1.0) -> bool:
    """Whether ``url/readyz`` answers 200 (ready, or degraded but deciding)."""
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=timeout) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Replica:
    """One ``linkgate serve`` process of the cluster."""

    index: int
    port: int
    home: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> Path:
        return self.home / "serve.log"

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, chars: int = 2000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, grace: float = DEFAULT_GRACE) -> None:
        """SIGTERM, then SIGKILL when it has not exited after ``grace`` seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=grace)


@dataclass
class Cluster:
    """N replicas on loopback over one store (and one Redis); a context manager."""

    database: str
    replicas: int = 2
    redis: str | None = None
    port: int | None = None
    home: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    grace: float = DEFAULT_GRACE
    started: list[Replica] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    _own_home: bool = False

    @property
    def urls(self) -> list[str]:
        return [r.url for r in self.started]

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self.replicas < 1:
            raise ValueError("a cluster has at least one replica")
        if self.home is None:
            self.home = Path(tempfile.mkdtemp(prefix="linkgate-cluster-"))
            self._own_home = True
        self.keys = cluster_keys()
        self._upgrade()
        try:
            for index in range(self.replicas):
                port = self.port + index if self.port else free_port()
                self.started.append(self._spawn(index, port))
            for replica in self.started:
                self._wait_ready(replica)
        except BaseException:
            self.stop()
            raise

    def _environment(self, home: Path, port: int) -> dict[str, str]:
        return {
            **os.environ,
            **self.keys,
            "LINKGATE_HOME": str(home),
            "LINKGATE_PUBLIC_URL": f"http://{HOST}:{port}",
            **self.env,
        }

    def _upgrade(self) -> None:
        command = [sys.executable, "-m", "linkgate", "db", "upgrade", "--database", self.database]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"could not migrate the store: {done.stderr.strip()[-2000:]}")

    def _spawn(self, index: int, port: int) -> Replica:
        assert self.home is not None
        home = self.home / f"replica-{index}"
        home.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "linkgate",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--database",
            self.database,
        ]
        if self.redis:
            command += ["--redis", self.redis]
        with (home / "serve.log").open("wb") as log:
            process = subprocess.Popen(
                command,
                env=self._environment(home, port),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return Replica(index, port, home, process)

    def _wait_ready(self, replica: Replica, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not replica.alive():
                raise RuntimeError(f"replica {replica.index} exited: {replica.tail()}")
            if ready(replica.url):
                return
            time.sleep(0.1)
        raise RuntimeError(f"replica {replica.index} was not ready in {timeout:.0f}s")

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Send replica ``index`` ``sig`` (by its PID) and reap it."""
        replica = self.started[index]
        if replica.alive():
            os.kill(replica.pid, sig)
            replica.process.wait(timeout=self.grace)

    def restart(self, index: int) -> Replica:
        """Start replica ``index`` again on its port (after :meth:`kill`) and wait until ready."""
        old = self.started[index]
        if old.alive():
            old.stop(self.grace)
        replica = self._spawn(index, old.port)
        self.started[index] = replica
        self._wait_ready(replica)
        return replica

    def stop(self) -> None:
        """Stop every replica this cluster started (by PID); remove its own temporary home."""
        for replica in self.started:
            replica.stop(self.grace)
        if self._own_home and self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self._own_home = False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cluster",
        description="Start N linkgate serve replicas on 127.0.0.1 over one store and Redis; "
        "stop them on Ctrl-C.",
    )
    parser.add_argument("--replicas", type=int, default=2, help="how many (default 2)")
    parser.add_argument(
        "--database",
        default=os.environ.get("LINKGATE_DATABASE_URL"),
        help="store URL (default: LINKGATE_DATABASE_URL); postgresql://... for several replicas",
    )
    parser.add_argument(
        "--redis", default=os.environ.get("LINKGATE_REDIS_URL"), help="Redis URL (optional)"
    )
    parser.add_argument("--port", type=int, default=None, help="first port (default: free ones)")
    parser.add_argument("--home", default=None, help="data directories (default: a temporary one)")
    parser.add_argument("--grace", type=float, default=DEFAULT_GRACE, help="seconds to stop")
    args = parser.parse_args(argv)
    if not args.database:
        parser.error("--database (or LINKGATE_DATABASE_URL) is required")
    if not 1 <= args.replicas <= 64:
        parser.error("--replicas must be between 1 and 64")
    if args.port is not None and not 0 < args.port <= 65535 - args.replicas:
        parser.error("--port must leave room for every replica below 65536")

    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    cluster = Cluster(
        database=args.database,
        replicas=args.replicas,
        redis=args.redis,
        port=args.port,
        home=Path(args.home) if args.home else None,
        grace=args.grace,
    )
    try:
        cluster.start()
    except RuntimeError as exc:
        print(f"cluster: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    try:
        for replica in cluster.started:
            print(f"{replica.url} pid={replica.pid}", flush=True)
        print(f"{len(cluster.started)} replicas ready; Ctrl-C stops them", file=sys.stderr)
        while not stopping:
            gone = [r for r in cluster.started if not r.alive()]
            if gone:
                print(f"cluster: replica {gone[0].index} exited; stopping", file=sys.stderr)
                return 1
            time.sleep(0.2)
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
