"""Every POST route under /console (and /portal), enumerated from the app, refuses a form
without the session's CSRF token, with a wrong one, or with another session's, and
changes nothing: every table of the store is the same afterwards, and the session
that was attacked is still signed in."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from linkgate.policy.loader import default_policy_path
from linkgate.web.console.passwords import hash_password
from tests.api.conftest import Api, make_api
from tests.security.routes import routes

PASSWORD = "correct horse battery"
PREFIXES = ("/console", "/portal")


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    for api in make_api(tmp_path):
        stored = hash_password(PASSWORD)
        api.runtime.stores.users.create("root", stored, "admin")
        api.runtime.stores.users.create("olivia", stored, "operator")
        yield api


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1)


def sign_in(client: httpx.Client | TestClient, username: str) -> str:
    """Sign ``client`` in; the session's CSRF token."""
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"csrf_token": form_token(page.text), "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return form_token(client.get("/console/policy").text)


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


def test_every_console_post_refuses_a_missing_wrong_or_foreign_token(console: Api) -> None:
    client = console.client
    own = sign_in(client, "root")
    # A second browser (no lifespan of its own: the same running app).
    foreign = sign_in(TestClient(console.app), "olivia")
    text_ = default_policy_path().read_text(encoding="utf-8")
    revision = client.post(
        "/v1/policies",
        json={"content": text_.replace("name:", "name: csrf-probe #", 1)},
        headers=console.headers("admin"),
    )
    assert revision.status_code == 201, revision.text
    stored = revision.json()["revision"]
    live = console.runtime.gateway.snapshot.revision
    assert stored != live
    paths = post_routes(console)
    before = store_digest(console)
    for path in paths:
        concrete = re.sub(r"\{revision\}", stored, path)
        concrete = re.sub(r"\{[^}]+\}", "x", concrete)
        for token in (None, "", "wrong", own[:-2] + "xx", foreign):
            form = {
                "content": text_,
                "username": "root",
                "password": PASSWORD,
                "name": "x",
                "reason": "x",
            }
            if token is not None:
                form["csrf_token"] = token
            response = client.post(concrete, data=form, follow_redirects=False)
            assert response.status_code in (400, 401, 403), (path, token, response.status_code)
            assert (
                "set-cookie" not in response.headers
                or "linkgate_console=" not in (response.headers["set-cookie"])
            ), (path, token)
        assert store_digest(console) == before, f"{path} changed the store"
        assert console.runtime.gateway.snapshot.revision == live
        # Still signed in, with the same token.
        page = client.get("/console/policy", follow_redirects=False)
        assert page.status_code == 200 and form_token(page.text) == own, path
    # The routes do work with the right token (the refusals above were the token's).
    published = client.post(
        f"/console/policy/revisions/{stored}/publish",
        data={"csrf_token": own},
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text[:3000]
    assert console.runtime.gateway.snapshot.revision == stored
    assert store_digest(console) != before, "the digest sees a real change"
