"""Every endpoint × every role: allowed, 403, or 401 without a key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from linkgate.api.auth import ROLES
from linkgate.preview import PreviewFetcher
from tests.api.conftest import Api
from tests.preview.pages import PageServer, page_server

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
    ("GET", "/v1/jsapi/ticket", None, {"platform"}),
    ("POST", "/v1/jsapi/config", {"url": "https://m.jd.com/x"}, {"platform"}),
    ("POST", "/v1/previews", "preview-body", {"integrator", "admin"}),
]
PUBLIC = {"/healthz", "/readyz", "/metrics", "/l/{token}", "/l/{token}/continue"}


def _path(api: Api, template: str) -> str:
    revision = api.runtime.gateway.snapshot.revision
    if api.runtime.stores.policies.get(revision) is None:
        from linkgate.policy.loader import default_policy_path

        text = default_policy_path().read_text(encoding="utf-8")
        api.runtime.stores.policies.add(revision, "default", text, "compromise", "test")
    return template.format(group_id="g1", user_id="u1", platform_id="jd", revision=revision) + (
        "?against=" + revision if template.endswith("/diff") else ""
    )


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
