"""The enforcement state of sender accounts, as the decision sees it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SenderAction = Literal["warn", "restrict_links", "ban", "permanent_ban"]
SENDER_ACTIONS: tuple[SenderAction, ...] = ("warn", "restrict_links", "ban", "permanent_ban")


@dataclass(frozen=True, slots=True)
class SenderState:
    sender: str
    action: SenderAction
    reason: str
    expires_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at


class SenderTable:
    """Current actions against senders, by sender id."""

    def __init__(self, states: Iterable[SenderState] = ()) -> None:
        self._by_sender: dict[str, SenderState] = {s.sender: s for s in states}

    def __len__(self) -> int:
        return len(self._by_sender)

    def get(self, sender: str | None, at: datetime) -> SenderState | None:
        if sender is None or not self._by_sender:
            return None
        state = self._by_sender.get(sender)
        if state is None or not state.active(at):
            return None
        return state
