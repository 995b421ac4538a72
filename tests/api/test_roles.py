"""Every endpoint × every role: allowed, 403, or 401 without a key."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from linkgate.api.auth import ROLES
from linkgate.casework import ReportIntake
from linkgate.preview import PreviewFetcher
from linkgate.storage.transactions import write_transaction
from tests.api.conftest import Api
from tests.preview.pages import PageServer, page_server

JD_ITEM = "https://item.jd.com/100012043978.html"

POLICY = "preset: compromise\nrollout: {closed: {treatment: copy_only}, phases: []}\n" + (
    "groups: {denied: {treatment: copy_only}, viewer_opt_out: {treatment: copy_only},"
    " settings: {allow: {}, deny: {allowed_kinds: []}, commerce_only: {allowed_kinds:"
    " [commerce]}, content_only: {allowed_kinds: [content]}}}\n"
)

# (method, path template, body, roles allowed)
MATRIX: list[tuple[str, str, Any, set[str]]] = [
    (
        "POST",
        "/v1/decisions",
        {"url": "https://jd.com/", "channel": "private_chat"},
        {"integrator", "admin"},
    ),
    ("POST", "/v1/decisions:batch", {"items": []}, {"integrator", "admin"}),
    ("GET", "/v1/groups/{group_id}/link-settings", None, {"integrator", "admin"}),
    ("PUT", "/v1/groups/{group_id}/link-settings", {"setting": "deny"}, {"integrator", "admin"}),
    ("GET", "/v1/groups/{group_id}/members/{user_id}/link-settings", None, {"integrator", "admin"}),
    (
        "PUT",
        "/v1/groups/{group_id}/members/{user_id}/link-settings",
        {"opt_out": True},
        {"integrator", "admin"},
    ),
    ("GET", "/v1/platforms/{platform_id}", None, {"operator", "platform", "reviewer", "admin"}),
    ("PUT", "/v1/platforms/{platform_id}", "platform-document", {"operator", "admin"}),
    ("POST", "/v1/policies", {"content": POLICY}, {"operator", "admin"}),
    ("GET", "/v1/policies", None, {"operator", "admin"}),
    ("GET", "/v1/policies/{revision}", None, {"operator", "admin"}),
    ("GET", "/v1/policies/{revision}/diff", None, {"operator", "admin"}),
    ("POST", "/v1/policies/{revision}/publish", None, {"operator", "admin"}),
    ("POST", "/v1/policies/{revision}/shadow", None, {"operator", "admin"}),
    ("GET", "/v1/policies/shadow", None, {"operator", "admin"}),
    ("DELETE", "/v1/policies/shadow", None, {"operator", "admin"}),
    ("GET", "/v1/policies/shadow/report", None, {"operator", "admin"}),
    ("GET", "/v1/jsapi/ticket", None, {"platform"}),
    ("POST", "/v1/jsapi/config", {"url": "https://m.jd.com/x"}, {"platform"}),
    ("POST", "/v1/reports", "report", {"integrator", "admin"}),
    ("GET", "/v1/reports", None, {"reviewer", "operator", "platform", "admin"}),
    ("GET", "/v1/reports/{report_id}", None, {"reviewer", "operator", "platform", "admin"}),
    (
        "POST",
        "/v1/reports/{report_id}/review",
        {"outcome": "rejected", "note": "fine"},
        {"reviewer", "admin"},
    ),
    ("POST", "/v1/appeals", "appeal", {"platform"}),
    ("GET", "/v1/appeals", None, {"reviewer", "operator", "platform", "admin"}),
    ("GET", "/v1/appeals/{appeal_id}", None, {"reviewer", "operator", "platform", "admin"}),
    (
        "POST",
        "/v1/appeals/{appeal_id}/decision",
        {"outcome": "denied", "note": "no"},
        {"reviewer", "admin"},
    ),
    (
        "GET",
        "/v1/platforms/{platform_id}/credit",
        None,
        {"operator", "reviewer", "platform", "admin"},
    ),
    (
        "GET",
        "/v1/platforms/{platform_id}/credit/history",
        None,
        {"operator", "reviewer", "platform", "admin"},
    ),
    ("GET", "/v1/platforms/{platform_id}/analytics", None, {"operator", "platform", "admin"}),
    ("GET", "/v1/blocks", None, {"operator", "reviewer", "admin"}),
    (
        "POST",
        "/v1/blocks",
        {"scope": "url", "target": "https://item.jd.com/1.html"},
        {"operator", "admin"},
    ),
    ("POST", "/v1/blocks/{block_id}/lift", {"reason": "ok"}, {"operator", "reviewer", "admin"}),
    ("GET", "/v1/overrides", None, {"operator", "reviewer", "admin"}),
    ("POST", "/v1/overrides", "override", {"operator", "admin"}),
    ("POST", "/v1/overrides/{override_id}/lift", None, {"operator", "admin"}),
    (
        "POST",
        "/v1/violations",
        {"url": "https://evil.example.top/x", "category": "fraud"},
        {"operator", "reviewer", "admin"},
    ),
    ("GET", "/v1/rollout/phases", None, {"operator", "reviewer", "admin"}),
    ("POST", "/v1/rollout/phases/{phase_id}/pause", {"reason": "x"}, {"operator", "admin"}),
    ("POST", "/v1/rollout/phases/{phase_id}/resume", None, {"operator", "admin"}),
    ("GET", "/v1/audit", None, {"operator", "reviewer", "admin"}),
    ("GET", "/v1/accounts/{account_id}/enforcement", None, {"operator", "reviewer", "admin"}),
    ("GET", "/v1/enforcement", None, {"operator", "reviewer", "admin"}),
    (
        "POST",
        "/v1/accounts/{account_id}/enforcement/{action_id}/lift",
        {"reason": "ok"},
        {"operator", "admin"},
    ),
    (
        "POST",
        "/v1/accounts/{account_id}/appeals",
        {"reason": "it was my class"},
        {"integrator", "admin"},
    ),
    ("GET", "/v1/audit/verify", None, {"operator", "admin"}),
    ("POST", "/v1/previews", "preview-body", {"integrator", "admin"}),
]
PUBLIC = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/l/{token}",
    "/l/{token}/continue",
    "/l/{token}/report",
}


def _path(api: Api, template: str) -> str:
    """The concrete path, with fresh objects for the ids it names (each call its own)."""
    revision = api.runtime.gateway.snapshot.revision
    if api.runtime.stores.policies.get(revision) is None:
        from linkgate.policy.loader import default_policy_path

        text = default_policy_path().read_text(encoding="utf-8")
        api.runtime.stores.policies.add(revision, "default", text, "compromise", "test")
    casework = api.runtime.casework
    ids: dict[str, str] = {
        "group_id": "g1",
        "user_id": "u1",
        "platform_id": "jd",
        "revision": revision,
    }
    if "{report_id}" in template:
        receipt = casework.file_report(
            ReportIntake(url=JD_ITEM, category="marketing", reporter=secrets.token_hex(6))
        )
        ids["report_id"] = receipt.report.id
    if "{block_id}" in template or "{appeal_id}" in template:
        ids["block_id"] = _fresh_block(api)
    if "{appeal_id}" in template:
        appeal = casework.file_appeal(
            platform="jd", target=ids["block_id"], reason="fixed", evidence_url=None, by="t"
        )
        ids["appeal_id"] = appeal.id
    if "{override_id}" in template:
        override = casework.add_override(
            scope="domain",
            target="jd.com",
            expires_at=datetime.now(UTC) + timedelta(days=1),
            note="test",
            by="t",
        )
        ids["override_id"] = override.id
    if "{account_id}" in template:
        ids["account_id"] = f"acct-{secrets.token_hex(4)}"
        ids["action_id"] = _fresh_action(api, ids["account_id"])
    if template.endswith("/pause") and "baseline" in casework.paused_phases():
        casework.resume_phase("baseline", by="t")
    if template.endswith("/resume") and "baseline" not in casework.paused_phases():
        casework.pause_phase("baseline", by="t", reason="test")
    ids["phase_id"] = "baseline"
    if template == "/v1/policies/shadow" and api.runtime.stores.shadow.get() is None:
        api.runtime.start_shadow(revision, "t")
    if template.endswith("/shadow/report"):
        return template + "?from=2021-10-01&to=2021-10-01"
    return template.format(**ids) + ("?against=" + revision if template.endswith("/diff") else "")


def _fresh_block(api: Api) -> str:
    block = api.runtime.casework.create_block(
        scope="url",
        target=f"https://item.jd.com/{secrets.randbelow(10**9)}.html",
        treatment="blocked",
        reason="enforcement_block",
        category="fraud",
        expires_at=None,
        note="test",
        by="t",
    )
    return block.id


def _fresh_action(api: Api, account: str) -> str:
    accounts = api.runtime.accounts
    with write_transaction(api.runtime.engine) as conn:
        action = accounts.store.add(
            conn,
            {
                "id": f"act_{secrets.token_hex(8)}",
                "account_hash": accounts.key(account),
                "action": "restrict_links",
                "rung": 2,
                "reason": "test",
                "evidence": {},
                "created_at": datetime.now(UTC),
                "created_by": "t",
                "expires_at": datetime.now(UTC) + timedelta(days=1),
                "lifted_at": None,
                "lifted_by": None,
                "lift_reason": None,
            },
        )
    return action.id


@pytest.fixture(scope="module")
def preview_pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


def _body(api: Api, body: Any, pages: PageServer) -> Any:
    if body == "preview-body":
        api.runtime.previews = PreviewFetcher(allow_hosts={pages.allow})
        return {"url": f"{pages.base}/page"}
    if body == "platform-document":
        return api.client.get("/v1/platforms/jd", headers=api.headers("admin")).json()
    if body == "report":
        return {"url": JD_ITEM, "category": "fraud", "reporter": secrets.token_hex(6)}
    if body == "appeal":
        return {"target": _fresh_block(api), "reason": "we fixed the page"}
    if body == "override":
        later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        return {"scope": "domain", "target": "jd.com", "expires_at": later, "note": "partner"}
    return body


def test_every_endpoint_is_in_the_matrix(api: Api) -> None:
    paths = api.app.openapi()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if path not in PUBLIC and method != "head"
    }
    assert routes == {(m, p) for m, p, _, _ in MATRIX}


@pytest.mark.parametrize(
    ("method", "template", "body", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_role_matrix(
    api: Api,
    preview_pages: PageServer,
    method: str,
    template: str,
    body: Any,
    allowed: set[str],
) -> None:
    path = _path(api, template)
    payload = _body(api, body, preview_pages)
    response = api.client.request(method, path, json=payload)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    for role in ROLES:
        path = _path(api, template)
        payload = _body(api, body, preview_pages)
        response = api.client.request(method, path, json=payload, headers=api.headers(role))
        if role in allowed:
            assert response.status_code < 400, (role, response.status_code, response.text)
        else:
            assert response.status_code == 403, (role, response.status_code, response.text)
            assert response.json()["status"] == 403


def test_platform_keys_see_only_their_own_platform(api: Api) -> None:
    own = api.client.get("/v1/platforms/jd", headers=api.headers("platform"))
    assert own.status_code == 200 and own.json()["id"] == "jd"
    other = api.client.get("/v1/platforms/alibaba", headers=api.headers("platform"))
    assert other.status_code == 403


def test_revoked_and_unknown_keys_are_refused(api: Api) -> None:
    key_id, secret = api.runtime.stores.keys.create("integrator")
    api.runtime.stores.keys.revoke(key_id)
    body = {"url": "https://jd.com/", "channel": "private_chat"}
    for token in (secret, "lg_nope_nope", "garbage"):
        response = api.client.post(
            "/v1/decisions", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401


def test_the_matrix_matches_the_roles_each_route_declares(api: Api) -> None:
    """The matrix above and the routes' own ``require(...)`` say the same thing
    (the role-by-role sweep over every route is in tests/security)."""
    from tests.security.routes import routes

    declared = {(r.method, r.path): r.roles for r in routes(api.app) if r.roles is not None}
    for method, template, _, allowed in MATRIX:
        assert declared[(method, template)] == allowed, (method, template)
