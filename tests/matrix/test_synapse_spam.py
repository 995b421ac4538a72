"""A real Synapse in remote mode: a sender blasting one link to many people is refused
once the linkgate server's anti-spam threshold is crossed, and stays refused."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.storage.engine import make_engine
from linkgate.storage.repos import KeyStore
from tests.matrix.chat import direct_room, send
from tests.matrix.homeserver import (
    SERVER_NAME,
    Account,
    Homeserver,
    clients,
    start_homeserver,
    synapse_or_skip,
)
from tests.service.servers import Server, start_server

JD_ITEM = "https://item.jd.com/100012043978.html"
LIMIT = 3
RULES = f"""
enforcement:
  thresholds:
    - {{id: blast, measure: link_recipients, window: 1h, limit: {LIMIT}}}
  ladder:
    - {{action: restrict_links, duration: 24h}}
  cooldown: 1h
  upheld_reports: 0

"""


def strict_policy() -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    return text[: text.index("enforcement:\n")] + RULES + text[text.index("forward_limits:") :]


@dataclass
class World:
    homeserver: Homeserver
    linkgate: Server
    database: str
    spammer: Account
    friends: list[Account]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    synapse_or_skip()
    home = tmp_path_factory.mktemp("linkgate")
    database = f"sqlite:///{home}/linkgate.sqlite"
    linkgate = start_server(home, database)
    homeserver: Homeserver | None = None
    try:
        keys = KeyStore(make_engine(database))
        _, integrator = keys.create("integrator", None, "synapse")
        _, operator = keys.create("operator", None, "t&s")
        text = strict_policy()
        headers = {"Authorization": f"Bearer {operator}"}
        created = httpx.post(
            f"{linkgate.url}/v1/policies", json={"content": text}, headers=headers, timeout=10
        )
        assert created.status_code == 201, created.text
        revision = parse_policy(text, "strict").revision
        published = httpx.post(
            f"{linkgate.url}/v1/policies/{revision}/publish", headers=headers, timeout=10
        )
        assert published.status_code == 200, published.text
        homeserver = start_homeserver(
            tmp_path_factory.mktemp("synapse"),
            {
                "mode": "remote",
                "server": {"url": linkgate.url, "api_key": integrator, "timeout_seconds": 5},
                "shim": {"public_url": linkgate.url},
                "pseudonym_key": "matrix-spam-test",
            },
        )
        friends = [homeserver.register(f"friend{i}") for i in range(LIMIT + 2)]
        yield World(homeserver, linkgate, database, homeserver.register("blaster"), friends)
    finally:
        if homeserver is not None:
            homeserver.stop()
        linkgate.stop()


def test_a_sender_crossing_the_threshold_is_refused_afterwards(world: World) -> None:
    async def scenario() -> list[tuple[int | None, str | None]]:
        async with clients(world.homeserver, world.spammer, *world.friends) as (
            spammer,
            *friends,
        ):
            outcomes = []
            rooms = [await direct_room(spammer, friend) for friend in friends]
            for room in rooms:
                sent = await send(spammer, room, f"限时特价 {JD_ITEM}")
                outcomes.append((sent.status, sent.error))
            again = await send(spammer, rooms[0], f"再看看 {JD_ITEM}")
            outcomes.append((again.status, again.error))
            return outcomes

    outcomes = asyncio.run(scenario())
    assert outcomes[:LIMIT] == [(None, None)] * LIMIT, outcomes
    for status, error in outcomes[LIMIT:]:
        assert status == 403, outcomes
        assert error is not None and "你的账号已被限制发送链接" in error
    account = f"@blaster:{SERVER_NAME}"
    operator = KeyStore(make_engine(world.database)).create("operator")[1]
    body = httpx.get(
        f"{world.linkgate.url}/v1/accounts/{account}/enforcement",
        headers={"Authorization": f"Bearer {operator}"},
        timeout=10,
    ).json()
    assert body["state"] == "restrict_links"
