"""Reports, review, credit, blocks and appeals over the HTTP API (real SQLite file)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

EVIL = "https://hongbao.evil-example.top/get/red.html"
JD = "https://item.jd.com/100012043978.html"


def report(api: Api, reporter: str, url: str = EVIL, category: str = "fraud") -> Any:
    return api.client.post(
        "/v1/reports",
        json={"url": url, "category": category, "reporter": reporter},
        headers=api.headers("integrator"),
    )


def decide(api: Api, url: str) -> dict[str, Any]:
    response = api.client.post(
        "/v1/decisions",
        json={"url": url, "channel": "private_chat"},
        headers=api.headers("integrator"),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_201_then_the_same_report_id(api: Api) -> None:
    first = report(api, "alice")
    assert first.status_code == 201
    body = first.json()
    assert body["status"] == "pending" and body["created"] is True
    again = report(api, "alice", url=EVIL + "#x")
    assert again.status_code == 200 and again.json()["report_id"] == body["report_id"]


def test_bad_reports_are_problems_naming_the_field(api: Api) -> None:
    bad_url = report(api, "a", url="http://[::1")
    assert bad_url.status_code == 422
    assert bad_url.headers["content-type"].startswith("application/problem+json")
    assert bad_url.json()["errors"][0]["field"] == "url"
    bad_category = report(api, "a", category="spam")
    assert bad_category.status_code == 422
    assert bad_category.json()["errors"][0]["field"] == "category"


def test_reporters_over_the_limit_get_429_with_retry_after(api: Api) -> None:
    for i in range(20):
        assert report(api, "eager", url=f"https://s{i}.example.top/").status_code == 201
    refused = report(api, "eager", url="https://s99.example.top/")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.json()["type"] == "/problems/rate-limited"


def test_the_queue_is_in_priority_order_with_weights_explained(api: Api) -> None:
    report(api, "x", url="https://quiet.example.top/", category="marketing")
    for name in ("a", "b", "c"):
        report(api, name)
    queue = api.client.get("/v1/reports?status=pending", headers=api.headers("reviewer")).json()
    first, second = queue["cases"]
    assert first["url"] == EVIL and first["restriction"] is not None
    assert first["priority"] > second["priority"]
    factor = first["reports"][0]["weight"]["factors"][0]
    assert factor["name"] == "accuracy" and "why" in factor


def test_review_upholds_and_the_decision_names_the_block(api: Api) -> None:
    ids = [report(api, name).json()["report_id"] for name in ("a", "b", "c")]
    assert decide(api, EVIL)["treatment"] == "blocked"
    reviewed = api.client.post(
        f"/v1/reports/{ids[0]}/review",
        json={"outcome": "upheld", "note": "fraud confirmed"},
        headers=api.headers("reviewer"),
    )
    assert reviewed.status_code == 200, reviewed.text
    block = reviewed.json()["block"]
    decision = decide(api, EVIL)
    assert decision["treatment"] == "blocked"
    assert any(c["rule"] == f"block.{block['id']}" for c in decision["trace"])
    twice = api.client.post(
        f"/v1/reports/{ids[1]}/review",
        json={"outcome": "rejected"},
        headers=api.headers("reviewer"),
    )
    assert twice.status_code == 409


def test_platform_appeal_lifts_its_block(api: Api) -> None:
    made = api.client.post(
        "/v1/violations",
        json={"url": JD, "category": "fraud", "note": "fake goods"},
        headers=api.headers("operator"),
    ).json()
    assert decide(api, JD)["treatment"] == "blocked"
    credit = api.client.get("/v1/platforms/jd/credit", headers=api.headers("platform")).json()
    assert credit["events"]["total"] == 1 and credit["blocks"][0]["id"] == made["block"]["id"]
    assert (
        api.client.get("/v1/platforms/alibaba/credit", headers=api.headers("platform")).status_code
        == 403
    )
    appeal = api.client.post(
        "/v1/appeals",
        json={"target": made["block"]["id"], "reason": "the listing was genuine"},
        headers=api.headers("platform"),
    )
    assert appeal.status_code == 201, appeal.text
    granted = api.client.post(
        f"/v1/appeals/{appeal.json()['id']}/decision",
        json={"outcome": "granted", "note": "ok"},
        headers=api.headers("reviewer"),
    )
    assert granted.status_code == 200
    assert decide(api, JD)["treatment"] == "rich_page"
    after = api.client.get("/v1/platforms/jd/credit", headers=api.headers("platform")).json()
    assert after["score"] == 100 and after["blocks"] == []


def test_appeals_against_other_platforms_are_refused(api: Api) -> None:
    made = api.client.post(
        "/v1/violations",
        json={"url": "https://item.taobao.com/item.htm?id=1", "category": "fraud"},
        headers=api.headers("operator"),
    ).json()
    refused = api.client.post(
        "/v1/appeals",
        json={"target": made["block"]["id"], "reason": "not ours"},
        headers=api.headers("platform"),
    )
    assert refused.status_code == 403


def test_audit_verify_over_http(api: Api) -> None:
    report(api, "a")
    body = api.client.get("/v1/audit/verify", headers=api.headers("operator")).json()
    assert body["ok"] is True and body["head"]["seq"] >= 1
    entries = api.client.get("/v1/audit", headers=api.headers("operator")).json()["items"]
    assert entries[-1]["action"] == "report.file"
