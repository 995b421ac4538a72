"""The casework pages in a real Chromium: review a report, decide an appeal, lift, fit a phone.

A real ``linkgate serve`` with reports, a violation, an appeal and an account
action made through the HTTP API; the console is driven through its forms.
Every console page is also opened 375 px wide (it must not scroll sideways)
and saved to ``build/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

# Importing the console registers its pages.
import linkgate.web.console  # noqa: F401
from linkgate.web.console.registry import pages
from tests.browser.conftest import (
    MOBILE,
    PASSWORD,
    Linkgate,
    cli,
    screenshot,
    start_linkgate,
)
from tests.services import chromium_or_skip

EVIL = "https://hongbao.evil-example.top/get/red.html"
JD = "https://item.jd.com/100012043978.html"
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Seeded:
    linkgate: Linkgate
    keys: dict[str, str]
    reports: list[str]
    block: str
    appeal: str

    def call(self, role: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[role]}"}
        return httpx.request(
            method, self.linkgate.url + path, headers=headers, timeout=10, **kwargs
        )

    def decide(self, url: str) -> dict[str, Any]:
        response = self.linkgate.api(
            "POST", "/v1/decisions", json={"url": url, "channel": "private_chat"}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    chromium_or_skip()
    for started in start_linkgate(tmp_path_factory.mktemp("casework")):
        for name, role in (("root", "admin"), ("olivia", "operator"), ("rene", "reviewer")):
            started.add_user(name, role)
        keys = {
            "integrator": started.integrator_key,
            "operator": cli(
                started.home, started.database, "keys", "create", "--role", "operator"
            ).strip(),
            "platform": cli(
                started.home,
                started.database,
                "keys",
                "create",
                "--role",
                "platform",
                "--platform",
                "jd",
            ).strip(),
        }
        found = Seeded(started, keys, [], "", "")
        for reporter in ("reporter-a", "reporter-b"):  # weight 2: below the restrict weight
            made = found.call(
                "integrator",
                "POST",
                "/v1/reports",
                json={"url": EVIL, "category": "fraud", "reporter": reporter},
            )
            assert made.status_code == 201, made.text
            found.reports.append(made.json()["report_id"])
        made = found.call(
            "integrator",
            "POST",
            "/v1/reports",
            json={"url": "https://quiet.example.top/", "category": "marketing", "reporter": "r-c"},
        )
        assert made.status_code == 201
        violation = found.call(
            "operator",
            "POST",
            "/v1/violations",
            json={"url": JD, "category": "fraud", "note": "fake"},
        )
        assert violation.status_code == 201, violation.text
        found.block = violation.json()["block"]["id"]
        appeal = found.call(
            "platform", "POST", "/v1/appeals", json={"target": found.block, "reason": "genuine"}
        )
        assert appeal.status_code == 201, appeal.text
        found.appeal = appeal.json()["id"]
        for n in range(35):
            shared = started.api(
                "POST",
                "/v1/decisions",
                json={
                    "url": JD,
                    "channel": "private_chat",
                    "sender": "spammer",
                    "recipient": f"friend-{n}",
                },
            )
            assert shared.status_code == 200, shared.text
        yield found


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    made = browser.new_context(viewport=DESKTOP, locale="en-US")
    made.set_default_timeout(15_000)
    yield made
    made.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    made = browser.new_context(viewport=MOBILE, locale="en-US")
    made.set_default_timeout(15_000)
    yield made
    made.close()


def sign_in(context: Any, linkgate: Linkgate, username: str) -> Any:
    page = context.new_page()
    page.goto(f"{linkgate.url}/console/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#sign-in").click()
    page.wait_for_load_state()
    assert page.locator("#whoami").is_visible()
    return page


def test_dashboard_charts_reports_and_platform_complaint_rates(seeded: Seeded, desk: Any) -> None:
    page = sign_in(desk, seeded.linkgate, "olivia")
    page.goto(f"{seeded.linkgate.url}/console/dashboard")
    bars = page.locator("#reports-chart rect.bar").evaluate_all(
        "bars => bars.map(b => [b.dataset.label, Number(b.dataset.value)])"
    )
    assert bars == [["marketing", 1], ["fraud", 2]]
    assert page.locator("#report-total").inner_text() == "3"
    assert page.locator('#platforms-chart rect.bar[data-label="jd"]').count() == 1
    assert page.locator('#platform-standings tr[data-platform="jd"]').count() == 1
    screenshot(page, "console-dashboard-casework")


def test_upholding_a_report_restricts_the_link(seeded: Seeded, desk: Any) -> None:
    before = seeded.decide(EVIL)
    assert before["treatment"] != "blocked"
    page = sign_in(desk, seeded.linkgate, "rene")
    page.goto(f"{seeded.linkgate.url}/console/reports")
    case = page.locator(f'section.case[data-url="{EVIL}"]')
    assert page.locator("section.case").first.get_attribute("data-url") == EVIL
    factors = case.locator("li[data-factor]").all_inner_texts()
    assert any(f.startswith("accuracy") for f in factors)
    assert case.locator("tr[data-report] td.weight").count() == 2
    screenshot(page, "console-reports-queue")
    case.locator("select[name=category]").select_option("fraud")
    case.locator("textarea[name=note]").fill("a fake red envelope page")
    case.locator("button.uphold").click()
    page.wait_for_url(re.compile(r".*/console/reports\?reviewed=rpt_\w+&block=blk_\w+$"))
    assert "upheld: block" in page.locator("#notice").inner_text()
    assert page.locator(f'section.case[data-url="{EVIL}"]').count() == 0
    screenshot(page, "console-reports-upheld")
    after = seeded.decide(EVIL)
    assert after["treatment"] == "blocked"
    assert any(c["rule"].startswith("block.blk_") for c in after["trace"])


def test_a_review_with_a_bad_note_keeps_what_was_typed(seeded: Seeded, desk: Any) -> None:
    page = sign_in(desk, seeded.linkgate, "rene")
    page.goto(f"{seeded.linkgate.url}/console/reports")
    case = page.locator("section.case").first
    url = case.get_attribute("data-url")
    note = "n" * 4001
    case.locator("textarea[name=note]").evaluate(
        "(t, v) => { t.removeAttribute('maxlength'); t.value = v; }", note
    )
    case.locator("button.reject").click()
    page.wait_for_load_state()
    kept = page.locator(f'section.case[data-url="{url}"]')
    assert "at most 4000 characters" in kept.locator("p.error").inner_text()
    assert kept.locator("textarea[name=note]").input_value() == note


def test_deciding_an_appeal_lifts_the_block(seeded: Seeded, desk: Any) -> None:
    assert seeded.decide(JD)["treatment"] == "blocked"
    page = sign_in(desk, seeded.linkgate, "rene")
    page.goto(f"{seeded.linkgate.url}/console/appeals")
    row = page.locator(f'tr[data-appeal="{seeded.appeal}"]')
    screenshot(page, "console-appeals-open")
    row.locator("textarea[name=note]").fill("the listing is genuine")
    row.locator("button.grant").click()
    page.wait_for_url(f"{seeded.linkgate.url}/console/appeals?decided={seeded.appeal}")
    assert "granted" in page.locator("#notice").inner_text()
    assert seeded.decide(JD)["treatment"] != "blocked"
    page.goto(f"{seeded.linkgate.url}/console/platforms/jd")
    assert page.locator("#score").inner_text() == "100.0"
    assert page.locator("#credit-chart circle.point").count() == 91
    assert page.locator("#credit-chart line.threshold").count() >= 3
    assert page.locator(f'#ended-blocks tr[data-block="{seeded.block}"]').count() == 1
    screenshot(page, "console-platform-jd")


def test_lifting_an_account_action(seeded: Seeded, desk: Any) -> None:
    page = sign_in(desk, seeded.linkgate, "olivia")
    page.goto(f"{seeded.linkgate.url}/console/enforcement?account=spammer")
    row = page.locator("#actions tr.active").first
    assert "warn" in row.locator(".kind").inner_text()
    screenshot(page, "console-enforcement-account")
    row.locator("button.lift-button").click()
    page.wait_for_load_state()
    assert "say why the action is lifted" in page.locator("p.error").first.inner_text()
    row = page.locator("#actions tr.active").first
    row.locator("input[name=reason]").fill("a campaign we approved")
    row.locator("button.lift-button").click()
    page.wait_for_url(re.compile(r".*/console/enforcement\?lifted=act_\w+$"))
    assert "a campaign we approved" in page.locator("#notice").inner_text()
    assert page.locator("#actions tr.active").count() == 0


def fits(page: Any, name: str) -> None:
    """The page is no wider than the phone; saved as ``console-mobile-<name>.png``."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{page.url} is {width}px wide"
    screenshot(page, f"console-mobile-{name}")


def test_every_console_page_fits_a_phone(seeded: Seeded, phone: Any) -> None:
    page = phone.new_page()
    page.goto(f"{seeded.linkgate.url}/console/login")
    fits(page, "login")
    page = sign_in(phone, seeded.linkgate, "root")
    for entry in pages():
        response = page.goto(seeded.linkgate.url + entry.path)
        assert response is not None and response.status == 200, entry.path
        fits(page, entry.id)
    page.goto(f"{seeded.linkgate.url}/console/platforms/jd")
    fits(page, "platform")
    page.goto(f"{seeded.linkgate.url}/console/policy")
    page.locator("#save").click()
    page.wait_for_url(re.compile(r".*/console/policy/revisions/\w+$"))
    fits(page, "policy-revision")
    page.goto(f"{seeded.linkgate.url}/console/audit?verify=true")
    fits(page, "audit-verified")
