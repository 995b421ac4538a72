"""Link analytics over HTTP, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api, make_api
from tests.services import postgres_database, postgres_url_or_skip

JD = "https://item.jd.com/100012043978.html"
TAOBAO = "https://item.taobao.com/item.htm?id=1"
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)


@pytest.fixture(params=["sqlite", "postgresql"])
def api_on(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    """The API over a SQLite file or a fresh PostgreSQL database (platform key: ``jd``)."""
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    if request.param == "sqlite":
        yield from make_api(tmp_path)
        return
    with postgres_database(postgres_url_or_skip()) as url:
        yield from make_api(tmp_path, database_url=url)


def event(
    kind: str,
    at: datetime,
    *,
    platform: str = "jd",
    channel: str = "private_chat",
    treatment: str = "plain_page",
    interstitial: str = "warn",
) -> dict[str, Any]:
    return {
        "decision_id": f"d-{kind}-{at.timestamp()}",
        "decided_at": at,
        "kind": kind,
        "url": JD if platform == "jd" else TAOBAO,
        "platform": platform,
        "domain": "jd.com" if platform == "jd" else "taobao.com",
        "link_kind": "commerce",
        "channel": channel,
        "treatment": treatment,
        "interstitial": interstitial,
        "policy_revision": "r1",
        "sender_hash": "sender-secret-hash",
        "viewer_hash": "viewer-secret-hash",
        "group_hash": "group-secret-hash",
    }


def seed(api: Api) -> None:
    """Known traffic over two days: JD in chats and groups, Taobao beside it."""
    d1, d2 = DAY + timedelta(hours=10), DAY + timedelta(days=1, hours=9)
    rows = [
        *(event("share", d1) for _ in range(4)),
        *(event("open", d1) for _ in range(4)),
        *(event("continue", d1) for _ in range(3)),
        *(event("share", d2, channel="group_chat", interstitial="none") for _ in range(2)),
        event("open", d2, channel="group_chat", interstitial="none"),
        event("open", d2, channel="group_chat", treatment="copy_only", interstitial="copy_only"),
        event("preview", d2),
        *(event("share", d1, platform="alibaba") for _ in range(7)),
        event("open", DAY - timedelta(days=40)),
    ]
    assert api.runtime.stores.events.add_many(rows) == len(rows)
    for reporter, channel in (("r1", "private_chat"), ("r2", None)):
        filed = api.client.post(
            "/v1/reports",
            json={"url": JD, "category": "marketing", "reporter": reporter, "channel": channel},
            headers=api.headers("integrator"),
        )
        assert filed.status_code == 201, filed.text


def analytics(api: Api, role: str = "platform", platform: str = "jd", **query: str) -> Any:
    return api.client.get(
        f"/v1/platforms/{platform}/analytics", params=query, headers=api.headers(role)
    )


def window() -> dict[str, str]:
    return {
        "from": DAY.date().isoformat(),
        "to": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }


def test_by_channel_counts_shares_opens_continues_and_reports(api_on: Api) -> None:
    seed(api_on)
    response = analytics(api_on, group_by="channel", **window())
    assert response.status_code == 200, response.text
    body = response.json()
    groups = {g["key"]: g for g in body["groups"]}
    assert [g["key"] for g in body["groups"]][:5] == [
        "private_chat",
        "group_chat",
        "moments",
        "official_account",
        "qr_scan",
    ]
    chat = groups["private_chat"]
    assert (chat["shares"], chat["opens"], chat["interstitial_opens"], chat["continues"]) == (
        4,
        4,
        4,
        3,
    )
    assert chat["continue_rate"] == 0.75 and chat["reports"] == 1
    group = groups["group_chat"]
    assert (group["shares"], group["opens"], group["interstitial_opens"]) == (2, 2, 0)
    assert group["continue_rate"] is None
    assert groups["unknown"]["reports"] == 1 and groups["moments"]["shares"] == 0
    totals = body["totals"]
    assert totals == {
        "shares": 6,
        "opens": 6,
        "interstitial_opens": 4,
        "continues": 3,
        "continue_rate": 0.75,
        "reports": 2,
    }, "alibaba's traffic, previews and events before the range are not counted"


def test_by_treatment_keeps_reports_in_the_totals(api_on: Api) -> None:
    seed(api_on)
    body = analytics(api_on, role="operator", group_by="treatment", **window()).json()
    assert [g["key"] for g in body["groups"]] == [
        "mini_program",
        "rich_page",
        "plain_page",
        "copy_only",
        "blocked",
    ]
    groups = {g["key"]: g for g in body["groups"]}
    assert groups["plain_page"]["opens"] == 5 and groups["copy_only"]["opens"] == 1
    assert all(g["reports"] is None for g in body["groups"])
    assert body["totals"]["reports"] == 2


def test_by_day_in_utc(api_on: Api) -> None:
    seed(api_on)
    body = analytics(api_on, role="admin", group_by="day", **window()).json()
    days = {g["key"]: g for g in body["groups"]}
    first, second = DAY.date().isoformat(), (DAY + timedelta(days=1)).date().isoformat()
    assert list(days)[:2] == [first, second]
    assert len(days) == 4 or len(days) == 5  # today, and tomorrow when the hour crosses midnight
    assert (days[first]["shares"], days[first]["continue_rate"]) == (4, 0.75)
    assert (days[second]["shares"], days[second]["opens"]) == (2, 2)
    today = datetime.now(UTC).date().isoformat()
    assert days[today]["reports"] == 2


def test_no_personal_data_in_the_answer(api_on: Api) -> None:
    seed(api_on)
    for grouping in ("channel", "treatment", "day"):
        text = json.dumps(analytics(api_on, group_by=grouping, **window()).json())
        for secret in ("sender", "viewer", "group_hash", "secret-hash", "r1", "r2"):
            assert secret not in text


def test_a_platform_key_sees_only_its_own_platform(api_on: Api) -> None:
    refused = analytics(api_on, platform="alibaba")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "/problems/other-platform"
    for role in ("integrator", "reviewer"):
        assert analytics(api_on, role=role).status_code == 403
    assert analytics(api_on, role="operator", platform="alibaba").status_code == 200
    assert analytics(api_on, role="operator", platform="nobody").status_code == 404
    assert api_on.client.get("/v1/platforms/jd/analytics").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-40"}, "to"),
        ({"group_by": "week"}, "group_by"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "from"),
    ],
)
def test_bad_queries_are_problems_naming_the_field(
    api_on: Api, query: dict[str, str], field: str
) -> None:
    response = analytics(api_on, **query)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field


def test_shares_opens_and_continues_through_the_shim_are_counted(api_on: Api) -> None:
    client = api_on.client
    for url in (TAOBAO, JD):
        decided = client.post(
            "/v1/decisions",
            json={"url": url, "channel": "private_chat", "sender": "s1"},
            headers=api_on.headers("integrator"),
        ).json()
        if url == TAOBAO:
            shim = decided["shim_url"].removeprefix("http://testserver")
    page = client.get(shim, follow_redirects=False)
    assert page.status_code == 200 and "继续访问" in page.text
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert nonce is not None
    go = client.post(f"{shim}/continue", data={"nonce": nonce.group(1)}, follow_redirects=False)
    assert go.status_code == 303
    deadline = time.monotonic() + 10
    while api_on.runtime.events.written < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    body = analytics(api_on, role="operator", platform="alibaba").json()
    chat = next(g for g in body["groups"] if g["key"] == "private_chat")
    assert (chat["shares"], chat["opens"], chat["interstitial_opens"], chat["continues"]) == (
        1,
        1,
        1,
        1,
    )
    assert chat["continue_rate"] == 1.0
    assert body["totals"]["shares"] == 1, "the JD share is JD's"


def test_a_range_inside_one_day_is_one_group(api_on: Api) -> None:
    seed(api_on)
    start = DAY + timedelta(hours=9)
    body = analytics(
        api_on,
        group_by="day",
        **{"from": start.isoformat(), "to": (start + timedelta(hours=2)).isoformat()},
    ).json()
    assert [(g["key"], g["shares"], g["continues"]) for g in body["groups"]] == [
        (DAY.date().isoformat(), 4, 3)
    ]
