"""A real Synapse homeserver with the linkgate module in remote mode, driven by matrix-nio.

The module calls a real ``linkgate serve`` with an integrator key, through a
loopback relay that the last test uses to make the server hang or vanish.
The module's policy clock is fixed at 2021-09-20, after competitor links
opened in one-to-one chats (2021-09-17); the module sends it as ``at``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from linkgate.storage.engine import make_engine
from linkgate.storage.repos import KeyStore
from tests.matrix.chat import direct_room, group_room, put_state, received, send
from tests.matrix.homeserver import (
    Account,
    Homeserver,
    clients,
    start_homeserver,
    synapse_or_skip,
)
from tests.matrix.relay import Relay
from tests.service.servers import Server, start_server

TAOBAO_ITEM = "https://item.taobao.com/item.htm?id=520123"
JD_ITEM = "https://item.jd.com/100012043978.html"
ZHIHU = "https://www.zhihu.com/question/19550225"
TIMEOUT_SECONDS = 1.0


@dataclass
class World:
    homeserver: Homeserver
    linkgate: Server
    relay: Relay
    alice: Account
    bob: Account
    carol: Account


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    synapse_or_skip()
    home = tmp_path_factory.mktemp("linkgate")
    database = f"sqlite:///{home}/linkgate.sqlite"
    linkgate = start_server(home, database)
    relay = Relay(int(linkgate.url.rsplit(":", 1)[1]))
    homeserver: Homeserver | None = None
    try:
        _, integrator_key = KeyStore(make_engine(database)).create("integrator", None, "synapse")
        homeserver = start_homeserver(
            tmp_path_factory.mktemp("synapse"),
            {
                "mode": "remote",
                "server": {
                    "url": relay.url,
                    "api_key": integrator_key,
                    "timeout_seconds": TIMEOUT_SECONDS,
                },
                "shim": {"public_url": linkgate.url},
                "broadcast_rooms": ["#feed-*:localhost"],
                "pseudonym_key": "matrix-remote-test",
                "clock": {"fixed": "2021-09-20T12:00:00+08:00"},
            },
        )
        yield World(
            homeserver,
            linkgate,
            relay,
            homeserver.register("alice"),
            homeserver.register("bob"),
            homeserver.register("carol"),
        )
    finally:
        if homeserver is not None:
            homeserver.stop()
        relay.close()
        linkgate.stop()


def shim_urls(text: str, linkgate: Server) -> list[str]:
    return re.findall(re.escape(linkgate.url) + r"/l/[A-Za-z0-9_\-.]+", text)


def test_direct_message_with_competitor_link_after_phase_opens_behind_the_warning(
    world: World,
) -> None:
    async def scenario() -> dict[str, str]:
        async with clients(world.homeserver, world.alice, world.bob) as (alice, bob):
            room = await direct_room(alice, bob)
            sent = await send(alice, room, f"看看这个 {TAOBAO_ITEM}")
            assert sent.event_id is not None, sent
            return await received(bob, room, sent.event_id)

    content = asyncio.run(scenario())
    [shim] = shim_urls(content["body"], world.linkgate)
    assert content["body"] == f"看看这个 {shim}"
    assert content["formatted_body"] == f'看看这个 <a href="{shim}">{TAOBAO_ITEM}</a>'
    # Opening it shows the "not an official page" interstitial, decided again now.
    page = httpx.get(shim, follow_redirects=False, timeout=10)
    assert page.status_code == 200
    assert "将要访问" in page.text and "非官方网页，请确认是否继续访问。" in page.text


def test_partner_product_link_into_broadcast_room_is_refused(world: World) -> None:
    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob) as (alice, bob):
            room = await group_room(alice, bob, alias="feed-remote")
            refused = await send(alice, room, f"今日好物 {JD_ITEM}")
            assert refused.status == 403 and refused.errcode == "M_FORBIDDEN"
            assert refused.error == f"消息未发送：{JD_ITEM} — 朋友圈不支持分享商品链接"

    asyncio.run(scenario())


def test_group_whose_moderators_deny_links_refuses_them(world: World) -> None:
    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            room = await group_room(alice, bob, carol)
            assert (await send(bob, room, f"look {ZHIHU}")).event_id is not None
            denied = await put_state(alice, room, "org.linkgate.link_settings", {"setting": "deny"})
            assert denied.event_id is not None, denied
            refused = await send(bob, room, f"look {ZHIHU}")
            assert refused.status == 403
            assert refused.error == f"消息未发送：{ZHIHU} — 群主已关闭外部链接"

    asyncio.run(scenario())


def test_allowed_link_is_rewritten_to_a_shim_url_that_resolves(world: World) -> None:
    async def scenario() -> dict[str, str]:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            room = await group_room(alice, bob, carol)
            sent = await send(carol, room, f"{ZHIHU} 值得一读")
            assert sent.event_id is not None, sent
            return await received(alice, room, sent.event_id)

    content = asyncio.run(scenario())
    [shim] = shim_urls(content["body"], world.linkgate)
    opened = httpx.get(shim, follow_redirects=False, timeout=10)
    assert opened.status_code == 302
    assert opened.headers["location"].split("#")[0] == ZHIHU


def test_server_hanging_or_gone_fails_open_for_chats_and_closed_for_the_feed(
    world: World,
) -> None:
    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            direct = await direct_room(alice, bob)
            feed = await group_room(alice, carol, alias="feed-outage")
            for mode in ("hang", "drop"):
                world.relay.set_mode(mode)
                started = time.monotonic()
                sent = await send(alice, direct, f"{mode}: {TAOBAO_ITEM}")
                elapsed = time.monotonic() - started
                assert sent.event_id is not None, (mode, sent)
                body = (await received(bob, direct, sent.event_id))["body"]
                # Fail-open: delivered as sent, links not rewritten.
                assert body == f"{mode}: {TAOBAO_ITEM}"
                if mode == "hang":
                    assert elapsed >= TIMEOUT_SECONDS * 0.9
                refused = await send(alice, feed, f"{mode}: {ZHIHU}")
                assert refused.status == 503, (mode, refused)
                assert refused.error == "消息未发送：暂时无法检查消息中的链接，请稍后重试。"
            world.relay.set_mode("forward")
            sent = await send(alice, feed, f"back: {ZHIHU}")
            assert sent.event_id is not None, sent
            assert shim_urls((await received(carol, feed, sent.event_id))["body"], world.linkgate)

    asyncio.run(scenario())
    log = world.homeserver.log_text()
    assert "did not answer within 1 s" in log
    assert "delivered unchanged (fail-open)" in log and "refused (fail-closed)" in log
