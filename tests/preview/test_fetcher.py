"""The preview fetcher against a real local HTTP server: what it reads, what it refuses."""

from __future__ import annotations

import time

import pytest

from linkgate.preview import PREVIEW_HEADERS, USER_AGENT, PreviewConfig, PreviewFetcher
from linkgate.preview.fetcher import PreviewRefused
from tests.preview.pages import PageServer


def fetcher(pages: PageServer, **config: float) -> PreviewFetcher:
    return PreviewFetcher(PreviewConfig(**config), allow_hosts={pages.allow})  # type: ignore[arg-type]


def refused(f: PreviewFetcher, url: str) -> PreviewRefused:
    with pytest.raises(PreviewRefused) as info:
        f.fetch(url)
    return info.value


def test_reads_title_description_and_og_tags(pages: PageServer) -> None:
    preview = fetcher(pages).fetch(f"{pages.base}/page")
    assert preview.title == "年货节 & Sale"
    assert preview.description == "Everything half price"
    assert preview.og == {
        "title": "OG title",
        "description": "OG description",
        "image": "https://img.example/a.png",
        "url": "https://shop.example/item/1",
    }
    assert preview.status == 200 and preview.charset == "utf-8"


def test_every_request_is_a_plain_get_that_says_it_is_a_preview(pages: PageServer) -> None:
    fetcher(pages).fetch(f"{pages.base}/page")
    (hit,) = pages.hits
    assert hit.method == "GET"
    assert hit.headers["user-agent"] == USER_AGENT
    assert hit.headers["host"] == pages.allow
    for name, value in PREVIEW_HEADERS.items():
        assert hit.headers[name.lower()] == value
    assert "cookie" not in hit.headers and "authorization" not in hit.headers


@pytest.mark.parametrize(
    ("path", "title", "charset"),
    [("/gbk", "京东商城 - 正品低价", "gb18030"), ("/gbk-meta", "淘宝网 - 淘！我喜欢", "gb18030")],
)
def test_gbk_pages(pages: PageServer, path: str, title: str, charset: str) -> None:
    preview = fetcher(pages).fetch(pages.base + path)
    assert (preview.title, preview.charset) == (title, charset)


def test_follows_redirects_checking_each_hop(pages: PageServer) -> None:
    preview = fetcher(pages).fetch(f"{pages.base}/r/3")
    assert preview.title == "年货节 & Sale"
    assert preview.redirects == (
        f"{pages.base}/r/2",
        f"{pages.base}/r/1",
        f"{pages.base}/page",
    )
    assert preview.final_url == f"{pages.base}/page"


def test_redirect_cap(pages: PageServer) -> None:
    error = refused(fetcher(pages, max_redirects=2), f"{pages.base}/r/3")
    assert error.reason == "too_many_redirects"
    assert refused(fetcher(pages), f"{pages.base}/loop").reason == "too_many_redirects"
    assert pages.count("GET", "/loop") == 6  # the first request and five redirects


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/to-private", "10.0.0.1, a private address"),
        ("/to-metadata", "169.254.169.254, a link-local address"),
        ("/to-ipv6-loopback", "::1, a loopback address"),
        ("/to-mapped", "loopback (embedded IPv4 127.0.0.1)"),
    ],
)
def test_redirects_to_internal_addresses_are_refused(
    pages: PageServer, path: str, detail: str
) -> None:
    error = refused(fetcher(pages), pages.base + path)
    assert error.reason == "private_address"
    assert detail in error.detail
    assert len(pages.hits) == 1  # only the redirecting page was fetched


def test_local_addresses_are_refused_without_the_allowlist(pages: PageServer) -> None:
    plain = PreviewFetcher()
    for url in (f"{pages.base}/page", f"http://localhost:{pages.port}/page", "http://0/x"):
        assert refused(plain, url).reason == "private_address"
    assert pages.hits == []


def test_other_schemes_are_refused(pages: PageServer) -> None:
    f = fetcher(pages)
    assert refused(f, "ftp://127.0.0.1/file").reason == "unsupported_scheme"
    assert refused(f, "javascript:alert(1)").reason in ("unsupported_scheme", "invalid_url")
    assert refused(f, f"{pages.base}/to-ftp").reason == "unsupported_scheme"


def test_size_cap(pages: PageServer) -> None:
    f = fetcher(pages, max_bytes=100_000)
    assert refused(f, f"{pages.base}/huge").reason == "too_large"
    assert refused(f, f"{pages.base}/huge-stream").reason == "too_large"


def test_total_timeout_on_a_slow_body(pages: PageServer) -> None:
    f = fetcher(pages, total_timeout=1.0, read_timeout=5.0)
    started = time.monotonic()
    assert refused(f, f"{pages.base}/slow").reason == "timeout"
    assert time.monotonic() - started < 3.0


def test_not_html_and_http_errors(pages: PageServer) -> None:
    f = fetcher(pages)
    assert refused(f, f"{pages.base}/image.png").reason == "not_html"
    assert refused(f, f"{pages.base}/missing").reason == "http_error"


def test_single_use_links_are_never_spent(pages: PageServer) -> None:
    f = fetcher(pages)
    preview = f.fetch(f"{pages.base}/invite/abc")
    assert preview.title == "invite open"  # the page has a POST form; it is not submitted
    f.fetch(f"{pages.base}/once")
    # A 307 to the accepting endpoint is followed with GET, never by repeating a POST.
    assert f.fetch(f"{pages.base}/post-redirect").title == "invite open"
    assert pages.count("GET", "/invite/abc/accept") == 1
    assert pages.count("POST", "/invite/abc/accept") == 0
    assert pages.consumed == set()
    assert {h.method for h in pages.hits} == {"GET"}


def test_no_cookies_across_redirects(pages: PageServer) -> None:
    assert fetcher(pages).fetch(f"{pages.base}/set-cookie").title == "no cookie"


def test_results_are_cached(pages: PageServer) -> None:
    f = fetcher(pages)
    first = f.fetch(f"{pages.base}/page")
    assert f.fetch(f"{pages.base}/page") is first
    assert pages.count("GET", "/page") == 1
    refused(f, f"{pages.base}/missing")
    refused(f, f"{pages.base}/missing")
    assert pages.count("GET", "/missing") == 1
    f.clear_cache()
    f.fetch(f"{pages.base}/page")
    assert pages.count("GET", "/page") == 2


def test_connects_to_the_checked_address_only(pages: PageServer) -> None:
    calls: list[str] = []
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    f = PreviewFetcher(allow_hosts={f"rebind.test:{pages.port}"}, resolver=rebinding)
    # rebind.test is not in any real DNS: the fetch works only because the
    # connection goes to the address the check resolved, not to a new lookup.
    assert f.fetch(f"http://rebind.test:{pages.port}/page").title == "年货节 & Sale"
    assert calls == ["rebind.test"]
    assert pages.hits[0].headers["host"] == f"rebind.test:{pages.port}"


def test_a_host_with_any_internal_address_is_refused(pages: PageServer) -> None:
    f = PreviewFetcher(
        allow_hosts={pages.allow}, resolver=lambda host, port: ["127.0.0.1", "10.0.0.1"]
    )
    error = refused(f, f"http://mixed.test:{pages.port}/page")
    assert error.reason == "private_address" and "10.0.0.1" in error.detail
    assert pages.hits == []


def test_unresolvable_hosts(pages: PageServer) -> None:
    def nowhere(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    assert refused(PreviewFetcher(resolver=nowhere), "http://nx.test/").reason == "dns_failed"


def test_link_check_refuses_every_hop(pages: PageServer) -> None:
    def check(url: str) -> str | None:
        return "listed by test as phishing" if url.endswith("/r/1") else None

    f = PreviewFetcher(allow_hosts={pages.allow}, link_check=check)
    error = refused(f, f"{pages.base}/r/3")
    assert error.reason == "blocked_link" and error.url.endswith("/r/1")
    assert pages.count("GET", "/r/1") == 0
