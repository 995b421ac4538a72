"""Sender anti-spam: thresholds, the ladder, forward limits, lifting and appeals (SQLite)."""

from __future__ import annotations

from typing import Any

import pytest

from linkgate.policy.loader import default_policy_path, parse_policy
from tests.api.conftest import Api

JD = "https://item.jd.com/100012043978.html"

STRICT = """
enforcement:
  thresholds:
    - {id: link-blast, measure: link_recipients, window: 10m, limit: 5}
  ladder:
    - {action: warn}
    - {action: restrict_links, duration: 24h}
    - {action: ban, duration: 30d}
  cooldown: none
  upheld_reports: 2

forward_limits:
  - id: viral
    window: 1h
    max_forwards: 3
    channels: [group_chat]
    effect: {treatment: copy_only, reason: forward_limit}
"""


def strict_policy() -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    start = text.index("enforcement:\n")
    end = text.index("mini_program_links:")
    return text[:start] + STRICT.lstrip() + "\n" + text[end:]


@pytest.fixture
def strict(api: Api) -> Api:
    text = strict_policy()
    revision = parse_policy(text, "strict").revision
    ops = api.headers("operator")
    assert api.client.post("/v1/policies", json={"content": text}, headers=ops).status_code == 201
    assert api.client.post(f"/v1/policies/{revision}/publish", headers=ops).status_code == 200
    return api


def share(
    api: Api, sender: str, recipient: str | None = None, *, url: str = JD, group: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "url": url,
        "sender": sender,
        "channel": "group_chat" if group else "private_chat",
    }
    if recipient is not None:
        body["recipient"] = recipient
    if group is not None:
        body["group"] = group
    response = api.client.post("/v1/decisions", json=body, headers=api.headers("integrator"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_crossing_the_threshold_climbs_the_ladder(strict: Api) -> None:
    for i in range(5):
        assert share(strict, "blaster", f"r{i}")["treatment"] == "rich_page"
    sixth = share(strict, "blaster", "r5")  # 6 distinct recipients > 5: warn
    assert sixth["treatment"] == "rich_page"
    seventh = share(strict, "blaster", "r6")  # crossing again: restrict_links 24 h
    assert seventh["treatment"] == "blocked"
    assert seventh["reasons"] == ["sender_restricted"]
    sender = next(c for c in seventh["trace"] if c["stage"] == "sender")
    assert sender["expires_at"] is not None and "restrict_links" in sender["detail"]
    assert share(strict, "someone-else", "r0")["treatment"] == "rich_page"

    body = strict.client.get(
        "/v1/accounts/blaster/enforcement", headers=strict.headers("operator")
    ).json()
    assert body["state"] == "restrict_links"
    warn, restrict = body["actions"]
    assert warn["action"] == "warn" and restrict["action"] == "restrict_links"
    assert restrict["evidence"] == {"link_recipients/10m": 7}
    assert "7 distinct recipients of one link in 10m (limit 5)" in restrict["reason"]


def test_resharing_to_the_same_people_is_not_a_blast(strict: Api) -> None:
    for _ in range(20):
        assert share(strict, "chatty", "best-friend")["treatment"] == "rich_page"


def test_an_account_appeal_granted_lifts_the_restriction(strict: Api) -> None:
    for i in range(7):
        share(strict, "blaster", f"r{i}")
    appeal = strict.client.post(
        "/v1/accounts/blaster/appeals",
        json={"reason": "I was inviting my class"},
        headers=strict.headers("integrator"),
    )
    assert appeal.status_code == 201, appeal.text
    decided = strict.client.post(
        f"/v1/appeals/{appeal.json()['id']}/decision",
        json={"outcome": "granted", "note": "fine"},
        headers=strict.headers("reviewer"),
    )
    assert decided.status_code == 200 and decided.json()["lifted"]
    # Not a new share to count (no recipient): only the lifted restriction could block it.
    assert share(strict, "blaster")["treatment"] == "rich_page"


def test_operators_lift_actions_and_it_is_audited(strict: Api) -> None:
    for i in range(7):
        share(strict, "blaster", f"r{i}")
    actions = strict.client.get(
        "/v1/accounts/blaster/enforcement", headers=strict.headers("operator")
    ).json()["actions"]
    lifted = strict.client.post(
        f"/v1/accounts/blaster/enforcement/{actions[-1]['id']}/lift",
        json={"reason": "false positive"},
        headers=strict.headers("operator"),
    )
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    assert share(strict, "blaster")["treatment"] == "rich_page"
    audit = strict.client.get("/v1/audit?limit=1000", headers=strict.headers("operator")).json()
    assert "account.lift" in [e["action"] for e in audit["items"]]


def test_forward_limits_make_further_group_shares_copy_only(strict: Api) -> None:
    url = "https://www.bilibili.com/video/BV1GJ411x7h7"
    for i in range(3):
        assert share(strict, f"s{i}", url=url, group=f"g{i}")["treatment"] != "copy_only"
    fourth = share(strict, "s9", url=url, group="g9")
    assert fourth["treatment"] == "copy_only" and "forward_limit" in fourth["reasons"]
    assert any(c["rule"] == "forward_limits.viral" for c in fourth["trace"])
    assert share(strict, "s9", "friend", url=url)["treatment"] != "copy_only"


def test_upheld_reports_against_shared_links_act_on_the_sender(strict: Api) -> None:
    url = "https://hb.evil-example.top/get"
    share(strict, "spreader", "victim", url=url)
    strict.runtime.events.close()  # flush the decision log (who shared what)
    ids = [
        strict.client.post(
            "/v1/reports",
            json={"url": url, "category": "fraud", "reporter": f"rep{n}"},
            headers=strict.headers("integrator"),
        ).json()["report_id"]
        for n in range(3)
    ]
    result = strict.client.post(
        f"/v1/reports/{ids[0]}/review",
        json={"outcome": "upheld"},
        headers=strict.headers("reviewer"),
    ).json()
    assert result["account_actions"], result
    body = strict.client.get(
        "/v1/accounts/spreader/enforcement", headers=strict.headers("operator")
    ).json()
    assert body["actions"][0]["evidence"] == {"upheld_reports": 3}
