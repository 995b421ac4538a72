"""Every API route × every role, enumerated from the app (new routes are covered as they land).

Each route outside the public set must declare its roles; a key of any other
role gets 403, no key or an unknown key 401, an allowed role passes the gate.
A platform key never reaches another platform's data. The concrete happy
paths per role are in ``tests/api/test_roles.py``.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from linkgate.api.auth import ROLES
from linkgate.casework import ReportIntake
from tests.api.conftest import Api
from tests.api.test_roles import PUBLIC
from tests.security.routes import Route, routes

OWN = "jd"
OTHER = "alibaba"
JD_ITEM = "https://item.jd.com/100012043978.html"
TAOBAO_ITEM = "https://item.taobao.com/item.htm?id=6543210987"


def api_routes(api: Api) -> list[Route]:
    return [r for r in routes(api.app) if r.in_schema and r.path not in PUBLIC]


def concrete(path: str, platform: str = OWN) -> str:
    return path.replace("{platform_id}", platform).format_map(_Dummy())


class _Dummy(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"nope-{key}"


def test_every_api_route_declares_its_roles(api: Api) -> None:
    undeclared = [f"{r.method} {r.path}" for r in api_routes(api) if r.roles is None]
    assert not undeclared, f"routes without require(...): {undeclared}"
    assert len(api_routes(api)) >= 40


def test_every_role_on_every_route(api: Api) -> None:
    seen = 0
    for route in api_routes(api):
        path = concrete(route.path)

        def request(headers: dict[str, str], route: Route = route, path: str = path) -> Any:
            body = {} if route.method in ("POST", "PUT", "PATCH") else None
            return api.client.request(route.method, path, json=body, headers=headers)

        anonymous = request({})
        assert anonymous.status_code == 401, (route, anonymous.text)
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert "Bearer" in anonymous.headers["www-authenticate"]
        for token in ("lg_unknown_key", api.keys["admin"] + "x"):
            assert request({"Authorization": f"Bearer {token}"}).status_code == 401, route
        assert route.roles is not None
        for role in ROLES:
            response = request(api.headers(role))
            if role in route.roles:
                assert response.status_code not in (401, 403), (route, role, response.text)
            else:
                assert response.status_code == 403, (route, role, response.text)
                assert response.json()["type"] == "/problems/role-forbidden"
            seen += 1
    assert seen >= 40 * len(ROLES)


def test_a_platform_key_never_names_another_platform(api: Api) -> None:
    platform_routes = [
        r
        for r in api_routes(api)
        if r.roles is not None
        and "platform" in r.roles
        and ("{platform_id}" in r.path or "platform" in r.query)
    ]
    assert platform_routes, "no platform-scoped routes found"
    for route in platform_routes:
        path = concrete(route.path, OTHER)
        params = {"platform": OTHER} if "platform" in route.query else None
        body = {} if route.method in ("POST", "PUT") else None
        response = api.client.request(
            route.method, path, params=params, json=body, headers=api.headers("platform")
        )
        assert response.status_code == 403, (route, response.text)
        assert response.json()["type"] == "/problems/other-platform"


def test_platform_listings_and_records_stay_within_the_platform(api: Api) -> None:
    casework = api.runtime.casework
    theirs = casework.file_report(
        ReportIntake(url=TAOBAO_ITEM, category="fraud", reporter=secrets.token_hex(4))
    ).report
    casework.file_report(ReportIntake(url=JD_ITEM, category="fraud", reporter="r2"))
    block = casework.create_block(
        scope="url",
        target=TAOBAO_ITEM,
        treatment="blocked",
        reason="enforcement_block",
        category="fraud",
        expires_at=None,
        note="t",
        by="t",
    )
    appeal = casework.file_appeal(
        platform=None, target=block.id, reason="fixed", evidence_url=None, by="op"
    )
    headers = api.headers("platform")
    for listing in ("/v1/reports", "/v1/appeals"):
        every = api.client.get(listing, headers=api.headers("admin")).json()
        mine = api.client.get(listing, headers=headers).json()
        assert _platforms(every) >= {OTHER}, listing
        assert _platforms(mine) <= {OWN}, (listing, mine)
    for path in (f"/v1/reports/{theirs.id}", f"/v1/appeals/{appeal.id}"):
        assert api.client.get(path, headers=headers).status_code in (403, 404), path
    stolen = api.client.post(
        "/v1/appeals", json={"target": block.id, "reason": "mine now"}, headers=headers
    )
    assert stolen.status_code == 403, stolen.text


def _platforms(listing: object) -> set[str]:
    lists = (
        [v for v in listing.values() if isinstance(v, list)] if isinstance(listing, dict) else []
    )
    items = lists[0] if lists else listing
    assert isinstance(items, list), listing
    return {item["platform"] for item in items if item.get("platform")}


@pytest.mark.parametrize("role", ROLES)
def test_keys_of_each_role_are_not_accepted_as_console_sessions(api: Api, role: str) -> None:
    response = api.client.get(
        "/console/dashboard", headers=api.headers(role), follow_redirects=False
    )
    assert response.status_code == 303 and "/console/login" in response.headers["location"]
