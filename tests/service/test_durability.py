"""A server killed with SIGKILL while reports stream in loses no acknowledged report.

Every report answered 201 is present exactly once after a restart, on a
SQLite file and on PostgreSQL; retrying every request that was in flight
(or never answered) stores nothing twice; the audit chain still verifies.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import AuditLog, KeyStore
from linkgate.storage.schema import ReportRow
from tests.service.servers import start_server
from tests.services import postgres_database, postgres_url_or_skip

STREAMERS = 4
KILL_AFTER = 120  # acknowledged reports before the kill


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'durable.sqlite'}"
        upgrade(url)
        yield url
        return
    with postgres_database(postgres_url_or_skip(), prefix="linkgate_durable") as url:
        upgrade(url)
        yield url


def _payload(worker: int, i: int) -> dict[str, str]:
    return {
        "url": f"https://w{worker}.example-shop.top/item/{i}",
        "category": "marketing",
        "reporter": f"user-{worker}-{i}",
    }


def test_acknowledged_reports_survive_sigkill_exactly_once(database: str, tmp_path: Path) -> None:
    engine = make_engine(database)
    key = KeyStore(engine).create("integrator")[1]
    headers = {"Authorization": f"Bearer {key}"}
    server = start_server(tmp_path, database)
    acknowledged: dict[tuple[int, int], str] = {}
    attempted: list[tuple[int, int]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def stream(worker: int) -> None:
        with httpx.Client(base_url=server.url, headers=headers, timeout=5) as client:
            i = 0
            while not stop.is_set():
                with lock:
                    attempted.append((worker, i))
                try:
                    response = client.post("/v1/reports", json=_payload(worker, i))
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 201:
                    with lock:
                        acknowledged[(worker, i)] = response.json()["report_id"]
                i += 1

    threads = [threading.Thread(target=stream, args=(w,)) for w in range(STREAMERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.01)
    server.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acknowledged) >= KILL_AFTER, server.log.read_text(errors="replace")[-2000:]

    restarted = start_server(tmp_path, database)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(ReportRow.id)).scalars().all()
        stored = set(rows)
        assert len(rows) == len(stored)
        missing = {k: v for k, v in acknowledged.items() if v not in stored}
        assert not missing, f"{len(missing)} acknowledged reports lost"
        assert len(rows) <= len(attempted)

        # The client retries everything it sent: nothing is stored twice.
        with httpx.Client(base_url=restarted.url, headers=headers, timeout=5) as client:
            for worker, i in attempted:
                response = client.post("/v1/reports", json=_payload(worker, i))
                assert response.status_code in (200, 201), response.text
                if (worker, i) in acknowledged:
                    assert response.status_code == 200
                    assert response.json()["report_id"] == acknowledged[(worker, i)]
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(ReportRow)).scalar_one()
        assert total == len(attempted)
        assert AuditLog(engine).verify() == []
    finally:
        restarted.stop()
        engine.dispose()
