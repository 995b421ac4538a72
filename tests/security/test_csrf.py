"""Every POST route under /console (and /portal), enumerated from the app, refuses a form
without the session's CSRF token, with a wrong one, or with another session's, and
changes nothing: every table of the store is the same afterwards, and the session
that was attacked is still signed in."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from linkgate.casework import ReportIntake
from linkgate.policy.loader import default_policy_path
from linkgate.web.console.passwords import hash_password
from tests.api.conftest import Api, make_api
from tests.api.test_roles import _fresh_action, _fresh_block
from tests.security.routes import routes

PASSWORD = "correct horse battery"
PREFIXES = ("/console", "/portal")
SESSION_COOKIES = ("linkgate_console=", "linkgate_portal=")


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    for api in make_api(tmp_path):
        stored = hash_password(PASSWORD)
        users = api.runtime.stores.users
        users.create("root", stored, "admin")
        users.create("olivia", stored, "operator")
        users.create("jd-ops", stored, "platform", "jd")
        users.create("jd-two", stored, "platform", "jd")
        yield api


#: Each area: where it signs in, who, who else (another session), a page showing its token.
AREAS = {
    "/console": ("/console/login", "root", "olivia", "/console/policy"),
    "/portal": ("/portal/login", "jd-ops", "jd-two", "/portal/appeals"),
}


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return html.unescape(found.group(1))


def sign_in(client: httpx.Client | TestClient, area: str, username: str) -> str:
    """Sign ``client`` in to ``area``; that session's CSRF token."""
    login, _, _, page = AREAS[area]
    response = client.post(
        login,
        data={
            "csrf_token": form_token(client.get(login).text),
            "username": username,
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return form_token(client.get(page).text)


def store_digest(api: Api) -> dict[str, str]:
    """A digest of every row of every table."""
    out = {}
    with api.runtime.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).fetchall()
            out[table] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return out


def post_routes(api: Api) -> list[str]:
    found = sorted(
        {r.path for r in routes(api.app) if r.method == "POST" and r.path.startswith(PREFIXES)}
    )
    assert "/console/login" in found and "/console/logout" in found
    return found


def real_ids(api: Api, revision: str) -> dict[str, str]:
    """Ids of real objects for the path parameters, so an accepted post would change them."""
    casework = api.runtime.casework
    report = casework.file_report(
        ReportIntake(url="https://item.jd.com/42.html", category="fraud", reporter="csrf")
    ).report
    block = _fresh_block(api)
    appeal = casework.file_appeal(
        platform="jd", target=_fresh_block(api), reason="fixed", evidence_url=None, by="t"
    )
    account = "acct-csrf"
    return {
        "revision": revision,
        "report_id": report.id,
        "block_id": block,
        "appeal_id": appeal.id,
        "platform_id": "jd",
        "account_id": account,
        "action_id": _fresh_action(api, account),
    }


def test_every_console_and_portal_post_refuses_a_bad_token(console: Api) -> None:
    client = console.client
    own = {area: sign_in(client, area, user) for area, (_, user, _, _) in AREAS.items()}
    # Second browsers (no lifespan of their own: the same running app).
    foreign = {
        area: sign_in(TestClient(console.app), area, other)
        for area, (_, _, other, _) in AREAS.items()
    }
    policy_text = default_policy_path().read_text(encoding="utf-8")
    revision = client.post(
        "/v1/policies",
        json={"content": policy_text.replace("name:", "name: csrf-probe #", 1)},
        headers=console.headers("admin"),
    )
    assert revision.status_code == 201, revision.text
    stored = revision.json()["revision"]
    live = console.runtime.gateway.snapshot.revision
    assert stored != live
    ids = real_ids(console, stored)
    paths = post_routes(console)
    before = store_digest(console)
    for path in paths:
        area = next(a for a in AREAS if path.startswith(a))
        concrete = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "x"), path)
        for token in (None, "", "wrong", own[area][:-2] + "xx", foreign[area]):
            form = {
                "content": policy_text,
                "username": AREAS[area][1],
                "password": PASSWORD,
                "target": ids["block_id"],
                "reason": "x",
                "note": "x",
                "outcome": "upheld",
            }
            if token is not None:
                form["csrf_token"] = token
            response = client.post(concrete, data=form, follow_redirects=False)
            assert response.status_code in (400, 401, 403), (path, token, response.status_code)
            cookies = response.headers.get_list("set-cookie")
            assert not any(c.startswith(SESSION_COOKIES) for c in cookies), (path, cookies)
        assert store_digest(console) == before, f"{path} changed the store"
        assert console.runtime.gateway.snapshot.revision == live
        # Still signed in to both areas, with the same tokens.
        for name, (_, _, _, page) in AREAS.items():
            shown = client.get(page, follow_redirects=False)
            assert shown.status_code == 200 and form_token(shown.text) == own[name], (path, name)
    # The routes do work with the right token (the refusals above were the token's).
    published = client.post(
        f"/console/policy/revisions/{stored}/publish",
        data={"csrf_token": own["/console"]},
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text[:3000]
    assert console.runtime.gateway.snapshot.revision == stored
    assert store_digest(console) != before, "the digest sees a real change"
