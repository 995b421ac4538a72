"""The enforcement state of sender accounts, as the decision sees it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SenderAction = Literal["warn", "restrict_links", "ban", "permanent_ban"]
SENDER_ACTIONS: tuple[SenderAction, ...] = ("warn", "restrict_links", "ban", "permanent_ban")
SEVERITY: dict[str, int] = {a: i for i, a in enumerate(SENDER_ACTIONS)}


@dataclass(frozen=True, slots=True)
class SenderState:
    sender: str
    action: SenderAction
    reason: str
    expires_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at


class SenderTable:
    """Current actions against senders, by sender key.

    ``key`` maps the sender id a decision names to the key the states are
    stored under (the service keys them by pseudonym); identity by default.
    """

    def __init__(
        self,
        states: Iterable[SenderState] = (),
        key: Callable[[str], str | None] | None = None,
    ) -> None:
        self._by_sender: dict[str, SenderState] = {}
        for s in states:
            held = self._by_sender.get(s.sender)
            if held is None or SEVERITY[s.action] > SEVERITY[held.action]:
                self._by_sender[s.sender] = s
        self._key = key

    def __len__(self) -> int:
        return len(self._by_sender)

    def get(self, sender: str | None, at: datetime) -> SenderState | None:
        if sender is None or not self._by_sender:
            return None
        key = self._key(sender) if self._key is not None else sender
        if key is None:
            return None
        state = self._by_sender.get(key)
        if state is None or not state.active(at):
            return None
        return state
