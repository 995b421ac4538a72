"""The preview fetcher cannot be aimed at internal services (SSRF).

The local page server stands for "the internet": it is reachable only under
the name ``pages.test`` (allow-listed by name, resolved by the test's
resolver), so every way of writing a loopback, private, link-local or mapped
address, every DNS answer and every redirect that lands in private space must
be refused — and the page server must see no request for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest

from linkgate.preview import PreviewFetcher, PreviewRefused
from tests.api.conftest import Api
from tests.preview.pages import PageServer, page_server

PAGES = "pages.test"


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


def resolver(
    answers: dict[str, list[list[str]]],
) -> tuple[Callable[[str, int], list[str]], list[str]]:
    """A resolver giving each name its answers in turn (the last one repeats); and its log."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        if host not in answers:
            raise OSError(f"{host}: no such name")
        turns = answers[host]
        return turns[min(asked.count(host), len(turns)) - 1]

    return resolve, asked


def fetcher(
    pages: PageServer, extra: dict[str, list[list[str]]] | None = None
) -> tuple[PreviewFetcher, list[str]]:
    resolve, asked = resolver({PAGES: [["127.0.0.1"]], **(extra or {})})
    return PreviewFetcher(allow_hosts={f"{PAGES}:{pages.port}"}, resolver=resolve), asked


def refused(fetch: PreviewFetcher, url: str) -> PreviewRefused:
    with pytest.raises(PreviewRefused) as error:
        fetch.fetch(url)
    return error.value


def internal_forms(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/page",
        f"http://127.0.0.2:{port}/page",
        f"http://127.1:{port}/page",
        f"http://2130706433:{port}/page",  # decimal
        f"http://0177.0.0.1:{port}/page",  # octal
        f"http://0x7f.0.0.1:{port}/page",  # hex
        f"http://0x7f000001:{port}/page",
        f"http://0:{port}/page",
        f"http://[::1]:{port}/page",
        f"http://[0:0:0:0:0:0:0:1]:{port}/page",
        f"http://[::ffff:127.0.0.1]:{port}/page",  # IPv4-mapped
        f"http://[::ffff:7f00:1]:{port}/page",
        f"http://[::127.0.0.1]:{port}/page",  # IPv4-compatible
        f"http://[64:ff9b::7f00:1]:{port}/page",  # NAT64
        f"http://[2002:7f00:1::]:{port}/page",  # 6to4
        f"http://[fe80::1]:{port}/page",
        f"http://[fc00::1]:{port}/page",
        "http://10.0.0.1/admin",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.1/",
        f"https://127.0.0.1:{port}/page",
        f"http://user:pw@127.0.0.1:{port}/page",
    ]


def test_internal_addresses_in_every_spelling_are_refused(pages: PageServer) -> None:
    fetch, _ = fetcher(pages)
    for url in internal_forms(pages.port):
        assert refused(fetch, url).reason == "private_address", url
    assert pages.hits == []
    # The allow-listed name itself works: the refusals are not a broken server.
    assert fetch.fetch(f"http://{PAGES}:{pages.port}/page").title is not None


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.1"],
        ["127.0.0.1"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["169.254.169.254"],
        ["93.184.216.34", "10.0.0.1"],
        ["fd00::1", "2606:4700::1111"],
    ],
)
def test_names_resolving_to_internal_addresses_are_refused(
    pages: PageServer, answer: list[str]
) -> None:
    fetch, _ = fetcher(pages, {"evil.test": [answer]})
    assert refused(fetch, f"http://evil.test:{pages.port}/page").reason == "private_address"
    assert pages.hits == []


def test_dns_rebinding_cannot_swap_the_address_after_the_check(pages: PageServer) -> None:
    """A name that answers an allowed address first, then a private one: the fetch
    connects to the address it checked, with one lookup per hop."""
    allowed = PreviewFetcher(
        allow_hosts={f"127.0.0.1:{pages.port}"},
        resolver=resolver({"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})[0],
    )
    preview = allowed.fetch(f"http://rebind.test:{pages.port}/page")
    assert preview.title is not None and pages.count("GET", "/page") == 1
    # The other way round: private first, refused before any connection.
    fetch, asked = fetcher(pages, {"rebind2.test": [["10.0.0.1"], ["127.0.0.1"]]})
    assert refused(fetch, f"http://rebind2.test:{pages.port}/page").reason == "private_address"
    assert asked.count("rebind2.test") == 1
    assert pages.count("GET", "/page") == 1


def test_redirects_into_private_space_are_refused(pages: PageServer) -> None:
    fetch, _ = fetcher(pages, {"inside.test": [["10.1.2.3"]]})
    targets = [
        *internal_forms(pages.port),
        f"http://inside.test:{pages.port}/page",
        "http://localhost/",
    ]
    for target in targets:
        url = f"http://{PAGES}:{pages.port}/goto?u={quote(target, safe='')}"
        assert refused(fetch, url).reason in ("private_address", "dns_failed"), target
    # Each redirect was requested, and nothing it pointed at.
    assert pages.count("GET", "/page") == 0
    assert sum(1 for h in pages.hits if h.path.startswith("/goto")) == len(targets)


def test_the_preview_api_refuses_internal_addresses(api: Api, pages: PageServer) -> None:
    for url in internal_forms(pages.port)[:17]:
        response = api.client.post(
            "/v1/previews", json={"url": url}, headers=api.headers("integrator")
        )
        assert response.status_code == 422, (url, response.text)
        problem = response.json()
        assert problem["type"] == "/problems/preview-private-address"
        assert response.headers["content-type"] == "application/problem+json"
    assert pages.hits == []
