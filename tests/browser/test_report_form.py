"""Reporting a shared link from its own page, in a real Chromium at 375 px."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.browser.conftest import Linkgate, cli, requests_of, screenshot
from tests.browser.test_console import sign_in
from tests.browser.test_shim_pages import fits, only_linkgate

TAOBAO = "http://item.taobao.com/item.htm?id=777001"


def operator_key(linkgate: Linkgate) -> str:
    return cli(linkgate.home, linkgate.database, "keys", "create", "--role", "operator").strip()


def pending_reports(linkgate: Linkgate, key: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{linkgate.url}/v1/reports?status=pending",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return [r for case in response.json()["cases"] for r in case["reports"]]


def test_a_report_filed_through_the_form_reaches_the_review_queue(
    linkgate: Linkgate, context: Any
) -> None:
    shim = linkgate.share(TAOBAO)
    page = context.new_page()
    requests = requests_of(page)
    page.goto(shim)
    assert page.locator("h1").inner_text() == "将要访问"
    page.locator("#report").click()
    page.wait_for_load_state()
    assert page.url == shim + "/report"
    assert page.locator("h1").inner_text() == "投诉该网页"
    assert page.locator("#target-url").inner_text() == TAOBAO
    fits(page)
    screenshot(page, "report-form-zh")
    page.locator("label.choice", has_text="诱导分享/关注").click()
    page.locator("#comment").fill("要求转发到三个群才能领取")
    with page.expect_navigation():
        page.locator("#submit-report").click()
    assert page.locator("#report-heading").inner_text() == "投诉已提交"
    report_id = page.locator("#report-id").inner_text()
    assert report_id.startswith("rpt_")
    fits(page)
    screenshot(page, "report-done-zh")
    only_linkgate(requests, linkgate)

    found = [r for r in pending_reports(linkgate, operator_key(linkgate)) if r["url"] == TAOBAO]
    assert [r["report_id"] for r in found] == [report_id]
    assert found[0]["category"] == "induced_sharing"
    assert found[0]["comment"] == "要求转发到三个群才能领取"

    # A reviewer finds it in the console's queue, with its reporter's weight explained.
    linkgate.add_user("queue-reviewer", "reviewer")
    desk = context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        console = sign_in(desk, linkgate, "queue-reviewer")
        console.goto(f"{linkgate.url}/console/reports")
        case = console.locator(f'section.case[data-url="{TAOBAO}"]')
        assert case.count() == 1
        assert case.locator(f'tr[data-report="{report_id}"]').count() == 1
        assert case.locator("li[data-factor]").count() >= 1
        screenshot(console, "console-queue-after-form-report")
    finally:
        desk.close()

    page.goto(shim + "/report")
    page.locator("label.choice", has_text="谣言").click()
    with page.expect_navigation():
        page.locator("#submit-report").click()
    assert "你已投诉过该网页" in page.locator("#report-text").inner_text()
    assert page.locator("#report-id").inner_text() == report_id


def test_the_form_in_english_needs_a_reason(linkgate: Linkgate, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(linkgate.share(TAOBAO + "1") + "/report")
        assert page.locator("h1").inner_text() == "Report this page"
        assert page.locator("label.choice").count() == 12
        page.locator("#submit-report").click()  # the browser asks for a reason first
        assert page.url.endswith("/report")
        assert page.locator("#report-heading").count() == 0
        fits(page)
        screenshot(page, "report-form-en")
    finally:
        context.close()


def test_too_many_reports_get_a_page_saying_when_to_try_again(
    linkgate: Linkgate, context: Any
) -> None:
    for i in range(20):
        shim = linkgate.share(f"http://www.example.com/spam/{i}")
        form = context.request.get(shim + "/report").text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        filed = context.request.post(
            shim + "/report", form={"csrf_token": token.group(1), "category": "marketing"}
        )
        assert filed.status == 201
    page = context.new_page()
    page.goto(linkgate.share("http://www.example.com/spam/last") + "/report")
    page.locator("label.choice", has_text="营销外链").click()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("#submit-report").click()
    response = posted.value
    assert response.status == 429 and 0 < int(response.headers["retry-after"]) <= 3600
    page.wait_for_load_state()
    assert page.locator("#report-heading").inner_text() == "投诉过于频繁"
    assert "分钟后再试" in page.locator("#report-text").inner_text()
    fits(page)
    screenshot(page, "report-limited-zh")
