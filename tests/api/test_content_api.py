"""``title`` and ``description`` in decision requests over HTTP."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

URL = "https://example.com/activity"
AT = "2022-01-01T12:00:00+08:00"
SHARING = "转发到3个群即可领取红包"


def post(api: Api, path: str, body: dict[str, Any]) -> Any:
    response = api.client.post(path, json=body, headers=api.headers("integrator"))
    return response


def test_a_title_feeds_the_content_stage(api: Api) -> None:
    response = post(api, "/v1/decisions", {"url": URL, "channel": "group_chat", "at": AT})
    plain = response.json()
    assert response.status_code == 200 and plain["treatment"] == "plain_page"
    body = post(
        api, "/v1/decisions", {"url": URL, "channel": "group_chat", "at": AT, "title": SHARING}
    ).json()
    assert body["treatment"] == "copy_only" and body["interstitial"] == "copy_only"
    assert body["reasons"] == ["induced_sharing"] and body["category"] == "induced_sharing"
    assert body["reason_text"]["zh"].startswith("网页包含诱导分享")
    (content,) = [c for c in body["trace"] if c["stage"] == "content"]
    assert "induced_sharing.forward-to-n-groups" in content["detail"]
    assert "'转发到3个群' at 0-6" in content["detail"]
    assert body["shim_url"]


def test_a_description_can_block(api: Api) -> None:
    body = post(
        api,
        "/v1/decisions",
        {"url": URL, "channel": "private_chat", "at": AT, "description": "澳门百家乐 注册送彩金"},
    ).json()
    assert body["treatment"] == "blocked" and body["reasons"] == ["gambling"]


def test_batch_items_take_title_and_description(api: Api) -> None:
    items: list[dict[str, Any]] = [
        {"url": URL, "channel": "group_chat", "at": AT, "title": SHARING},
        {"url": URL, "channel": "group_chat", "at": AT, "title": "京东618 全场满300减50"},
        {"url": URL, "channel": "group_chat", "at": AT, "title": 7},
        {"url": URL, "channel": "group_chat", "at": AT, "description": "x" * 4001},
    ]
    response = post(api, "/v1/decisions:batch", {"items": items})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r.get("treatment") for r in results] == ["copy_only", "plain_page", None, None]
    assert results[2]["error"]["errors"][0]["field"] == "items.2.title"
    assert results[3]["error"]["errors"][0]["field"] == "items.3.description"


def test_bad_preview_fields_are_problems(api: Api) -> None:
    response = post(api, "/v1/decisions", {"url": URL, "channel": "group_chat", "title": ["x"]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "title" in [e["field"] for e in response.json()["errors"]]
    too_long = post(
        api, "/v1/decisions", {"url": URL, "channel": "group_chat", "title": "x" * 1001}
    )
    assert too_long.status_code == 422
