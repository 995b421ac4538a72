"""Shadow mode through the HTTP API: decided beside the live policy, never enforced."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from linkgate.policy.loader import default_policy_path
from tests.api.conftest import Api

AT = "2021-10-01T12:00:00+08:00"
#: The bundled policy with every group share blocked.
STRICT = (
    default_policy_path()
    .read_text(encoding="utf-8")
    .replace(
        "channel_rules:\n",
        "channel_rules:\n  - id: no-links-in-groups\n    channels: [group_chat]\n"
        "    effect: {treatment: blocked, reason: moments_commerce}\n",
        1,
    )
)
LINKS = (
    "https://item.jd.com/100012043978.html",
    "https://item.taobao.com/item.htm?id=6543210987",
    "https://mp.weixin.qq.com/s/AbCdEf",
    "https://example.org/page",
    "https://item.taobao.com@refund-center.top/",
)
CHANNELS = ("private_chat", "group_chat", "moments")


def store_strict(api: Api) -> str:
    response = api.client.post(
        "/v1/policies",
        content=STRICT.encode(),
        headers={**api.headers("operator"), "Content-Type": "application/yaml"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["revision"])


def decide_all(api: Api) -> list[dict[str, Any]]:
    items = [
        {"url": link, "channel": channel, "at": AT, "title": "帮我砍一刀" if i == 0 else None}
        for channel in CHANNELS
        for i, link in enumerate(LINKS)
    ]
    response = api.client.post(
        "/v1/decisions:batch", json={"items": items}, headers=api.headers("integrator")
    )
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def without_ids(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("decision_id", "shim_url")}


def wait_logged(api: Api, count: int) -> None:
    deadline = time.monotonic() + 20
    while api.runtime.shadow_log.logged < count:
        assert time.monotonic() < deadline, "shadow decisions were not logged in time"
        time.sleep(0.05)


def test_shadow_decides_beside_live_and_reports_moves(api: Api) -> None:
    revision = store_strict(api)
    before = decide_all(api)
    assert api.runtime.shadow_log.logged == 0
    started = api.client.post(f"/v1/policies/{revision}/shadow", headers=api.headers("operator"))
    assert started.status_code == 200, started.text
    assert started.json()["shadow"]["revision"] == revision
    assert (
        api.client.get("/v1/policies/shadow", headers=api.headers("operator")).json()["shadow"][
            "revision"
        ]
        == revision
    )
    during = decide_all(api)
    # Not enforced: the answers are the live policy's, unchanged.
    assert [without_ids(b) for b in during] == [without_ids(b) for b in before]
    live_revision = during[0]["policy_revision"]
    assert live_revision != revision
    wait_logged(api, len(during))

    expected: Counter[tuple[str, str, str, str]] = Counter()
    for body in during:
        shadow = "blocked" if body["channel"] == "group_chat" else body["treatment"]
        expected[
            (body["platform"] or "unregistered", body["channel"], body["treatment"], shadow)
        ] += 1
    report = api.client.get(
        "/v1/policies/shadow/report",
        params={"from": "2021-10-01", "to": "2021-10-01"},
        headers=api.headers("operator"),
    )
    assert report.status_code == 200, report.text
    data = report.json()
    assert data["revisions"] == [revision]
    assert data["shadow"]["revision"] == revision
    got: Counter[tuple[str, str, str, str]] = Counter()
    for cell in data["cells"]:
        for arrow, n in cell["transitions"].items():
            live, shadow = arrow.split(" → ")
            got[(cell["platform"], cell["channel"], live, shadow)] += n
    assert got == expected
    worse = sum(n for (_, _, live, shadow), n in expected.items() if live != shadow)
    assert worse > 0
    assert data["total"] == {
        "decisions": len(during),
        "same": len(during) - worse,
        "better": 0,
        "worse": worse,
    }
    assert data["reasons"]["shadow"]["moments_commerce"] >= worse
    ready = api.client.get("/readyz").json()["shadow"]
    assert ready["revision"] == revision and ready["logged"] == len(during)
    metrics = api.client.get("/metrics").text
    assert f'linkgate_shadow_decisions{{state="logged"}} {float(len(during))}' in metrics
    # One pair per live decision, each logged once.
    rows = api.runtime.stores.shadow.transitions(*_window(), revision=revision)
    assert sum(t.count for t in rows) == len(during)


def _window() -> tuple[Any, Any]:
    from linkgate.periods import parse_period

    period = parse_period("2021-10-01", "2021-10-01")
    return period.start, period.end


def test_shadow_start_and_stop_are_audited_and_need_an_operator(api: Api) -> None:
    revision = store_strict(api)
    for role in ("integrator", "platform"):
        refused = api.client.post(f"/v1/policies/{revision}/shadow", headers=api.headers(role))
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    assert (
        api.client.post("/v1/policies/nope/shadow", headers=api.headers("operator")).status_code
        == 404
    )
    assert (
        api.client.post(f"/v1/policies/{revision}/shadow", headers=api.headers("admin")).status_code
        == 200
    )
    stopped = api.client.delete("/v1/policies/shadow", headers=api.headers("operator"))
    assert stopped.status_code == 200
    assert stopped.json()["stopped"]["revision"] == revision
    again = api.client.delete("/v1/policies/shadow", headers=api.headers("operator"))
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    actions = [(e.action, e.target) for e in api.runtime.stores.audit.page(0, 100)]
    assert ("policy.shadow.start", revision) in actions
    assert ("policy.shadow.stop", revision) in actions
    # Stopped: decisions are no longer decided twice.
    decide_all(api)
    time.sleep(0.5)
    assert api.runtime.shadow_log.logged == 0
    assert api.runtime.shadow is None


def test_report_periods_are_checked(api: Api) -> None:
    for params, field in (
        ({"from": "yesterday", "to": "2021-10-01"}, "from"),
        ({"from": "2021-10-02", "to": "2021-10-01"}, "to"),
    ):
        response = api.client.get(
            "/v1/policies/shadow/report", params=params, headers=api.headers("operator")
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field
    missing = api.client.get("/v1/policies/shadow/report", headers=api.headers("operator"))
    assert missing.status_code == 422
    empty = api.client.get(
        "/v1/policies/shadow/report",
        params={"from": "2021-10-01", "to": "2021-10-01"},
        headers=api.headers("operator"),
    )
    assert empty.status_code == 200
    assert empty.json()["total"] == {"decisions": 0, "same": 0, "better": 0, "worse": 0}
