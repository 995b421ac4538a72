"""The platform portal in a real Chromium: sign in, every page of its own platform, 375 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from linkgate.web.portal.render import PAGES
from tests.browser.conftest import (
    MOBILE,
    PASSWORD,
    Linkgate,
    cli,
    requests_of,
    screenshot,
    start_linkgate,
)
from tests.browser.test_shim_pages import fits, only_linkgate
from tests.services import chromium_or_skip

JD = "http://item.jd.com/100012043978.html"
TAOBAO = "http://item.taobao.com/item.htm?id=55501"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def linkgate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Linkgate]:
    """A server with JD traffic and reports, a JD account and an Alibaba account."""
    chromium_or_skip()
    for started in start_linkgate(tmp_path_factory.mktemp("portal")):
        for username, platform in (("jd-ops", "jd"), ("ali-ops", "alibaba")):
            cli(
                started.home,
                started.database,
                "users",
                "create",
                "--username",
                username,
                "--role",
                "platform",
                "--platform",
                platform,
                "--password-stdin",
                stdin=PASSWORD + "\n",
            )
        for channel in ("private_chat", "group_chat", "group_chat"):
            started.share(JD, channel)
        shim = started.share(TAOBAO)
        for reporter in ("a", "b", "c"):
            for url in (JD, TAOBAO):
                filed = started.api(
                    "POST",
                    "/v1/reports",
                    json={"url": url, "category": "marketing", "reporter": reporter},
                )
                assert filed.status_code == 201, filed.text
        assert httpx.get(shim, timeout=10).status_code == 200
        yield started


def sign_in(context: Any, linkgate: Linkgate, username: str) -> Any:

    page = context.new_page()
    page.goto(f"{linkgate.url}/portal/")
    assert page.url.startswith(f"{linkgate.url}/portal/login")
    screenshot(page, "portal-login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#sign-in").click()
    return page


def test_every_portal_page_shows_its_own_platform_at_375px(
    linkgate: Linkgate, context: Any
) -> None:
    page = sign_in(context, linkgate, "jd-ops")
    requests = requests_of(page)
    assert page.url == f"{linkgate.url}/portal/credit"
    assert page.locator("#platform").inner_text() == "jd"
    for page_id, path, _ in PAGES:
        page.goto(linkgate.url + path)
        assert page.locator(f'nav a[data-page="{page_id}"]').get_attribute("aria-current") == (
            "page"
        )
        assert "taobao" not in page.locator("main").inner_text().lower()
        fits(page, MOBILE["width"])
        screenshot(page, f"portal-{page_id}-375")
    only_linkgate(requests, linkgate)

    page.goto(f"{linkgate.url}/portal/reports")
    assert JD in page.locator("#report-links").inner_text()
    assert page.locator("#total-pending").inner_text() == "3"
    page.goto(f"{linkgate.url}/portal/analytics")
    assert page.locator("#channel-chart svg rect.bar").count() >= 2
    groups = page.locator('#by-channel tr[data-key="group_chat"] td[data-field="shares"]')
    assert groups.inner_text() == "2"


def test_file_an_appeal_from_the_blocks_page(linkgate: Linkgate, browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    try:
        page = sign_in(context, linkgate, "jd-ops")
        page.goto(f"{linkgate.url}/portal/blocks")
        assert page.locator("#active-blocks tr[data-block]").count() == 1
        with page.expect_navigation():
            page.locator("#active-blocks a.appeal-link").click()
        assert page.locator("#target").input_value().startswith("blk_")
        page.locator("#reason").fill("This is our own product page; the reports are mistaken.")
        with page.expect_navigation():
            page.locator("#file-appeal").click()
        assert "filed" in page.locator("#filed").inner_text()
        row = page.locator("#appeals tr[data-appeal]")
        assert row.count() == 1 and row.get_attribute("data-status") == "open"
        screenshot(page, "portal-appeals-filed")
        for page_id, path, _ in PAGES:
            page.goto(linkgate.url + path)
            screenshot(page, f"portal-{page_id}-desktop")
    finally:
        context.close()


def test_another_platforms_account_sees_its_own(linkgate: Linkgate, context: Any) -> None:
    page = sign_in(context, linkgate, "ali-ops")
    page.goto(f"{linkgate.url}/portal/reports")
    links = page.locator("#report-links").inner_text()
    assert TAOBAO in links and JD not in links
    page.goto(f"{linkgate.url}/portal/appeals")
    assert page.locator("#appeals tr[data-appeal]").count() == 0, "JD's appeal is JD's"
