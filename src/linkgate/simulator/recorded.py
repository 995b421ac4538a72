"""Recorded traffic: stored share decisions as share events, for replays and exports.

The decision log keeps, for each share, the canonical link (and the link as
typed when it had deception signals the canonical form hides), the channel,
the preview title it was decided with and pseudonyms of the sender and the
group. :func:`share_event_of` turns one stored row into the traffic format
(:class:`~linkgate.simulator.schema.ShareEvent`), so ``linkgate simulate``
replays recorded traffic exactly as it replays generated traffic.

Senders and groups stay pseudonyms: a replay of a rollout phase open to a
percentage of users buckets the pseudonym, not the person, so such a phase
admits the same share of users but not the same users.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from linkgate.simulator.schema import ShareEvent, share_event


def share_event_of(row: Mapping[str, Any]) -> ShareEvent:
    """One stored share decision as a share event (the link as typed when it was kept)."""
    typed = row.get("input")
    return share_event(
        time=row["decided_at"],
        url=typed if typed is not None else (row.get("url") or ""),
        channel=row["channel"],
        sender=row.get("sender_hash"),
        group=row.get("group_hash"),
        title=row.get("title"),
    )


def share_events(rows: Iterable[Mapping[str, Any]]) -> Iterator[ShareEvent]:
    """Stored share decisions (``EventStore.shares``) as share events, in their order."""
    for row in rows:
        yield share_event_of(row)
