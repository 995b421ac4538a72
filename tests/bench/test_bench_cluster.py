"""``python -m bench.cluster`` starts replicas, prints their URLs once ready, and stops every
one of them (by PID) when it is told to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_cluster_prints_ready_replicas_and_stops_them(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cluster.sqlite'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.cluster", "--replicas", "2", "--database", database],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(2)]
        replicas = [
            (url, int(pid.removeprefix("pid="))) for url, pid in (ln.split() for ln in lines)
        ]
        assert len({url for url, _ in replicas}) == 2
        for url, _ in replicas:
            assert httpx.get(f"{url}/readyz", timeout=5).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert all(gone(pid) for _, pid in replicas)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_cluster_refuses_bad_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.cluster", "--replicas", "0", "--database", "sqlite://"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--replicas must be between 1 and 64" in done.stderr
