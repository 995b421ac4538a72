"""What a Matrix user does in the integration tests, through matrix-nio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from tests.matrix.homeserver import Account, Homeserver


@dataclass(frozen=True)
class Sent:
    """The answer to a send: the event id, or the error the sender's client got."""

    event_id: str | None
    status: int | None = None
    errcode: str | None = None
    error: str | None = None


async def direct_room(owner: Any, other: Any) -> str:
    from nio import RoomCreateResponse

    created = await owner.room_create(is_direct=True, invite=[other.user_id])
    assert isinstance(created, RoomCreateResponse), created
    await _join(other, created.room_id)
    return str(created.room_id)


async def group_room(owner: Any, *members: Any, alias: str | None = None) -> str:
    from nio import RoomCreateResponse

    created = await owner.room_create(
        alias=alias, name=alias or "group", invite=[m.user_id for m in members]
    )
    assert isinstance(created, RoomCreateResponse), created
    for member in members:
        await _join(member, created.room_id)
    return str(created.room_id)


async def _join(client: Any, room_id: str) -> None:
    from nio import JoinResponse

    joined = await client.join(room_id)
    assert isinstance(joined, JoinResponse), joined


async def send(
    client: Any,
    room_id: str,
    body: str,
    *,
    formatted: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Sent:
    from nio import RoomSendResponse

    content: dict[str, Any] = {"msgtype": "m.text", "body": body}
    if formatted is not None:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = formatted
    content.update(extra or {})
    answer = await client.room_send(room_id, "m.room.message", content)
    if isinstance(answer, RoomSendResponse):
        return Sent(str(answer.event_id))
    return Sent(None, _http_status(answer), answer.status_code, answer.message)


def _http_status(answer: Any) -> int | None:
    transport = getattr(answer, "transport_response", None)
    return int(transport.status) if transport is not None else None


async def received(client: Any, room_id: str, event_id: str) -> dict[str, Any]:
    """The content of an event as another member's client receives it."""
    from nio import RoomGetEventResponse

    answer = await client.room_get_event(room_id, event_id)
    assert isinstance(answer, RoomGetEventResponse), answer
    content: dict[str, Any] = answer.event.source["content"]
    return content


async def message_bodies(client: Any, room_id: str) -> list[str]:
    """Every message body in the room's timeline, oldest first."""
    from nio import RoomMessagesResponse

    answer = await client.room_messages(room_id, start="", limit=100)
    assert isinstance(answer, RoomMessagesResponse), answer
    return [
        e.source["content"].get("body", "")
        for e in reversed(answer.chunk)
        if e.source.get("type") == "m.room.message"
    ]


async def put_state(client: Any, room_id: str, event_type: str, content: dict[str, Any]) -> Sent:
    from nio import RoomPutStateResponse

    answer = await client.room_put_state(room_id, event_type, content)
    if isinstance(answer, RoomPutStateResponse):
        return Sent(str(answer.event_id))
    return Sent(None, _http_status(answer), answer.status_code, answer.message)


def put_account_data(server: Homeserver, account: Account, kind: str, data: dict[str, Any]) -> None:
    """Set global account data (matrix-nio has no call for it; this is the client API)."""
    url = f"{server.url}/_matrix/client/v3/user/{quote(account.user_id)}/account_data/{quote(kind)}"
    response = httpx.put(
        url, json=data, headers={"Authorization": f"Bearer {account.access_token}"}, timeout=10
    )
    response.raise_for_status()
