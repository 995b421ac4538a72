"""One of two replicas is killed with SIGKILL under load: clients retry on the other, and no
acknowledged report is lost or stored twice.

``bench.load`` drives the day's mix at both replicas of a :class:`bench.cluster.Cluster`
(a fresh PostgreSQL database, the shared Redis); two seconds in, replica 1 is killed. Every
request that was in flight on it, or sent to it afterwards, fails in transport and is sent
again to replica 0; every request ends answered. Afterwards the killed replica starts again
on its port and serves, and the audit chain still verifies.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from bench import load
from bench.cluster import Cluster
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import AuditLog
from tests.services import postgres_database, postgres_url_or_skip, redis_url_or_skip

RATE = 80
DURATION = 6.0
KILL_AT = 2.0


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_database(postgres_url_or_skip(), prefix="linkgate_kill") as url:
        upgrade(url)
        yield url


def test_sigkill_of_one_replica_loses_no_acknowledged_report(database: str) -> None:
    redis = redis_url_or_skip()
    plan = load.Plan(database=database, rates=[RATE], duration=DURATION, retries=2, timeout=5)
    with Cluster(database=database, replicas=2, redis=redis) as cluster:
        key = load.create_key(database)
        opens = asyncio.run(load.shim_paths(cluster.urls, key, 40, plan.seed))
        killed_at: list[float] = []

        def kill_one() -> None:
            time.sleep(KILL_AT)
            cluster.kill(1, signal.SIGKILL)
            killed_at.append(time.monotonic())

        result = load.run_rate(plan, cluster.urls, key, RATE, opens, during=kill_one)
        assert killed_at and not cluster.started[1].alive()

        assert result.errors == 0, result.error_causes
        assert result.answered == result.sent == int(RATE * DURATION)
        assert result.retries > 0  # requests did reach the dead replica and went elsewhere
        assert result.by_kind["report"]["count"] > 0
        reports = result.reports
        assert reports["stored_once"], reports
        assert reports["missing"] == 0 and reports["duplicated"] == 0
        assert reports["acknowledged"] == result.by_kind["report"]["count"]

        revived = cluster.restart(1)
        response = httpx.post(
            f"{revived.url}/v1/decisions",
            json={"url": "https://item.jd.com/100012043978.html", "channel": "private_chat"},
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
    engine = make_engine(database)
    try:
        assert AuditLog(engine).verify() == []
    finally:
        engine.dispose()
