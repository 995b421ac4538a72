"""What a Matrix room means to a decision: its channel, its group setting, its members.

Pure functions over room state given as ``{(event type, state key): content}``.

- **Channel.** A room the operator lists in ``broadcast_rooms`` (by room id
  or by an alias in its ``m.room.canonical_alias``, ``*`` wildcards allowed)
  is ``moments``; a room whose members (joined or invited, the sender
  included) are at most two is ``private_chat``; any other room is
  ``group_chat``.
- **Group setting.** The state event ``org.linkgate.link_settings`` (state key
  ``""``) with content ``{"setting": "allow" | "deny" | "commerce_only" |
  "content_only"}``; empty content or no event means no setting. Who may set
  it is governed by the room's power levels (moderators, by default).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from linkgate.vocabulary import GROUP_SETTINGS

LINK_SETTINGS_EVENT: Final = "org.linkgate.link_settings"
"""Room state event holding the room's group setting."""

PREFERENCES_ACCOUNT_DATA: Final = "org.linkgate.preferences"
"""Global account data: ``{"opt_out": bool, "language": "zh" | "en"}``."""

RoomState = Mapping[tuple[str, str], Mapping[str, Any]]

_MEMBERSHIPS: Final = frozenset({"join", "invite"})


@dataclass(frozen=True, slots=True)
class Room:
    """A room as a decision sees it."""

    room_id: str
    channel: str
    group_setting: str | None
    members: tuple[str, ...]

    def recipients(self, sender: str) -> tuple[str, ...]:
        """Who receives a message ``sender`` sends here."""
        return tuple(member for member in self.members if member != sender)


def members(state: RoomState) -> tuple[str, ...]:
    """Joined and invited members, sorted."""
    return tuple(
        sorted(
            key
            for (kind, key), content in state.items()
            if kind == "m.room.member" and content.get("membership") in _MEMBERSHIPS
        )
    )


def aliases(state: RoomState) -> tuple[str, ...]:
    """The room's published aliases (canonical first)."""
    content = state.get(("m.room.canonical_alias", ""), {})
    out: list[str] = []
    alias = content.get("alias")
    if isinstance(alias, str):
        out.append(alias)
    alt = content.get("alt_aliases")
    if isinstance(alt, Sequence) and not isinstance(alt, str):
        out.extend(a for a in alt if isinstance(a, str))
    return tuple(out)


def is_broadcast(room_id: str, state: RoomState, patterns: Sequence[str]) -> bool:
    """Whether the room id or one of its aliases matches a ``broadcast_rooms`` pattern."""
    if not patterns:
        return False
    names = (room_id, *aliases(state))
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns for name in names)


def link_setting_problem(content: Mapping[str, Any]) -> str | None:
    """Why ``content`` is not a valid ``org.linkgate.link_settings`` event, or ``None``."""
    if not content:
        return None
    unknown = sorted(set(content) - {"setting"})
    if unknown:
        return f'unknown keys {", ".join(unknown)}; the content is {{"setting": …}}'
    setting = content.get("setting")
    if setting not in GROUP_SETTINGS:
        return f"setting must be one of {', '.join(GROUP_SETTINGS)}, got {setting!r}"
    return None


def group_setting(state: RoomState) -> str | None:
    """The room's link setting, or ``None`` (no setting, or content that is not valid)."""
    content = state.get((LINK_SETTINGS_EVENT, ""))
    if not content or link_setting_problem(content) is not None:
        return None
    return str(content["setting"])


def room_for(room_id: str, state: RoomState, sender: str, broadcast_rooms: Sequence[str]) -> Room:
    """The room's channel, setting and members as of ``state``."""
    present = members(state)
    everyone = set(present) | {sender}
    if is_broadcast(room_id, state, broadcast_rooms):
        channel = "moments"
    elif len(everyone) <= 2:
        channel = "private_chat"
    else:
        channel = "group_chat"
    return Room(room_id, channel, group_setting(state), present)


def opted_out(preferences: Mapping[str, Any] | None) -> bool:
    """Whether a member's preferences say they do not receive external links."""
    return preferences is not None and preferences.get("opt_out") is True


def preferred_language(preferences: Mapping[str, Any] | None, default: str) -> str:
    """The member's chosen language (``zh`` or ``en``), else ``default``."""
    if preferences:
        language = preferences.get("language")
        if isinstance(language, str):
            primary = language.strip().lower().split("-")[0]
            if primary in ("zh", "en"):
                return primary
    return default
