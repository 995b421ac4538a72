"""Shadow mode: the policy revision in shadow and its decisions beside the live ones.

At most one revision is in shadow. While it is, every live decision is also
decided by it (off the request path) and the pair is logged here: the
treatments, interstitials and the reason codes only one of the two gave.
The report counts how treatments would move, live → shadow, per platform
and channel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from linkgate.storage.schema import PolicyRevisionRow, PolicyShadowRow, ShadowDecisionRow
from linkgate.storage.transactions import insert_for, write_transaction
from linkgate.storage.types import as_utc, utcnow

_LOCK = "policy_shadow"
#: Fields of one logged pair, all required.
SHADOW_FIELDS: Final = (
    "decision_id",
    "decided_at",
    "kind",
    "live_revision",
    "shadow_revision",
    "platform",
    "channel",
    "live_treatment",
    "shadow_treatment",
    "live_interstitial",
    "shadow_interstitial",
    "reasons_differing",
)


@dataclass(frozen=True, slots=True)
class ShadowSetting:
    """The revision in shadow, since when, set by whom."""

    revision: str
    started_at: datetime
    started_by: str

    def to_dict(self) -> dict[str, str]:
        return {
            "revision": self.revision,
            "started_at": self.started_at.isoformat(),
            "started_by": self.started_by,
        }


@dataclass(frozen=True, slots=True)
class Transition:
    """How many decisions moved from one treatment (live) to another (shadow) in a cell."""

    platform: str | None
    channel: str
    live: str
    shadow: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "channel": self.channel,
            "live": self.live,
            "shadow": self.shadow,
            "count": self.count,
        }


def _row(index: int, row: Mapping[str, Any]) -> dict[str, Any]:
    missing = [name for name in SHADOW_FIELDS if name not in row]
    if missing:
        raise ValueError(f"shadow decision {index}: missing {', '.join(missing)}")
    out = {name: row[name] for name in SHADOW_FIELDS}
    out["decided_at"] = as_utc(row["decided_at"])
    return out


class ShadowStore:
    """The shadow setting (one row or none) and the shadow decision log."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self) -> ShadowSetting | None:
        stmt = select(
            PolicyShadowRow.revision, PolicyShadowRow.started_at, PolicyShadowRow.started_by
        )
        with self._engine.connect() as connection:
            row = connection.execute(stmt).first()
        return ShadowSetting(row.revision, row.started_at, row.started_by) if row else None

    def start(self, revision: str, by: str, *, at: datetime | None = None) -> ShadowSetting:
        """Put a stored revision in shadow (replacing any other); LookupError if unknown."""
        started = as_utc(at or utcnow())
        with write_transaction(self._engine, _LOCK) as connection:
            known = connection.execute(
                select(PolicyRevisionRow.revision).where(PolicyRevisionRow.revision == revision)
            ).first()
            if known is None:
                raise LookupError(f"no policy revision {revision!r}")
            stmt = insert_for(connection, PolicyShadowRow).values(
                id=1, revision=revision, started_at=started, started_by=by
            )
            connection.execute(
                stmt.on_conflict_do_update(
                    index_elements=["id"],
                    set_={"revision": revision, "started_at": started, "started_by": by},
                )
            )
        return ShadowSetting(revision, started, by)

    def stop(self) -> ShadowSetting | None:
        """Take the revision out of shadow; returns what was in shadow (None: nothing)."""
        with write_transaction(self._engine, _LOCK) as connection:
            row = connection.execute(
                select(
                    PolicyShadowRow.revision,
                    PolicyShadowRow.started_at,
                    PolicyShadowRow.started_by,
                )
            ).first()
            connection.execute(delete(PolicyShadowRow))
        return ShadowSetting(row.revision, row.started_at, row.started_by) if row else None

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Log a batch of live/shadow pairs in one transaction; returns how many."""
        pairs = [_row(index, row) for index, row in enumerate(rows)]
        if pairs:
            with write_transaction(self._engine) as connection:
                connection.execute(insert(ShadowDecisionRow), pairs)
        return len(pairs)

    def transitions(
        self,
        since: datetime,
        until: datetime,
        *,
        kind: str = "share",
        revision: str | None = None,
    ) -> list[Transition]:
        """Pairs with ``since <= decided_at < until`` counted per platform × channel ×
        live treatment × shadow treatment (of one shadow ``revision``, or of all)."""
        t = ShadowDecisionRow
        keys = (t.platform, t.channel, t.live_treatment, t.shadow_treatment)
        stmt = (
            select(*keys, func.count())
            .where(t.decided_at >= as_utc(since), t.decided_at < as_utc(until), t.kind == kind)
            .group_by(*keys)
        )
        if revision is not None:
            stmt = stmt.where(t.shadow_revision == revision)
        with self._engine.connect() as connection:
            found = [Transition(*row[:4], int(row[4])) for row in connection.execute(stmt)]
        return sorted(found, key=lambda x: (x.platform or "", x.channel, x.live, x.shadow))

    def revisions(self, since: datetime, until: datetime) -> list[str]:
        """The shadow revisions logged in a period."""
        t = ShadowDecisionRow
        stmt = (
            select(t.shadow_revision)
            .where(t.decided_at >= as_utc(since), t.decided_at < as_utc(until))
            .group_by(t.shadow_revision)
            .order_by(t.shadow_revision)
        )
        with self._engine.connect() as connection:
            return [row[0] for row in connection.execute(stmt)]

    def reason_counts(
        self,
        since: datetime,
        until: datetime,
        *,
        kind: str = "share",
        revision: str | None = None,
    ) -> Counter[tuple[str, str]]:
        """How often each reason code was given by only one side: ``("live", code)`` or
        ``("shadow", code)`` → pairs (streamed; the window is never held in memory)."""
        t = ShadowDecisionRow
        stmt = select(t.reasons_differing).where(
            t.decided_at >= as_utc(since), t.decided_at < as_utc(until), t.kind == kind
        )
        if revision is not None:
            stmt = stmt.where(t.shadow_revision == revision)
        counts: Counter[tuple[str, str]] = Counter()
        with self._engine.connect() as connection:
            for (differing,) in connection.execution_options(yield_per=5000).execute(stmt):
                for side in ("live", "shadow"):
                    for code in differing.get(side, ()):
                        counts[(side, code)] += 1
        return counts
