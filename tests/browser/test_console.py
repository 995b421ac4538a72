"""The operator console in a real Chromium: sign-in, lockouts, CSRF, roles, every page, publish."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

# Importing the console registers its pages.
import linkgate.web.console
from linkgate.web.console.registry import pages
from tests.browser.conftest import PASSWORD, Linkgate, requests_of, screenshot, start_linkgate
from tests.services import chromium_or_skip

TAOBAO = "http://item.taobao.com/item.htm?id=424242"
LOCKOUT_SECONDS = 10
DESKTOP = {"width": 1280, "height": 900}
BLOCK_TAOBAO_IN_CHATS = """
  - id: taobao-stopped-in-private-chats
    channels: [private_chat]
    platforms: [alibaba]
    effect: {treatment: blocked, reason: enforcement_block}
"""


@pytest.fixture(scope="module")
def linkgate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Linkgate]:
    chromium_or_skip()
    env = {
        "LINKGATE_CONSOLE_MAX_FAILURES": "3",
        "LINKGATE_CONSOLE_CLIENT_MAX_FAILURES": "4",
        "LINKGATE_CONSOLE_LOCKOUT_SECONDS": str(LOCKOUT_SECONDS),
    }
    for started in start_linkgate(tmp_path_factory.mktemp("console"), env):
        for name, role in (
            ("root", "admin"),
            ("olivia", "operator"),
            ("rene", "reviewer"),
            ("lockme", "operator"),
        ):
            started.add_user(name, role)
        yield started


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    made = browser.new_context(viewport=DESKTOP, locale="en-US")
    made.set_default_timeout(15_000)
    made.on("page", lambda page: page.on("dialog", lambda dialog: dialog.accept()))
    yield made
    made.close()


def sign_in(context: Any, linkgate: Linkgate, username: str, password: str = PASSWORD) -> Any:
    page = context.new_page()
    page.goto(f"{linkgate.url}/console/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#sign-in").click()
    page.wait_for_load_state()
    return page


def sign_in_fast(
    context: Any, linkgate: Linkgate, username: str, password: str = "guess guess"
) -> tuple[int, str]:
    """One sign-in through the form's own token, without drawing the page."""
    form = context.request.get(f"{linkgate.url}/console/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    response = context.request.post(
        f"{linkgate.url}/console/login",
        form={"csrf_token": token.group(1), "username": username, "password": password},
        max_redirects=0,
    )
    return int(response.status), str(response.text())


def post_forms(page: Any) -> list[dict[str, str]]:
    return list(
        page.eval_on_selector_all(
            "form",
            """forms => forms.map(f => ({
                method: (f.getAttribute('method') || 'get').toLowerCase(),
                action: f.getAttribute('action') || '',
                token: (f.querySelector('input[name=csrf_token]') || {value: ''}).value,
            }))""",
        )
    )


def test_sign_in_lands_on_the_dashboard_with_a_safe_cookie(linkgate: Linkgate, desk: Any) -> None:
    page = desk.new_page()
    response = page.goto(f"{linkgate.url}/console/policy")
    assert response is not None and page.url == f"{linkgate.url}/console/login?next=/console/policy"
    screenshot(page, "console-login")
    page.locator("#username").fill("olivia")
    page.locator("#password").fill(PASSWORD)
    page.locator("#sign-in").click()
    page.wait_for_url(f"{linkgate.url}/console/policy")
    assert page.locator("#whoami").inner_text() == "olivia · operator"
    cookies = {c["name"]: c for c in desk.cookies()}
    session = cookies["linkgate_console"]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/console"
    assert page.evaluate("document.cookie") == ""


def test_wrong_password_is_refused_without_saying_which_part(linkgate: Linkgate, desk: Any) -> None:
    page = sign_in(desk, linkgate, "olivia", "not the password")
    assert page.locator("#login-error").inner_text() == "wrong username or password"
    unknown = sign_in(desk, linkgate, "nobody-here", "not the password")
    assert unknown.locator("#login-error").inner_text() == "wrong username or password"
    assert "linkgate_console" not in {c["name"] for c in desk.cookies()}
    time.sleep(LOCKOUT_SECONDS)


def test_every_page_renders_and_every_form_carries_a_csrf_token(
    linkgate: Linkgate, desk: Any
) -> None:
    page = sign_in(desk, linkgate, "root")
    requests = requests_of(page)
    nav = page.eval_on_selector_all("header nav a", "links => links.map(a => a.dataset.page)")
    assert nav == [p.id for p in pages()]
    seen = 0
    for entry in pages():
        response = page.goto(linkgate.url + entry.path)
        assert response is not None and response.status == 200, entry.path
        assert (
            page.locator("header nav a[aria-current=page]").get_attribute("data-page") == entry.id
        )
        forms = post_forms(page)
        posts = [f for f in forms if f["method"] == "post"]
        assert posts, f"{entry.path} has no form to sign out with"
        for form in posts:
            assert len(form["token"]) >= 32, f"{entry.path}: {form['action']} has no CSRF token"
        seen += len(posts)
        screenshot(page, f"console-{entry.id}")
    page.goto(f"{linkgate.url}/console/policy")
    page.locator("#save").click()
    page.wait_for_url(re.compile(r".*/console/policy/revisions/\w+$"))
    posts = [f for f in post_forms(page) if f["method"] == "post"]
    assert all(len(f["token"]) >= 32 for f in posts) and posts
    assert all(url.startswith(linkgate.url + "/") for url in requests)
    assert seen >= len(pages())


def test_forms_without_the_csrf_token_change_nothing(linkgate: Linkgate, desk: Any) -> None:
    page = sign_in(desk, linkgate, "olivia")
    page.goto(f"{linkgate.url}/console/policy")
    live = page.locator("#live-revision").inner_text()
    content = page.locator("#policy-text").input_value()
    changed = content.replace("ttl_seconds: 300", "ttl_seconds: 120")
    assert changed != content
    refused = desk.request.post(
        f"{linkgate.url}/console/policy/check", form={"content": changed, "action": "save"}
    )
    assert refused.status == 403
    assert "did not come from the console" in refused.text()
    wrong = desk.request.post(
        f"{linkgate.url}/console/policy/check",
        form={"content": changed, "action": "save", "csrf_token": "x" * 43},
    )
    assert wrong.status == 403
    publish = desk.request.post(f"{linkgate.url}/console/policy/revisions/{live}/publish", form={})
    assert publish.status == 403
    page.reload()
    assert page.locator("#revisions tbody tr[data-revision]").count() <= 1
    assert page.locator("#live-revision").inner_text() == live
    logout = desk.request.post(f"{linkgate.url}/console/logout", form={})
    assert logout.status == 403
    assert desk.request.get(f"{linkgate.url}/console/policy").status == 200
    fresh = desk.request.post(
        f"{linkgate.url}/console/login", form={"username": "olivia", "password": PASSWORD}
    )
    assert fresh.status == 403


def test_reviewers_see_only_their_pages(linkgate: Linkgate, desk: Any) -> None:
    page = sign_in(desk, linkgate, "rene")
    nav = page.eval_on_selector_all("header nav a", "links => links.map(a => a.dataset.page)")
    assert nav == ["dashboard", "rollout", "reports", "appeals", "platforms", "enforcement"]
    response = page.goto(f"{linkgate.url}/console/policy")
    assert response is not None and response.status == 403
    assert "reviewer role may not open Policy" in page.locator("#denied").inner_text()
    screenshot(page, "console-denied-reviewer")


def test_repeated_failures_lock_the_username_until_the_window_passes(
    linkgate: Linkgate, desk: Any
) -> None:
    page = sign_in(desk, linkgate, "lockme", "guess guess guess")
    assert page.locator("#login-error").inner_text() == "wrong username or password"
    assert [sign_in_fast(desk, linkgate, "lockme")[0] for _ in range(2)] == [401, 401]
    locked = sign_in(desk, linkgate, "lockme")
    assert "too many failed sign-ins" in locked.locator("#login-error").inner_text()
    assert "linkgate_console" not in {c["name"] for c in desk.cookies()}
    screenshot(locked, "console-lockout")
    admin = sign_in(desk, linkgate, "root")
    admin.goto(f"{linkgate.url}/console/audit")
    rows = admin.locator("#audit-entries tbody tr").all_inner_texts()
    assert any("console.lockout" in row and "username:lockme" in row for row in rows)
    time.sleep(LOCKOUT_SECONDS + 0.5)
    desk.clear_cookies()
    page = sign_in(desk, linkgate, "lockme")
    assert page.locator("#whoami").inner_text() == "lockme · operator"


def test_repeated_failures_from_one_client_lock_every_username(
    linkgate: Linkgate, desk: Any
) -> None:
    statuses = [sign_in_fast(desk, linkgate, f"someone{n}")[0] for n in range(4)]
    assert statuses == [401] * 4
    status, text = sign_in_fast(desk, linkgate, "root", PASSWORD)
    assert status == 429 and "too many failed sign-ins" in text
    time.sleep(LOCKOUT_SECONDS + 0.5)
    page = sign_in(desk, linkgate, "root")
    assert page.locator("#whoami").inner_text() == "root · admin"
    page.goto(f"{linkgate.url}/console/audit")
    rows = page.locator("#audit-entries tbody tr").all_inner_texts()
    assert any("console.lockout" in row and "client:127.0.0.1" in row for row in rows)


def test_policy_problems_are_located_and_the_text_is_kept(linkgate: Linkgate, desk: Any) -> None:
    page = sign_in(desk, linkgate, "olivia")
    page.goto(f"{linkgate.url}/console/policy")
    content = page.locator("#policy-text").input_value()
    broken = content.replace("ttl_seconds: 300", "ttl_seconds: soon").replace(
        "treatment: blocked, reason: moments_commerce",
        "treatment: hidden, reason: moments_commerce",
    )
    page.locator("#policy-text").fill(broken)
    page.locator("#validate").click()
    page.wait_for_load_state()
    problems = page.locator("#problems li").all_inner_texts()
    assert len(problems) == 2
    lines = [line for line, text in enumerate(broken.splitlines(), 1) if "soon" in text]
    assert any(p.startswith(f"policy.yaml:{lines[0]}:") and "ttl_seconds" in p for p in problems)
    assert any("hidden" in p or "treatment" in p for p in problems)
    assert page.locator("#policy-text").input_value() == broken
    page.locator("#problems li a.goto").first.click()
    selected = page.evaluate(
        "(() => { const t = document.getElementById('policy-text');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); })()"
    )
    assert selected == "soon", "a click on a problem selects the value in the editor"
    screenshot(page, "console-policy-problems")


def test_publishing_from_the_console_changes_the_next_decision(
    linkgate: Linkgate, desk: Any, context: Any
) -> None:
    shim = linkgate.share(TAOBAO)
    phone = context.new_page()
    phone.goto(shim)
    assert phone.locator("h1").inner_text() == "将要访问"

    page = sign_in(desk, linkgate, "olivia")
    page.goto(f"{linkgate.url}/console/policy")
    before = page.locator("#live-revision").inner_text()
    content = page.locator("#policy-text").input_value()
    edited = content.replace("\ndeception:", BLOCK_TAOBAO_IN_CHATS + "\ndeception:", 1)
    page.locator("#policy-text").fill(edited)
    page.locator("#validate").click()
    page.wait_for_load_state()
    assert page.locator("#valid").is_visible()
    assert "channel_rules" in page.locator("#changes").inner_text()
    screenshot(page, "console-policy-validated")
    page.locator("#save").click()
    page.wait_for_url(re.compile(r".*/console/policy/revisions/\w+$"))
    revision = page.locator("#revision").inner_text()
    assert revision != before
    assert "taobao-stopped-in-private-chats" in page.locator("#changes").inner_text()
    screenshot(page, "console-policy-revision")
    page.locator("#publish").click()
    page.wait_for_url(f"{linkgate.url}/console/policy?published={revision}")
    assert page.locator("#live-revision").inner_text() == revision
    screenshot(page, "console-policy-published")

    phone.goto(shim)
    assert phone.locator("h1").inner_text() == "已停止访问该网页"
    assert phone.locator("#reason").inner_text() == "该网页因违规已停止访问"
    assert phone.locator("#category").inner_text() == "类别：分享渠道限制"
    screenshot(phone, "shim-blocked-after-publish-zh")
    decided = linkgate.api("POST", "/v1/decisions", json={"url": TAOBAO, "channel": "private_chat"})
    assert decided.json()["treatment"] == "blocked"
    assert decided.json()["policy_revision"] == revision

    page.goto(f"{linkgate.url}/console/audit?verify=true")
    assert page.locator("#audit-status").inner_text() == "chain verified: intact"
    rows = page.locator("#audit-entries tbody tr").all_inner_texts()
    assert any("policy.publish" in r and "console:olivia" in r and revision in r for r in rows)
    assert any("policy.add" in r and "console:olivia" in r for r in rows)
    screenshot(page, "console-audit-verified")


def test_dashboard_charts_the_decisions_made(linkgate: Linkgate, desk: Any) -> None:
    for number in range(3):
        linkgate.share(f"{TAOBAO}&n={number}", "moments")
    page = sign_in(desk, linkgate, "olivia")
    deadline = time.monotonic() + 15
    blocked = 0
    while time.monotonic() < deadline:
        page.goto(f"{linkgate.url}/console/dashboard")
        blocked = int(
            page.locator("#decision-totals tr[data-treatment=blocked] td").nth(1).inner_text()
        )
        if blocked >= 3:
            break
        time.sleep(0.5)
    assert blocked >= 3
    bars = page.locator("#decisions-chart rect.bar[data-series=blocked]")
    assert (
        sum(int(v) for v in bars.evaluate_all("bars => bars.map(b => b.dataset.value)")) == blocked
    )
    total = int(page.locator("#decision-total").inner_text())
    shown = page.locator("#decisions-chart rect.bar").evaluate_all(
        "bars => bars.map(b => Number(b.dataset.value))"
    )
    assert sum(shown) == total
    screenshot(page, "console-dashboard-with-decisions")


def test_rollout_timeline_charts_every_phase(linkgate: Linkgate, desk: Any) -> None:
    page = sign_in(desk, linkgate, "rene")
    page.goto(f"{linkgate.url}/console/rollout")
    spans = page.locator("#rollout-chart rect.span").evaluate_all(
        "rects => rects.map(r => r.dataset.label)"
    )
    rows = page.locator("#phases tbody tr").evaluate_all("rows => rows.map(r => r.dataset.phase)")
    assert spans == rows == ["baseline", "phase-1-private-chat", "phase-2-group-commerce"]
    assert page.locator("#rollout-chart line.now").count() == 1
    assert page.locator("#phases tr.active").count() == 3


def test_signing_out_ends_the_session(linkgate: Linkgate, desk: Any) -> None:
    page = sign_in(desk, linkgate, "olivia")
    cookie = next(c for c in desk.cookies() if c["name"] == "linkgate_console")
    page.locator("#logout").click()
    page.wait_for_url(f"{linkgate.url}/console/login")
    desk.add_cookies([cookie])
    again = desk.request.get(f"{linkgate.url}/console/dashboard", max_redirects=0)
    assert again.status == 303 and again.headers["location"].startswith("/console/login")
