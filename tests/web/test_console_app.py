"""The console over HTTP (no browser): sign-in, cookies, CSRF, roles, pages, policy, audit."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from linkgate.web.console.passwords import hash_password
from linkgate.web.console.registry import pages
from tests.api.conftest import Api, make_api

PASSWORD = "correct horse battery"


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    for api in make_api(tmp_path, console_max_failures=2, console_client_max_failures=50):
        users = api.runtime.stores.users
        stored = hash_password(PASSWORD)
        for name, role in (("root", "admin"), ("olivia", "operator"), ("rene", "reviewer")):
            users.create(name, stored, role)
        yield api


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def sign_in(api: Api, username: str, password: str = PASSWORD, **form: str) -> httpx.Response:
    page = api.client.get("/console/login")
    return api.client.post(
        "/console/login",
        data={"csrf_token": token(page.text), "username": username, "password": password, **form},
        follow_redirects=False,
    )


def test_pages_need_a_session(console: Api) -> None:
    for entry in pages():
        response = console.client.get(entry.path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/console/login?next={entry.path}"
    posted = console.client.post("/console/policy/check", data={"content": "x"})
    assert posted.status_code == 401


def test_sign_in_sets_a_strict_http_only_cookie(console: Api) -> None:
    response = sign_in(console, "olivia")
    assert response.status_code == 303 and response.headers["location"] == "/console/dashboard"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("linkgate_console=")
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie
    assert console.client.get("/console/dashboard").status_code == 200
    audit = [e.action for e in console.runtime.stores.audit.entries()]
    assert audit[-1] == "console.login"


def test_cookie_is_secure_behind_https(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    for api in make_api(tmp_path, public_url="https://gate.example"):
        api.runtime.stores.users.create("root", hash_password(PASSWORD), "admin")
        assert sign_in(api, "root").status_code == 403, "the Secure form cookie never came back"
        api.client.base_url = "https://testserver"  # type: ignore[assignment]
        response = sign_in(api, "root")
        cookies = response.headers.get_list("set-cookie")
        assert any(c.startswith("linkgate_console=") and "Secure" in c for c in cookies)


def test_next_stays_inside_the_console(console: Api) -> None:
    assert sign_in(console, "root", next="/console/audit").headers["location"] == "/console/audit"
    console.client.cookies.clear()
    for evil in ("https://evil.example/", "//evil.example/console", "/console\\@evil"):
        response = sign_in(console, "root", next=evil)
        assert response.headers["location"] == "/console/dashboard"
        console.client.cookies.clear()


def test_a_forged_cookie_is_no_session(console: Api) -> None:
    sign_in(console, "root")
    real = console.client.cookies.get("linkgate_console") or ""
    payload, _, mac = real.partition(".")
    console.client.cookies.clear()
    console.client.cookies.set("linkgate_console", f"{payload}.{mac[::-1]}", path="/console")
    assert console.client.get("/console/audit", follow_redirects=False).status_code == 303


def test_sign_in_form_needs_its_token(console: Api) -> None:
    console.client.get("/console/login")
    response = console.client.post(
        "/console/login", data={"username": "root", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    other = console.client.post(
        "/console/login",
        data={"username": "root", "password": PASSWORD, "csrf_token": "a.b"},
        follow_redirects=False,
    )
    assert other.status_code == 403
    assert "linkgate_console" not in console.client.cookies


def test_lockout_refuses_even_the_right_password(console: Api) -> None:
    assert sign_in(console, "olivia", "wrong wrong wrong").status_code == 401
    assert sign_in(console, "olivia", "wrong wrong wrong").status_code == 401
    locked = sign_in(console, "olivia")
    assert locked.status_code == 429
    assert "too many failed sign-ins; try again in 15 minutes" in locked.text
    assert sign_in(console, "root").status_code == 303, "other usernames are not locked"
    lockouts = [e for e in console.runtime.stores.audit.entries() if e.action == "console.lockout"]
    assert [e.target for e in lockouts] == ["username:olivia"]


def test_disabled_users_cannot_sign_in_and_lose_their_sessions(console: Api) -> None:
    sign_in(console, "olivia")
    assert console.client.get("/console/policy").status_code == 200
    console.runtime.stores.users.disable("olivia")
    assert console.client.get("/console/policy", follow_redirects=False).status_code == 303
    assert sign_in(console, "olivia").status_code == 401


def test_roles_decide_the_pages(console: Api) -> None:
    sign_in(console, "rene")
    assert console.client.get("/console/dashboard").status_code == 200
    assert console.client.get("/console/rollout").status_code == 200
    assert console.client.get("/console/policy").status_code == 403
    assert console.client.get("/console/audit").status_code == 403
    refused = console.client.post("/console/policy/check", data={"content": "x", "csrf_token": "y"})
    assert refused.status_code == 403


def test_every_page_renders_for_an_admin(console: Api) -> None:
    sign_in(console, "root")
    for entry in pages():
        response = console.client.get(entry.path)
        assert response.status_code == 200, entry.path
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert token(response.text)


def test_policy_save_and_publish_use_the_runtime(console: Api) -> None:
    sign_in(console, "olivia")
    page = console.client.get("/console/policy")
    content = re.search(r'id="policy-text"[^>]*>([^<]*)</textarea>', page.text)
    assert content is not None
    yaml_text = html.unescape(content.group(1)).replace("ttl_seconds: 300", "ttl_seconds: 60")
    saved = console.client.post(
        "/console/policy/check",
        data={"content": yaml_text, "action": "save", "csrf_token": token(page.text)},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    revision = saved.headers["location"].rsplit("/", 1)[1]
    stored = console.runtime.stores.policies.get(revision)
    assert stored is not None and stored.author == "console:olivia" and not stored.published
    shown = console.client.get(saved.headers["location"])
    assert "ttl_seconds" in shown.text and 'id="publish"' in shown.text
    published = console.client.post(
        f"/console/policy/revisions/{revision}/publish",
        data={"csrf_token": token(shown.text)},
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert console.runtime.gateway.snapshot.revision == revision
    decided = console.client.post(
        "/v1/decisions",
        json={"url": "https://www.example.com/", "channel": "private_chat"},
        headers=console.headers("integrator"),
    )
    assert decided.json()["policy_revision"] == revision and decided.json()["ttl_seconds"] == 60
    actions = [(e.actor, e.action, e.target) for e in console.runtime.stores.audit.entries()]
    assert ("console:olivia", "policy.add", revision) in actions
    assert ("console:olivia", "policy.publish", revision) in actions


def test_invalid_policy_keeps_the_text_and_stores_nothing(console: Api) -> None:
    sign_in(console, "olivia")
    page = console.client.get("/console/policy")
    bad = "name: broken\npreset: nowhere\nttl_seconds: -1\n"
    response = console.client.post(
        "/console/policy/check",
        data={"content": bad, "action": "save", "csrf_token": token(page.text)},
    )
    assert response.status_code == 422
    assert "policy.yaml:2:9" in response.text and "policy.yaml:3:14" in response.text
    assert "name: broken\npreset: nowhere" in response.text
    assert console.runtime.stores.policies.history() == []


def test_audit_page_reports_a_broken_chain(console: Api) -> None:
    sign_in(console, "root")
    console.runtime.stores.audit.append("test", "something", "x", {"n": 1})
    intact = console.client.get("/console/audit?verify=true")
    assert "chain verified: intact" in intact.text
    with console.runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE action = 'something'"))
    broken = console.client.get("/console/audit?verify=true")
    assert "chain broken: 1 problem(s)" in broken.text and "edited" in broken.text


def test_audit_pages_newest_first(console: Api) -> None:
    for n in range(120):
        console.runtime.stores.audit.append("test", "filler", str(n), {})
    sign_in(console, "root")
    first = console.client.get("/console/audit")
    seqs = [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', first.text)]
    head = console.runtime.stores.audit.head()[0]
    assert seqs == list(range(head, head - 50, -1))
    older = re.search(r'href="/console/audit\?before=(\d+)" id="older"', first.text)
    assert older is not None
    second = console.client.get(f"/console/audit?before={older.group(1)}")
    assert next(int(s) for s in re.findall(r'<tr data-seq="(\d+)"', second.text)) == head - 50


def test_dashboard_counts_the_logged_decisions(console: Api) -> None:
    now = datetime.now(UTC)
    console.runtime.stores.events.add_many(
        [
            {
                "decision_id": f"d{n}",
                "decided_at": now,
                "kind": "share" if n % 2 else "open",
                "link_kind": "other",
                "channel": "moments",
                "treatment": "blocked" if n < 3 else "plain_page",
                "interstitial": "blocked" if n < 3 else "none",
                "policy_revision": "r",
            }
            for n in range(5)
        ]
    )
    sign_in(console, "rene")
    page = console.client.get("/console/dashboard")
    assert re.search(r'data-treatment="blocked"><td>blocked</td><td class="num">3<', page.text)
    assert 'id="decision-total">5<' in page.text
    opens = console.client.get("/console/dashboard?kind=open&period=7d")
    assert 'id="decision-total">3<' in opens.text


def test_sign_out_needs_the_token_and_ends_the_session(console: Api) -> None:
    sign_in(console, "olivia")
    page = console.client.get("/console/dashboard")
    refused = console.client.post("/console/logout", data={})
    assert refused.status_code == 403
    assert console.client.get("/console/dashboard").status_code == 200
    out = console.client.post(
        "/console/logout", data={"csrf_token": token(page.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    assert console.client.get("/console/dashboard", follow_redirects=False).status_code == 303


def test_unknown_revision_is_not_found(console: Api) -> None:
    sign_in(console, "olivia")
    response = console.client.get("/console/policy/revisions/nope")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.text and "no policy revision" in response.text


def test_a_weak_hash_is_replaced_at_sign_in(console: Api) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    console.runtime.stores.users.create("legacy", weak, "operator")
    assert sign_in(console, "legacy").status_code == 303
    found = console.runtime.stores.users.credentials("legacy")
    assert found is not None and found[1] != weak and found[1].startswith("$argon2id$")
    assert found[0].last_login_at is not None
