"""The decision routes' own reading of requests and writing of answers agree with pydantic's."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import to_json
from starlette.requests import ClientDisconnect

from linkgate import Gateway
from linkgate.api.direct import body_bytes
from linkgate.api.routes.decisions import json_response, request_fields
from linkgate.api.schemas import DecisionIn


class Kind(StrEnum):
    SHARE = "share"


@dataclass
class Point:
    x: int
    y: int


FULL = {
    "url": "https://item.jd.com/100.html",
    "channel": "group_chat",
    "sender": "alice",
    "group": "room-1",
    "viewer": "bob",
    "recipient": "carol",
    "at": "2021-12-01T12:00:00+08:00",
    "group_setting": "commerce_only",
    "viewer_opt_out": True,
    "recipients": ["dave", "erin"],
    "title": "标题",
    "description": "说明",
}


@pytest.mark.parametrize("present", [list(FULL), ["url", "channel"], ["url", "channel", "at"]])
def test_request_fields_are_the_models_dump(present: list[str]) -> None:
    body = DecisionIn.model_validate({name: FULL[name] for name in present})
    fields = request_fields(body)
    assert fields == body.model_dump()
    assert [type(v) for v in fields.values()] == [type(v) for v in body.model_dump().values()]
    fields["url"] = "changed"  # a copy: the model keeps its own fields
    assert body.url != "changed"


def test_every_request_field_is_flat() -> None:
    # request_fields copies values as they are: a nested model would need dumping.
    for name, info in DecisionIn.model_fields.items():
        assert "BaseModel" not in str(info.annotation), name


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_answers_are_the_bytes_pydantic_writes(content: dict[str, Any]) -> None:
    assert json_response(content).body == to_json(content)


@pytest.mark.parametrize(
    "content",
    [
        {"big": 2**80},  # beyond orjson's 64-bit integers
        {"keys": {1: "a"}},  # a key that is not a string
        {"when": datetime(2021, 9, 17, tzinfo=UTC)},  # orjson writes "+00:00", pydantic "Z"
        {"kind": Kind.SHARE},  # a subclass of str
        {"point": Point(1, 2)},  # a dataclass
    ],
)
def test_values_orjson_refuses_are_written_as_before(content: dict[str, Any]) -> None:
    assert json_response(content).body == to_json(content)


def test_decisions_are_written_as_pydantic_writes_them() -> None:
    gateway = Gateway.default()
    for url in ("https://item.jd.com/1.html", "https://tаobao.com/x", "http://10.0.0.1/", "x y"):
        for channel in ("private_chat", "group_chat", "moments"):
            body = gateway.decide(url, channel=channel).to_dict()
            assert json_response(body).body == to_json(body)


def _messages(*messages: dict[str, Any]) -> Any:
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    return receive


@given(st.lists(st.binary(max_size=50), min_size=1, max_size=5))
def test_bodies_are_read_whole_from_any_chunking(chunks: list[bytes]) -> None:
    # The server may hand a body over in several messages; the last says no more follows.
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    assert asyncio.run(body_bytes(_messages(*messages))) == b"".join(chunks)


def test_a_body_without_its_key_or_after_a_disconnect() -> None:
    assert asyncio.run(body_bytes(_messages({"type": "http.request"}))) == b""
    receive = _messages(
        {"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}
    )
    with pytest.raises(ClientDisconnect):
        asyncio.run(body_bytes(receive))
