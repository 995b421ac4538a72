"""A real Synapse homeserver with the linkgate module in in-process mode, driven by matrix-nio.

One homeserver and one ``linkgate serve`` (for the shim) for the whole
module. The module's policy clock is fixed at 2021-09-10, a week before
competitor links open in one-to-one chats.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from linkgate.events import Pseudonymizer
from tests.matrix.chat import (
    direct_room,
    group_room,
    message_bodies,
    put_account_data,
    put_state,
    received,
    send,
)
from tests.matrix.homeserver import (
    Account,
    Homeserver,
    clients,
    start_homeserver,
    synapse_or_skip,
)
from tests.service.servers import SECRET_KEYS, Server, start_server

PSEUDONYM_KEY = "matrix-in-process-test"
TAOBAO_ITEM = "https://item.taobao.com/item.htm?id=520123"
JD_ITEM = "https://item.jd.com/100012043978.html"
ZHIHU = "https://www.zhihu.com/question/19550225"


@dataclass
class World:
    homeserver: Homeserver
    linkgate: Server
    alice: Account
    bob: Account
    carol: Account


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    synapse_or_skip()
    home = tmp_path_factory.mktemp("linkgate")
    linkgate = start_server(home, f"sqlite:///{home}/linkgate.sqlite")
    homeserver: Homeserver | None = None
    try:
        homeserver = start_homeserver(
            tmp_path_factory.mktemp("synapse"),
            {
                "mode": "in_process",
                "shim": {"public_url": linkgate.url, "secret_keys": SECRET_KEYS},
                "broadcast_rooms": ["#feed-*:localhost"],
                "pseudonym_key": PSEUDONYM_KEY,
                "clock": "2021-09-10T12:00:00+08:00",
            },
        )
        yield World(
            homeserver,
            linkgate,
            homeserver.register("alice"),
            homeserver.register("bob"),
            homeserver.register("carol"),
        )
    finally:
        if homeserver is not None:
            homeserver.stop()
        linkgate.stop()


def shim_urls(text: str, linkgate: Server) -> list[str]:
    return re.findall(re.escape(linkgate.url) + r"/l/[A-Za-z0-9_\-.]+", text)


def test_direct_message_with_competitor_link_before_phase_is_copy_only(world: World) -> None:
    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob) as (alice, bob):
            room = await direct_room(alice, bob)
            sent = await send(alice, room, f"看看这个 {TAOBAO_ITEM} 怎么样")
            assert sent.event_id is not None, sent
            content = await received(bob, room, sent.event_id)
            # Delivered, the link as typed, not linkified, with the copy-only notice.
            assert content["body"].startswith(f"看看这个 {TAOBAO_ITEM} 怎么样")
            assert (
                "如需浏览，请长按网址复制后使用浏览器访问（该平台的链接暂未在此处开放）"
                in (content["body"])
            )
            assert f"<code>{TAOBAO_ITEM}</code>" in content["formatted_body"]
            assert "<a " not in content["formatted_body"]
            assert not shim_urls(content["body"], world.linkgate)

    asyncio.run(scenario())


def test_partner_product_link_into_broadcast_room_is_refused(world: World) -> None:
    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob) as (alice, bob):
            room = await group_room(alice, bob, alias="feed-deals")
            refused = await send(alice, room, f"今日好物 {JD_ITEM}")
            assert refused.event_id is None
            assert refused.status == 403 and refused.errcode == "M_FORBIDDEN"
            assert refused.error == f"消息未发送：{JD_ITEM} — 朋友圈不支持分享商品链接"
            # A content link is fine in the feed; nothing of the refused message arrived.
            sent = await send(alice, room, f"读读这个 {ZHIHU}")
            assert sent.event_id is not None, sent
            bodies = await message_bodies(bob, room)
            assert not any(JD_ITEM in body for body in bodies)
            assert any(body.startswith("读读这个 ") for body in bodies)

    asyncio.run(scenario())


def test_group_whose_moderators_deny_links_refuses_them(world: World) -> None:
    put_account_data(world.homeserver, world.bob, "org.linkgate.preferences", {"language": "en"})

    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            room = await group_room(alice, bob, carol)
            # Only moderators may set the room's link setting, and only to a known value.
            by_member = await put_state(
                bob, room, "org.linkgate.link_settings", {"setting": "deny"}
            )
            assert by_member.event_id is None and by_member.errcode == "M_FORBIDDEN"
            invalid = await put_state(alice, room, "org.linkgate.link_settings", {"setting": "off"})
            assert invalid.event_id is None and invalid.errcode == "M_BAD_JSON"
            assert "setting must be one of allow, deny, commerce_only, content_only" in (
                invalid.error or ""
            )
            denied = await put_state(alice, room, "org.linkgate.link_settings", {"setting": "deny"})
            assert denied.event_id is not None, denied

            refused = await send(bob, room, f"look {ZHIHU}")
            assert refused.status == 403 and refused.errcode == "M_FORBIDDEN"
            # In the sender's language (bob chose English).
            assert refused.error == (
                f"Message not sent: {ZHIHU} — The group owner has turned off external links"
            )
            # Content-only admits the content link; the product link is still refused.
            await put_state(alice, room, "org.linkgate.link_settings", {"setting": "content_only"})
            assert (await send(bob, room, f"look {ZHIHU}")).event_id is not None
            assert (await send(bob, room, f"buy {JD_ITEM}")).status == 403
            assert JD_ITEM not in " ".join(await message_bodies(carol, room))

    asyncio.run(scenario())


def test_allowed_link_is_delivered_rewritten_to_a_shim_url_that_resolves(world: World) -> None:
    async def scenario() -> tuple[str, dict[str, str]]:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            room = await group_room(alice, bob, carol)
            sent = await send(bob, room, f"值得一读：{ZHIHU} 。")
            assert sent.event_id is not None, sent
            content = await received(carol, room, sent.event_id)
            return room, content

    room, content = asyncio.run(scenario())
    shims = shim_urls(content["body"], world.linkgate)
    assert len(shims) == 1
    assert content["body"] == f"值得一读：{shims[0]} 。"
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"] == f'值得一读：<a href="{shims[0]}">{ZHIHU}</a> 。'
    # The shim decides again at click time, then redirects to the link.
    opened = httpx.get(shims[0], follow_redirects=False, timeout=10)
    assert opened.status_code == 302
    assert opened.headers["location"].split("#")[0] == ZHIHU
    # The room id travels only as a pseudonym.
    assert room not in json.dumps(content)


def test_html_links_and_edits_are_decided_too(world: World) -> None:
    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            room = await group_room(alice, bob, carol)
            sent = await send(
                alice,
                room,
                "the article",
                formatted=f'the <a href="{ZHIHU}">article</a> and <a href="https://matrix.to/#/@bob:localhost">Bob</a>',
            )
            assert sent.event_id is not None, sent
            content = await received(bob, room, sent.event_id)
            shim = re.search(r'<a href="([^"]+)">article</a>', content["formatted_body"])
            assert shim is not None and shim.group(1).startswith(world.linkgate.url + "/l/")
            # Mentions (matrix.to) are left alone.
            assert (
                '<a href="https://matrix.to/#/@bob:localhost">Bob</a>' in content["formatted_body"]
            )

            edit = {
                "m.new_content": {"msgtype": "m.text", "body": f"the article: {ZHIHU}"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": sent.event_id},
            }
            edited = await send(alice, room, f"* the article: {ZHIHU}", extra=edit)
            assert edited.event_id is not None, edited
            new = (await received(carol, room, edited.event_id))["m.new_content"]
            assert shim_urls(new["body"], world.linkgate)
            assert ZHIHU not in new["body"]

            # An edit that brings in a deceptive link is refused like a new message.
            bad = "https://taobao.com@evil.top/"
            edit["m.new_content"] = {"msgtype": "m.text", "body": f"the article: {bad}"}
            refused = await send(alice, room, f"* the article: {bad}", extra=edit)
            assert refused.status == 403 and bad in (refused.error or "")

    asyncio.run(scenario())


def test_shim_url_forwarded_elsewhere_is_decided_again_for_that_room(world: World) -> None:
    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            group = await group_room(alice, bob, carol)
            sent = await send(alice, group, JD_ITEM)
            assert sent.event_id is not None, sent
            shim = shim_urls((await received(bob, group, sent.event_id))["body"], world.linkgate)
            assert len(shim) == 1
            # Forwarding the shim URL into the feed does not launder the product link.
            feed = await group_room(alice, carol, alias="feed-forwarded")
            forwarded = await send(alice, feed, f"fwd: {shim[0]}")
            assert forwarded.status == 403
            assert "朋友圈不支持分享商品链接" in (forwarded.error or "")
            # Quoted in the same group it is not wrapped twice.
            again = await send(carol, group, f"> {shim[0]}\n\nnice")
            assert again.event_id is not None, again
            body = (await received(alice, group, again.event_id))["body"]
            assert len(shim_urls(body, world.linkgate)) == 1

    asyncio.run(scenario())


def test_members_who_all_opted_out_get_links_as_copy_only(world: World) -> None:
    async def scenario(room: str) -> dict[str, str]:
        async with clients(world.homeserver, world.alice, world.bob) as (alice, bob):
            sent = await send(alice, room, f"see {ZHIHU}")
            assert sent.event_id is not None, sent
            return await received(bob, room, sent.event_id)

    async def make_room() -> str:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            return await group_room(alice, bob, carol)

    room = asyncio.run(make_room())
    put_account_data(world.homeserver, world.bob, "org.linkgate.preferences", {"opt_out": True})
    # Carol still wants links: one shared event cannot differ per member, so they open.
    content = asyncio.run(scenario(room))
    assert shim_urls(content["body"], world.linkgate)
    put_account_data(world.homeserver, world.carol, "org.linkgate.preferences", {"opt_out": True})
    try:
        content = asyncio.run(scenario(room))
        assert not shim_urls(content["body"], world.linkgate)
        assert f"<code>{ZHIHU}</code>" in content["formatted_body"]
        assert content["body"].endswith("（你已关闭接收外部链接）")
    finally:
        for account in (world.bob, world.carol):
            put_account_data(world.homeserver, account, "org.linkgate.preferences", {})


def test_pass_codes_are_decided_and_kept_as_text(world: World) -> None:
    text = "【淘宝】复制这条信息￥AbC123dEf45￥后打开👉手机淘宝👈"

    async def scenario() -> None:
        async with clients(world.homeserver, world.alice, world.bob) as (alice, bob):
            room = await direct_room(alice, bob)
            sent = await send(alice, room, text)
            assert sent.event_id is not None, sent
            assert (await received(bob, room, sent.event_id))["body"] == text

    asyncio.run(scenario())
    decided = [
        record
        for record in decision_records(world.homeserver)
        if any(d["kind"] == "passcode" for d in record["decisions"])
    ]
    assert decided, "the pass-code was not decided"
    assert decided[-1]["decisions"][0]["url"] == "https://taobao.com/"
    assert decided[-1]["decisions"][0]["treatment"] == "copy_only"


def decision_records(homeserver: Homeserver) -> list[dict[str, object]]:
    records = []
    for line in homeserver.log_text().splitlines():
        if "linkgate decisions " in line:
            records.append(json.loads(line.split("linkgate decisions ", 1)[1]))
    return records


def test_decisions_are_logged_with_pseudonymised_ids(world: World) -> None:
    async def scenario() -> tuple[str, str]:
        async with clients(world.homeserver, world.alice, world.bob, world.carol) as (
            alice,
            bob,
            carol,
        ):
            room = await group_room(alice, bob, carol)
            sent = await send(carol, room, f"log me {ZHIHU}")
            assert sent.event_id is not None
            return room, sent.event_id

    room, _ = asyncio.run(scenario())
    pseudonym = Pseudonymizer(PSEUDONYM_KEY.encode())
    mine = [r for r in decision_records(world.homeserver) if r["room"] == pseudonym(room)]
    assert len(mine) == 1
    record = mine[0]
    assert record["sender"] == pseudonym(world.carol.user_id)
    assert record["channel"] == "group_chat" and record["outcome"] == "rewritten"
    lines = [
        line for line in world.homeserver.log_text().splitlines() if "linkgate decisions" in line
    ]
    assert not any(room in line or "@carol:" in line for line in lines)


def test_refusal_carries_machine_readable_details(world: World) -> None:
    async def make_room() -> str:
        async with clients(world.homeserver, world.alice, world.bob) as (alice, bob):
            return await group_room(alice, bob, alias="feed-details")

    room = asyncio.run(make_room())
    response = httpx.put(
        f"{world.homeserver.url}/_matrix/client/v3/rooms/{room}/send/m.room.message/t1",
        json={"msgtype": "m.text", "body": JD_ITEM},
        headers={"Authorization": f"Bearer {world.alice.access_token}"},
        timeout=10,
    )
    assert response.status_code == 403
    body = response.json()
    assert body["errcode"] == "M_FORBIDDEN"
    [detail] = body["org.linkgate.refused"]
    assert detail["link"] == JD_ITEM
    assert detail["treatment"] == "blocked" and detail["reasons"] == ["moments_commerce"]
    assert detail["decision_id"]


def test_configuration_mistakes_stop_the_homeserver_with_every_problem(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    synapse_or_skip()
    with pytest.raises(RuntimeError) as stopped:
        start_homeserver(
            tmp_path_factory.mktemp("misconfigured"),
            {"mode": "in_process", "shim": {"public_url": "links.example"}, "language": "fr"},
        )
    message = str(stopped.value)
    assert message.startswith("Synapse exited")
    assert (
        "linkgate: shim.public_url: expected an http:// or https:// URL, got 'links.example'; "
        "shim.secret_keys: required in in_process mode" in message
    )
    assert "language: expected one of zh, en, got str 'fr'" in message
