"""Rooms as decisions see them: channel, group setting, members, preferences."""

from __future__ import annotations

from typing import Any

from linkgate.matrix.rooms import (
    link_setting_problem,
    opted_out,
    preferred_language,
    room_for,
)

ROOM = "!r:example.org"


def state(*members: tuple[str, str], **extra: dict[str, Any]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {
        ("m.room.member", user): {"membership": membership} for user, membership in members
    }
    for key, content in extra.items():
        out[(key.replace("__", "."), "")] = content
    return out


def test_two_members_are_a_private_chat_and_more_are_a_group() -> None:
    two = state(("@a:x", "join"), ("@b:x", "join"))
    assert room_for(ROOM, two, "@a:x", []).channel == "private_chat"
    invited = state(("@a:x", "join"), ("@b:x", "invite"))
    assert room_for(ROOM, invited, "@a:x", []).channel == "private_chat"
    three = state(("@a:x", "join"), ("@b:x", "join"), ("@c:x", "invite"))
    room = room_for(ROOM, three, "@a:x", [])
    assert room.channel == "group_chat"
    assert room.recipients("@a:x") == ("@b:x", "@c:x")
    # Members who left, were banned or only knocked do not count.
    gone = state(("@a:x", "join"), ("@b:x", "join"), ("@c:x", "leave"), ("@d:x", "ban"))
    assert room_for(ROOM, gone, "@a:x", []).channel == "private_chat"
    # A sender whose membership is not in the state yet still counts.
    assert room_for(ROOM, two, "@c:x", []).channel == "group_chat"


def test_broadcast_rooms_by_id_or_alias_with_wildcards() -> None:
    aliased = state(
        ("@a:x", "join"),
        m__room__canonical_alias={"alias": "#news:x", "alt_aliases": ["#feed-news:x"]},
    )
    assert room_for(ROOM, aliased, "@a:x", ["#feed-*:x"]).channel == "moments"
    assert room_for(ROOM, aliased, "@a:x", ["#news:x"]).channel == "moments"
    assert room_for(ROOM, aliased, "@a:x", [ROOM]).channel == "moments"
    assert room_for(ROOM, aliased, "@a:x", ["#feed-*:y"]).channel == "private_chat"
    assert room_for(ROOM, aliased, "@a:x", []).channel == "private_chat"


def test_group_setting_from_room_state() -> None:
    members = [("@a:x", "join"), ("@b:x", "join"), ("@c:x", "join")]
    setting = state(*members, org__linkgate__link_settings={"setting": "commerce_only"})
    assert room_for(ROOM, setting, "@a:x", []).group_setting == "commerce_only"
    cleared = state(*members, org__linkgate__link_settings={})
    assert room_for(ROOM, cleared, "@a:x", []).group_setting is None
    invalid = state(*members, org__linkgate__link_settings={"setting": "off"})
    assert room_for(ROOM, invalid, "@a:x", []).group_setting is None


def test_link_setting_problems_name_what_is_expected() -> None:
    assert link_setting_problem({}) is None
    assert link_setting_problem({"setting": "deny"}) is None
    assert link_setting_problem({"setting": "off"}) == (
        "setting must be one of allow, deny, commerce_only, content_only, got 'off'"
    )
    assert link_setting_problem({"setting": "deny", "x": 1}) == (
        'unknown keys x; the content is {"setting": …}'
    )


def test_member_preferences() -> None:
    assert opted_out({"opt_out": True})
    assert not opted_out({"opt_out": "yes"}) and not opted_out({}) and not opted_out(None)
    assert preferred_language({"language": "en-GB"}, "zh") == "en"
    assert preferred_language({"language": "fr"}, "zh") == "zh"
    assert preferred_language(None, "en") == "en"
