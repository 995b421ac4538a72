"""``linkgate demo``: fill the embedded store so a new user has something to look at."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console
from rich.progress import track

from linkgate.casework import ReportIntake
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.events import event_record
from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.runtime import Runtime
from linkgate.settings import Settings
from linkgate.storage.audit import AuditLog
from linkgate.storage.console_users import ConsoleUserStore, UserExistsError
from linkgate.storage.events import EventRecord
from linkgate.web.console.passwords import hash_password

#: Console and portal accounts the demo makes: (username, role, platform).
DEMO_USERS = (("demo-admin", "admin", None), ("demo-jd", "platform", "jd"))

SAMPLE_LINKS = (
    "https://item.taobao.com/item.htm?id=6543210987",
    "https://detail.tmall.com/item.htm?id=675432109876",
    "https://v.douyin.com/iJ8abc/",
    "https://item.jd.com/100012043978.html",
    "https://mobile.yangkeduo.com/goods.html?goods_id=123456789",
    "https://www.bilibili.com/video/BV1GJ411x7h7",
    "https://www.zhihu.com/question/123456",
    "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv",
    "https://docs.qq.com/doc/DSGVsbG8xMjM",
    "https://www.example.com/page",
    "https://taobao.com@evil.top/",
)
CHANNELS = ("private_chat", "private_chat", "group_chat", "group_chat", "moments")


def demo_cmd(
    database: str | None = DATABASE_OPTION,
    decisions: int = typer.Option(500, "--decisions", help="Sample decisions to record."),
) -> None:
    """Load the default policy (published), sample groups, keys and decision history."""
    console = Console(stderr=True)
    runtime = Runtime(Settings.from_env().with_overrides(database_url=database))
    try:
        text = default_policy_path().read_text(encoding="utf-8")
        policy = parse_policy(text, "default.yaml")
        stores = runtime.stores
        stores.policies.add(policy.revision, policy.name, text, policy.path, "demo")
        live = stores.policies.live()
        if live is None or live.revision != policy.revision:
            runtime.publish(policy.revision, "demo")
        stores.groups.set_group("demo-family", "allow", "demo")
        stores.groups.set_group("demo-no-links", "deny", "demo")
        stores.groups.set_group("demo-shopping", "commerce_only", "demo")
        rng = random.Random(20210917)
        now = datetime.now(UTC)
        rows: list[EventRecord] = []
        for _ in track(range(decisions), description="recording sample decisions", console=console):
            url = rng.choice(SAMPLE_LINKS)
            channel = rng.choice(CHANNELS)
            at = now - timedelta(seconds=rng.randrange(7 * 86_400))
            sender = f"demo-user-{rng.randrange(50)}"
            decision = runtime.gateway.decide(url, channel=channel, at=at, sender=sender)
            rows.append(event_record(decision, "share", runtime.pseudonym, sender=sender))
        stores.events.add_records(rows)
        casework_samples = _casework(runtime)
        keys = {
            role: stores.keys.create(role, platform, "demo")[1]
            for role, platform in (
                ("integrator", None),
                ("operator", None),
                ("reviewer", None),
                ("platform", "jd"),
            )
        }
        users = _users(runtime)
    finally:
        runtime.close()
    console.print(f"published policy {policy.revision}; recorded {decisions} sample decisions")
    if casework_samples:
        console.print(casework_samples)
    console.print("demo API keys (shown only now):")
    for role, secret in keys.items():
        console.print(f"  {role:<10} {secret}")
    if users:
        console.print("demo console and portal users (passwords shown only now):")
        for username, role, password in users:
            console.print(f"  {role:<10} {username:<12} {password}")
    console.print(
        "next: linkgate serve   (then open http://127.0.0.1:8000/console/ to sign in,"
        " /portal/ for a platform, /docs for the API)"
    )


def _users(runtime: Runtime) -> list[tuple[str, str, str]]:
    """Make the demo's console and portal users; those already there keep their passwords."""
    store = ConsoleUserStore(runtime.engine)
    made = []
    for username, role, platform in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        try:
            store.create(username, hash_password(password), role, platform, "demo")
        except UserExistsError:
            continue
        data = {"role": role, **({"platform": platform} if platform else {})}
        AuditLog(runtime.engine).append("demo", "users.create", f"user:{username}", data)
        made.append((username, role, password))
    return made


def _casework(runtime: Runtime) -> str:
    """Sample reports, a restriction, a review, a violation with an open appeal and an
    account action, so the review queue, credit and enforcement views are not empty.
    Added once: a store that already holds reports is left as it is."""
    casework = runtime.casework
    if casework.stores.reports.page(limit=1):
        return ""
    bad = "https://hongbao.demo-example.top/get/red.html"
    for n in range(3):
        casework.file_report(
            ReportIntake(url=bad, category="fake_red_envelope", reporter=f"demo-reporter-{n}")
        )
    lure = "https://share.demo-example.top/zhuli?id=7"
    receipts = [
        casework.file_report(
            ReportIntake(url=lure, category="induced_sharing", reporter=f"demo-reporter-{n}")
        )
        for n in range(3, 6)
    ]
    casework.review(receipts[0].report.id, outcome="upheld", by="demo", note="demo: 助力 lure")
    casework.file_report(
        ReportIntake(
            url="https://item.jd.com/100012043978.html",
            category="marketing",
            reporter="demo-reporter-9",
        )
    )
    made = casework.record_violation(
        "https://item.taobao.com/item.htm?id=6543210987", "fake", by="demo", note="demo"
    )
    casework.file_appeal(
        platform="alibaba",
        target=made["block"]["id"],
        reason="demo: the listing was corrected",
        evidence_url=None,
        by="demo",
    )
    for i in range(40):
        runtime.accounts.observe(
            event=f"demo-{i}",
            sender="demo-spammer",
            recipients=[f"demo-user-{i}"],
            link="https://item.jd.com/100012043978.html",
            platform="jd",
        )
    return "added sample reports, a review, a violation with an open appeal, an account action"
