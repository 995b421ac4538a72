"""Reporting a link from its own page (no browser): the form, CSRF, dedup, rate limit."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import httpx
import pytest

from linkgate.opening.shim import ShimClaims, sign
from linkgate.vocabulary import REPORT_CATEGORIES
from linkgate.web.i18n import REPORT_REASONS
from tests.api.conftest import Api

TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"
JD = "https://item.jd.com/100012043978.html"


def shim(api: Api, url: str, channel: str = "private_chat", **extra: object) -> str:
    response = api.client.post(
        "/v1/decisions",
        json={"url": url, "channel": channel, **extra},
        headers=api.headers("integrator"),
    )
    assert response.status_code == 200, response.text
    return urlsplit(response.json()["shim_url"]).path


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def file(api: Api, path: str, category: str = "fraud", comment: str = "") -> httpx.Response:
    form = api.client.get(f"{path}/report")
    assert form.status_code == 200
    return api.client.post(
        f"{path}/report",
        data={"csrf_token": csrf(form), "category": category, "comment": comment},
    )


def pending(api: Api) -> list[dict[str, object]]:
    body = api.client.get("/v1/reports?status=pending", headers=api.headers("operator")).json()
    return [r for case in body["cases"] for r in case["reports"]]


def test_every_report_category_is_offered_once() -> None:
    assert sorted(REPORT_REASONS) == sorted(REPORT_CATEGORIES)


def test_warning_copy_only_and_blocked_pages_link_to_the_form(api: Api) -> None:
    warn = shim(api, TAOBAO)
    assert f'href="{warn}/report"' in api.client.get(warn).text
    api.client.put(
        "/v1/groups/g-deny/link-settings",
        json={"setting": "deny"},
        headers=api.headers("integrator"),
    )
    copy = shim(api, JD, "group_chat", group="g-deny")
    page = api.client.get(copy)
    assert "如需浏览" in page.text and f'href="{copy}/report"' in page.text
    blocked = shim(api, "https://taobao.com@evil.top/login")
    page = api.client.get(blocked)
    assert "已停止访问该网页" in page.text and f'href="{blocked}/report"' in page.text
    openable = shim(api, "https://www.example.com/page")
    preview = api.client.get(openable, headers={"User-Agent": "TelegramBot (like TwitterBot)"})
    assert preview.status_code == 200 and "/report" not in preview.text


def test_the_form_lists_the_reasons_users_know_in_chinese_and_english(api: Api) -> None:
    path = shim(api, TAOBAO)
    zh = api.client.get(f"{path}/report")
    assert zh.status_code == 200 and 'lang="zh-CN"' in zh.text
    for label in ("投诉该网页", "欺诈", "虚假红包", "诱导分享/关注", "收集个人隐私", "营销外链"):
        assert label in zh.text
    assert zh.text.count('name="category"') == len(REPORT_CATEGORIES)
    cookie = next(c for c in zh.headers.get_list("set-cookie") if "linkgate_reporter=" in c)
    assert "HttpOnly" in cookie and "Path=/l" in cookie and "SameSite=lax" in cookie
    en = api.client.get(f"{path}/report", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Report this page" in en.text and "Fake red envelope" in en.text


def test_a_report_is_filed_and_found_in_the_queue(api: Api) -> None:
    path = shim(api, TAOBAO)
    done = file(api, path, "induced_sharing", comment="转发三个群才能看")
    assert done.status_code == 201, done.text
    assert "投诉已提交" in done.text
    assert "投诉原因：<strong" in done.text and "投诉编号：<code" in done.text
    report_id = re.search(r'id="report-id">(rpt_[^<]+)<', done.text)
    assert report_id is not None
    (found,) = pending(api)
    assert found["report_id"] == report_id.group(1)
    assert found["url"] == TAOBAO and found["category"] == "induced_sharing"
    assert found["channel"] == "private_chat" and found["comment"] == "转发三个群才能看"
    entry = list(api.runtime.stores.audit.entries())[-1]
    assert entry.action == "report.file" and entry.actor.startswith("reporter:")
    assert "browser" not in entry.actor, "the reporter is pseudonymised"


def test_the_english_receipt_punctuates_in_english(api: Api) -> None:
    path = shim(api, TAOBAO)
    english = {"Accept-Language": "en"}
    form = api.client.get(f"{path}/report", headers=english)
    done = api.client.post(
        f"{path}/report",
        data={"csrf_token": csrf(form), "category": "fraud", "comment": ""},
        headers=english,
    )
    assert done.status_code == 201, done.text
    assert "Reason: <strong" in done.text and "Report number: <code" in done.text
    assert "：" not in done.text


def test_the_same_browser_reporting_twice_gets_the_same_report(api: Api) -> None:
    path = shim(api, TAOBAO)
    first = file(api, path)
    again = file(api, shim(api, TAOBAO, "group_chat"), "rumor")
    assert again.status_code == 200 and "你已投诉过该网页" in again.text
    ids = [re.search(r"(rpt_[0-9a-z_]+)", r.text) for r in (first, again)]
    assert ids[0] is not None and ids[1] is not None and ids[0].group(1) == ids[1].group(1)
    api.client.cookies.clear()
    other = file(api, path)
    assert other.status_code == 201, "another browser is another reporter"
    assert len(pending(api)) == 2


def test_posts_without_the_forms_token_are_refused(api: Api) -> None:
    path = shim(api, TAOBAO)
    form = api.client.get(f"{path}/report")
    token = csrf(form)
    missing = api.client.post(f"{path}/report", data={"category": "fraud"})
    assert missing.status_code == 403 and "页面已过期" in missing.text
    other_link = shim(api, JD)
    moved = api.client.post(f"{other_link}/report", data={"csrf_token": token, "category": "fraud"})
    assert moved.status_code == 403, "a token is bound to its link"
    api.client.cookies.clear()
    stolen = api.client.post(f"{path}/report", data={"csrf_token": token, "category": "fraud"})
    assert stolen.status_code == 403, "a token is bound to the browser's cookie"
    assert pending(api) == []


def test_bad_forms_show_the_form_again(api: Api) -> None:
    path = shim(api, TAOBAO)
    no_reason = file(api, path, category="")
    assert no_reason.status_code == 422 and "请选择一个投诉原因" in no_reason.text
    long = file(api, path, category="other", comment="长" * 501)
    assert long.status_code == 422 and "最多 500 字" in long.text
    assert 'value="other" id="reason-other" checked' in long.text
    assert pending(api) == []


def test_tampered_tokens_get_no_form(api: Api) -> None:
    path = shim(api, TAOBAO)
    bad = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert api.client.get(f"{bad}/report").status_code == 403
    assert api.client.post(f"{bad}/report", data={"category": "fraud"}).status_code == 403


def test_too_many_reports_get_a_friendly_page_with_retry_after(api: Api) -> None:
    keys, now = api.runtime.keys, int(time.time())
    for i in range(20):
        token = sign(ShimClaims(f"https://s{i}.example.top/", "private_chat", None, now), keys)
        assert file(api, f"/l/{token}").status_code == 201
    token = sign(ShimClaims("https://s99.example.top/", "private_chat", None, now), keys)
    limited = file(api, f"/l/{token}")
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert "投诉过于频繁" in limited.text and "分钟后再试" in limited.text
    assert limited.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_pages_load_nothing_from_elsewhere(api: Api, lang: str) -> None:
    path = shim(api, TAOBAO)
    form = api.client.get(f"{path}/report", headers={"Accept-Language": lang})
    assert "default-src 'self'" in form.headers["content-security-policy"]
    assert not re.search(r'(src|href)="(https?:)?//', form.text)
