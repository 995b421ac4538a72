"""Reports, appeals and console sign-ins are rate limited per caller: 429 problem+json
with Retry-After, nothing stored for the refused request, other callers unaffected."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from linkgate.datafile import DataFileError
from linkgate.policy.loader import parse_policy
from linkgate.web.console.passwords import hash_password
from tests.api.conftest import Api, make_api
from tests.api.test_roles import POLICY, _fresh_action, _fresh_block

PASSWORD = "correct horse battery"


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 429
    retry = response.headers["retry-after"]
    assert retry.isdigit() and 1 <= int(retry) <= 86_400


def test_reports_per_reporter(api: Api) -> None:
    limit = api.runtime.gateway.snapshot.policy.reports.per_hour
    headers = api.headers("integrator")

    def report(reporter: str, n: int) -> httpx.Response:
        body = {"url": f"https://item.jd.com/{n}.html", "category": "fraud", "reporter": reporter}
        return api.client.post("/v1/reports", json=body, headers=headers)

    for n in range(limit):
        assert report("eager", n).status_code == 201
    stored = len(api.runtime.casework.stores.reports.page(limit=1000))
    assert_limited(report("eager", limit))
    assert len(api.runtime.casework.stores.reports.page(limit=1000)) == stored
    assert report("someone-else", limit).status_code == 201


def test_platform_appeals_per_key(api: Api) -> None:
    limit = api.runtime.gateway.snapshot.policy.reports.appeals_per_hour
    headers = api.headers("platform")
    for _ in range(limit):
        body = {"target": _fresh_block(api), "reason": "we fixed the page"}
        assert api.client.post("/v1/appeals", json=body, headers=headers).status_code == 201
    before = len(api.runtime.casework.stores.appeals.page(limit=1000))
    body = {"target": _fresh_block(api), "reason": "once more"}
    assert_limited(api.client.post("/v1/appeals", json=body, headers=headers))
    assert len(api.runtime.casework.stores.appeals.page(limit=1000)) == before
    _, other_key = api.runtime.stores.keys.create("platform", "jd")
    other = {"Authorization": f"Bearer {other_key}"}
    assert api.client.post("/v1/appeals", json=body, headers=other).status_code == 201


def test_account_appeals_per_account(api: Api) -> None:
    limit = api.runtime.gateway.snapshot.policy.reports.appeals_per_hour
    headers = api.headers("integrator")

    def appeal(account: str) -> httpx.Response:
        body = {"reason": "it was my class", "action_id": _fresh_action(api, account)}
        return api.client.post(f"/v1/accounts/{account}/appeals", json=body, headers=headers)

    for _ in range(limit):
        assert appeal("acct-loud").status_code == 201
    assert_limited(appeal("acct-loud"))
    assert appeal("acct-quiet").status_code == 201, "the limit is per account, not per key"


def test_appeal_limits_come_from_the_policy() -> None:
    limits = "reports: {appeals: {due_hours: 24, per_hour: 2, per_day: 5}}\n"
    policy = parse_policy(POLICY + limits)
    assert (policy.reports.appeals_per_hour, policy.reports.appeals_per_day) == (2, 5)
    with pytest.raises(DataFileError, match="per_hour"):
        parse_policy(POLICY + "reports: {appeals: {due_hours: 24, per_hour: 0}}\n")


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    for api in make_api(tmp_path, console_max_failures=3, console_client_max_failures=50):
        api.runtime.stores.users.create("root", hash_password(PASSWORD), "admin")
        yield api


def _sign_in(api: Api, password: str) -> httpx.Response:
    page = api.client.get("/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf_token": token.group(1), "username": "root", "password": password}
    return api.client.post("/console/login", data=form, follow_redirects=False)


def test_console_sign_in_locks_after_repeated_failures(console: Api) -> None:
    for _ in range(3):
        assert _sign_in(console, "guess").status_code == 401
    locked = _sign_in(console, PASSWORD)
    assert locked.status_code == 429
    assert "linkgate_console" not in console.client.cookies
