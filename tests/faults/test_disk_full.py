"""The SQLite store's disk fills up: writes answer 507 problem+json, decisions go on, and the
database is intact with every acknowledged report once space is back.

The database lives on a tmpfs of its own, a few megabytes big (mounting one needs root; the
test is skipped with the reason elsewhere). A file is written beside the database until the
disk is full; reports are then filed until one is refused (SQLite may still take a few into
pages it holds already). The refusal must be ``store-full`` (507) with ``Retry-After``, never
a 500. After the file is removed the refused report is accepted, and after the server stops
the database passes ``PRAGMA integrity_check`` and holds each acknowledged report once.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.cluster import Cluster
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import AuditLog, KeyStore

DISK = "8m"
MAX_ATTEMPTS = 3000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def fill(directory: Path) -> Path:
    """Write ``directory/filler`` until the disk has no byte left."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (1 << 20, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return filler


def test_a_full_disk_refuses_writes_cleanly_and_loses_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    path = small_disk / "linkgate.sqlite"
    database = f"sqlite:///{path}"
    upgrade(database)
    engine = make_engine(database)
    key = KeyStore(engine).create("integrator")[1]
    engine.dispose()
    headers = {"Authorization": f"Bearer {key}"}
    acknowledged: dict[str, str] = {}

    def report(client: httpx.Client, n: int) -> httpx.Response:
        link = f"https://r{n}.full-disk-shop.top/item/{n}"
        answer = client.post(
            "/v1/reports", json={"url": link, "category": "fraud", "reporter": f"u{n}"}
        )
        if answer.status_code in (200, 201):
            acknowledged[answer.json()["report_id"]] = link
        return answer

    with (
        Cluster(database=database, replicas=1, home=tmp_path / "home") as cluster,
        httpx.Client(base_url=cluster.urls[0], headers=headers, timeout=10) as client,
    ):
        for n in range(5):
            assert report(client, n).status_code == 201
        filler = fill(small_disk)
        refused: httpx.Response | None = None
        n = 5
        while refused is None and n < MAX_ATTEMPTS:
            answer = report(client, n)
            if answer.status_code != 201:
                refused = answer
            else:
                n += 1
        assert refused is not None, f"{MAX_ATTEMPTS} reports fitted on a full disk"
        assert refused.status_code == 507, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["type"] == "/problems/store-full"
        decided = client.post(
            "/v1/decisions",
            json={"url": "https://item.jd.com/100012043978.html", "channel": "private_chat"},
        )
        assert decided.status_code == 200, decided.text

        filler.unlink()
        again = report(client, n)
        assert again.status_code == 201, again.text

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT id, input FROM reports").fetchall()
    assert dict(rows) == acknowledged
    engine = make_engine(database)
    try:
        assert AuditLog(engine).verify() == []
    finally:
        engine.dispose()
