"""``POST /v1/previews`` on a real server runtime, fetching from a real local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from linkgate.preview import PreviewConfig, PreviewFetcher
from tests.api.conftest import Api, make_api
from tests.preview.pages import PageServer, page_server


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages: PageServer) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    yield from make_api(tmp_path, preview_allow_hosts=(pages.allow,))


def test_preview_of_a_page(api: Api, pages: PageServer) -> None:
    response = api.client.post(
        "/v1/previews", json={"url": f"{pages.base}/r/2"}, headers=api.headers("integrator")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "年货节 & Sale"
    assert body["og"]["image"] == "https://img.example/a.png"
    assert body["final_url"] == f"{pages.base}/page"
    assert body["redirects"] == [f"{pages.base}/r/1", f"{pages.base}/page"]


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/to-metadata", 422, "private_address"),
        ("/to-private", 422, "private_address"),
        ("/loop", 502, "too_many_redirects"),
        ("/image.png", 502, "not_html"),
        ("/huge", 502, "too_large"),
    ],
)
def test_refused_previews_are_problems(
    api: Api, pages: PageServer, path: str, status: int, reason: str
) -> None:
    response = api.client.post(
        "/v1/previews", json={"url": pages.base + path}, headers=api.headers("integrator")
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/preview-" + reason.replace("_", "-")
    assert problem["errors"][0]["message"] == reason
    assert problem["detail"].startswith(reason)


def test_timeout_is_504(api: Api, pages: PageServer) -> None:
    api.runtime.previews = PreviewFetcher(
        PreviewConfig(total_timeout=0.5), allow_hosts={pages.allow}
    )
    response = api.client.post(
        "/v1/previews", json={"url": f"{pages.base}/slow"}, headers=api.headers("admin")
    )
    assert response.status_code == 504
    assert response.json()["type"] == "/problems/preview-timeout"


def test_listed_links_are_not_visited(api: Api, pages: PageServer) -> None:
    api.runtime.stores.threat_lists.import_list(
        name="test-feed",
        source="feed.txt",
        format="openphish",
        category="phishing",
        entries=[("expression", "127.0.0.1/page")],
        by="test",
    )
    assert api.runtime.reload()
    response = api.client.post(
        "/v1/previews", json={"url": f"{pages.base}/r/1"}, headers=api.headers("integrator")
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/preview-blocked-link"
    assert "listed by test-feed as phishing" in response.json()["detail"]
    assert pages.count("GET", "/page") == 0
    assert pages.count("GET", "/r/1") == 1


def test_a_url_is_required(api: Api) -> None:
    response = api.client.post("/v1/previews", json={}, headers=api.headers("integrator"))
    assert response.status_code == 422


def test_a_fetched_preview_feeds_later_decisions_of_that_link(api: Api, pages: PageServer) -> None:
    url = f"{pages.base}/lure"
    before = api.client.post(
        "/v1/decisions",
        json={"url": url, "channel": "group_chat"},
        headers=api.headers("integrator"),
    ).json()
    # A loopback test page is blocked as an IP host anyway; the trace shows the content stage.
    assert not [c for c in before["trace"] if c["stage"] == "content"]
    preview = api.client.post(
        "/v1/previews", json={"url": url}, headers=api.headers("integrator")
    ).json()
    assert preview["content"][0]["category"] == "induced_sharing"
    after = api.client.post(
        "/v1/decisions",
        json={"url": url + "#again", "channel": "group_chat"},
        headers=api.headers("integrator"),
    ).json()
    (content,) = [c for c in after["trace"] if c["stage"] == "content"]
    assert content["reason"] == "induced_sharing"
