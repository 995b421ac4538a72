"""Decisions, batches, limits, groups, policies, platforms, the JS-API and events over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from linkgate import records
from linkgate.domains import psl
from linkgate.enforcement import counters
from linkgate.opening.jsapi import signature
from linkgate.policy.loader import default_policy_path
from linkgate.urls import canonical, parse
from tests.api.conftest import Api, make_api

JD = "https://item.jd.com/100012043978.html"
TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"


def decide(api: Api, **body: object) -> dict[str, object]:
    response = api.client.post("/v1/decisions", json=body, headers=api.headers("integrator"))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_decision_matches_the_library(api: Api) -> None:
    body = decide(api, url=TAOBAO, channel="group_chat", at="2021-10-01T12:00:00+08:00")
    assert body["treatment"] == "copy_only" and body["reasons"] == ["rollout_closed"]
    assert body["counterfactuals"][0]["stage"] == "rollout"  # type: ignore[index]
    assert body["policy_revision"] == api.runtime.gateway.snapshot.revision


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": JD, "channel": "dm"}, "channel"),
        ({"url": JD}, "channel"),
        ({"channel": "private_chat"}, "url"),
        ({"url": JD, "channel": "private_chat", "at": "yesterday"}, "at"),
        ({"url": JD, "channel": "private_chat", "surprise": 1}, "surprise"),
        ({"url": JD, "channel": "group_chat", "group_setting": "maybe"}, "group_setting"),
    ],
)
def test_bad_fields_are_problems_naming_the_field(
    api: Api, body: dict[str, object], field: str
) -> None:
    response = api.client.post("/v1/decisions", json=body, headers=api.headers("integrator"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"]
    assert field in [e["field"] for e in problem["errors"]]


def test_malformed_json_is_a_problem(api: Api) -> None:
    response = api.client.post(
        "/v1/decisions",
        content=b"{not json",
        headers={**api.headers("integrator"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/v1/decisions", "/v1/decisions:batch"])
@pytest.mark.parametrize(
    ("content", "content_type", "field", "words"),
    [
        (b"{not json", "application/json", "body", "Invalid JSON"),
        (b"", "application/json", "body", "Field required"),
        (b'{"url": "https://jd.com/"}', "text/plain", "body", "Content-Type: application/json"),
        (b"[1, 2]", "application/json", "body", "should be an object"),
        (b'{"url": 5, "channel": "private_chat", "items": 1}', "application/json", "", ""),
    ],
)
def test_decision_bodies_are_read_as_the_framework_would(
    api: Api, path: str, content: bytes, content_type: str, field: str, words: str
) -> None:
    response = api.client.post(
        path, content=content, headers={**api.headers("integrator"), "content-type": content_type}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/invalid-field"
    assert problem["errors"], problem
    if field:
        assert problem["errors"][0]["field"] == field
        assert words in problem["errors"][0]["message"]
    # A JSON type with parameters or a +json suffix is JSON too.
    ok = api.client.post(
        "/v1/decisions",
        content=b'{"url": "https://jd.com/", "channel": "private_chat"}',
        headers={
            **api.headers("integrator"),
            "content-type": "application/vnd.x+json; charset=utf-8",
        },
    )
    assert ok.status_code == 200 and ok.json()["treatment"]


def test_decision_routes_check_the_key_before_the_body(api: Api) -> None:
    for path in ("/v1/decisions", "/v1/decisions:batch"):
        response = api.client.post(path, content=b"{not json")
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert api.client.get(path, headers=api.headers("integrator")).status_code == 405


def test_decision_routes_are_documented(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path, schema in (("/v1/decisions", "DecisionIn"), ("/v1/decisions:batch", "BatchIn")):
        operation = paths[path]["post"]
        assert operation["tags"] == ["decisions"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith("/" + schema)
        assert "422" in operation["responses"] and "default" in operation["responses"]


def test_batch_keeps_order_and_isolates_bad_items(api: Api) -> None:
    items = [
        {"url": JD, "channel": "private_chat"},
        {"url": JD, "channel": "nowhere"},
        {"url": "http://", "channel": "moments"},
        {"url": TAOBAO, "channel": "group_chat", "at": "2021-12-01T00:00:00+08:00"},
    ]
    response = api.client.post(
        "/v1/decisions:batch", json={"items": items}, headers=api.headers("integrator")
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r.get("treatment") for r in results] == ["rich_page", None, "blocked", "plain_page"]
    assert results[1]["error"]["errors"][0]["field"].startswith("items.1.channel")


def test_a_batch_of_valid_items_answers_as_one_with_a_bad_item_would(api: Api) -> None:
    # All valid: validated in one pass; one bad item: every item validated on its own.
    items: list[dict[str, object]] = [
        {"url": JD, "channel": "private_chat", "sender": "s1", "recipient": "r1"},
        {"url": TAOBAO, "channel": "group_chat", "group": "g1", "viewer": "v1"},
        {"url": "http://", "channel": "moments", "at": "2021-12-01T00:00:00+08:00"},
        {"url": JD, "channel": "private_chat", "viewer_opt_out": True, "recipients": ["a"]},
    ]
    headers = api.headers("integrator")

    def answers(batch: list[dict[str, object]]) -> list[dict[str, object]]:
        response = api.client.post("/v1/decisions:batch", json={"items": batch}, headers=headers)
        assert response.status_code == 200
        return [
            {k: v for k, v in r.items() if k not in {"decision_id", "decided_at", "shim_url"}}
            for r in response.json()["results"]
        ]

    valid = answers(items)
    mixed = answers([*items, {"url": JD, "channel": "nowhere"}])
    assert [r["treatment"] for r in valid] == ["rich_page", "plain_page", "blocked", "rich_page"]
    assert mixed[:4] == valid
    assert mixed[4]["error"]["errors"][0]["field"] == "items.4.channel"  # type: ignore[index]


def test_limits_are_clear_4xx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    small: Iterator[Api] = make_api(tmp_path, max_body_bytes=4096, max_batch=3, max_url_length=100)
    api = next(small)
    try:
        headers = api.headers("integrator")
        big = api.client.post(
            "/v1/decisions",
            content=b"{" + b" " * 5000 + b"}",
            headers={**headers, "content-type": "application/json"},
        )
        assert big.status_code == 413 and big.json()["type"] == "/problems/body-too-large"
        batch = api.client.post(
            "/v1/decisions:batch",
            json={"items": [{"url": JD, "channel": "moments"}] * 4},
            headers=headers,
        )
        assert batch.status_code == 413 and batch.json()["errors"][0]["field"] == "items"
        long = api.client.post(
            "/v1/decisions",
            json={"url": JD + "?" + "a" * 200, "channel": "moments"},
            headers=headers,
        )
        assert long.status_code == 414 and long.json()["errors"][0]["field"] == "url"
    finally:
        next(small, None)


def test_group_settings_round_trip_and_apply(api: Api) -> None:
    headers = api.headers("integrator")
    assert api.client.get("/v1/groups/fam/link-settings", headers=headers).json()["setting"] == (
        "allow"
    )
    put = api.client.put(
        "/v1/groups/fam/link-settings", json={"setting": "content_only"}, headers=headers
    )
    assert put.status_code == 200 and put.json()["setting"] == "content_only"
    assert decide(api, url=JD, channel="group_chat", group="fam")["treatment"] == "copy_only"
    assert decide(api, url=JD, channel="private_chat", group="fam")["treatment"] == "rich_page"
    member = api.client.put(
        "/v1/groups/fam/members/bob/link-settings", json={"opt_out": True}, headers=headers
    )
    assert member.json()["opt_out"] is True
    bili = "https://www.bilibili.com/video/BV1GJ411x7h7"
    assert decide(api, url=bili, channel="group_chat", group="fam")["treatment"] == "rich_page"
    opted = decide(api, url=bili, channel="group_chat", group="fam", viewer="bob")
    assert opted["treatment"] == "copy_only" and opted["reasons"] == ["viewer_opt_out"]
    bad = api.client.put(
        "/v1/groups/fam/link-settings", json={"setting": "sometimes"}, headers=headers
    )
    assert bad.status_code == 422


def test_policy_lifecycle(api: Api) -> None:
    headers = api.headers("operator")
    bad = api.client.post(
        "/v1/policies",
        content="preset: compromize\nrollout: {closed: {treatment: nope}, phases: []}\n",
        headers={**headers, "content-type": "application/yaml"},
    )
    assert bad.status_code == 422
    located = bad.json()["errors"]
    assert {(e["line"], e["path"]) for e in located} >= {
        (1, "preset"),
        (2, "rollout.closed.treatment"),
    }
    assert any(e["path"] == "groups" or "groups" in e["message"] for e in located)
    text_ = default_policy_path().read_text(encoding="utf-8")
    paused = text_.replace(
        "      channels: [private_chat]\n",
        "      channels: [private_chat]\n      effect: {treatment: copy_only, reason: paused}\n",
        1,
    )
    created = api.client.post(
        "/v1/policies", json={"content": paused, "author": "ops"}, headers=headers
    )
    assert created.status_code == 201, created.text
    revision = created.json()["revision"]
    assert created.headers["location"] == f"/v1/policies/{revision}"
    assert created.json()["live"] is False
    at = "2021-10-01T12:00:00+08:00"
    assert decide(api, url=TAOBAO, channel="private_chat", at=at)["treatment"] == "plain_page"
    published = api.client.post(f"/v1/policies/{revision}/publish", headers=headers)
    assert published.status_code == 200 and published.json()["live"] is True
    after = decide(api, url=TAOBAO, channel="private_chat", at=at)
    assert after["treatment"] == "copy_only" and after["policy_revision"] == revision
    base = api.client.post("/v1/policies", json={"content": text_}, headers=headers).json()
    listing = api.client.get("/v1/policies", headers=headers).json()
    assert listing["live"] == revision
    assert {i["revision"] for i in listing["items"]} >= {revision, base["revision"]}
    diff = api.client.get(
        f"/v1/policies/{revision}/diff?against={base['revision']}", headers=headers
    ).json()
    assert diff["changes"] == [
        {
            "op": "added",
            "path": "rollout.phases.phase-1-private-chat.effect",
            "new": {"treatment": "copy_only", "reason": "paused"},
        }
    ]
    missing = api.client.post("/v1/policies/ffffffffffffffff/publish", headers=headers)
    assert missing.status_code == 404


def test_platform_update_changes_decisions(api: Api) -> None:
    headers = api.headers("operator")
    doc = api.client.get("/v1/platforms/zhihu", headers=headers).json()
    assert doc["tier"] == "neutral"
    zhihu = "https://www.zhihu.com/question/123456"
    assert decide(api, url=zhihu, channel="private_chat")["treatment"] == "rich_page"
    doc["tier"] = "competitor"
    put = api.client.put("/v1/platforms/zhihu", json=doc, headers=headers)
    assert put.status_code == 200, put.text
    assert decide(api, url=zhihu, channel="group_chat")["treatment"] == "copy_only"
    clash = dict(doc, domains=["zhihu.com", "jd.com"])
    refused = api.client.put("/v1/platforms/zhihu", json=clash, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"]


def test_jsapi_ticket_and_config(api: Api) -> None:
    headers = api.headers("platform")
    ticket = api.client.get("/v1/jsapi/ticket", headers=headers).json()
    assert ticket["expires_in"] > 7000
    again = api.client.get("/v1/jsapi/ticket", headers=headers).json()
    assert again["ticket"] == ticket["ticket"]
    url = "https://m.jd.com/item/100012043978.html?from=share#top"
    config = api.client.post("/v1/jsapi/config", json={"url": url}, headers=headers).json()
    assert config["appId"] == "jd"
    assert config["signature"] == signature(
        ticket["ticket"], config["nonceStr"], config["timestamp"], url
    )
    assert "chooseWXPay" in config["jsApiList"] or "launchApplication" in config["jsApiList"]
    assert not any(api_.startswith("getUserProfile") for api_ in config["jsApiList"])
    narrowed = api.client.post(
        "/v1/jsapi/config",
        json={"url": url, "jsApiList": ["launchApplication", "x"]},
        headers=headers,
    ).json()
    assert narrowed["jsApiList"] == ["launchApplication"]
    outside = api.client.post(
        "/v1/jsapi/config", json={"url": "https://evil.top/"}, headers=headers
    )
    assert outside.status_code == 403


def test_events_are_batched_and_pseudonymised(api: Api) -> None:
    decide(
        api,
        url=JD,
        channel="group_chat",
        sender="alice-real-id",
        group="grp-real-id",
        viewer="bob-real-id",
    )
    deadline = time.monotonic() + 5
    rows: list[tuple[object, ...]] = []
    while time.monotonic() < deadline and not rows:
        with api.runtime.engine.connect() as conn:
            rows = list(
                conn.execute(
                    text(
                        "SELECT sender_hash, viewer_hash, group_hash, url, treatment"
                        " FROM decision_events"
                    )
                )
            )
        time.sleep(0.1)
    assert rows, "the decision event was not written"
    ((sender, viewer, group, url, treatment),) = rows
    assert url == JD and treatment == "rich_page"
    for value, raw in ((sender, "alice-real-id"), (viewer, "bob-real-id"), (group, "grp-real-id")):
        assert value and raw not in str(value)
    with api.runtime.engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("SELECT * FROM decision_events")))
    assert "alice-real-id" not in dump


def test_health_ready_metrics(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.runtime.warmed.wait(30), "the content classifier never loaded"
    ready = api.client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["snapshot"]["revision"]
    assert (ready["events"]["writer"], ready["events"]["writer_starts"]) == ("thread", None)
    assert ready["counter_windows"] == ("compiled" if counters.COMPILED else "python")
    assert ready["url_parse"] == ("compiled" if parse.COMPILED else "python")
    assert ready["lookup_hashes"] == ("compiled" if canonical.COMPILED_LOOKUP else "python")
    assert ready["cache_records"] == ("untracked" if records.UNTRACKED else "tracked")
    assert ready["record_builders"] == ("compiled" if records.COMPILED_BUILDERS else "python")
    assert ready["public_suffix"] == ("compiled" if psl.COMPILED else "python")
    decide(api, url=JD, channel="private_chat")
    metrics = api.client.get("/metrics").text
    assert 'linkgate_decisions_total{kind="share",treatment="rich_page"}' in metrics
    assert "linkgate_decision_seconds_bucket" in metrics
    assert "linkgate_events_dropped" in metrics and "linkgate_snapshot_revision" in metrics


def test_not_ready_until_warmed_up(api: Api) -> None:
    assert api.runtime.warmed.wait(30)
    api.runtime.warmed.clear()
    starting = api.client.get("/readyz")
    assert starting.status_code == 503 and starting.json()["status"] == "starting"
    api.runtime.warmed.set()
    assert api.client.get("/readyz").status_code == 200


def test_openapi_is_served(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert "/v1/decisions" in spec["paths"] and "/l/{token}" in spec["paths"]


def test_counters_past_their_bound_shed_and_say_so(tmp_path: Path) -> None:
    """With ``LINKGATE_COUNTER_MAX_EVENTS`` low, counting goes on past the bound: the oldest
    events are dropped, and /readyz and /metrics tell how many and how far back the
    shortened counts still reach."""
    for api in make_api(tmp_path, counter_max_events=1_000):
        items = [
            {
                "url": f"https://item.jd.com/{i}.html",
                "channel": "private_chat",
                "sender": f"sender-{i % 300}",
                "recipient": f"user-{i}",
            }
            for i in range(1_000)
        ]
        for _ in range(2):
            response = api.client.post(
                "/v1/decisions:batch", json={"items": items}, headers=api.headers("integrator")
            )
            assert response.status_code == 200, response.text
            assert all("treatment" in r for r in response.json()["results"])
        local = api.runtime.counting.local
        assert local.shed_events > 0
        assert len(local._windows) <= 1_000 + 4 * 1_024
        assert api.runtime.warmed.wait(30), "the content classifier never loaded"
        ready = api.client.get("/readyz").json()
        assert ready["counter_events_shed"] == local.shed_events
        assert ready["counter_reach_seconds"]
        assert all(v >= 0 for v in ready["counter_reach_seconds"].values())
        metrics = api.client.get("/metrics").text
        (line,) = (m for m in metrics.splitlines() if m.startswith("linkgate_counter_events_shed "))
        assert float(line.split()[1]) == local.shed_events
