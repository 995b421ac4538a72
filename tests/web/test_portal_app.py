"""The platform portal over HTTP (no browser): sign-in, its own platform only, CSRF, appeals."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from linkgate.web.console.passwords import hash_password
from linkgate.web.portal.render import PAGES
from tests.api.conftest import Api, make_api
from tests.services import postgres_database, postgres_url_or_skip

PASSWORD = "correct horse battery"
JD = "https://item.jd.com/100012043978.html"
TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"


def report(api: Api, url: str, reporter: str, comment: str | None = None) -> str:
    response = api.client.post(
        "/v1/reports",
        json={
            "url": url,
            "category": "fraud",
            "reporter": reporter,
            "channel": "group_chat",
            "comment": comment,
        },
        headers=api.headers("integrator"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["report_id"])


def event(kind: str, url: str, platform: str, interstitial: str = "warn") -> dict[str, Any]:
    return {
        "decision_id": f"d-{kind}",
        "decided_at": datetime.now(UTC) - timedelta(hours=2),
        "kind": kind,
        "url": url,
        "platform": platform,
        "domain": None,
        "link_kind": "commerce",
        "channel": "private_chat",
        "treatment": "plain_page",
        "interstitial": interstitial,
        "policy_revision": "r1",
    }


@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """JD and Alibaba each with a platform account, three reports and traffic."""
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    for api in make_api(tmp_path, console_max_failures=3, console_client_max_failures=50):
        yield seeded(api)


@pytest.fixture
def pg_portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The same on a fresh PostgreSQL database."""
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    with postgres_database(postgres_url_or_skip()) as url:
        for api in make_api(tmp_path, database_url=url):
            yield seeded(api)


def seeded(api: Api) -> Api:
    users = api.runtime.stores.users
    stored = hash_password(PASSWORD)
    users.create("jd-ops", stored, "platform", "jd")
    users.create("ali-ops", stored, "platform", "alibaba")
    users.create("root", stored, "admin")
    for name in ("a", "b", "c"):
        report(api, JD, f"jd-{name}", comment="my phone is 13800000000")
        report(api, TAOBAO, f"tb-{name}")
    rows = [
        *(event("share", JD, "jd") for _ in range(5)),
        *(event("open", JD, "jd") for _ in range(4)),
        *(event("continue", JD, "jd") for _ in range(1)),
        *(event("share", TAOBAO, "alibaba") for _ in range(9)),
    ]
    api.runtime.stores.events.add_many(rows)
    return api


def token(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found is not None
    return html.unescape(found.group(1))


def sign_in(api: Api, username: str, password: str = PASSWORD, **form: str) -> httpx.Response:
    page = api.client.get("/portal/login")
    return api.client.post(
        "/portal/login",
        data={"csrf_token": token(page.text), "username": username, "password": password, **form},
        follow_redirects=False,
    )


def blocks_of(api: Api, platform: str) -> list[str]:
    return [b.id for b in api.runtime.casework.stores.blocks.page(platform=platform)]


def test_pages_need_a_session(portal: Api) -> None:
    for _, path, _ in PAGES:
        response = portal.client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/portal/login?next={path}"
    posted = portal.client.post("/portal/appeals", data={"target": "x", "reason": "y"})
    assert posted.status_code == 401


def test_sign_in_sets_a_portal_cookie_and_is_audited(portal: Api) -> None:
    response = sign_in(portal, "jd-ops", next="/portal/analytics")
    assert response.status_code == 303 and response.headers["location"] == "/portal/analytics"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("linkgate_portal=")
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/portal" in cookie
    entry = list(portal.runtime.stores.audit.entries())[-1]
    assert (entry.actor, entry.action) == ("portal:jd-ops", "portal.login")
    assert portal.client.get("/portal/").headers.get("location") is None  # followed to a page
    assert portal.client.get("/portal/", follow_redirects=False).headers["location"] == (
        "/portal/credit"
    )


def test_next_stays_inside_the_portal(portal: Api) -> None:
    for evil in ("https://evil.example/", "//evil.example/portal/", "/portal//evil.example"):
        response = sign_in(portal, "jd-ops", next=evil)
        assert response.headers["location"] == "/portal/credit"
        portal.client.cookies.clear()


def test_only_platform_accounts_sign_in_here_and_only_there(portal: Api) -> None:
    refused = sign_in(portal, "root")
    assert refused.status_code == 403 and "operator console" in refused.text
    assert "linkgate_portal" not in portal.client.cookies
    page = portal.client.get("/console/login")
    console = portal.client.post(
        "/console/login",
        data={"csrf_token": token(page.text), "username": "jd-ops", "password": PASSWORD},
        follow_redirects=False,
    )
    assert console.status_code == 403 and "platform portal" in console.text
    assert "linkgate_console" not in portal.client.cookies


def test_a_console_session_is_no_portal_session(portal: Api) -> None:
    page = portal.client.get("/console/login")
    portal.client.post(
        "/console/login",
        data={"csrf_token": token(page.text), "username": "root", "password": PASSWORD},
    )
    console_cookie = portal.client.cookies.get("linkgate_console") or ""
    assert console_cookie
    portal.client.cookies.set("linkgate_portal", console_cookie, path="/portal")
    assert portal.client.get("/portal/credit", follow_redirects=False).status_code == 303


def test_sign_in_form_needs_its_token(portal: Api) -> None:
    portal.client.get("/portal/login")
    response = portal.client.post(
        "/portal/login", data={"username": "jd-ops", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "linkgate_portal" not in portal.client.cookies


def test_lockouts_are_the_consoles(portal: Api) -> None:
    for _ in range(3):
        assert sign_in(portal, "jd-ops", "wrong wrong wrong").status_code == 401
    locked = sign_in(portal, "jd-ops")
    assert locked.status_code == 429 and "too many failed sign-ins" in locked.text
    page = portal.client.get("/console/login")
    console = portal.client.post(
        "/console/login",
        data={"csrf_token": token(page.text), "username": "jd-ops", "password": PASSWORD},
        follow_redirects=False,
    )
    assert console.status_code == 429, "one count of failures per username, whichever door"
    assert sign_in(portal, "ali-ops").status_code == 303


def test_every_page_shows_the_signed_in_platform_only(portal: Api) -> None:
    sign_in(portal, "jd-ops")
    for _, path, title in PAGES:
        page = portal.client.get(path, params={"platform": "alibaba"})
        assert page.status_code == 200, (path, page.text)
        assert 'id="platform">jd<' in page.text
        assert "taobao" not in page.text.lower(), f"{title} shows another platform's data"
        assert "alibaba" not in page.text.replace("platform=alibaba", "")
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", page.text, re.S):
            assert 'name="csrf_token"' in form, f"a form on {path} has no CSRF token"


def test_reports_page_counts_without_reporters_or_comments(portal: Api) -> None:
    sign_in(portal, "jd-ops")
    page = portal.client.get("/portal/reports").text
    assert JD in page
    assert 'data-status="pending">3<' in page and 'id="total-pending">3<' in page
    assert "13800000000" not in page and "jd-a" not in page


def test_blocks_page_lists_the_restriction_with_an_appeal_link(portal: Api) -> None:
    sign_in(portal, "jd-ops")
    (block,) = blocks_of(portal, "jd")
    page = portal.client.get("/portal/blocks").text
    assert f'data-block="{block}"' in page and "pending review" in page
    assert f"/portal/appeals?target={block}" in page


def test_filing_an_appeal_and_following_it(portal: Api) -> None:
    sign_in(portal, "jd-ops")
    (block,) = blocks_of(portal, "jd")
    form = portal.client.get(f"/portal/appeals?target={block}")
    assert f'value="{block}"' in form.text
    filed = portal.client.post(
        "/portal/appeals",
        data={
            "csrf_token": token(form.text),
            "target": block,
            "reason": "the page is our own product page",
            "evidence_url": "https://item.jd.com/100012043978.html",
        },
        follow_redirects=False,
    )
    assert filed.status_code == 303, filed.text
    (appeal,) = portal.runtime.casework.stores.appeals.page(platform="jd")
    assert appeal.target_id == block and appeal.filed_by == "portal:jd-ops"
    assert filed.headers["location"] == f"/portal/appeals?filed={appeal.id}"
    page = portal.client.get(filed.headers["location"]).text
    assert f'data-appeal="{appeal.id}" data-status="open"' in page
    assert appeal.due_at.strftime("%Y-%m-%d %H:%M UTC") in page
    decided = portal.client.post(
        f"/v1/appeals/{appeal.id}/decision",
        json={"outcome": "granted", "note": "confirmed as JD's own page"},
        headers=portal.headers("reviewer"),
    )
    assert decided.status_code == 200
    page = portal.client.get("/portal/appeals").text
    assert 'data-status="granted"' in page and "confirmed as JD&#39;s own page" in page
    blocks = portal.client.get("/portal/blocks").text
    assert "Nothing of yours is blocked." in blocks


def test_appeals_against_another_platform_are_refused(portal: Api) -> None:
    sign_in(portal, "jd-ops")
    (theirs,) = blocks_of(portal, "alibaba")
    form = portal.client.get("/portal/appeals")
    refused = portal.client.post(
        "/portal/appeals",
        data={"csrf_token": token(form.text), "target": theirs, "reason": "not ours but try"},
    )
    assert refused.status_code == 403
    assert "does not concern platform jd" in refused.text
    assert portal.runtime.casework.stores.appeals.page() == []
    unknown = portal.client.post(
        "/portal/appeals",
        data={"csrf_token": token(form.text), "target": "nonsense", "reason": "x"},
    )
    assert unknown.status_code == 422 and "blk_" in unknown.text


def test_posts_without_the_session_token_change_nothing(portal: Api) -> None:
    sign_in(portal, "jd-ops")
    (block,) = blocks_of(portal, "jd")
    for data in (
        {"target": block, "reason": "r"},
        {"target": block, "reason": "r", "csrf_token": "forged"},
    ):
        response = portal.client.post("/portal/appeals", data=data)
        assert response.status_code == 403 and "did not come from the portal" in response.text
    assert portal.runtime.casework.stores.appeals.page() == []
    out = portal.client.post("/portal/logout", data={}, follow_redirects=False)
    assert out.status_code == 403
    assert portal.client.get("/portal/credit", follow_redirects=False).status_code == 200


def test_sign_out_ends_the_session(portal: Api) -> None:
    sign_in(portal, "jd-ops")
    page = portal.client.get("/portal/credit")
    out = portal.client.post(
        "/portal/logout", data={"csrf_token": token(page.text)}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/portal/login"
    assert portal.client.get("/portal/credit", follow_redirects=False).status_code == 303


def test_credit_page_charts_the_score_and_lists_events(portal: Api) -> None:
    reports = portal.runtime.casework.stores.reports.page(platform="jd")
    reviewed = portal.client.post(
        f"/v1/reports/{reports[0].id}/review",
        json={"outcome": "upheld", "note": "fraud confirmed"},
        headers=portal.headers("reviewer"),
    )
    assert reviewed.status_code == 200
    sign_in(portal, "jd-ops")
    page = portal.client.get("/portal/credit").text
    assert page.count('class="point"') == 91, "one point a day for 90 days and today"
    events = re.findall(r'data-event="(cev_[0-9a-f]+)"', page)
    assert len(events) == 3
    assert f"/portal/appeals?target={events[0]}" in page
    view = portal.runtime.casework.credit_view("jd")
    assert f'id="score">{view["score"]:.1f}<' in page


def test_analytics_page_draws_the_apis_figures(portal: Api) -> None:
    sign_in(portal, "jd-ops")
    page = portal.client.get("/portal/analytics?period=7d").text
    api = portal.client.get(
        "/v1/platforms/jd/analytics?group_by=channel", headers=portal.headers("platform")
    ).json()
    chat = next(g for g in api["groups"] if g["key"] == "private_chat")
    assert (chat["shares"], chat["opens"], chat["continue_rate"]) == (5, 4, 0.25)
    row = re.search(r'<table id="by-channel">.*?data-key="private_chat">(.*?)</tr>', page, re.S)
    assert row is not None
    assert '"shares">5<' in row.group(1) and '"opens">4<' in row.group(1)
    assert '"continue_rate">25%<' in row.group(1)
    assert 'data-series="shares" data-bucket="private_chat" data-value="5"' in page
    assert 'data-series="continue rate"' in page and 'data-value="0.25"' in page


def test_pages_on_postgresql(pg_portal: Api) -> None:
    sign_in(pg_portal, "jd-ops")
    reports = pg_portal.client.get("/portal/reports").text
    assert JD in reports and 'id="total-pending">3<' in reports and "taobao" not in reports
    analytics = pg_portal.client.get("/portal/analytics").text
    assert 'data-series="shares" data-bucket="private_chat" data-value="5"' in analytics
    for _, path, _ in PAGES:
        assert pg_portal.client.get(path).status_code == 200
