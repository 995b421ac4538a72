"""The Shadow action on a policy revision's console page: start, report, stop."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.web.console.passwords import hash_password
from tests.api.conftest import Api, make_api

PASSWORD = "correct horse battery"
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


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    for api in make_api(tmp_path):
        stored = hash_password(PASSWORD)
        for name, role in (("olivia", "operator"), ("rene", "reviewer")):
            api.runtime.stores.users.create(name, stored, role)
        yield api


def token(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def sign_in(api: Api, username: str) -> None:
    page = api.client.get("/console/login")
    response = api.client.post(
        "/console/login",
        data={"csrf_token": token(page.text), "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_shadow_action_starts_reports_and_stops(console: Api) -> None:
    revision = parse_policy(STRICT, "strict.yaml").revision
    console.runtime.stores.policies.add(revision, "default", STRICT, "compromise", "ops")
    sign_in(console, "olivia")
    path = f"/console/policy/revisions/{revision}"
    page = console.client.get(path)
    assert 'id="shadow-toggle">Shadow<' in page.text
    started = console.client.post(
        f"{path}/shadow",
        data={"csrf_token": token(page.text), "action": "start"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    assert console.runtime.shadow is not None and console.runtime.shadow.revision == revision
    items = [
        {"url": "https://item.jd.com/100012043978.html", "channel": channel}
        for channel in ("group_chat", "group_chat", "private_chat")
    ]
    decided = console.client.post(
        "/v1/decisions:batch", json={"items": items}, headers=console.headers("integrator")
    )
    live = [r["treatment"] for r in decided.json()["results"]]
    assert live[0] != "blocked"
    deadline = time.monotonic() + 20
    while console.runtime.shadow_log.logged < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    page = console.client.get(path)
    assert 'id="in-shadow"' in page.text and ">Stop shadow<" in page.text
    assert "3 shares decided in shadow: 1 same treatment, 2 worse, 0 better." in page.text
    assert f"{live[0]} → blocked: 2" in page.text
    # A reviewer sees the page but may not act on it.
    console.client.post("/console/logout", data={"csrf_token": token(page.text)})
    sign_in(console, "rene")
    other = console.client.get(path)
    refused = console.client.post(
        f"{path}/shadow",
        data={"csrf_token": token(other.text), "action": "stop"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert console.runtime.shadow is not None
    console.client.post("/console/logout", data={"csrf_token": token(other.text)})
    sign_in(console, "olivia")
    page = console.client.get(path)
    stopped = console.client.post(
        f"{path}/shadow",
        data={"csrf_token": token(page.text), "action": "stop"},
        follow_redirects=False,
    )
    assert stopped.status_code == 303
    assert console.runtime.shadow is None
    actions = [(e.actor, e.action) for e in console.runtime.stores.audit.entries()]
    assert ("console:olivia", "policy.shadow.start") in actions
    assert ("console:olivia", "policy.shadow.stop") in actions
    # The report stays on the page after the shadow stops.
    assert "2 worse" in console.client.get(path).text
