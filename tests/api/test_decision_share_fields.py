"""Decision requests from integrations that keep group settings themselves (the Matrix module)."""

from __future__ import annotations

from tests.api.conftest import Api

ZHIHU = "https://www.zhihu.com/question/1"


def test_viewer_opt_out_in_the_request_applies_in_groups(api: Api) -> None:
    headers = api.headers("integrator")
    body = {"url": ZHIHU, "channel": "group_chat", "group": "room-1", "viewer_opt_out": True}
    answer = api.client.post("/v1/decisions", json=body, headers=headers).json()
    assert answer["treatment"] == "copy_only" and answer["reasons"] == ["viewer_opt_out"]
    # Not asked: the stored member setting still applies.
    api.client.put(
        "/v1/groups/room-1/members/bob/link-settings", json={"opt_out": True}, headers=headers
    )
    stored = {"url": ZHIHU, "channel": "group_chat", "group": "room-1", "viewer": "bob"}
    assert api.client.post("/v1/decisions", json=stored, headers=headers).json()["reasons"] == [
        "viewer_opt_out"
    ]
    opened = {"url": ZHIHU, "channel": "group_chat", "group": "room-1", "viewer_opt_out": False}
    assert api.client.post("/v1/decisions", json=opened, headers=headers).json()["reasons"] == []


def test_recipients_are_accepted_and_bounded(api: Api) -> None:
    headers = api.headers("integrator")
    body = {"url": ZHIHU, "channel": "private_chat", "sender": "a", "recipients": ["b"]}
    assert api.client.post("/v1/decisions", json=body, headers=headers).status_code == 200
    body["recipients"] = [f"u{i}" for i in range(101)]
    too_many = api.client.post("/v1/decisions", json=body, headers=headers)
    assert too_many.status_code == 422
    assert too_many.headers["content-type"] == "application/problem+json"
    assert too_many.json()["errors"][0]["field"] == "recipients"
    body["recipients"] = ["x" * 257]
    assert api.client.post("/v1/decisions", json=body, headers=headers).status_code == 422
