"""The casework pages over HTTP (no browser): review queue, appeals, platforms, enforcement.

Each action runs through the console's form (CSRF token, role) and must have
the effect of the matching API call: the same store change, the same audit
entry (actor ``console:<username>``), the same next decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from linkgate.storage.schema import AppealRow
from linkgate.web.console.passwords import hash_password
from tests.api.conftest import Api, make_api
from tests.web.test_console_app import PASSWORD, sign_in, token

EVIL = "https://hongbao.evil-example.top/get/red.html"
JD = "https://item.jd.com/100012043978.html"
CASEWORK_PAGES = (
    "/console/reports",
    "/console/appeals",
    "/console/platforms",
    "/console/enforcement",
)


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    for api in make_api(tmp_path):
        stored = hash_password(PASSWORD)
        for name, role in (("root", "admin"), ("olivia", "operator"), ("rene", "reviewer")):
            api.runtime.stores.users.create(name, stored, role)
        yield api


def report(api: Api, reporter: str, url: str = EVIL, category: str = "fraud") -> str:
    response = api.client.post(
        "/v1/reports",
        json={"url": url, "category": category, "reporter": reporter},
        headers=api.headers("integrator"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["report_id"])


def decide(api: Api, url: str) -> dict[str, Any]:
    response = api.client.post(
        "/v1/decisions",
        json={"url": url, "channel": "private_chat"},
        headers=api.headers("integrator"),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def violation(api: Api, url: str = JD) -> dict[str, Any]:
    response = api.client.post(
        "/v1/violations",
        json={"url": url, "category": "fraud", "note": "fake goods"},
        headers=api.headers("operator"),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def appeal(api: Api, target: str) -> str:
    response = api.client.post(
        "/v1/appeals",
        json={"target": target, "reason": "the listing was genuine"},
        headers=api.headers("platform"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def spam(api: Api, sender: str = "spammer-1") -> None:
    for i in range(40):
        api.runtime.accounts.observe(
            event=f"share-{i}", sender=sender, recipients=[f"user-{i}"], link=JD, platform="jd"
        )


def audited(api: Api) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.target) for e in api.runtime.stores.audit.entries()]


def post(api: Api, page: str, action: str, **form: str) -> Any:
    """Post a form the way the page's own form does (with the page's CSRF token)."""
    shown = api.client.get(page)
    assert shown.status_code == 200, shown.text
    return api.client.post(
        action, data={"csrf_token": token(shown.text), **form}, follow_redirects=False
    )


# -- every page, every role ---------------------------------------------------------------


def test_casework_pages_open_for_each_role_they_admit(console: Api) -> None:
    report(console, "a")
    violation(console)
    spam(console)
    for user in ("root", "olivia", "rene"):
        console.client.cookies.clear()
        sign_in(console, user)
        for path in (*CASEWORK_PAGES, "/console/platforms/jd", "/console/dashboard"):
            response = console.client.get(path)
            assert response.status_code == 200, (user, path)
            assert token(response.text)
    assert console.client.get("/console/platforms/nowhere").status_code == 404


def test_casework_pages_need_a_session(console: Api) -> None:
    for path in CASEWORK_PAGES:
        response = console.client.get(path, follow_redirects=False)
        assert response.status_code == 303
    refused = console.client.post("/console/reports/rpt_x/review", data={"outcome": "upheld"})
    assert refused.status_code == 401


# -- review queue -------------------------------------------------------------------------


def test_the_queue_explains_every_weight_in_priority_order(console: Api) -> None:
    report(console, "x", url="https://quiet.example.top/", category="marketing")
    young = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    ids = []
    for name in ("a", "b"):  # invited by the same account: a burst, damped to half each
        made = console.client.post(
            "/v1/reports",
            json={
                "url": EVIL,
                "category": "fraud",
                "reporter": name,
                "reporter_created_at": young,
                "reporter_inviter": "recruiter",
            },
            headers=console.headers("integrator"),
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["report_id"])
    sign_in(console, "rene")
    page = console.client.get("/console/reports").text
    urls = re.findall(r'<section class="panel case" data-url="([^"]+)"', page)
    assert urls == [EVIL, "https://quiet.example.top/"]
    for report_id in ids:
        row = re.search(rf'<tr data-report="{report_id}">(.*?)</tr>', page, re.S)
        assert row is not None
        factors = dict(
            re.findall(r'<li data-factor="(\w+)"><strong>\w+</strong> ×([\d.]+)', row.group(1))
        )
        assert factors == {"accuracy": "1.0", "new_account": "0.5", "burst": "0.5"}
        assert "days old" in row.group(1) and "one of 2 reports" in row.group(1)
        assert '<td class="num weight">0.25</td>' in row.group(1)
    assert "weight <strong>0.50</strong>" in page


def test_upholding_from_the_queue_acts_as_the_api_does(console: Api) -> None:
    first = report(console, "a")
    report(console, "b")
    assert decide(console, EVIL)["treatment"] != "blocked"
    sign_in(console, "rene")
    done = post(
        console,
        "/console/reports",
        f"/console/reports/{first}/review",
        outcome="upheld",
        category="fraud",
        note="fake red envelope",
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/console/reports?reviewed={first}&block=blk_"
    )
    stored = console.runtime.casework.stores.reports.page(status="upheld")
    assert {r.id for r in stored} >= {first} and len(stored) == 2
    assert all(
        r.reviewed_by == "console:rene" and r.review_note == "fake red envelope" for r in stored
    )
    decision = decide(console, EVIL)
    assert decision["treatment"] == "blocked"
    assert any(c["rule"].startswith("block.blk_") for c in decision["trace"])
    assert ("console:rene", "report.uphold", EVIL) in audited(console)
    shown = console.client.get(done.headers["location"]).text
    assert "upheld: block" in shown and 'id="queue-empty"' in shown


def test_rejecting_lifts_the_restriction(console: Api) -> None:
    first = report(console, "a")
    report(console, "b")
    report(console, "c")
    assert decide(console, EVIL)["treatment"] == "blocked"
    sign_in(console, "root")
    assert "restricted: blocked" in console.client.get("/console/reports").text
    done = post(console, "/console/reports", f"/console/reports/{first}/review", outcome="rejected")
    assert done.status_code == 303
    assert decide(console, EVIL)["treatment"] != "blocked"
    assert ("console:root", "report.reject", EVIL) in audited(console)


def test_operators_see_the_queue_but_may_not_review(console: Api) -> None:
    first = report(console, "a")
    sign_in(console, "olivia")
    page = console.client.get("/console/reports").text
    assert first in page and "/review" not in page
    refused = post(
        console, "/console/reports", f"/console/reports/{first}/review", outcome="upheld"
    )
    assert refused.status_code == 403 and "reviewer" in refused.text
    assert console.runtime.casework.stores.reports.get(first).status == "pending"  # type: ignore[union-attr]


def test_a_review_without_the_csrf_token_changes_nothing(console: Api) -> None:
    first = report(console, "a")
    sign_in(console, "rene")
    for form in ({"outcome": "upheld"}, {"outcome": "upheld", "csrf_token": "x" * 43}):
        refused = console.client.post(f"/console/reports/{first}/review", data=form)
        assert refused.status_code == 403 and "did not come from the console" in refused.text
    assert console.runtime.casework.stores.reports.get(first).status == "pending"  # type: ignore[union-attr]


def test_bad_review_input_is_explained_and_keeps_the_note(console: Api) -> None:
    first = report(console, "a")
    sign_in(console, "rene")
    note = "checked the page <twice>"
    missing = post(console, "/console/reports", f"/console/reports/{first}/review", note=note)
    assert missing.status_code == 422
    assert "choose an outcome: upheld or rejected" in missing.text
    assert "checked the page &lt;twice&gt;</textarea>" in missing.text
    bad = post(
        console,
        "/console/reports",
        f"/console/reports/{first}/review",
        outcome="upheld",
        category="spam",
        note=note,
    )
    assert bad.status_code == 422 and "unknown category" in bad.text
    assert "checked the page &lt;twice&gt;</textarea>" in bad.text
    too_long = post(
        console,
        "/console/reports",
        f"/console/reports/{first}/review",
        outcome="upheld",
        note="x" * 4001,
    )
    assert too_long.status_code == 422 and "at most 4000 characters" in too_long.text
    assert console.runtime.casework.stores.reports.get(first).status == "pending"  # type: ignore[union-attr]


def test_a_second_review_says_it_was_already_reviewed(console: Api) -> None:
    first = report(console, "a")
    sign_in(console, "rene")
    page = console.client.get("/console/reports").text
    form = {"csrf_token": token(page), "outcome": "rejected"}
    assert console.client.post(f"/console/reports/{first}/review", data=form).status_code == 200
    again = console.client.post(f"/console/reports/{first}/review", data=form)
    assert again.status_code == 409 and "already reviewed: rejected" in again.text


# -- appeals ------------------------------------------------------------------------------


def test_granting_an_appeal_lifts_the_block_and_restores_the_score(console: Api) -> None:
    made = violation(console)
    assert decide(console, JD)["treatment"] == "blocked"
    appeal_id = appeal(console, made["block"]["id"])
    sign_in(console, "rene")
    page = console.client.get("/console/appeals").text
    assert f'data-appeal="{appeal_id}"' in page and "overdue" not in page.split("<table")[1]
    done = post(
        console,
        "/console/appeals",
        f"/console/appeals/{appeal_id}/decision",
        outcome="granted",
        note="genuine listing",
    )
    assert done.status_code == 303
    assert decide(console, JD)["treatment"] == "rich_page"
    assert console.runtime.casework.credit_view("jd")["score"] == 100
    assert ("console:rene", "appeal.grant", appeal_id) in audited(console)
    shown = console.client.get(done.headers["location"]).text
    assert f"Appeal <code>{appeal_id}</code> granted" in shown and 'id="appeals-empty"' in shown


def test_overdue_appeals_are_marked_and_denying_keeps_the_block(console: Api) -> None:
    made = violation(console)
    appeal_id = appeal(console, made["block"]["id"])
    with console.runtime.engine.begin() as conn:
        conn.execute(
            update(AppealRow)
            .where(AppealRow.id == appeal_id)
            .values(due_at=console.runtime.casework.now() - timedelta(hours=1))
        )
    sign_in(console, "root")
    page = console.client.get("/console/appeals").text
    assert f'<tr data-appeal="{appeal_id}" class="overdue">' in page
    assert 'id="overdue-count">1 overdue' in page
    done = post(
        console, "/console/appeals", f"/console/appeals/{appeal_id}/decision", outcome="denied"
    )
    assert done.status_code == 303
    assert decide(console, JD)["treatment"] == "blocked"
    assert ("console:root", "appeal.deny", appeal_id) in audited(console)


def test_appeal_decisions_check_role_csrf_and_input(console: Api) -> None:
    made = violation(console)
    appeal_id = appeal(console, made["block"]["id"])
    action = f"/console/appeals/{appeal_id}/decision"
    sign_in(console, "olivia")
    assert "/decision" not in console.client.get("/console/appeals").text
    assert post(console, "/console/appeals", action, outcome="granted").status_code == 403
    console.client.cookies.clear()
    sign_in(console, "rene")
    assert console.client.post(action, data={"outcome": "granted"}).status_code == 403
    bad = post(console, "/console/appeals", action, outcome="maybe", note="need more <proof>")
    assert bad.status_code == 422 and "choose an outcome: granted or denied" in bad.text
    assert "need more &lt;proof&gt;</textarea>" in bad.text
    stored = console.runtime.casework.stores.appeals.get(appeal_id)
    assert stored is not None and stored.status == "open"


# -- platforms ----------------------------------------------------------------------------


def test_platform_page_charts_the_score_with_band_thresholds(console: Api) -> None:
    made = violation(console)
    sign_in(console, "rene")
    listing = console.client.get("/console/platforms").text
    row = re.search(r'<tr data-platform="jd">(.*?)</tr>', listing, re.S)
    assert row is not None and 'href="/console/platforms/jd"' in row.group(1)
    page = console.client.get("/console/platforms/jd").text
    labels = re.findall(r'class="threshold"[^>]*data-label="(\w+)" data-value="([\d.]+)"', page)
    assert labels == [("normal", "90"), ("reduced", "80"), ("warned", "60"), ("low", "0")]
    assert len(re.findall(r'<circle class="point"', page)) == 91
    assert f'data-block="{made["block"]["id"]}"' in page
    assert f'data-event="{made["event"]}"' in page


def test_lifting_a_block_from_the_platform_page(console: Api) -> None:
    made = violation(console)
    block_id = made["block"]["id"]
    action = f"/console/platforms/jd/blocks/{block_id}/lift"
    sign_in(console, "rene")
    assert console.client.post(action, data={"reason": "x"}).status_code == 403
    empty = post(console, "/console/platforms/jd", action, reason="  ")
    assert empty.status_code == 422 and "say why the block is lifted" in empty.text
    long = "because " * 501
    too_long = post(console, "/console/platforms/jd", action, reason=long)
    assert too_long.status_code == 422 and f'value="{long}"' in too_long.text
    assert decide(console, JD)["treatment"] == "blocked"
    done = post(console, "/console/platforms/jd", action, reason="listing fixed")
    assert done.status_code == 303
    assert decide(console, JD)["treatment"] != "blocked"
    assert ("console:rene", "block.lift", block_id) in audited(console)
    again = post(console, "/console/platforms/jd", action, reason="listing fixed")
    assert again.status_code == 409 and "already lifted" in again.text
    other = post(
        console,
        "/console/platforms/alibaba",
        f"/console/platforms/alibaba/blocks/{block_id}/lift",
        reason="r",
    )
    assert other.status_code == 404


# -- enforcement --------------------------------------------------------------------------


def test_enforcement_lists_actions_with_evidence_and_finds_an_account(console: Api) -> None:
    spam(console)
    spam(console, "quiet-one")  # a second account, to be filtered out
    (action, *_) = console.runtime.accounts.actions("spammer-1")
    sign_in(console, "rene")
    page = console.client.get("/console/enforcement").text
    assert len(re.findall(r'<tr data-action="act_\w+" class="active">', page)) == 2
    row = re.search(rf'<tr data-action="{action.id}"[^>]*>(.*?)</tr>', page, re.S)
    assert row is not None and action.reason in row.group(1)
    for name, count in action.evidence.items():
        assert f"<li>{name}: <strong>{count}</strong></li>" in row.group(1)
    assert action.evidence and action.action == "warn"
    one = console.client.get("/console/enforcement?account=spammer-1&active=true").text
    assert re.findall(r'<tr data-action="(act_\w+)"', one) == [action.id]
    assert "/lift" not in one, "reviewers may not lift account actions"
    nobody = console.client.get("/console/enforcement?account=nobody").text
    assert 'id="actions-empty"' in nobody


def test_lifting_an_account_action_is_for_operators_and_audited(console: Api) -> None:
    spam(console)
    (action, *_) = console.runtime.accounts.actions("spammer-1")
    key = action.account_hash
    url = f"/console/enforcement/{action.id}/lift"
    sign_in(console, "rene")
    assert (
        post(console, "/console/enforcement", url, reason="r", account_key=key).status_code == 403
    )
    console.client.cookies.clear()
    sign_in(console, "olivia")
    assert console.client.post(url, data={"reason": "r", "account_key": key}).status_code == 403
    empty = post(console, "/console/enforcement", url, reason="", account_key=key)
    assert empty.status_code == 422 and "say why the action is lifted" in empty.text
    wrong = post(console, "/console/enforcement", url, reason="mistake", account_key="nope")
    assert wrong.status_code == 404 and 'value="mistake"' in wrong.text
    assert console.runtime.accounts.store.get(action.id).lifted_at is None  # type: ignore[union-attr]
    done = post(console, "/console/enforcement", url, reason="false positive", account_key=key)
    assert done.status_code == 303
    lifted = console.runtime.accounts.store.get(action.id)
    assert lifted is not None and lifted.lifted_by == "console:olivia"
    assert lifted.lift_reason == "false positive"
    assert ("console:olivia", "account.lift", f"account:{key}") in audited(console)


# -- dashboard ----------------------------------------------------------------------------


def test_dashboard_charts_reports_by_category_and_platforms_by_complaint_rate(
    console: Api,
) -> None:
    for name in ("a", "b", "c"):
        report(console, name)
    report(console, "d", url="https://quiet.example.top/", category="marketing")
    violation(console)
    sign_in(console, "rene")
    page = console.client.get("/console/dashboard").text
    chart = page.split('id="reports-chart"')[1].split("</figure>")[0]
    assert re.findall(r'data-label="(\w+)" data-value="(\d+)"', chart) == [
        ("marketing", "1"),
        ("fraud", "3"),
    ]
    assert re.search(r'data-category="fraud"><td>fraud</td><td class="num">3<', page)
    assert 'id="report-total" colspan="3">4<' in page
    platforms = page.split('id="platforms-chart"')[1].split("</figure>")[0]
    assert 'data-label="jd"' in platforms
    assert '<tr data-platform="jd">' in page
