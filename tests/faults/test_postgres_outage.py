"""PostgreSQL stops: decisions and link opens go on from the loaded snapshot, writes answer
503 problem+json with ``Retry-After``, and nothing is half-written once it is back.

The test makes its own PostgreSQL cluster (``initdb`` in a temporary directory, a private
port) and stops it with ``pg_ctl stop -m fast`` while two replicas serve. The outage lasts
longer than the replicas' API-key cache (10 s), so the decisions at its end are authorised
from the last key read. Reports and appeals refused during the outage are sent again after
it: each is then stored once, with its audit entry, and the audit chain verifies.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bench.cluster import Cluster
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import AuditLog, KeyStore
from linkgate.storage.schema import AppealRow, AuditRow, ReportRow
from tests.faults.private_services import PrivatePostgres

OUTAGE_SECONDS = 12.0  # longer than the API-key cache
LINKS = (
    "https://item.taobao.com/item.htm?id=6543210987",
    "https://v.douyin.com/iJ8abc/",
    "https://www.bilibili.com/video/BV1xx411c7mD",
    "https://example.top/page",
)
BLOCKED = "https://item.jd.com/100012043978.html"


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    private = PrivatePostgres()
    try:
        private.start()
        upgrade(private.url)
        yield private
    finally:
        private.remove()


def report(client: httpx.Client, url: str, n: int, headers: dict[str, str]) -> httpx.Response:
    link = f"https://r{n}.outage-shop.top/item/{n}"
    body = {"url": link, "category": "fraud", "reporter": f"u{n}"}
    return client.post(f"{url}/v1/reports", json=body, headers=headers)


def assert_store_problem(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["type"] == "/problems/store-unavailable" and body["status"] == 503


def test_decisions_go_on_and_writes_wait_while_postgres_is_down(
    postgres: PrivatePostgres,
) -> None:
    database = postgres.url
    store = KeyStore(make_engine(database))
    keys = {role: store.create(role)[1] for role in ("integrator", "operator")}
    keys["platform"] = store.create("platform", "jd")[1]
    auth = {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}
    env = {"LINKGATE_RELOAD_POLL_SECONDS": "0.5"}
    with Cluster(database=database, replicas=2, env=env) as cluster, httpx.Client(timeout=10) as c:
        urls = cluster.urls
        acknowledged: dict[str, int] = {}
        for n in range(4):
            answer = report(c, urls[n % 2], n, auth["integrator"])
            assert answer.status_code == 201, answer.text
            acknowledged[answer.json()["report_id"]] = n
        block = c.post(
            f"{urls[0]}/v1/blocks",
            json={"scope": "url", "target": BLOCKED, "treatment": "copy_only", "note": "test"},
            headers=auth["operator"],
        )
        assert block.status_code == 201, block.text
        appeal = {"target": block.json()["id"], "reason": "this page is ours and clean"}
        assert c.get(f"{urls[1]}/v1/appeals", headers=auth["platform"]).status_code == 200
        shims: list[str] = []
        before: dict[str, str] = {}
        for n, link in enumerate(LINKS):
            decided = c.post(
                f"{urls[n % 2]}/v1/decisions",
                json={"url": link, "channel": "private_chat"},
                headers=auth["integrator"],
            )
            assert decided.status_code == 200, decided.text
            before[link] = decided.json()["treatment"]
            if decided.json()["shim_url"]:
                shims.append(decided.json()["shim_url"].split("/l/", 1)[1])

        postgres.stop()
        refused: list[int] = []
        failures: list[tuple[int, str]] = []
        readiness: list[dict[str, Any]] = []
        started, n = time.monotonic(), 0
        while time.monotonic() - started < OUTAGE_SECONDS:
            url, link = urls[n % 2], LINKS[n % len(LINKS)]
            body = {"url": link, "channel": "private_chat", "sender": f"s{n}", "recipient": f"r{n}"}
            decided = c.post(f"{url}/v1/decisions", json=body, headers=auth["integrator"])
            if decided.status_code != 200 or decided.json()["treatment"] != before[link]:
                failures.append((decided.status_code, decided.text[:200]))
            opened = c.get(f"{url}/l/{shims[n % len(shims)]}", follow_redirects=False)
            if opened.status_code not in (200, 302):
                failures.append((opened.status_code, opened.text[:200]))
            if n % 8 == 0:
                answer = report(c, url, 100 + n, auth["integrator"])
                assert_store_problem(answer)
                refused.append(100 + n)
                assert_store_problem(
                    c.post(f"{urls[1]}/v1/appeals", json=appeal, headers=auth["platform"])
                )
                readiness.append(c.get(f"{url}/readyz").json())
            n += 1
            time.sleep(0.1)
        assert not failures, failures[:5]
        assert n > 40 and refused
        assert all(r["status"] == "degraded" and "store" in r["degraded"] for r in readiness)

        postgres.start()
        deadline = time.monotonic() + 20
        while not all(c.get(f"{u}/readyz").json()["status"] == "ready" for u in urls):
            assert time.monotonic() < deadline, "replicas never saw the store again"
            time.sleep(0.2)
        for n in refused:  # the refused writes, sent again
            answer = report(c, urls[n % 2], n, auth["integrator"])
            assert answer.status_code == 201, answer.text
            acknowledged[answer.json()["report_id"]] = n
        filed = c.post(f"{urls[1]}/v1/appeals", json=appeal, headers=auth["platform"])
        assert filed.status_code == 201, filed.text

    engine = make_engine(database)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(ReportRow.id, ReportRow.input)).all()
            audited = conn.execute(
                select(func.count()).select_from(AuditRow).where(AuditRow.action == "report.file")
            ).scalar_one()
            appeals = conn.execute(select(func.count()).select_from(AppealRow)).scalar_one()
        assert {r.id for r in rows} == set(acknowledged)
        assert len({r.input for r in rows}) == len(rows) == len(acknowledged)
        assert audited == len(rows)  # every report with its audit entry, no more
        assert appeals == 1
        assert AuditLog(engine).verify() == []
    finally:
        engine.dispose()
